//! The HTTP trace (`HOPAE_DEBUG=http`, or [`ClientBuilder::http_trace`]): every attempt's
//! request line and headers, then its status, headers, timing and a bounded body
//! excerpt, or its failure, on stderr (or to a callback). Credentials are replaced in
//! headers, and body excerpts pass through the library's scrubber; request bodies are
//! shown by size and type only.
//!
//! [`ClientBuilder::http_trace`]: crate::ClientBuilder::http_trace

use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{ResponseEvent, TraceSetting, TraceSink};
use crate::redact::Credential;

/// The environment variable that turns the trace on: a comma-separated list of topics,
/// of which `http` is the one this crate knows.
pub(crate) const DEBUG_VAR: &str = "HOPAE_DEBUG";
/// The most characters of a response body the trace shows.
pub(crate) const BODY_CHARS: usize = 1000;
/// The most characters of one header value the trace shows.
const HEADER_CHARS: usize = 200;
/// Headers whose values are credentials whatever they hold.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Where trace lines go.
#[derive(Clone)]
pub(crate) struct Trace {
    sink: TraceSink,
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Trace")
    }
}

/// A sink writing to stderr, each event's lines at once.
pub(crate) fn stderr_sink() -> TraceSink {
    Arc::new(|text: &str| {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    })
}

/// A sink calling `f` with one line at a time (without its newline).
pub(crate) fn lines_sink(f: impl Fn(&str) + Send + Sync + 'static) -> TraceSink {
    Arc::new(move |text: &str| text.lines().for_each(&f))
}

impl Trace {
    /// The trace of a client being built: as the builder said, else as `HOPAE_DEBUG`
    /// says now.
    pub(crate) fn resolve(setting: &TraceSetting) -> Option<Trace> {
        match setting {
            TraceSetting::On(sink) => Some(Trace { sink: sink.clone() }),
            TraceSetting::Off => None,
            TraceSetting::FromEnv => std::env::var(DEBUG_VAR)
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("http")))
                .then(|| Trace {
                    sink: stderr_sink(),
                }),
        }
    }
}

/// A header as traced and as [`ResponseEvent`] carries it: the name lowercase, the value
/// with credentials replaced and cut to 200 characters.
pub(crate) fn shown_header(name: &str, value: &[u8], credential: &Credential) -> (String, String) {
    let name = name.to_ascii_lowercase();
    let value = String::from_utf8_lossy(value);
    let shown = if SECRET_HEADERS.contains(&name.as_str()) {
        // Keep the scheme (`Bearer`, `Basic`): it says which credential was sent.
        match value.split_once(' ') {
            Some((scheme, _)) if name.ends_with("authorization") => format!("{scheme} [redacted]"),
            _ => "[redacted]".to_owned(),
        }
    } else {
        let mut redacted = credential.redact(&value);
        // A redirect's query may carry an authorization code or a token.
        if name.ends_with("location")
            && let Some(q) = redacted.find('?')
        {
            redacted.truncate(q);
            redacted.push_str("?[redacted]");
        }
        let flat: String = redacted
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(HEADER_CHARS + 1)
            .collect();
        if flat.chars().count() > HEADER_CHARS {
            let cut: String = flat.chars().take(HEADER_CHARS).collect();
            format!("{cut}…")
        } else {
            flat
        }
    };
    (name, shown)
}

/// A response body as the trace shows it: secret fields ([`crate::SECRET_FIELDS`], any
/// length) and the credential replaced, then the library's excerpt rule (one line, HTML
/// flattened, the key redacted in every echoed form), cut to [`BODY_CHARS`].
pub(crate) fn body_excerpt(body: &[u8], credential: &Credential) -> Option<String> {
    if let Ok(mut value) = crate::json::parse(body)
        && crate::mapping::redact_secret_fields(&mut value)
    {
        let scrubbed = value.to_string();
        return crate::mapping::excerpt_within(scrubbed.as_bytes(), credential, BODY_CHARS);
    }
    crate::mapping::excerpt_within(body, credential, BODY_CHARS)
}

impl Trace {
    /// The request of one attempt: its line and the headers the client sends.
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        attempt: u32,
        headers: &[(String, String)],
        body: Option<(&str, usize)>,
        credential: &Credential,
    ) {
        let mut out = format!(
            "hopae: > {method} {} (attempt {attempt})\n",
            credential.redact(url)
        );
        for (name, value) in headers {
            out.push_str(&format!("hopae: > {name}: {value}\n"));
        }
        if let Some((content_type, len)) = body {
            out.push_str(&format!(
                "hopae: > [body: {len} bytes of {content_type}, not shown]\n"
            ));
        }
        (self.sink)(&out);
    }

    /// The response of one attempt.
    pub(crate) fn response(&self, event: &ResponseEvent<'_>, credential: &Credential) {
        let reason = ureq::http::StatusCode::from_u16(event.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut out = format!(
            "hopae: < {} {reason} in {}\n",
            event.status,
            millis(event.elapsed)
        );
        for (name, value) in event.response_headers {
            out.push_str(&format!("hopae: < {name}: {value}\n"));
        }
        match body_excerpt(event.body, credential) {
            Some(excerpt) => out.push_str(&format!(
                "hopae: < [body: {} bytes] {excerpt}\n",
                event.body.len()
            )),
            None => out.push_str("hopae: < [no body]\n"),
        }
        (self.sink)(&out);
    }

    /// An attempt that got no response.
    pub(crate) fn failure(&self, error: &ureq::Error, elapsed: Duration, credential: &Credential) {
        let text = credential
            .redact(&error.to_string())
            .replace(['\n', '\r'], " ");
        (self.sink)(&format!(
            "hopae: ! no response after {}: {text}\n",
            millis(elapsed)
        ));
    }
}

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_keep_their_scheme_only() {
        let key = Credential::api_key("sk_workspace_test_SECRET123");
        let show = |n: &str, v: &str| shown_header(n, v.as_bytes(), &key).1;
        assert_eq!(
            show("Authorization", "Bearer sk_workspace_test_SECRET123"),
            "Bearer [redacted]"
        );
        assert_eq!(
            show("authorization", "Basic Zm9vOmJhcg=="),
            "Basic [redacted]"
        );
        assert_eq!(show("Set-Cookie", "session=abc; HttpOnly"), "[redacted]");
        assert_eq!(
            show("X-Request-Id", "req sk_workspace_test_SECRET123"),
            "req [redacted]"
        );
        assert_eq!(show("x-thing", "a\r\nb"), "a  b");
        assert_eq!(
            show(
                "Location",
                "https://shop.example/cb?code=SECRETCODE&state=x"
            ),
            "https://shop.example/cb?[redacted]"
        );
        assert_eq!(
            show("x-long", &"a".repeat(500)).chars().count(),
            HEADER_CHARS + 1
        );
    }

    #[test]
    fn body_excerpts_hide_secret_fields_of_any_length() {
        let key = Credential::api_key("sk_workspace_test_SECRET123");
        let shown = body_excerpt(
            br#"{"clientId":"FK5b0KSM","clientSecret":"short","access_token":"eyJ.x.y","n":{"secret":"whsec_abc"}}"#,
            &key,
        )
        .unwrap();
        assert!(shown.contains("FK5b0KSM"), "{shown}");
        for secret in ["short", "eyJ", "whsec_abc"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(body_excerpt(b"", &key), None);
        let long = body_excerpt("x".repeat(5000).as_bytes(), &key).unwrap();
        assert_eq!(long.chars().count(), BODY_CHARS + 1);
    }
}

//! Error mapping: a non-2xx response to [`ApiError`], a ureq failure to
//! [`TransportError`], and the one redaction rule every server-sourced string passes.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;

use crate::config::Settings;
use crate::error::{ApiError, TransportError, TransportErrorKind};
use crate::retry;

/// `text` with every occurrence of the API key replaced by `[redacted]`.
///
/// The key's alphabet (letters, digits, `_`, `-`) survives `{:?}` quoting, JSON and
/// HTML escaping unchanged, so matching the plain key catches every escaped echo too.
pub(crate) fn redact(text: &str, api_key: &str) -> String {
    if api_key.is_empty() {
        return text.to_owned();
    }
    text.replace(api_key, "[redacted]")
}

/// Every string (and key) of a JSON value, redacted.
pub(crate) fn redact_value(value: serde_json::Value, api_key: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(&s, api_key)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| redact_value(v, api_key))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (redact(&k, api_key), redact_value(v, api_key)))
                .collect(),
        ),
        other => other,
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
    #[serde(default)]
    request_id: Option<String>,
}

/// The envelope's `error` object; also the shape of a failed batch item.
#[derive(Deserialize)]
pub(crate) struct EnvelopeError {
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) details: Option<serde_json::Value>,
}

/// A response read to the end (or to the size cap), with its server-sourced headers
/// already redacted.
pub(crate) struct Received {
    pub(crate) status: u16,
    pub(crate) body: Result<Vec<u8>, ureq::Error>,
    pub(crate) retry_after: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// Builds the error of a non-2xx response: the envelope's fields when the body is one,
/// else a short sanitized excerpt. A body that could not be read still reports the status.
/// A server that echoes the API key (in a message, a detail or a proxy page) has it
/// replaced by `[redacted]` before anything is kept.
pub(crate) fn api_error(r: Received, attempts: u32, api_key: &str) -> ApiError {
    let retry_after = r
        .retry_after
        .as_deref()
        .and_then(|v| retry::parse_retry_after(v, OffsetDateTime::now_utc()));
    let mut err = ApiError {
        status: r.status,
        code: None,
        message: None,
        details: None,
        request_id: r.request_id,
        excerpt: None,
        retry_after,
        attempts,
    };
    if let Ok(body) = r.body {
        // Redact after decoding: JSON escapes (`\u0073k_...`) would hide the key from a
        // search in the raw bytes.
        match serde_json::from_slice::<Envelope>(&body) {
            Ok(env) => {
                err.code = Some(redact(&env.error.code, api_key));
                err.message = env.error.message.map(|m| redact(&m, api_key));
                err.details = env
                    .error
                    .details
                    .filter(|d| !d.is_null())
                    .map(|d| redact_value(d, api_key));
                if let Some(id) = env.request_id {
                    err.request_id = Some(redact(&id, api_key));
                }
            }
            Err(_) => {
                err.excerpt = excerpt(redact(&String::from_utf8_lossy(&body), api_key).as_bytes())
            }
        }
    }
    err
}

const EXCERPT_CHARS: usize = 120;

/// A short, single-line view of a body that is not the error envelope: HTML tags are
/// dropped, whitespace and control characters collapse to one space, and the result is
/// cut to 120 characters.
pub(crate) fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let html = text.trim_start().starts_with('<');
    let mut out = String::new();
    let mut in_tag = false;
    let mut space = false;
    let mut count = 0;
    for c in text.chars() {
        if html && c == '<' {
            in_tag = true;
            space = true;
            continue;
        }
        if in_tag {
            in_tag = c != '>';
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        space = false;
        if count >= EXCERPT_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// The kind of a transport failure, and whether retrying it is safe: only failures
/// before any response byte arrived, where the request was not (or not visibly) handled.
pub(crate) fn classify(e: &ureq::Error) -> (TransportErrorKind, bool) {
    use TransportErrorKind as K;
    use std::io::ErrorKind as Io;
    match e {
        ureq::Error::Timeout(t) => (
            K::Timeout,
            matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve),
        ),
        ureq::Error::ConnectionFailed => (K::Connect, true),
        ureq::Error::HostNotFound => (K::Connect, false),
        ureq::Error::Io(io) => match io.kind() {
            Io::ConnectionRefused => (K::Connect, true),
            Io::ConnectionReset | Io::ConnectionAborted | Io::UnexpectedEof | Io::BrokenPipe => {
                (K::ConnectionClosed, true)
            }
            Io::TimedOut | Io::WouldBlock => (K::Timeout, false),
            _ => (K::Io, false),
        },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => (K::Protocol, false),
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => (K::Tls, false),
        _ => (K::Io, false),
    }
}

/// Where a call went, for transport errors: the method, the URL without its query, and
/// the proxy when one was used.
pub(crate) struct Target<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a str,
    pub(crate) proxy: Option<&'a str>,
}

/// The [`TransportError`] of a failed attempt. Its message says where (method, URL,
/// proxy) and, for timeouts, within what deadline; the ureq error is its source.
pub(crate) fn transport_error(
    target: &Target<'_>,
    e: ureq::Error,
    kind: TransportErrorKind,
    timeout: Duration,
    s: &Settings,
    attempts: u32,
    api_key: &str,
) -> TransportError {
    let mut message = format!("{} {}", target.method, target.url);
    if let Some(proxy) = target.proxy {
        message.push_str(" via proxy ");
        message.push_str(proxy);
    }
    let own = match &e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Some(format!(
            "could not connect within {}",
            crate::error::format_duration(s.connect_timeout.min(timeout))
        )),
        ureq::Error::Timeout(_) => Some(format!(
            "no complete response within {}",
            crate::error::format_duration(timeout)
        )),
        _ => None,
    };
    // The cause is said once: as the source, or (when its text holds the key, so it
    // cannot be kept) redacted in the message.
    let source: Option<Arc<dyn std::error::Error + Send + Sync>> =
        if format!("{e} {e:?}").contains(api_key) {
            message.push_str(": ");
            message.push_str(&redact(&lowercase_first(&e.to_string()), api_key));
            None
        } else {
            Some(match e {
                // The OS error itself, so that `downcast_ref::<io::Error>()` finds it.
                ureq::Error::Io(io) => Arc::new(io),
                other => Arc::new(other),
            })
        };
    if let Some(own) = own {
        message.push_str(": ");
        message.push_str(&own);
    }
    let message = redact(&message, api_key);
    TransportError {
        kind,
        message,
        attempts,
        source,
    }
}

/// Lowercases the first letter of a sentence, but not of an acronym (`CONNECT`, `TLS`).
pub(crate) fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(s[first.len_utf8()..].chars())
            .collect(),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_single_line_and_strips_html() {
        assert_eq!(
            excerpt(
                b"<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
            )
            .as_deref(),
            Some("502 Bad Gateway nginx")
        );
        assert_eq!(
            excerpt(b"  upstream\r\n\tdown \x07 ").as_deref(),
            Some("upstream down")
        );
        assert_eq!(excerpt(b"").as_deref(), None);
        assert_eq!(excerpt(b" \n ").as_deref(), None);
        let long = excerpt("x".repeat(1000).as_bytes()).unwrap();
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn lowercase_first_keeps_acronyms() {
        assert_eq!(lowercase_first("Connection refused"), "connection refused");
        assert_eq!(
            lowercase_first("CONNECT proxy failed: 407"),
            "CONNECT proxy failed: 407"
        );
        assert_eq!(lowercase_first("TLS failed"), "TLS failed");
        assert_eq!(lowercase_first("x"), "x");
        assert_eq!(lowercase_first(""), "");
    }

    #[test]
    fn redaction_covers_nested_json() {
        let key = "sk_workspace_test_K";
        let v = serde_json::json!({"a": [key, {"sk_workspace_test_K": 1}], "b": 2});
        assert_eq!(
            redact_value(v, key).to_string(),
            r#"{"a":["[redacted]",{"[redacted]":1}],"b":2}"#
        );
    }
}

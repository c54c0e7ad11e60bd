//! Error mapping: a non-2xx response to [`ApiError`], a ureq failure to
//! [`TransportError`], and the one redaction rule every server-sourced string passes.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::Settings;
use crate::decode::Obj;
use crate::error::{ApiError, TransportError, TransportErrorKind};
use crate::redact::Credential;
use crate::retry;

struct Envelope {
    error: EnvelopeError,
    request_id: Option<String>,
}

crate::json::from_json!(Envelope {
    error: req("error"),
    request_id: opt("request_id"),
});

/// The envelope's `error` object; also the shape of a failed batch item.
#[derive(Default)]
pub(crate) struct EnvelopeError {
    pub(crate) code: String,
    pub(crate) message: Option<String>,
    pub(crate) details: Option<serde_json::Value>,
}

impl crate::json::Fallback for EnvelopeError {
    fn fallback() -> Self {
        EnvelopeError::default()
    }
}

crate::json::from_json!(EnvelopeError {
    code: req("code"),
    message: opt("message"),
    details: opt("details"),
});

/// The fields every documented error body shape carries, once decoded.
struct Shape {
    code: Option<String>,
    message: Option<String>,
    details: Option<serde_json::Value>,
    request_id: Option<String>,
}

/// Shapes A (`{"error": {...}, "request_id"}`) and C (the same without a request id,
/// lowercase codes such as `verification_not_completed`).
fn envelope(env: Envelope) -> Option<Shape> {
    Some(Shape {
        code: Some(env.error.code),
        message: env.error.message,
        details: env.error.details,
        request_id: env.request_id,
    })
}

/// Shapes B (RFC 7807 problem details: `title` is the code, `detail` the message,
/// `context` the details; the older form adds a `type` URN and a numeric `code`) and D
/// (`{"code": "VALIDATION_UNPROCESSABLE", "detail", "context"}`).
struct Problem {
    code: Option<serde_json::Value>,
    title: Option<String>,
    detail: Option<String>,
    message: Option<String>,
    context: Option<serde_json::Value>,
    request_id: Option<String>,
}

crate::json::from_json!(Problem {
    code: opt("code"),
    title: opt("title"),
    detail: opt("detail"),
    message: opt("message"),
    context: opt("context"),
    request_id: opt_any(&["requestId", "request_id"]),
});

impl Problem {
    /// The shape, or `None` when nothing in the body names the error.
    fn shape(self) -> Option<Shape> {
        // A title such as `AUTH.INVALID_CREDENTIALS` is a code; a sentence is a message.
        let title_code = self
            .title
            .as_deref()
            .filter(|t| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            })
            .map(|t| t.replace('.', "_"));
        let code = match self.code {
            Some(serde_json::Value::String(c)) if !c.is_empty() => Some(c),
            numeric => title_code.clone().or_else(|| match numeric {
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            }),
        };
        // A body with a bare `message` (or none of these) is no documented shape.
        if code.is_none() && self.detail.is_none() && self.title.is_none() {
            return None;
        }
        let title_message = self.title.filter(|_| title_code.is_none());
        let message = self.detail.or(self.message).or(title_message);
        Some(Shape {
            code,
            message,
            details: self.context,
            request_id: self.request_id,
        })
    }
}

/// `body` without its top-level `code` member: in an error body that is the error's
/// code (shapes B and D), not an OAuth code, so the secret scrubber must not remove it
/// from the message.
fn without_code(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut map)) if map.contains_key("code") => {
            map.remove("code");
            std::borrow::Cow::Owned(serde_json::Value::Object(map).to_string().into_bytes())
        }
        _ => std::borrow::Cow::Borrowed(body),
    }
}

/// Shape E at the OIDC token and userinfo endpoints (RFC 6749 section 5.2):
/// `{"error": "invalid_grant", "error_description": "..."}`; the OAuth error is the code.
struct OAuth {
    error: String,
    error_description: Option<String>,
}

crate::json::from_json!(OAuth {
    error: req("error"),
    error_description: opt("error_description"),
});

impl OAuth {
    /// The shape, or `None` when `error` is not an OAuth error code: a non-empty word of
    /// ASCII letters, digits and `_` (`invalid_grant`, `access_denied`); a sentence such
    /// as `"bad request"` is not one.
    fn shape(self) -> Option<Shape> {
        let valid = !self.error.is_empty()
            && self
                .error
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return None;
        }
        Some(Shape {
            code: Some(self.error),
            message: self.error_description,
            details: None,
            request_id: None,
        })
    }
}

/// A response read to the end (or to the size cap), with its server-sourced headers
/// already redacted.
pub(crate) struct Received {
    pub(crate) status: u16,
    pub(crate) body: Result<Vec<u8>, ureq::Error>,
    pub(crate) retry_after: Option<String>,
    pub(crate) request_id: Option<String>,
    /// Every header, shown as the trace shows them; empty unless a trace or an
    /// `on_response` hook wants them.
    pub(crate) headers: Vec<(String, String)>,
}

/// Builds the error of a non-2xx response: the envelope's fields when the body is one,
/// else a short sanitized excerpt. A body that could not be read still reports the status.
/// A server that echoes the API key (in a message, a detail or a proxy page) has it
/// replaced by `[redacted]` before anything is kept.
pub(crate) fn api_error(r: Received, attempts: u32, credential: &Credential) -> ApiError {
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
        // Objects only: a derived decoder would also read a JSON array positionally.
        match serde_json::from_slice::<Obj<Envelope>>(&body)
            .map(|e| envelope(e.0))
            .or_else(|_| serde_json::from_slice::<Obj<OAuth>>(&body).map(|o| o.0.shape()))
            .or_else(|_| serde_json::from_slice::<Obj<Problem>>(&body).map(|p| p.0.shape()))
        {
            Ok(Some(shape)) => {
                err.message = shape
                    .message
                    .map(|m| scrub_secrets(&without_code(&body), credential.redact(&m)));
                err.code = shape.code.map(|c| credential.redact(&c));
                err.details = shape
                    .details
                    .filter(|d| !d.is_null())
                    .map(|d| scrub_value(credential.redact_value(d)));
                if let Some(id) = shape.request_id {
                    err.request_id = Some(credential.redact(&id));
                }
            }
            _ => err.excerpt = excerpt(&body, credential),
        }
    }
    err
}

const EXCERPT_CHARS: usize = 120;

/// A short, single-line view of a body that is not the error envelope, with the API key
/// redacted: HTML tags are dropped and HTML character references decoded, whitespace
/// and control characters collapse to one space, and the result is cut to 120
/// characters.
///
/// The key is redacted after decoding and before cutting, so neither an escaped echo
/// (`&#115;k_...` in a page, `\u0073k_...` in a JSON body) nor a cut through the key
/// shows any part of it.
pub(crate) fn excerpt(body: &[u8], credential: &Credential) -> Option<String> {
    excerpt_within(body, credential, EXCERPT_CHARS)
}

/// [`excerpt`], cut to `max` characters (the HTTP trace shows more than an error).
pub(crate) fn excerpt_within(body: &[u8], credential: &Credential, max: usize) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    // A JSON body whose strings hold the key only behind escapes: show it re-encoded
    // (plain JSON, where the key's characters never need escaping), redacted.
    if !credential.is_empty()
        && text.contains("\\u")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(text.as_bytes())
        && credential.held_by(&value)
    {
        return excerpt_within(
            credential.redact_value(value).to_string().as_bytes(),
            credential,
            max,
        );
    }
    // Enough characters that a key starting within the first 120 is seen whole.
    let (flat, more) = flatten(&text, max + crate::config::MAX_KEY_LEN + 1);
    // A body that is not the error envelope may still carry a secret (an App echoed by
    // an older API generation): scrub it like a decode error does.
    let flat = scrub_secrets(body, credential.redact(&flat));
    let mut out: String = flat.chars().take(max).collect();
    if more || out.len() < flat.len() {
        out.push('…');
    }
    (!out.is_empty()).then_some(out)
}

/// Replaces the value of every secret field of `value` ([`crate::is_secret_field`], at
/// any depth; everything inside it included) with `"[redacted]"` (a `null` stays
/// `null`); says whether it replaced any. For the HTTP trace's body excerpts.
pub(crate) fn redact_secret_fields(value: &mut serde_json::Value) -> bool {
    fn walk(value: &mut serde_json::Value, parent: Option<&str>) -> bool {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (key, v) in map.iter_mut() {
                    if crate::secret::is_secret_field(parent, key) && !v.is_null() {
                        *v = Value::String("[redacted]".into());
                        changed = true;
                    } else {
                        changed |= walk(v, Some(key));
                    }
                }
                changed
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| walk(v, None) | changed),
            _ => false,
        }
    }
    walk(value, None)
}

/// The shortest string treated as a secret: shorter ones are no secrets, and replacing
/// them would garble the message.
const MIN_SECRET_CHARS: usize = 8;

/// `value` with everything under a secret field
/// ([`is_secret_field`](crate::is_secret_field)) replaced by `"[redacted]"`: for the
/// `details` of an error.
pub(crate) fn scrub_value(value: serde_json::Value) -> serde_json::Value {
    fn walk(value: serde_json::Value, parent: Option<&str>) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(|v| walk(v, None)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = if crate::secret::is_secret_field(parent, &k) && !v.is_null() {
                            Value::String("[redacted]".to_owned())
                        } else {
                            walk(v, Some(&k))
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }
    // The details belong to an error: a `code` directly in them is an error code.
    walk(value, Some("error"))
}

/// `message` without the secrets of `body`: the strings under a key of
/// [`SECRET_FIELDS`](crate::SECRET_FIELDS) at any depth (everything inside such a key
/// included, see [`is_secret_field`](crate::is_secret_field)), or the whole body when it
/// is one JSON string (a bare secret). Runs on the error path only.
#[cold]
pub(crate) fn scrub_secrets(body: &[u8], mut message: String) -> String {
    fn collect<'v>(
        value: &'v serde_json::Value,
        parent: Option<&str>,
        secret: bool,
        out: &mut Vec<&'v str>,
    ) {
        use serde_json::Value;
        match value {
            Value::String(s) if secret && s.chars().count() >= MIN_SECRET_CHARS => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| collect(v, None, secret, out)),
            Value::Object(map) => {
                for (key, v) in map {
                    let secret = secret || crate::secret::is_secret_field(parent, key);
                    collect(v, Some(key), secret, out);
                }
            }
            _ => {}
        }
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        // Syntax errors quote nothing from the body.
        return message;
    };
    let mut secrets = Vec::new();
    collect(&value, None, value.is_string(), &mut secrets);
    for secret in secrets {
        // serde quotes values as `{:?}` does: match the escaped form too.
        for shown in [secret.to_owned(), secret.escape_debug().to_string()] {
            message = message.replace(&shown, "[redacted]");
        }
    }
    message
}

/// `text` on one line, at most `max` characters: for HTML, tags dropped and character
/// references decoded; whitespace and control characters collapsed to one space, none
/// at either end. The flag says whether more text followed.
fn flatten(text: &str, max: usize) -> (String, bool) {
    let html = text.trim_start().starts_with('<');
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    let mut in_tag = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let c = if !html {
            c
        } else if in_tag {
            in_tag = c != '>';
            continue;
        } else if c == '<' {
            in_tag = true;
            space = true;
            continue;
        } else if c == '&' {
            match char_reference(rest) {
                Some((decoded, len)) => {
                    rest = &rest[len..];
                    decoded
                }
                None => c,
            }
        } else {
            c
        };
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if count + usize::from(space && !out.is_empty()) >= max {
            return (out, true);
        }
        if space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        space = false;
        out.push(c);
        count += 1;
    }
    (out, false)
}

/// Decodes the HTML character reference after a `&` (`#115;`, `#x73;`, `amp;`, ...):
/// the character and the length it took. `None` leaves the `&` as it was.
fn char_reference(after_amp: &str) -> Option<(char, usize)> {
    let end = after_amp.get(..12).unwrap_or(after_amp).find(';')?;
    let name = &after_amp[..end];
    let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
    } else if let Some(dec) = name.strip_prefix('#') {
        char::from_u32(dec.parse().ok()?)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// What a failed attempt means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    pub(crate) kind: TransportErrorKind,
    /// Whether retrying is safe for an idempotent call: nothing of a response arrived,
    /// and the failure is not the caller's own deadline.
    pub(crate) retryable: bool,
    /// Whether the failure provably happened before any byte of the request was
    /// written (no connection, or none in time): only then is a POST retried.
    pub(crate) unsent: bool,
}

/// Classifies a failed attempt. `https` says whether the URL asked for TLS, so that a
/// peer that does not speak it is reported as a TLS failure.
///
/// ureq 3 reports the same error (`UnexpectedEof`, "peer disconnected") whether the
/// server closed before any response byte or in the middle of the status line or
/// headers, so a closed connection never counts as `unsent`.
pub(crate) fn classify(e: &ureq::Error, https: bool) -> Class {
    use TransportErrorKind as K;
    use std::io::ErrorKind as Io;
    let class = |kind, retryable, unsent| Class {
        kind,
        retryable,
        unsent,
    };
    if https && is_tls_layer(e) {
        return class(K::Tls, false, false);
    }
    match e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            class(K::Timeout, true, true)
        }
        ureq::Error::Timeout(_) => class(K::Timeout, false, false),
        ureq::Error::ConnectionFailed => class(K::Connect, true, true),
        ureq::Error::HostNotFound => class(K::Connect, false, true),
        ureq::Error::Io(io) => match io.kind() {
            Io::ConnectionRefused => class(K::Connect, true, true),
            Io::ConnectionReset | Io::ConnectionAborted | Io::UnexpectedEof | Io::BrokenPipe => {
                class(K::ConnectionClosed, true, false)
            }
            Io::TimedOut | Io::WouldBlock => class(K::Timeout, false, false),
            _ => class(K::Io, false, false),
        },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            class(K::Protocol, false, false)
        }
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => class(K::Tls, false, false),
        _ => class(K::Io, false, false),
    }
}

/// For an https URL: whether a failure came from the TLS layer's handshake or
/// records rather than from the connection under it.
///
/// rustls reports through `std::io::Error` (pinned by the TLS tests of
/// `tests/sdk/transport/`): a record it cannot parse is `InvalidData` carrying the TLS
/// error; a peer that closes before the handshake ends is a bare `UnexpectedEof`
/// without a message (ureq's own end-of-stream errors, and rustls's after the
/// handshake, all carry one).
fn is_tls_layer(e: &ureq::Error) -> bool {
    let ureq::Error::Io(io) = e else {
        return false;
    };
    match io.kind() {
        std::io::ErrorKind::InvalidData => io.get_ref().is_some(),
        std::io::ErrorKind::UnexpectedEof => io.get_ref().is_none(),
        _ => false,
    }
}

/// For a TLS-layer failure of an https URL: what to say when it shows that the peer
/// does not speak TLS at all (a plain HTTP server answering the ClientHello with
/// `HTTP/1.1 400`, whose first byte is no TLS record type, or closing on it).
fn no_tls_peer(e: &ureq::Error) -> Option<&'static str> {
    let ureq::Error::Io(io) = e else {
        return None;
    };
    match io.kind() {
        // rustls names no type for it that this crate could match without depending
        // on rustls: its `Debug` is `InvalidMessage(InvalidContentType)`.
        std::io::ErrorKind::InvalidData
            if io
                .get_ref()
                .is_some_and(|inner| format!("{inner:?}").contains("InvalidContentType")) =>
        {
            Some("the server did not speak TLS (is it a plain http port?)")
        }
        std::io::ErrorKind::UnexpectedEof if io.get_ref().is_none() => Some(
            "the server closed the connection during the TLS handshake: it did not speak TLS \
             (is it a plain http port?)",
        ),
        _ => None,
    }
}

/// Where a call went, for transport errors: the method, the URL without its query, and
/// how it got there when a proxy is configured (`via proxy host:port`, or `directly
/// (NO_PROXY ...)`).
pub(crate) struct Target<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a str,
    pub(crate) proxy: Option<&'a str>,
}

impl Target<'_> {
    /// Whether the URL asks for TLS (the scheme as the caller wrote it, in any case).
    pub(crate) fn https(&self) -> bool {
        self.url
            .get(..6)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"))
    }
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
    credential: &Credential,
) -> TransportError {
    let mut message = format!("{} {}", target.method, target.url);
    if let Some(route) = target.proxy {
        message.push(' ');
        message.push_str(route);
    }
    let own = match &e {
        _ if kind == TransportErrorKind::Tls && target.https() => no_tls_peer(&e)
            .or_else(|| {
                crate::tls::is_unknown_issuer(&e).then_some(crate::tls::UNKNOWN_ISSUER_HELP)
            })
            .map(str::to_owned),
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
        if credential.appears_in(&format!("{e} {e:?}")) {
            message.push_str(": ");
            message.push_str(&credential.redact(&lowercase_first(&e.to_string())));
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
    let message = credential.redact(&message);
    TransportError {
        kind,
        message,
        attempts,
        source,
        idempotency_key: None,
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

    fn shape(status: u16, body: &str) -> ApiError {
        api_error(
            Received {
                status,
                body: Ok(body.as_bytes().to_vec()),
                retry_after: None,
                request_id: None,
                headers: Vec::new(),
            },
            1,
            &Credential::basic("FK5b0KSM", KEY),
        )
    }

    #[test]
    fn oauth_token_errors_decode_with_the_oauth_error_as_code() {
        let e = shape(
            400,
            r#"{"error":"invalid_grant","error_description":"the code was already used"}"#,
        );
        assert_eq!(
            (e.code(), e.message()),
            (Some("invalid_grant"), Some("the code was already used"))
        );
        let e = shape(401, r#"{"error":"invalid_client"}"#);
        assert_eq!((e.code(), e.message()), (Some("invalid_client"), None));
    }

    #[test]
    fn every_documented_error_shape_decodes() {
        // A: the Workspace envelope.
        let e = shape(
            404,
            r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"no app","details":{"id":"x"}},"request_id":"req-1"}"#,
        );
        assert_eq!(
            (e.code(), e.message(), e.request_id()),
            (Some("RESOURCE_NOT_FOUND"), Some("no app"), Some("req-1"))
        );
        // B: RFC 7807, current and older.
        let e = shape(
            401,
            r#"{"title":"AUTH_INVALID_CREDENTIALS","status":401,"detail":"Invalid client credentials",
                "instance":"/connect/v1/providers","timestamp":"2026-04-08T10:00:00Z",
                "context":{"clientId":"FK5b0KSM"},"doc_url":"https://docs.hopae.com/errors"}"#,
        );
        assert_eq!(e.code(), Some("AUTH_INVALID_CREDENTIALS"));
        assert_eq!(e.message(), Some("Invalid client credentials"));
        assert_eq!(e.details().unwrap()["clientId"], "FK5b0KSM");
        assert_eq!(e.body_excerpt(), None);
        let e = shape(
            401,
            r#"{"type":"urn:org:hopae:problem-type:client/100001","title":"AUTH.INVALID_CREDENTIALS",
                "status":401,"code":100001,"detail":"bad","requestId":"r-9"}"#,
        );
        assert_eq!(e.code(), Some("AUTH_INVALID_CREDENTIALS"));
        assert_eq!((e.message(), e.request_id()), (Some("bad"), Some("r-9")));
        // A human title is the message when there is no detail; a numeric code the code.
        let e = shape(
            500,
            r#"{"title":"Internal Server Error","status":500,"code":900001}"#,
        );
        assert_eq!(
            (e.code(), e.message()),
            (Some("900001"), Some("Internal Server Error"))
        );
        // C: lowercase codes, no request id.
        let e = shape(
            400,
            r#"{"error":{"code":"verification_not_completed","message":"Verification is not completed",
                "details":{"status":"failed","verificationId":"ver_1"}}}"#,
        );
        assert_eq!(e.code(), Some("verification_not_completed"));
        assert_eq!(e.details().unwrap()["status"], "failed");
        assert_eq!(e.request_id(), None);
        // D: the 422 LoA refusal.
        let e = shape(
            422,
            r#"{"code":"VALIDATION_UNPROCESSABLE","detail":"requestedLoa 5 exceeds provider max",
                "context":{"parameter":"requestedLoa","value":5,"providerId":"frejaid"}}"#,
        );
        assert_eq!(e.code(), Some("VALIDATION_UNPROCESSABLE"));
        assert_eq!(e.details().unwrap()["value"], 5);
        assert_eq!(
            e.to_string(),
            "api error: status 422 VALIDATION_UNPROCESSABLE: \"requestedLoa 5 exceeds provider max\""
        );
        // Nothing that names an error: an excerpt.
        for body in [
            r#"{"status":500}"#,
            r#"{"message":"Unauthorized"}"#,
            // An RFC 6749 body names its error (see the OAuth test); an empty one or a
            // sentence does not.
            r#"{"error":""}"#,
            r#"{"error":"bad request"}"#,
            r#"{"error":"a\nb"}"#,
            "[1]",
        ] {
            let e = shape(500, body);
            assert_eq!(e.code(), None, "{body}");
            assert!(e.body_excerpt().is_some(), "{body}");
        }
    }

    #[test]
    fn an_error_code_is_no_secret_in_its_own_message() {
        let e = shape(
            422,
            r#"{"code":"VALIDATION_UNPROCESSABLE","detail":"VALIDATION_UNPROCESSABLE: level 5",
                "context":{"code":"LOA_TOO_HIGH","error":{"code":"X_CODE_123"}}}"#,
        );
        assert_eq!(e.message(), Some("VALIDATION_UNPROCESSABLE: level 5"));
        assert_eq!(e.details().unwrap()["error"]["code"], "X_CODE_123");
        assert_eq!(e.details().unwrap()["code"], "LOA_TOO_HIGH");
    }

    #[test]
    fn error_shapes_never_carry_tokens_or_evidence() {
        let e = shape(
            400,
            r#"{"error":{"code":"evidence_not_available","message":"token eyJhbGciOiJSUzI1NiJ9.x not usable",
                "details":{"token":{"id_token":"eyJhbGciOiJSUzI1NiJ9.x"},"names":"id_token"}}}"#,
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("eyJhbGci"), "{shown}");
        assert_eq!(e.details().unwrap()["token"], "[redacted]");
        assert_eq!(e.details().unwrap()["names"], "id_token");
        let e = shape(
            500,
            r#"{"unexpected":{"provenance":{"credentials":[{"evidence":"raw_upstream_token"}]}}}"#,
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("raw_upstream"), "{shown}");
    }

    #[test]
    fn excerpts_scrub_secrets_of_a_non_envelope_body() {
        let body = br#"{"clientId":"FK5b0KSM","clientSecret":"cs_live_abcdefgh12345"}"#;
        let shown = excerpt(body, &Credential::api_key("sk_workspace_test_K")).unwrap();
        assert!(!shown.contains("cs_live"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("FK5b0KSM"),
            "{shown}"
        );
    }

    #[test]
    fn scrubber_uses_the_shared_list_and_everything_inside_a_secret_field() {
        let body = br#"{"access_token":"at_0123456789","provenance":{"credentials":[{"evidence":{"raw":"ev_0123456789"}}]},"error":{"code":"RESOURCE_NOT_FOUND"}}"#;
        let message = "at_0123456789 ev_0123456789 RESOURCE_NOT_FOUND".to_owned();
        assert_eq!(
            scrub_secrets(body, message),
            "[redacted] [redacted] RESOURCE_NOT_FOUND"
        );
    }

    #[test]
    fn excerpt_is_short_single_line_and_strips_html() {
        let key = Credential::api_key(KEY);
        let excerpt = |body: &[u8]| excerpt(body, &key);
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
        let exact = excerpt("x".repeat(EXCERPT_CHARS).as_bytes()).unwrap();
        assert_eq!(exact, "x".repeat(EXCERPT_CHARS));
        // Character references are decoded in pages only; a stray `&` stays.
        assert_eq!(
            excerpt(b"<p>a &amp; b &lt;3 &#65;&#x42; &bogus; &</p>").as_deref(),
            Some("a & b <3 AB &bogus; &")
        );
        assert_eq!(excerpt(b"a &amp; b").as_deref(), Some("a &amp; b"));
    }

    const KEY: &str = "sk_workspace_test_K3Y0123456789";

    // Caught on the old code: the excerpt was cut from the raw text, so a key escaped
    // in a page or in a JSON body that is not the envelope showed its secret part.
    #[test]
    fn excerpt_redacts_the_key_in_every_echoed_form() {
        let key = Credential::api_key(KEY);
        let html_numeric: String = KEY.chars().map(|c| format!("&#{};", c as u32)).collect();
        let html_hex: String = KEY.chars().map(|c| format!("&#x{:x};", c as u32)).collect();
        let json_escaped: String = KEY
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        for body in [
            format!("denied {KEY} here"),
            format!("<html><body><p>Bearer {html_numeric}</p></body></html>"),
            format!("<html><body><p>Bearer {html_hex}</p></body></html>"),
            format!(r#"{{"detail": "bad key {json_escaped}", "n": 1}}"#),
            format!(r#"["{json_escaped}"]"#),
            format!(r#"{{"{json_escaped}": true}}"#),
            // The key straddles the 120-character cut.
            format!("{} {KEY}", "x".repeat(110)),
            format!("<p>{} {html_numeric}</p>", "x".repeat(110)),
        ] {
            let shown = excerpt(body.as_bytes(), &key).unwrap();
            assert!(!shown.contains("K3Y0"), "{body}: {shown}");
            assert!(!shown.contains("workspace_test_K"), "{body}: {shown}");
            assert!(
                shown.contains("[redacted]") || shown.ends_with('…'),
                "{body}: {shown}"
            );
        }
        assert_eq!(
            excerpt(
                format!(r#"{{"detail": "bad key {json_escaped}"}}"#).as_bytes(),
                &key
            )
            .as_deref(),
            Some(r#"{"detail":"bad key [redacted]"}"#)
        );
        // JSON without the key keeps its bytes as sent.
        assert_eq!(
            excerpt(br#"{"b": "\u00e9", "a": 1}"#, &key).as_deref(),
            Some(r#"{"b": "\u00e9", "a": 1}"#)
        );
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
    fn scrub_secrets_replaces_the_secret_values_only() {
        let body = br#"{"clientSecret":"cs_live_abcdefgh","name":"short","x":{"secret":["whsec_12345678"]},"client_secret":"tiny"}"#;
        assert_eq!(
            scrub_secrets(
                body,
                "a cs_live_abcdefgh b whsec_12345678 c tiny d short".into()
            ),
            "a [redacted] b [redacted] c tiny d short"
        );
        let bare = br#""whsec_12345678""#;
        assert_eq!(
            scrub_secrets(bare, r#"invalid type: string "whsec_12345678""#.into()),
            r#"invalid type: string "[redacted]""#
        );
        // Quoted as `{:?}` quotes it.
        let odd = br#"{"secret":"ab\"cd\u0001efgh"}"#;
        assert_eq!(
            scrub_secrets(odd, r#"string "ab\"cd\u{1}efgh""#.into()),
            r#"string "[redacted]""#
        );
        // A body that is not JSON quotes nothing: the message stays.
        assert_eq!(scrub_secrets(br#"{"secret": "#, "eof".into()), "eof");
    }
}

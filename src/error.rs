//! The crate's error type: one enum whose variants a caller can act on.

use std::fmt;
use std::time::Duration;

use crate::wait::WaitError;

/// Every way a call to the Hopae API can fail.
///
/// Match on the variant to decide what to do: [`Error::Api`] means the API answered and
/// said no (inspect [`Error::code`]); [`Error::Transport`] means no complete answer
/// arrived (network fault or timeout); [`Error::Decode`] and [`Error::ResponseTooLarge`]
/// mean the answer was not what the API documents; [`Error::Config`] and
/// [`Error::InvalidInput`] mean the call was refused before anything was sent;
/// [`Error::Wait`] means [`HopaeClient::wait_for_challenge`](crate::HopaeClient::wait_for_challenge)
/// ended without a challenge.
///
/// `Display` is one lowercase line without a trailing period. It never contains the
/// API key. The request id is included when the API sent one, since Hopae support asks
/// for it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status that is not 2xx (3xx included: redirects are never
    /// followed).
    Api(Box<ApiError>),
    /// No complete response arrived: connection refused or reset, TLS failure, timeout,
    /// truncated body, malformed HTTP.
    Transport(Box<TransportError>),
    /// The API answered 2xx, but the body is not what the API documents.
    Decode(Box<DecodeError>),
    /// The response body was larger than the configured cap
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size));
    /// reading stopped at the cap.
    ResponseTooLarge {
        /// The HTTP status of the oversized response.
        status: u16,
        /// The cap in bytes.
        limit: u64,
        /// How many attempts the call made.
        attempts: u32,
    },
    /// The client could not be configured: missing or malformed API key, invalid base URL,
    /// a key used against the other environment's host.
    Config(String),
    /// An argument was refused before anything was sent: an empty or dot-only path
    /// parameter, an invalid idempotency key, a production test that breaks the API's
    /// documented limits.
    InvalidInput(String),
    /// [`HopaeClient::wait_for_challenge`](crate::HopaeClient::wait_for_challenge) ended
    /// without a challenge: the request failed, is unknown, matches several challenges,
    /// or the timeout passed. Errors of the polls themselves are reported as they are.
    Wait(Box<WaitError>),
}

impl Error {
    /// The HTTP status of the response, when one arrived.
    ///
    /// `Some` for [`Error::Api`] (including 3xx), [`Error::Decode`] (the 2xx status whose
    /// body did not decode) and [`Error::ResponseTooLarge`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's stable error code (`error.code` of the envelope), such as
    /// `"RESOURCE_NOT_FOUND"`; `None` when the body was not Hopae's error envelope.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.code(),
            _ => None,
        }
    }

    /// The request id the API attached to the failed response, for Hopae support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the call failed because an attempt ran past its deadline.
    ///
    /// `false` for [`WaitError::TimedOut`], which is about the overall wait, not one
    /// HTTP attempt.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportErrorKind::Timeout)
    }

    /// How many HTTP attempts the failed call made: 0 when it was refused before
    /// anything was sent, more than 1 when it was retried.
    ///
    /// 0 for [`Error::Wait`]: the wait's polls all succeeded; it was the outcome that
    /// was not a challenge.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Transport(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            Error::ResponseTooLarge { attempts, .. } => *attempts,
            Error::Config(_) | Error::InvalidInput(_) | Error::Wait(_) => 0,
        }
    }

    /// The wait the server asked for with `Retry-After`, when the call failed with a
    /// status that carried one (typically 429 or 503).
    ///
    /// When the server asks for more than
    /// [`ClientBuilder::max_retry_wait`](crate::ClientBuilder::max_retry_wait), the client
    /// returns at once instead of sleeping; this is how the caller learns how long to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::ResponseTooLarge {
                status,
                limit,
                attempts,
            } => {
                write!(
                    f,
                    "response too large: status {status} body exceeds the limit of {limit} bytes"
                )?;
                write_attempts(f, *attempts)
            }
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::InvalidInput(msg) => write!(f, "invalid input: {msg}"),
            Error::Wait(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// How much of one piece of server-sent text `Display` shows; the accessors keep it all.
const SHOWN_CHARS: usize = 200;

/// Writes text that came from the server on one line and at a bounded length: anything
/// `{:?}` would escape (control characters, line and paragraph separators, bidi
/// overrides) is escaped, and the text is cut after `SHOWN_CHARS` characters with `…`,
/// so a hostile or broken server can neither split nor flood the one-line `Display`.
pub(crate) fn write_one_line(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_CHARS {
            return f.write_str("…");
        }
        if c == '\'' || c == '"' {
            fmt::Write::write_char(f, c)?;
        } else {
            write!(f, "{}", c.escape_debug())?;
        }
    }
    Ok(())
}

/// serde_json appends ` at line L column C` to its messages; split it off so the message
/// can be bounded and the position still shown (and not said twice when relabelled).
pub(crate) fn split_position(msg: &str) -> (&str, &str) {
    if let Some(i) = msg.rfind(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        if let Some((line, col)) = tail.split_once(" column ")
            && !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !col.is_empty()
            && col.bytes().all(|b| b.is_ascii_digit())
        {
            return msg.split_at(i);
        }
    }
    (msg, "")
}

fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// The API answered with a non-2xx status.
///
/// When the body is Hopae's error envelope (`{"error": {"code", "message", "details"},
/// "request_id"}`) its fields are available here. When it is not (a proxy's HTML page,
/// plain text, an empty body, other JSON), only the status and a short, sanitized excerpt
/// of the body are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) details: Option<serde_json::Value>,
    pub(crate) request_id: Option<String>,
    pub(crate) excerpt: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) attempts: u32,
}

impl ApiError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The stable error code, such as `"VALIDATION_INVALID_PARAMETER"`. The set is open:
    /// new codes appear, so keep a fallback arm when matching.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The API's human-readable message, as sent. It may change between releases of the
    /// API; switch on [`ApiError::code`] instead.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The envelope's optional `details` object, e.g. `{"parameter": "title"}`.
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.details.as_ref()
    }

    /// The request id (a UUID) to quote to Hopae support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// A short, single-line, sanitized excerpt of a body that was not the error envelope
    /// (at most 120 characters); `None` for an envelope or an empty body.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.excerpt.as_deref()
    }

    /// The wait the server asked for with `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// How many attempts the call made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "api error: status {}", self.status)?;
        if let Some(code) = &self.code {
            f.write_str(" ")?;
            write_one_line(f, code)?;
        }
        if let Some(message) = &self.message {
            f.write_str(": \"")?;
            write_one_line(f, message)?;
            f.write_str("\"")?;
        } else if (300..400).contains(&self.status) {
            f.write_str(": redirect not followed")?;
        } else if let Some(excerpt) = &self.excerpt {
            write!(f, ": body {excerpt:?}")?;
        }
        if let Some(id) = &self.request_id {
            f.write_str(" (request id ")?;
            write_one_line(f, id)?;
            f.write_str(")")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs_f64().ceil() as u64)?;
        }
        write_attempts(f, self.attempts)
    }
}

/// What kind of transport failure ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be opened (refused, unreachable, DNS failure).
    Connect,
    /// The connection was closed or reset before a complete response arrived.
    ConnectionClosed,
    /// An attempt ran past its deadline
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout) or
    /// [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout)).
    Timeout,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The peer did not speak valid HTTP/1.1.
    Protocol,
    /// Any other I/O failure.
    Io,
}

/// No complete response arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) attempts: u32,
}

impl TransportError {
    /// What kind of failure this was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// How many attempts the call made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::ConnectionClosed => "connection closed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Tls => "tls failure",
            TransportErrorKind::Protocol => "http protocol error",
            TransportErrorKind::Io => "network error",
        };
        write!(f, "{what}: {}", self.message)?;
        write_attempts(f, self.attempts)
    }
}

/// A 2xx response whose body is not what the API documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub(crate) operation: &'static str,
    pub(crate) status: u16,
    pub(crate) index: Option<usize>,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl DecodeError {
    /// The call whose response failed to decode, e.g. `"list production tests"`.
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// For a list, the zero-based index of the item that failed to decode.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// What is wrong and where: the field path, what was expected, and the line and
    /// column in the body.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {} response", self.operation)?;
        if let Some(index) = self.index {
            write!(f, ": item {index}")?;
        }
        let (message, position) = split_position(&self.message);
        f.write_str(": ")?;
        write_one_line(f, message)?;
        f.write_str(position)?;
        if let Some(id) = &self.request_id {
            f.write_str(" (request id ")?;
            write_one_line(f, id)?;
            f.write_str(")")?;
        }
        write_attempts(f, self.attempts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> ApiError {
        ApiError {
            status,
            code: None,
            message: None,
            details: None,
            request_id: None,
            excerpt: None,
            retry_after: None,
            attempts: 1,
        }
    }

    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 32,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn api_error_display_with_envelope() {
        let e = ApiError {
            code: Some("RESOURCE_NOT_FOUND".into()),
            message: Some("App not found".into()),
            request_id: Some("228aaefb".into()),
            ..api(404)
        };
        assert_eq!(
            Error::Api(Box::new(e)).to_string(),
            r#"api error: status 404 RESOURCE_NOT_FOUND: "App not found" (request id 228aaefb)"#
        );
    }

    #[test]
    fn api_error_display_without_envelope() {
        let e = ApiError {
            excerpt: Some("<html> bad gateway".into()),
            attempts: 3,
            ..api(502)
        };
        assert_eq!(
            e.to_string(),
            r#"api error: status 502: body "<html> bad gateway" (after 3 attempts)"#
        );
        assert_eq!(api(500).to_string(), "api error: status 500");
    }

    #[test]
    fn api_error_display_redirect_and_retry_after() {
        assert_eq!(
            api(302).to_string(),
            "api error: status 302: redirect not followed"
        );
        let e = ApiError {
            retry_after: Some(Duration::from_secs(120)),
            ..api(429)
        };
        assert_eq!(e.to_string(), "api error: status 429 (retry after 120s)");
    }

    #[test]
    fn transport_and_decode_display() {
        let t = TransportError {
            kind: TransportErrorKind::Timeout,
            message: "no complete response within 5s".into(),
            attempts: 1,
        };
        let e = Error::Transport(Box::new(t));
        assert!(e.is_timeout());
        assert_eq!(e.to_string(), "timed out: no complete response within 5s");
        let d = DecodeError {
            operation: "list production tests",
            status: 200,
            index: Some(3),
            message: "missing field `id` at line 1 column 9".into(),
            request_id: None,
            attempts: 2,
        };
        assert_eq!(
            d.to_string(),
            "malformed list production tests response: item 3: missing field `id` at line 1 column 9 (after 2 attempts)"
        );
    }

    #[test]
    fn server_text_with_control_characters_stays_on_one_line() {
        let e = ApiError {
            code: Some("BAD\nCODE".into()),
            message: Some("m\n".into()),
            request_id: Some("id\r\nforged".into()),
            ..api(400)
        };
        assert_eq!(
            e.to_string(),
            r#"api error: status 400 BAD\nCODE: "m\n" (request id id\r\nforged)"#
        );
        let d = DecodeError {
            operation: "list production tests",
            status: 200,
            index: Some(0),
            message: "unknown variant `a\u{1b}[2Jb\tc`".into(),
            request_id: Some("r\n".into()),
            attempts: 1,
        };
        assert_eq!(
            d.to_string(),
            r"malformed list production tests response: item 0: unknown variant `a\u{1b}[2Jb\tc` (request id r\n)"
        );
    }

    #[test]
    fn server_text_is_escaped_like_debug_and_bounded() {
        let e = ApiError {
            code: Some("X\u{2028}FORGED\u{202e}".into()),
            message: Some("m".repeat(5000)),
            request_id: Some("r\u{2029}".into()),
            ..api(400)
        };
        let shown = e.to_string();
        assert!(
            shown.starts_with(r"api error: status 400 X\u{2028}FORGED\u{202e}: "),
            "{shown}"
        );
        assert!(
            shown.contains(&format!("\"{}…\"", "m".repeat(200))),
            "{shown}"
        );
        assert!(shown.ends_with(r"(request id r\u{2029})"), "{shown}");
        assert!(shown.len() < 300);
        assert_eq!(
            e.message().map(str::len),
            Some(5000),
            "the accessor keeps it all"
        );

        let d = DecodeError {
            operation: "production test report",
            status: 200,
            index: None,
            message: format!(
                "invalid type: string \"{}\" at line 1 column 9",
                "y".repeat(5000)
            ),
            request_id: None,
            attempts: 1,
        };
        let shown = d.to_string();
        assert!(shown.ends_with("… at line 1 column 9"), "{shown}");
        assert!(shown.len() < 300, "{shown}");
    }

    #[test]
    fn split_position_finds_only_a_real_suffix() {
        assert_eq!(
            split_position("missing field `id` at line 3 column 14"),
            ("missing field `id`", " at line 3 column 14")
        );
        assert_eq!(
            split_position("at line 3 column x"),
            ("at line 3 column x", "")
        );
        assert_eq!(split_position("plain"), ("plain", ""));
    }

    #[test]
    fn config_and_input_display() {
        assert_eq!(
            Error::Config("x".into()).to_string(),
            "invalid configuration: x"
        );
        assert_eq!(
            Error::InvalidInput("y".into()).to_string(),
            "invalid input: y"
        );
        assert_eq!(Error::Config("x".into()).attempts(), 0);
    }
}

//! The crate's error type: one enum whose variants a caller can act on.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Every way a call to the Hopae API can fail.
///
/// Match on the variant to decide what to do: [`Error::Api`] means the API answered and
/// said no (inspect [`Error::code`]); [`Error::Transport`] means no complete answer
/// arrived (network fault or timeout); [`Error::Decode`] and [`Error::ResponseTooLarge`]
/// mean the answer was not what the API documents; [`Error::Config`] and
/// [`Error::InvalidInput`] mean the call was refused before anything was sent;
/// [`Error::Wait`] means a wait (for a production-test challenge or a custom domain) ended
/// without the outcome it waited for.
///
/// `Display` is one lowercase line without a trailing period. It never contains the
/// API key. The request id is included when the API sent one, since Hopae support asks
/// for it. [`std::error::Error::source`] is the underlying I/O or HTTP error of a
/// transport failure.
///
/// # The errors every call can meet
///
/// Each call's `# Errors` section lists what is particular to it and refers here for
/// the rest. Every call that sends a request can also fail with:
///
/// - [`Error::Transport`] when no complete response arrived, after the retries the
///   client allows (network failures, and [`Error::is_timeout`] when a deadline passed);
/// - [`Error::Decode`] when a 2xx body is not what the API documents (malformed,
///   inconsistent, or a field of the wrong type; [`DecodeError`] names the field);
/// - [`Error::ResponseTooLarge`] when a body exceeds the size cap;
/// - [`Error::Api`] for a non-2xx status the call does not list (401 for an invalid
///   key, 429 and 5xx after the retries, 3xx since redirects are never followed).
///
/// # Example
///
/// ```no_run
/// use hopae::Error;
///
/// let client = hopae::HopaeClient::from_env()?;
/// match client.app("FK5b0KSM").get() {
///     Ok(app) => println!("{}", app.name),
///     Err(e) if e.code() == Some("RESOURCE_NOT_FOUND") => println!("no such app"),
///     Err(e @ Error::Transport(_)) if e.is_timeout() => println!("slow network: {e}"),
///     Err(e) => return Err(e),
/// }
/// # Ok::<(), hopae::Error>(())
/// ```
///
/// # Example: refused before anything is sent
///
/// ```
/// let err = hopae::HopaeClient::new("sk_workspace_test_not a key").unwrap_err();
/// assert!(matches!(err, hopae::Error::Config(_)));
/// assert_eq!(err.attempts(), 0);
/// assert!(!err.to_string().contains("not a key"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status that is not 2xx (3xx included: redirects are never
    /// followed), or with a 2xx whose body says the operation was not done
    /// (`{"deleted": false}`, `{"success": false}`): then [`Error::status`] is that 2xx
    /// status, [`Error::code`] is `None` and [`ApiError::body_excerpt`] shows the body.
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
    /// The client could not be configured, or may not send: missing or malformed API
    /// key, invalid base URL, a key used against the other environment's host, a setting
    /// out of bounds ([`ConfigError::kind`] says which).
    Config(Box<ConfigError>),
    /// An argument was refused before anything was sent: an empty, dot-only or over-long
    /// path parameter, an invalid idempotency key, a request body that breaks the API's
    /// documented limits ([`InputError::kind`] and [`InputError::field`] say which).
    InvalidInput(Box<InputError>),
    /// A wait ended without the outcome it waited for: a production-test request failed,
    /// is unknown or matches several challenges; a custom domain became `invalid`; or the
    /// timeout passed. Errors of the polls themselves are reported as they are.
    Wait(Box<WaitError>),
    /// An OpenID Connect ID token failed verification: malformed, not RS256, signed by
    /// an unknown key or not by the key it names, or with claims that do not hold
    /// (issuer, audience, times, nonce, level). [`IdTokenError::kind`] says which.
    IdToken(Box<IdTokenError>),
    /// Paging through a list could not go on: the server answered, page after page,
    /// only items already listed where new ones were due (a page repeated where the
    /// iteration had not been yet, or a list that kept moving without bringing new
    /// items). Each page decoded; the list as a whole is inconsistent.
    /// [`PagingError::kind`] says which.
    Paging(Box<PagingError>),
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

    /// The API's stable error code, such as `"RESOURCE_NOT_FOUND"`: `error.code` of the
    /// envelope, an RFC 7807 body's `title` (`AUTH.INVALID_CREDENTIALS` read as
    /// `AUTH_INVALID_CREDENTIALS`), or a bare `code` (`VALIDATION_UNPROCESSABLE`,
    /// `verification_not_completed`); `None` when the body was none of those shapes.
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
            Error::Config(_)
            | Error::InvalidInput(_)
            | Error::Wait(_)
            | Error::IdToken(_)
            | Error::Paging(_) => 0,
        }
    }

    /// The `Idempotency-Key` of a POST that failed on the network
    /// ([`TransportError::idempotency_key`]): send the call again with it
    /// ([`Idempotent`](crate::Idempotent)) to learn its outcome without creating twice.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Error::Transport(e) => e.idempotency_key(),
            _ => None,
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
            Error::Config(e) => {
                f.write_str("invalid configuration: ")?;
                e.fmt(f)
            }
            Error::InvalidInput(e) => {
                f.write_str("invalid input: ")?;
                e.fmt(f)
            }
            Error::Wait(e) => e.fmt(f),
            Error::IdToken(e) => e.fmt(f),
            Error::Paging(e) => e.fmt(f),
        }
    }
}

/// Why paging through a list stopped: see [`Error::Paging`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingErrorKind {
    /// A page at an offset the iteration had not reached yet held only items already
    /// listed: a server that ignores `offset`, or answers the same page again.
    RepeatedPage,
    /// Several pages in a row brought no new item while the list kept moving (its
    /// `total` changing under the iteration).
    NoProgress,
}

/// The details of an [`Error::Paging`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingError {
    pub(crate) operation: &'static str,
    pub(crate) kind: PagingErrorKind,
    /// The offset of the page that ended the iteration.
    pub(crate) offset: u64,
    /// Pages in a row that brought no new item.
    pub(crate) stale_pages: u64,
}

impl PagingError {
    /// What the list is, e.g. `"list apps"`.
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// Why paging stopped.
    pub fn kind(&self) -> PagingErrorKind {
        self.kind
    }

    /// The offset of the page that ended the iteration.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot page through {}: ", self.operation)?;
        match self.kind {
            PagingErrorKind::RepeatedPage => write!(
                f,
                "the page at offset {} repeats items already listed; stopping",
                self.offset
            ),
            PagingErrorKind::NoProgress => write!(
                f,
                "{} pages in a row brought no new item while the list kept moving; stopping",
                self.stale_pages
            ),
        }
    }
}

impl std::error::Error for Error {
    /// The underlying I/O or HTTP error of an [`Error::Transport`]; `None` otherwise
    /// (every other variant's `Display` already says all there is).
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => std::error::Error::source(&**e),
            _ => None,
        }
    }
}

/// How much of one piece of server-sent text `Display` shows; the accessors keep it all.
const SHOWN_CHARS: usize = 200;

/// Writes text that came from the server on one line and at a bounded length: anything
/// `{:?}` would escape (control characters, line and paragraph separators, bidi
/// overrides) is escaped, and the text is cut after `SHOWN_CHARS` characters with `…`,
/// so a hostile or broken server can neither split nor flood the one-line `Display`.
pub(crate) fn write_one_line(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    write_bounded(f, text, SHOWN_CHARS, &['\'', '"'])
}

/// `text` from a server or a peer, safe to print: every character `{:?}` would escape
/// is escaped (control characters and terminal escape sequences, line and paragraph
/// separators such as U+2028, bidi overrides such as U+202E), so it can neither rewrite
/// a terminal nor split a line nor reorder what follows it. Quotes and backslashes stay
/// as they are, so escaping twice changes nothing: text that already went through this
/// crate's error `Display` can pass again. The same rule as the escaping of server text
/// in this crate's errors; the CLI prints every server- or peer-supplied string through
/// it.
///
/// # Example
///
/// ```
/// let shown = hopae::escape_untrusted("ok\x1b[2J\u{202e}\u{2028}\n\"C:\\x\"");
/// assert_eq!(shown, r#"ok\u{1b}[2J\u{202e}\u{2028}\n"C:\x""#);
/// assert_eq!(hopae::escape_untrusted(&shown), shown);
/// ```
pub fn escape_untrusted(text: &str) -> String {
    struct Escaped<'a>(&'a str);
    impl fmt::Display for Escaped<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_bounded(f, self.0, usize::MAX, &['\'', '"', '\\'])
        }
    }
    Escaped(text).to_string()
}

/// How much of a [`Error::Config`] or [`Error::InvalidInput`] message `Display` shows:
/// the crate writes them, but some quote what the caller passed (a base URL, a
/// serializer's message), and no input may make the one line long.
const SHOWN_MESSAGE_CHARS: usize = 260;

/// [`write_one_line`] with its own bound and the characters written unescaped (the
/// crate's own messages already quote caller input with `{:?}`: its backslashes are
/// escapes, not text).
fn write_bounded(
    f: &mut fmt::Formatter<'_>,
    text: &str,
    max: usize,
    unescaped: &[char],
) -> fmt::Result {
    for (i, c) in text.chars().enumerate() {
        if i == max {
            return f.write_str("…");
        }
        if unescaped.contains(&c) {
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

/// The API answered with a non-2xx status, or with a 2xx status whose body reports that
/// the operation was not done (`{"deleted": false}` from a delete, `{"success": false}`
/// from a workflow's set-default).
///
/// When the body is Hopae's error envelope (`{"error": {"code", "message", "details"},
/// "request_id"}`) its fields are available here. When it is not (a proxy's HTML page,
/// plain text, an empty body, other JSON), only the status and a short, sanitized excerpt
/// of the body are kept.
///
/// # Example
///
/// ```no_run
/// let client = hopae::HopaeClient::from_env()?;
/// if let Err(hopae::Error::Api(api)) = client.app("FK5b0KSM").production_tests().report("ch_1") {
///     eprintln!("status {} code {:?}: {:?}", api.status(), api.code(), api.message());
///     if let Some(param) = api.details().and_then(|d| d.get("parameter")) {
///         eprintln!("the API refused the parameter {param}");
///     }
///     eprintln!("quote this to Hopae support: {:?}", api.request_id());
/// }
/// # Ok::<(), hopae::Error>(())
/// ```
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
        } else if (200..300).contains(&self.status) {
            f.write_str(" but the answer reports failure")?;
            if let Some(excerpt) = &self.excerpt {
                f.write_str(": ")?;
                write_one_line(f, excerpt)?;
            }
        } else if matches!(self.status, 301 | 302 | 303 | 307 | 308) {
            f.write_str(": redirect not followed")?;
        } else if (300..400).contains(&self.status) {
            f.write_str(": unexpected status (not an answer of the api)")?;
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
    /// The TLS handshake or certificate check failed, or the server does not speak TLS
    /// (an `https` URL on a plain-http port). Never retried.
    Tls,
    /// The peer did not speak valid HTTP/1.1.
    Protocol,
    /// Any other I/O failure.
    Io,
}

/// No complete response arrived.
///
/// `Display` names the kind of failure, the method, the URL (and the proxy, when one was
/// used) and, for timeouts, the deadline; the underlying I/O or HTTP error is the
/// [`source`](std::error::Error::source), so that it is said once, and can be
/// downcast: to `std::io::Error` for an I/O failure, else to `ureq::Error`.
#[derive(Debug, Clone)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) attempts: u32,
    pub(crate) source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
    pub(crate) idempotency_key: Option<String>,
}

impl PartialEq for TransportError {
    /// Equal when kind, message and attempts are; the sources are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message && self.attempts == other.attempts
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
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

    /// The `Idempotency-Key` the failed call sent (every POST sends one, generated when
    /// the caller gave none); `None` for other methods.
    ///
    /// A POST whose connection broke after it may have been sent is not retried: its
    /// outcome is unknown. Sending it again with this key ([`Idempotent`](crate::Idempotent))
    /// replays the first outcome instead of creating twice.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
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

/// Why a client could not be configured, or refused to send ([`Error::Config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No API key: `HOPAE_API_KEY` unset or empty.
    ApiKeyMissing,
    /// The API key is malformed (characters, length) or not valid Unicode.
    ApiKeyInvalid,
    /// The key has no known environment prefix and no base URL was set.
    UnknownKeyPrefix,
    /// The base URL is not usable: not https (outside loopback), credentials, query,
    /// fragment, bad host or port.
    BaseUrl,
    /// A sandbox key with the production host, or the other way round.
    EnvironmentMismatch,
    /// A timeout, backoff, retry count or user-agent prefix is out of bounds.
    Setting,
    /// The installed logger would record the HTTP layer's raw dumps, the key included.
    KeyWouldBeLogged,
    /// No App client id or secret (`HOPAE_CLIENT_ID`, `HOPAE_CLIENT_SECRET` unset or
    /// empty).
    ClientCredentialsMissing,
    /// The App client id or secret is malformed (characters, length).
    ClientCredentialsInvalid,
    /// An App client was built without an environment or a base URL: App credentials
    /// carry no environment marker.
    EnvironmentMissing,
    /// Root certificates (a PEM file or bytes, `SSL_CERT_FILE`, `SSL_CERT_DIR`) could
    /// not be read or hold no usable certificate.
    RootCertificates,
}

/// The details of an [`Error::Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub(crate) kind: ConfigErrorKind,
    pub(crate) message: String,
}

impl ConfigError {
    /// What is wrong.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The message, as `Display` shows it after `invalid configuration: ` (never the key).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bounded(f, &self.message, SHOWN_MESSAGE_CHARS, &['\'', '"', '\\'])
    }
}

/// What kind of argument an [`Error::InvalidInput`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// A path parameter (a client, challenge, workflow, provider or document id) is
    /// empty, `.`, `..` or over 1,024 bytes.
    PathParameter,
    /// An idempotency key is empty, over 255 characters or not visible ASCII.
    IdempotencyKey,
    /// A field of a request body (or a query parameter) breaks a documented limit.
    Field,
    /// The options of a call (a wait's interval, a request id to wait for) are invalid.
    Options,
    /// A redirect back from the OpenID Connect provider that is not the answer to this
    /// authorization: another `state`, no `code`, a repeated parameter, another issuer.
    Callback,
    /// The method or path of a raw request (`HopaeClient::request`) is not one the
    /// client sends: an unknown method, or a path that is not under the base URL.
    Request,
}

/// The details of an [`Error::InvalidInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub(crate) kind: InputErrorKind,
    pub(crate) field: Option<String>,
    pub(crate) message: String,
    /// Where the reason starts in `message`: after the leading `` `field` `` when the
    /// message opens with it.
    pub(crate) reason_at: usize,
}

impl InputError {
    /// What kind of argument was refused.
    pub fn kind(&self) -> InputErrorKind {
        self.kind
    }

    /// The field or parameter, as the API documents it, when the refusal names one:
    /// `"title"`, `"redirectUris[3]"`, `"client_id"`, `"limit"`.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The message, as `Display` shows it after `invalid input: `.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message without the field it opens with: for `` `title` has 201 characters,
    /// at most 200 are allowed ``, `has 201 characters, at most 200 are allowed`. A
    /// program that names the field its own way (a CLI naming its `--title` option)
    /// puts its name before this; a message that does not open with its field is
    /// returned whole.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::production_tests::NewProductionTest;
    ///
    /// let e = NewProductionTest::new("").validate().unwrap_err();
    /// let hopae::Error::InvalidInput(input) = &e else { unreachable!() };
    /// assert_eq!(input.field(), Some("title"));
    /// assert_eq!(input.reason(), "must not be empty");
    /// assert_eq!(format!("--title {}", input.reason()), "--title must not be empty");
    /// ```
    pub fn reason(&self) -> &str {
        &self.message[self.reason_at..]
    }
}

/// Where the reason of `message` starts: after `` `field` `` (or `` `field`: ``) when
/// the message opens with it, else 0.
fn reason_start(message: &str, field: Option<&str>) -> usize {
    let Some(field) = field else { return 0 };
    [format!("`{field}` "), format!("`{field}`: ")]
        .into_iter()
        .find(|opening| message.starts_with(opening.as_str()))
        .map_or(0, |opening| opening.len())
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bounded(f, &self.message, SHOWN_MESSAGE_CHARS, &['\'', '"', '\\'])
    }
}

impl Error {
    /// An [`Error::Config`].
    pub(crate) fn config(kind: ConfigErrorKind, message: impl Into<String>) -> Error {
        Error::Config(Box::new(ConfigError {
            kind,
            message: message.into(),
        }))
    }

    /// An [`Error::InvalidInput`] of kind [`InputErrorKind::Field`]; the field is the
    /// first `` `name` `` the message quotes.
    pub(crate) fn invalid_input(message: impl Into<String>) -> Error {
        Error::input(InputErrorKind::Field, message)
    }

    /// An [`Error::InvalidInput`] of kind [`InputErrorKind::Field`] naming `field`
    /// explicitly, for messages that quote user data (a node or provider id) first.
    pub(crate) fn input_at(field: impl Into<String>, message: impl Into<String>) -> Error {
        let (field, message) = (field.into(), message.into());
        Error::InvalidInput(Box::new(InputError {
            kind: InputErrorKind::Field,
            reason_at: reason_start(&message, Some(&field)),
            field: Some(field),
            message,
        }))
    }

    /// An [`Error::InvalidInput`] of `kind`; the field is the first `` `name` `` the
    /// message quotes.
    pub(crate) fn input(kind: InputErrorKind, message: impl Into<String>) -> Error {
        let message = message.into();
        let field = message
            .split_once('`')
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field.to_owned())
            .filter(|f| !f.is_empty());
        Error::InvalidInput(Box::new(InputError {
            kind,
            reason_at: reason_start(&message, field.as_deref()),
            field,
            message,
        }))
    }
}

/// Why a wait ended without the outcome it waited for.
///
/// Carried by [`Error::Wait`]. `Display` is one lowercase line naming what was waited
/// for. Every string in it that came from the server is escaped, bounded and free of the
/// API key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitError {
    /// The production-test request's status is `failed`: Hopae could not schedule it.
    RequestFailed {
        /// The request id (`req_...`).
        request_id: String,
    },
    /// The first poll did not list the production-test request: the id is wrong,
    /// belongs to another App, or the request was scheduled and dropped from the list
    /// before the wait started.
    UnknownRequest {
        /// The request id (`req_...`).
        request_id: String,
    },
    /// The request is no longer listed and more than one challenge matches it by title
    /// and creation time, so the challenge cannot be told apart.
    Ambiguous {
        /// The request id (`req_...`).
        request_id: String,
        /// The ids of the matching challenges, in list order.
        candidates: Vec<String>,
    },
    /// The timeout passed before the production-test request resolved.
    TimedOut {
        /// The request id (`req_...`).
        request_id: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The request's status (as sent) in the last completed poll; `None` when no
        /// poll completed, or the request was no longer listed.
        last_status: Option<String>,
        /// How many polls completed.
        polls: u32,
    },
    /// Verifying the custom domain ended in status `invalid`.
    DomainInvalid {
        /// The domain's `requiredAction`, as sent (e.g. `contact_support`, `retry`).
        required_action: String,
        /// The domain's `statusMessage`, when it had one.
        status_message: Option<String>,
    },
    /// The timeout passed before the custom domain became `active`.
    DomainTimedOut {
        /// How long the wait lasted.
        waited: Duration,
        /// The domain's status (as sent) after the last completed verification; `None`
        /// when none completed.
        last_status: Option<String>,
    },
    /// A verification session did not reach a terminal status in time: the wait's
    /// timeout passed, or (`expired`) its `expiresAt` plus 5 s passed and one more
    /// poll still did not report a terminal status.
    VerificationTimedOut {
        /// The verification id.
        verification_id: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The session's status (as sent) in the last completed poll; `None` when no
        /// poll completed.
        last_status: Option<String>,
        /// How many polls completed.
        polls: u32,
        /// Whether the session's `expiresAt` (plus the grace) ended the wait, rather
        /// than the wait's own timeout.
        expired: bool,
    },
}

impl WaitError {
    /// The production-test request id (`req_...`) the wait was for; `None` for a
    /// custom-domain wait.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            WaitError::RequestFailed { request_id }
            | WaitError::UnknownRequest { request_id }
            | WaitError::Ambiguous { request_id, .. }
            | WaitError::TimedOut { request_id, .. } => Some(request_id),
            WaitError::DomainInvalid { .. }
            | WaitError::DomainTimedOut { .. }
            | WaitError::VerificationTimedOut { .. } => None,
        }
    }

    /// Whether the wait ended because its timeout passed.
    pub fn is_timed_out(&self) -> bool {
        matches!(
            self,
            WaitError::TimedOut { .. }
                | WaitError::DomainTimedOut { .. }
                | WaitError::VerificationTimedOut { .. }
        )
    }
}

/// How many ambiguous candidates `Display` names; [`WaitError::Ambiguous`] keeps all.
const SHOWN_CANDIDATES: usize = 5;

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = self.request_id() {
            f.write_str("production test request ")?;
            write_one_line(f, id)?;
        }
        match self {
            WaitError::RequestFailed { .. } => f.write_str(" failed: hopae could not schedule it"),
            WaitError::UnknownRequest { .. } => f.write_str(" is not listed for this app"),
            WaitError::Ambiguous { candidates, .. } => {
                write!(
                    f,
                    " is no longer listed and {} challenges match its title and creation time: ",
                    candidates.len()
                )?;
                for (i, id) in candidates.iter().take(SHOWN_CANDIDATES).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_one_line(f, id)?;
                }
                if candidates.len() > SHOWN_CANDIDATES {
                    write!(f, " and {} more", candidates.len() - SHOWN_CANDIDATES)?;
                }
                Ok(())
            }
            WaitError::TimedOut {
                waited,
                last_status,
                polls,
                ..
            } => {
                write!(f, " was not scheduled within {}", format_duration(*waited))?;
                match last_status {
                    Some(status) => {
                        f.write_str(" (last status ")?;
                        write_one_line(f, status)?;
                        f.write_str(")")
                    }
                    None if *polls == 0 => f.write_str(" (no poll completed)"),
                    None => f.write_str(" (no longer listed)"),
                }
            }
            WaitError::DomainInvalid {
                required_action,
                status_message,
            } => {
                f.write_str("custom domain verification failed: status invalid, required action ")?;
                write_one_line(f, required_action)?;
                if let Some(m) = status_message {
                    f.write_str(": \"")?;
                    write_one_line(f, m)?;
                    f.write_str("\"")?;
                }
                Ok(())
            }
            WaitError::DomainTimedOut {
                waited,
                last_status,
            } => {
                write!(
                    f,
                    "custom domain was not active within {}",
                    format_duration(*waited)
                )?;
                match last_status {
                    Some(status) => {
                        f.write_str(" (last status ")?;
                        write_one_line(f, status)?;
                        f.write_str(")")
                    }
                    None => f.write_str(" (no verification completed)"),
                }
            }
            WaitError::VerificationTimedOut {
                verification_id,
                waited,
                last_status,
                expired,
                ..
            } => {
                f.write_str("verification ")?;
                write_one_line(f, verification_id)?;
                if *expired {
                    f.write_str(" passed its expiresAt without ending")?;
                } else {
                    write!(f, " did not end within {}", format_duration(*waited))?;
                }
                match last_status {
                    Some(status) => {
                        f.write_str(" (last status ")?;
                        write_one_line(f, status)?;
                        f.write_str(")")
                    }
                    None => f.write_str(" (no poll completed)"),
                }
            }
        }
    }
}

impl std::error::Error for WaitError {}

/// A short human form of a duration: `500ms`, `45s`, `1m 30s`, `10m`, `1h 5m`. The one
/// duration format of the crate's messages.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    parts.join(" ")
}

/// Why an ID token was refused, from [`IdTokenError::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdTokenErrorKind {
    /// Not a compact JWS of three base64url parts with JSON header and claims, too
    /// large, or without a required claim (`iss`, `sub`, `aud`, `exp`, `iat`).
    Malformed,
    /// The header names another algorithm than RS256 (`none` and `HS256` included), or
    /// critical extensions.
    UnsupportedAlgorithm,
    /// No key of the provider's JWKS has the token's `kid`, even after fetching the JWKS
    /// again.
    UnknownKey,
    /// The signature does not verify with the key the token names.
    BadSignature,
    /// `iss` is not the issuer of the provider's discovery document.
    WrongIssuer,
    /// `aud` does not contain the client id, or `azp` names another client.
    WrongAudience,
    /// `exp` has passed, beyond the leeway.
    Expired,
    /// `iat` (or `nbf`) lies in the future, beyond the leeway.
    NotYetValid,
    /// `nonce` is missing or not the one the authorization sent.
    NonceMismatch,
    /// The token's level of assurance is below the minimum the authorization asked for.
    LoaTooLow,
}

/// An ID token that failed verification: its [`kind`](IdTokenError::kind) and a message
/// a person can act on.
///
/// The message quotes what the token said (issuer, audience, key id) escaped and cut,
/// never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenError {
    pub(crate) kind: IdTokenErrorKind,
    pub(crate) message: String,
}

impl IdTokenError {
    pub(crate) fn new(kind: IdTokenErrorKind, message: impl Into<String>) -> IdTokenError {
        IdTokenError {
            kind,
            message: message.into(),
        }
    }

    /// Which rule the token broke.
    pub fn kind(&self) -> IdTokenErrorKind {
        self.kind
    }

    /// What went wrong, without the `invalid id token: ` prefix of `Display`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid id token: ")?;
        write_bounded(f, &self.message, SHOWN_MESSAGE_CHARS, &['\'', '"', '\\'])
    }
}

impl std::error::Error for IdTokenError {}

impl From<IdTokenError> for Error {
    fn from(e: IdTokenError) -> Error {
        Error::IdToken(Box::new(e))
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
    fn api_error_display_of_a_2xx_that_reports_failure() {
        let e = ApiError {
            excerpt: Some(r#"{"deleted":false}"#.into()),
            request_id: Some("r1".into()),
            ..api(200)
        };
        assert_eq!(
            e.to_string(),
            r#"api error: status 200 but the answer reports failure: {"deleted":false} (request id r1)"#
        );
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
            source: None,
            idempotency_key: None,
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
            Error::config(ConfigErrorKind::Setting, "x").to_string(),
            "invalid configuration: x"
        );
        assert_eq!(Error::invalid_input("y").to_string(), "invalid input: y");
        assert_eq!(Error::config(ConfigErrorKind::BaseUrl, "x").attempts(), 0);
        let e = Error::input(
            InputErrorKind::PathParameter,
            "`client_id` must not be empty",
        );
        let Error::InvalidInput(i) = &e else { panic!() };
        assert_eq!(i.kind(), InputErrorKind::PathParameter);
        assert_eq!(i.field(), Some("client_id"));
        assert_eq!(
            Error::invalid_input("no field here").to_string(),
            "invalid input: no field here"
        );
        let long = Error::invalid_input(format!("`id` {}", "x".repeat(5000))).to_string();
        assert!(long.chars().count() < 330, "{long}");
    }

    // Caught on the old code: a message quoting caller input (a serializer's message,
    // a URL) was shown whole, so one argument could make `Display` any length or
    // split it over lines.
    #[test]
    fn config_and_input_display_is_one_bounded_line() {
        for e in [
            Error::config(
                ConfigErrorKind::Setting,
                format!("x\n{}", "u".repeat(30_000)),
            ),
            Error::invalid_input("i".repeat(30_000)),
        ] {
            let shown = e.to_string();
            assert!(shown.chars().count() < 300, "{}", shown.len());
            assert!(shown.ends_with('…'), "{shown}");
            assert!(!shown.contains('\n'), "{shown}");
        }
        assert_eq!(
            Error::invalid_input(r#"`a` has "b\n""#).to_string(),
            r#"invalid input: `a` has "b\n""#,
            "quotes and escapes already in the message stay as written"
        );
    }
    #[test]
    fn durations_format_short() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
        assert_eq!(format_duration(Duration::from_secs(3900)), "1h 5m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s");
    }

    #[test]
    fn wait_error_display() {
        let id = || "req_1".to_owned();
        assert_eq!(
            WaitError::RequestFailed { request_id: id() }.to_string(),
            "production test request req_1 failed: hopae could not schedule it"
        );
        assert_eq!(
            WaitError::UnknownRequest { request_id: id() }.to_string(),
            "production test request req_1 is not listed for this app"
        );
        assert_eq!(
            WaitError::Ambiguous {
                request_id: id(),
                candidates: vec!["ch_a".into(), "ch_b".into()]
            }
            .to_string(),
            "production test request req_1 is no longer listed and 2 challenges match its \
             title and creation time: ch_a, ch_b"
        );
        let timed_out = WaitError::TimedOut {
            request_id: id(),
            waited: Duration::from_secs(600),
            last_status: Some("pending".into()),
            polls: 3,
        };
        assert_eq!(
            timed_out.to_string(),
            "production test request req_1 was not scheduled within 10m (last status pending)"
        );
        assert_eq!(timed_out.request_id(), Some("req_1"));
        let gone = WaitError::TimedOut {
            request_id: id(),
            waited: Duration::from_millis(50),
            last_status: None,
            polls: 2,
        };
        assert_eq!(
            Error::Wait(Box::new(gone)).to_string(),
            "production test request req_1 was not scheduled within 50ms (no longer listed)"
        );
    }
}

//! How a command fails: the [`Failure`] it returns, and the documented exit codes
//! (`hopae --help` lists them).

use hopae::Error;

/// The API answered with an error status (3xx included).
pub(crate) const EXIT_API: u8 = 1;
/// Bad arguments, a missing or invalid key or base URL, input refused before sending.
pub(crate) const EXIT_USAGE: u8 = 2;
/// A request got no complete answer: network failure or timeout.
pub(crate) const EXIT_NETWORK: u8 = 3;
/// The answer was not what the API documents: malformed, inconsistent, too large.
pub(crate) const EXIT_RESPONSE: u8 = 4;
/// A wait ended without success: no challenge, the domains invalid, a verification
/// session failed, expired or was cancelled, or its timeout.
pub(crate) const EXIT_WAIT: u8 = 5;
/// A webhook signature or an OIDC ID token did not verify.
pub(crate) const EXIT_SIGNATURE: u8 = 6;

/// A failure to report: one `error:` line on stderr and an exit code, plus what
/// `--verbose` shows of a library error.
#[derive(Debug, PartialEq)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
            request_id: None,
            attempts: 0,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            code: exit_code(&e),
            message: chain(&e),
            request_id: e.request_id().map(str::to_owned),
            attempts: e.attempts(),
        }
    }
}

/// An error and its causes on one line: `connection failed: GET https://...: connection
/// refused (os error 111)`.
pub(crate) fn chain(e: &Error) -> String {
    let mut message = e.to_string();
    // `error: api error: status 404 ...` says "error" twice: the CLI's own prefix is enough.
    if let Some(rest) = message.strip_prefix("api error: ") {
        message = format!("the api answered {rest}");
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        let mut chars = text.chars();
        message.push_str(": ");
        // `Connection refused` reads as the rest of the sentence; `CONNECT` stays.
        match (chars.next(), chars.clone().next()) {
            (Some(first), Some(second)) if !second.is_uppercase() => {
                message.extend(first.to_lowercase());
                message.push_str(chars.as_str());
            }
            _ => message.push_str(&text),
        }
        source = cause.source();
    }
    message.replace(['\n', '\r'], " ")
}

/// The documented exit code of a library error.
pub(crate) fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Api(_) => EXIT_API,
        Error::Config(_) | Error::InvalidInput(_) => EXIT_USAGE,
        Error::Transport(_) => EXIT_NETWORK,
        Error::Decode(_) | Error::ResponseTooLarge { .. } | Error::Paging(_) => EXIT_RESPONSE,
        Error::Wait(_) => EXIT_WAIT,
        Error::IdToken(_) => EXIT_SIGNATURE,
        // A variant added by a later version of the library: the API was reached.
        _ => EXIT_API,
    }
}

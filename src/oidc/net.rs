//! The OIDC client's calls, on the App client's transport (retries, deadlines, size cap
//! and error mapping are the funnel's): absolute URLs from discovery, and the
//! credential each endpoint takes.

use crate::config;
use crate::decode::{self, DecodeResult};
use crate::error::Error;
use crate::http::{self, Call, Method, Transport};
use crate::redact::Credential;
use crate::secret::Secret;

use super::authorization::encode;
use super::discovery::{Discovery, Tokens};
use super::jose::KeySet;
use crate::verifications::UserInfo;

/// What an OIDC call authenticates with.
pub(super) enum Auth<'a> {
    /// Nothing (discovery, JWKS).
    None,
    /// An access token (userinfo).
    Bearer(&'a Secret),
}

/// The transport an [`OidcClient`](super::OidcClient) sends through.
#[derive(Clone)]
pub(crate) struct Net(Transport);

impl From<Transport> for Net {
    fn from(transport: Transport) -> Net {
        Net(transport)
    }
}

impl Net {
    /// An issuer under the base-URL rules (https, plain http only on loopback, no
    /// credentials, query or fragment), without its trailing `/`; or why not.
    pub(super) fn check_issuer(&self, raw: &str) -> Result<String, String> {
        config::parse_base_url(raw, &Credential::api_key(""))
            .map(|url| url.normalized)
            .map_err(|m| self.0.redact(&m.replacen("base URL", "OIDC issuer", 1)))
    }

    /// GETs `url` and decodes the answer with `decoder`.
    pub(super) fn get(
        &self,
        operation: &'static str,
        url: &str,
        auth: Auth<'_>,
        decoder: Decoder,
    ) -> Result<Answer, Error> {
        let auth = match auth {
            Auth::None => http::Auth::None,
            Auth::Bearer(token) => http::Auth::Bearer(token.clone()),
        };
        let call = Call::new(Method::Get, operation, String::new())
            .absolute(url.to_owned())
            .auth(auth);
        self.0.execute(call, decoder)
    }

    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url` with the App's Basic
    /// credentials, at most once: a request that may have reached the server is never
    /// sent again.
    pub(super) fn post_form(
        &self,
        operation: &'static str,
        url: &str,
        form: &[(&str, &str)],
        decoder: Decoder,
    ) -> Result<Answer, Error> {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let call = Call::new(Method::Post, operation, String::new())
            .absolute(url.to_owned())
            .body(
                "application/x-www-form-urlencoded",
                body.join("&").into_bytes(),
            )
            .at_most_once();
        self.0.execute(call, decoder)
    }
}

/// Every answer the OIDC client decodes: one type and one decoder signature, so that the
/// transport's generic funnel is compiled once for all four endpoints.
pub(super) enum Answer {
    Discovery(Box<Discovery>),
    Tokens(Box<Tokens>),
    UserInfo(Box<UserInfo>),
    Keys(KeySet),
}

/// How an answer's body is decoded.
pub(super) type Decoder = fn(&[u8]) -> DecodeResult<Answer>;

pub(super) fn discovery(body: &[u8]) -> DecodeResult<Answer> {
    decode::object(body).map(|d| Answer::Discovery(Box::new(d)))
}

pub(super) fn tokens(body: &[u8]) -> DecodeResult<Answer> {
    decode::object(body).map(|t| Answer::Tokens(Box::new(t)))
}

pub(super) fn userinfo(body: &[u8]) -> DecodeResult<Answer> {
    decode::object(body).map(|u| Answer::UserInfo(Box::new(u)))
}

pub(super) fn keys(body: &[u8]) -> DecodeResult<Answer> {
    KeySet::parse(body).map(Answer::Keys).map_err(|m| (None, m))
}

/// The error for an answer of another kind than its decoder makes: cannot happen, and
/// is an error rather than a panic all the same.
pub(super) fn mismatch() -> Error {
    Error::config(
        crate::error::ConfigErrorKind::Setting,
        "internal error: an OIDC answer of the wrong kind",
    )
}

//! The OIDC client's calls, on the App client's transport (retries, deadlines, size cap
//! and error mapping are the funnel's): absolute URLs from discovery, and the
//! credential each endpoint takes.

use serde::de::DeserializeOwned;

use crate::config;
use crate::decode::{self, DecodeResult};
use crate::error::Error;
use crate::http::{self, Call, Method, Transport};
use crate::redact::Credential;
use crate::secret::Secret;

use super::authorization::encode;

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

    /// GETs `url` and decodes a JSON object.
    pub(super) fn get_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        url: &str,
        auth: Auth<'_>,
    ) -> Result<T, Error> {
        self.get(operation, url, auth, decode::object)
    }

    /// GETs `url` and decodes the body with `decode`.
    pub(super) fn get<T>(
        &self,
        operation: &'static str,
        url: &str,
        auth: Auth<'_>,
        decode: impl Fn(&[u8]) -> DecodeResult<T>,
    ) -> Result<T, Error> {
        let auth = match auth {
            Auth::None => http::Auth::None,
            Auth::Bearer(token) => http::Auth::Bearer(token.clone()),
        };
        let call = Call::new(Method::Get, operation, String::new())
            .absolute(url.to_owned())
            .auth(auth);
        self.0.execute(call, decode)
    }

    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url` with the App's Basic
    /// credentials, at most once: a request that may have reached the server is never
    /// sent again.
    pub(super) fn post_form<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<T, Error> {
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
        self.0.execute(call, decode::object)
    }
}

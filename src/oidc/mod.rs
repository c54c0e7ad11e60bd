//! Sign people in with Hopae's OpenID Connect provider: the authorization code flow
//! with PKCE, `state` and `nonce`, and ID-token verification against a JWKS that
//! refreshes itself.
//!
//! [`OidcClient`] comes from an [`AppClient`](crate::AppClient) (`app.oidc()`): the App's
//! client id and secret authenticate the code exchange. The flow:
//!
//! 1. [`OidcClient::authorization_url`] makes an [`Authorization`]: the URL to send the
//!    person's browser to, and the `state`, `nonce` and PKCE verifier behind it. Keep it
//!    in the person's server-side session (it serializes).
//! 2. The provider sends the browser back to the redirect URI;
//!    [`Authorization::parse_callback`] checks `state` and takes the `code`.
//! 3. [`OidcClient::exchange_code`] trades the code for [`Tokens`] (sent once, never
//!    retried: a code is single use).
//! 4. [`OidcClient::verify_id_token`] checks the ID token: RS256 only, the key named by
//!    `kid` from the provider's JWKS, the issuer, the audience, the times (with a
//!    leeway), the nonce and the minimum level of assurance. Each failure is an
//!    [`Error::IdToken`](crate::Error::IdToken) whose [`IdTokenErrorKind`] says which
//!    rule the token broke.
//! 5. [`OidcClient::userinfo`] reads the person's verified attributes.
//!
//! The discovery document and the JWKS are cached per issuer and shared by every
//! `app.oidc()` of an `AppClient` and its clones. The JWKS is fetched again when a token
//! names a key it does not hold (at most once per
//! [`jwks_refresh_interval`](OidcClient::jwks_refresh_interval), 60 s by default, so
//! forged key ids cannot make the client hammer the provider) and whenever the cached
//! copy is older than [`jwks_max_age`](OidcClient::jwks_max_age) (an hour).

mod authorization;
mod cache;
mod claims;
mod client;
mod discovery;
#[doc(hidden)]
pub mod fuzz;
mod jose;
mod net;

pub use crate::error::{IdTokenError, IdTokenErrorKind};
pub use authorization::{
    Authorization, AuthorizationRequest, Callback, DEFAULT_SCOPE, MAX_CALLBACK_BYTES,
};
pub(crate) use cache::Cache;
pub use claims::IdTokenClaims;
pub use client::{DEFAULT_JWKS_REFRESH_INTERVAL, DEFAULT_LEEWAY, JWKS_MAX_AGE, OidcClient};
pub use discovery::{Discovery, PRODUCTION_ISSUER, SANDBOX_ISSUER, Tokens};
pub use jose::MAX_TOKEN_BYTES;

#[cfg(feature = "mock")]
pub(crate) use authorization::{challenge as pkce_challenge, encode as query_encode};
#[cfg(feature = "mock")]
pub(crate) use jose::{b64url_decode, b64url_encode};

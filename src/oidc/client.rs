//! [`OidcClient`]: discovery, the authorization URL, the code exchange, ID-token
//! verification and userinfo, on the App client's transport.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{ConfigErrorKind, Error};
use crate::secret::Secret;
use crate::verifications::UserInfo;

use super::authorization::{self, Authorization, AuthorizationRequest, Callback};
use super::cache::{Cache, IssuerCache, Policy};
use super::claims::{Expected, IdTokenClaims};
use super::discovery::{Discovery, Tokens};
use super::jose::KeySet;
use super::net::{self, Answer, Auth, Net};
use crate::http::Transport;

/// The clock skew allowed on `exp`, `iat` and `nbf` unless set with
/// [`OidcClient::leeway`].
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// How often, at most, a token naming an unknown key makes the client fetch the JWKS
/// again, unless set with [`OidcClient::jwks_refresh_interval`].
pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// How long a fetched JWKS is used before it is fetched again, unless set with
/// [`OidcClient::jwks_max_age`].
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(60 * 60);

/// An OpenID Connect relying party for one App, from
/// [`AppClient::oidc`](crate::AppClient::oidc).
///
/// The issuer follows the App client's environment
/// ([`SANDBOX_ISSUER`](super::SANDBOX_ISSUER),
/// [`PRODUCTION_ISSUER`](super::PRODUCTION_ISSUER)) or `HOPAE_OIDC_ISSUER`, unless set
/// with [`OidcClient::issuer`]. Making one sends nothing; the discovery document is
/// fetched on first use and cached with the JWKS in the `AppClient`, shared by its clones.
///
/// # Example
///
/// ```no_run
/// use hopae::oidc::AuthorizationRequest;
///
/// let app = hopae::AppClient::from_env()?;
/// let oidc = app.oidc();
/// let auth = oidc.authorization_url(&AuthorizationRequest::new("https://shop.example/callback"))?;
/// // Keep `auth` in the session, send the browser to auth.url(); on the callback:
/// let callback = auth.parse_callback("https://shop.example/callback?code=...&state=...")?;
/// let tokens = oidc.exchange_code(&auth, &callback)?;
/// let claims = oidc.verify_id_token(tokens.id_token.expose(), &auth)?;
/// println!("signed in: {} at level {:?}", claims.sub, claims.loa());
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct OidcClient {
    net: Net,
    client_id: String,
    client_secret: Secret,
    cache: Arc<Cache>,
    /// The issuer without a trailing `/`, or why there is none.
    issuer: Result<String, String>,
    leeway: Duration,
    policy: Policy,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.issuer.as_deref().ok())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("leeway", &self.leeway)
            .field("policy", &self.policy)
            .finish()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl OidcClient {
    pub(crate) fn new(
        transport: Transport,
        client_id: String,
        client_secret: Secret,
        cache: Arc<Cache>,
        issuer: Option<&str>,
    ) -> OidcClient {
        let net = Net::from(transport);
        let issuer = match issuer {
            Some(issuer) => net.check_issuer(issuer),
            None => Err(
                "no OIDC issuer: build the App client with an environment, or set \
                         HOPAE_OIDC_ISSUER, or call .issuer(..)"
                    .to_owned(),
            ),
        };
        OidcClient {
            net,
            client_id,
            client_secret,
            cache,
            issuer,
            leeway: DEFAULT_LEEWAY,
            policy: Policy {
                max_age: JWKS_MAX_AGE,
                refresh_interval: DEFAULT_JWKS_REFRESH_INTERVAL,
            },
        }
    }

    /// Uses this issuer (such as `https://sandbox.connect.hopae.com`) instead of the
    /// environment's. Under the base-URL rules: https, plain http only on loopback, no
    /// credentials, query or fragment; a trailing `/` is ignored. A refused issuer fails
    /// every call with [`Error::Config`].
    pub fn issuer(mut self, issuer: impl AsRef<str>) -> Self {
        self.issuer = self.net.check_issuer(issuer.as_ref());
        self
    }

    /// The clock skew allowed when checking `exp`, `iat` and `nbf` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How often, at most, a token naming an unknown key fetches the JWKS again
    /// (default 60 s). Within the interval such a token fails with
    /// [`IdTokenErrorKind::UnknownKey`](super::IdTokenErrorKind::UnknownKey) at once.
    pub fn jwks_refresh_interval(mut self, interval: Duration) -> Self {
        self.policy.refresh_interval = interval;
        self
    }

    /// How long a fetched JWKS is used before it is fetched again (default one hour):
    /// a key the provider retires stops verifying within this time.
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.policy.max_age = max_age;
        self
    }

    /// The client id tokens must be addressed to.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn issuer_url(&self) -> Result<&str, Error> {
        self.issuer
            .as_deref()
            .map_err(|m| Error::config(ConfigErrorKind::BaseUrl, m.clone()))
    }

    fn issuer_cache(&self) -> Result<(String, Arc<IssuerCache>), Error> {
        let issuer = self.issuer_url()?;
        Ok((issuer.to_owned(), self.cache.issuer(issuer)))
    }

    /// The provider's discovery document, fetched on first use and cached.
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] when there is no issuer, or the document names another
    ///   issuer or endpoints that are not https (plain http only on loopback), or puts
    ///   the token or userinfo endpoint on another origin than the issuer's.
    /// - [`Error::Api`], [`Error::Transport`], [`Error::Decode`] when fetching it fails.
    pub fn discovery(&self) -> Result<Arc<Discovery>, Error> {
        let (issuer, cache) = self.issuer_cache()?;
        self.discovery_of(&issuer, &cache)
    }

    fn discovery_of(&self, issuer: &str, cache: &IssuerCache) -> Result<Arc<Discovery>, Error> {
        if let Some(d) = cache
            .discovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            return Ok(Arc::clone(d));
        }
        let url = format!("{issuer}/.well-known/openid-configuration");
        let Answer::Discovery(discovery) =
            self.net
                .get("oidc discovery", &url, Auth::None, net::discovery)?
        else {
            return Err(net::mismatch());
        };
        discovery.check(issuer)?;
        let discovery: Arc<Discovery> = Arc::from(discovery);
        *cache
            .discovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&discovery));
        Ok(discovery)
    }

    /// Starts an authorization: the URL to send the person's browser to, with a fresh
    /// `state`, `nonce` and PKCE S256 challenge (and the `match_request` JWT when the
    /// request has match data). Keep the returned [`Authorization`] in the person's
    /// server-side session until the callback.
    ///
    /// # Errors
    ///
    /// The errors of [`OidcClient::discovery`]; [`Error::InvalidInput`] for an empty
    /// redirect URI.
    pub fn authorization_url(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<Authorization, Error> {
        let discovery = self.discovery()?;
        Authorization::build(
            &authorization::Client {
                issuer: &discovery.issuer,
                authorization_endpoint: &discovery.authorization_endpoint,
                client_id: &self.client_id,
                client_secret: self.client_secret.expose(),
            },
            request,
        )
    }

    /// Exchanges the callback's code for tokens at the token endpoint: a form POST
    /// (`grant_type`, `code`, `redirect_uri`, `code_verifier`) authenticated with the
    /// App's client id and secret (HTTP Basic). Sent once: a code is single use, so the
    /// call is never retried once the request may have reached the provider.
    ///
    /// Verify the ID token ([`OidcClient::verify_id_token`]) before trusting it.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the authorization was made for another client.
    /// - [`Error::Api`] when the provider refuses (`invalid_grant`: the code expired,
    ///   was used, or the PKCE verifier or redirect URI do not match;
    ///   `invalid_client`: wrong credentials); [`Error::code`] is the OAuth error.
    /// - [`Error::Decode`] when the answer has no `id_token`; the errors of
    ///   [`OidcClient::discovery`] and of every call.
    pub fn exchange_code(
        &self,
        auth: &Authorization,
        callback: &Callback,
    ) -> Result<Tokens, Error> {
        if auth.client_id() != self.client_id {
            return Err(Error::invalid_input(format!(
                "`auth` was made for the client {:?}, this client is {:?}",
                auth.client_id(),
                self.client_id
            )));
        }
        let discovery = self.discovery()?;
        let answer = self.net.post_form(
            "oidc token exchange",
            &discovery.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", callback.code.expose()),
                ("redirect_uri", auth.redirect_uri()),
                ("code_verifier", auth.code_verifier()),
            ],
            net::tokens,
        )?;
        match answer {
            Answer::Tokens(tokens) => Ok(*tokens),
            _ => Err(net::mismatch()),
        }
    }

    /// Verifies an ID token from [`OidcClient::exchange_code`] for this authorization:
    /// RS256 with the provider's key named by `kid`, `iss` is the provider's issuer,
    /// `aud` contains the client id (and `azp` names it when there are several), `exp`
    /// and `iat` hold within the leeway, `nonce` is the authorization's, and the level
    /// reaches the authorization's [`min_loa`](AuthorizationRequest::min_loa).
    ///
    /// # Errors
    ///
    /// - [`Error::IdToken`] when the token breaks a rule; its
    ///   [`kind`](super::IdTokenError::kind) says which.
    /// - The errors of [`OidcClient::discovery`], and of fetching the JWKS.
    pub fn verify_id_token(&self, jwt: &str, auth: &Authorization) -> Result<IdTokenClaims, Error> {
        self.verify(jwt, Some(auth.nonce()), auth.min_loa(), &self.client_id)
    }

    /// Verifies an ID token that was not obtained through an [`Authorization`] of this
    /// process (a tool inspecting a token): every rule of
    /// [`OidcClient::verify_id_token`] except the nonce and the minimum level, which
    /// need the authorization. A web application signing people in must use
    /// [`OidcClient::verify_id_token`]: without the nonce check, a token from another
    /// session would pass.
    ///
    /// # Errors
    ///
    /// As [`OidcClient::verify_id_token`].
    pub fn verify_id_token_without_nonce(&self, jwt: &str) -> Result<IdTokenClaims, Error> {
        self.verify(jwt, None, None, &self.client_id)
    }

    fn verify(
        &self,
        jwt: &str,
        nonce: Option<&str>,
        min_loa: Option<u8>,
        client_id: &str,
    ) -> Result<IdTokenClaims, Error> {
        let (issuer, cache) = self.issuer_cache()?;
        let discovery = self.discovery_of(&issuer, &cache)?;
        let expected = Expected {
            issuer: &discovery.issuer,
            client_id,
            nonce,
            min_loa,
            leeway: self.leeway,
            now: unix_now(),
        };
        let mut fetch = || -> Result<KeySet, Error> {
            match self
                .net
                .get("oidc jwks", &discovery.jwks_uri, Auth::None, net::keys)?
            {
                Answer::Keys(keys) => Ok(keys),
                _ => Err(net::mismatch()),
            }
        };
        cache.verify(jwt, &expected, self.policy, Instant::now(), &mut fetch)
    }

    /// The person's verified attributes (`GET` the userinfo endpoint with the access
    /// token as a Bearer token): the same [`UserInfo`] as the App API's.
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] when the provider lists no userinfo endpoint.
    /// - [`Error::Api`] (401 `invalid_token`) when the access token is unknown or
    ///   expired; the errors of [`OidcClient::discovery`] and of every call.
    pub fn userinfo(&self, access_token: &Secret) -> Result<UserInfo, Error> {
        let discovery = self.discovery()?;
        let Some(url) = discovery.userinfo_endpoint.as_deref() else {
            return Err(Error::config(
                ConfigErrorKind::BaseUrl,
                "the provider's discovery document lists no userinfo_endpoint",
            ));
        };
        match self.net.get(
            "oidc userinfo",
            url,
            Auth::Bearer(access_token),
            net::userinfo,
        )? {
            Answer::UserInfo(info) => Ok(*info),
            _ => Err(net::mismatch()),
        }
    }
}

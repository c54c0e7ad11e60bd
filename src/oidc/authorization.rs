//! The authorization request (PKCE, state, nonce, `match_request`) and the callback.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::error::{ConfigErrorKind, Error, InputErrorKind};
use crate::secret::{Secret, ct_eq};

use super::claims::same_issuer;
use super::jose::{b64url_encode, sign_hs256};

/// The scope sent when none is set.
pub const DEFAULT_SCOPE: &str = "openid idv";
/// Random bytes in the PKCE verifier (43 base64url characters, RFC 7636's minimum).
const VERIFIER_BYTES: usize = 32;
/// Random bytes in `state` and `nonce`.
const STATE_BYTES: usize = 24;
/// How long a `match_request` JWT is valid, in seconds.
const MATCH_REQUEST_LIFETIME: i64 = 600;
/// The longest callback URL or query read, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 16 * 1024;

/// Everything but RFC 3986 unreserved characters is encoded in a query value.
pub(crate) const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What to ask the provider for: the redirect URI and the optional parameters of `/auth`.
///
/// # Example
///
/// ```
/// use hopae::oidc::AuthorizationRequest;
///
/// let request = AuthorizationRequest::new("https://shop.example/callback")
///     .min_loa(3)
///     .prompt("login");
/// assert_eq!(request.redirect_uri(), "https://shop.example/callback");
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    redirect_uri: String,
    scope: Option<String>,
    min_loa: Option<u8>,
    prompt: Option<String>,
    workflow_id: Option<String>,
    match_data: Option<Secret<serde_json::Value>>,
}

impl AuthorizationRequest {
    /// A request that brings the person back to `redirect_uri`, which must be one of the
    /// App's registered redirect URIs, exactly.
    pub fn new(redirect_uri: impl Into<String>) -> AuthorizationRequest {
        AuthorizationRequest {
            redirect_uri: redirect_uri.into(),
            scope: None,
            min_loa: None,
            prompt: None,
            workflow_id: None,
            match_data: None,
        }
    }

    /// The redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The scope, space-separated ([`DEFAULT_SCOPE`], `openid idv`, when not set).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Asks for at least this level of assurance (sent as `acr_values=urn:hopae:loa:N`)
    /// and requires it of the ID token: [`OidcClient::verify_id_token`](super::OidcClient::verify_id_token)
    /// refuses a lower level with [`IdTokenErrorKind::LoaTooLow`](super::IdTokenErrorKind::LoaTooLow).
    pub fn min_loa(mut self, level: u8) -> Self {
        self.min_loa = Some(level);
        self
    }

    /// `prompt`: `login`, `consent` or `select_account`.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// The workflow to run (the App's default when not set).
    pub fn workflow_id(mut self, workflow_id: impl Into<String>) -> Self {
        self.workflow_id = Some(workflow_id.into());
        self
    }

    /// Data to match the verified person against (`{"fullName": ..., "birthDate": ...}`),
    /// sent as a `match_request` JWT signed HS256 with the client secret. Kept out of
    /// `Debug`: it is personal data.
    pub fn match_data(mut self, data: serde_json::Value) -> Self {
        self.match_data = Some(Secret::new(data));
        self
    }
}

/// One authorization in progress: the URL to send the person's browser to, and the
/// `state`, `nonce` and PKCE verifier generated for it.
///
/// Keep it (it serializes with serde) in the person's server-side session between the
/// redirect and the callback; it must not travel to the browser, since it holds the
/// PKCE verifier. `Debug` hides the verifier, the nonce and the URL's query.
#[derive(Clone, Serialize)]

pub struct Authorization {
    url: String,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Secret,
    code_verifier: Secret,
    min_loa: Option<u8>,
}

crate::json::from_json!(Authorization {
    url: req("url"),
    issuer: req("issuer"),
    client_id: req("client_id"),
    redirect_uri: req("redirect_uri"),
    state: req("state"),
    nonce: req("nonce"),
    code_verifier: req("code_verifier"),
    min_loa: opt("min_loa"),
});

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("Authorization")
            .field("url", &format_args!("{endpoint}?[redacted]"))
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("code_verifier", &self.code_verifier)
            .field("min_loa", &self.min_loa)
            .finish()
    }
}

/// What the callback brought back: the authorization code (single use).
#[derive(Debug, Clone)]
pub struct Callback {
    /// The authorization code to exchange with
    /// [`OidcClient::exchange_code`](super::OidcClient::exchange_code).
    pub code: Secret,
}

/// What an [`Authorization`] is built from, besides the request.
pub(crate) struct Client<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) authorization_endpoint: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
}

/// `n` random bytes from the system, base64url.
fn random(n: usize) -> Result<String, Error> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new().fill(&mut bytes).map_err(|_| {
        Error::config(
            ConfigErrorKind::Setting,
            "the system's random number generator failed",
        )
    })?;
    Ok(b64url_encode(&bytes))
}

/// The PKCE S256 challenge of a verifier.
pub(crate) fn challenge(verifier: &str) -> String {
    b64url_encode(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref())
}

/// `value` percent-encoded for a query or form.
pub(crate) fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Authorization {
    pub(crate) fn build(
        client: &Client<'_>,
        request: &AuthorizationRequest,
    ) -> Result<Authorization, Error> {
        if request.redirect_uri.is_empty() {
            return Err(Error::invalid_input("`redirect_uri` must not be empty"));
        }
        let state = random(STATE_BYTES)?;
        let nonce = random(STATE_BYTES)?;
        let verifier = random(VERIFIER_BYTES)?;
        let scope = request.scope.as_deref().unwrap_or(DEFAULT_SCOPE);
        let acr = request.min_loa.map(|n| format!("urn:hopae:loa:{n}"));
        let match_request = request.match_data.as_ref().map(|data| {
            let iat = unix_now();
            let claims = serde_json::json!({
                "match_data": data.expose(),
                "iat": iat,
                "exp": iat.saturating_add(MATCH_REQUEST_LIFETIME),
                "jti": random(16).unwrap_or_default(),
                "client_id": client.client_id,
                "redirect_uri": request.redirect_uri,
                "state": state,
                "nonce": nonce,
                "scope": scope,
            });
            sign_hs256(&claims, client.client_secret.as_bytes())
        });
        let challenge = challenge(&verifier);
        let params: [(&str, Option<&str>); 12] = [
            ("response_type", Some("code")),
            ("client_id", Some(client.client_id)),
            ("redirect_uri", Some(&request.redirect_uri)),
            ("scope", Some(scope)),
            ("state", Some(&state)),
            ("nonce", Some(&nonce)),
            ("code_challenge", Some(&challenge)),
            ("code_challenge_method", Some("S256")),
            ("prompt", request.prompt.as_deref()),
            ("acr_values", acr.as_deref()),
            ("workflow_id", request.workflow_id.as_deref()),
            ("match_request", match_request.as_deref()),
        ];
        let mut url = client.authorization_endpoint.to_owned();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for (name, value) in params {
            if let Some(value) = value {
                url.push(sep);
                url.push_str(name);
                url.push('=');
                url.push_str(&encode(value));
                sep = '&';
            }
        }
        Ok(Authorization {
            url,
            issuer: client.issuer.to_owned(),
            client_id: client.client_id.to_owned(),
            redirect_uri: request.redirect_uri.clone(),
            state,
            nonce: Secret::new(nonce),
            code_verifier: Secret::new(verifier),
            min_loa: request.min_loa,
        })
    }

    /// The URL to redirect the person's browser to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `state` sent; the callback must bring it back.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The redirect URI sent; the code exchange sends it again.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The issuer the authorization was made with.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client id the authorization was made for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The minimum level of assurance asked for, which the ID token must reach.
    pub fn min_loa(&self) -> Option<u8> {
        self.min_loa
    }

    pub(crate) fn nonce(&self) -> &str {
        self.nonce.expose()
    }

    pub(crate) fn code_verifier(&self) -> &str {
        self.code_verifier.expose()
    }

    /// Reads the redirect back from the provider: the whole callback URL, or its query
    /// (with or without `?`).
    ///
    /// The `state` must be this authorization's (compared in constant time); an `iss`,
    /// when present, must be its issuer (RFC 9207). An `error` from the provider becomes
    /// an [`Error::Api`] whose [`code`](Error::code) is the OAuth error
    /// (`access_denied`, `invalid_request`, ...) and whose message is
    /// `error_description`.
    ///
    /// # Errors
    ///
    /// - [`Error::Api`] when the provider answered with an `error`.
    /// - [`Error::InvalidInput`] of kind [`InputErrorKind::Callback`] when `state` is
    ///   missing, repeated or another one, when there is no `code` or several, when the
    ///   issuer differs, or when the text is not a query (over 16 KiB, bad encoding).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # fn f(auth: hopae::oidc::Authorization) -> Result<(), hopae::Error> {
    /// match auth.parse_callback("https://shop.example/callback?error=access_denied&state=xyz") {
    ///     Err(e) if e.code() == Some("access_denied") => println!("the person declined"),
    ///     Err(e) => return Err(e),
    ///     Ok(callback) => println!("got a code: {callback:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn parse_callback(&self, url_or_query: &str) -> Result<Callback, Error> {
        let bad = |message: String| Error::input(InputErrorKind::Callback, message);
        if url_or_query.len() > MAX_CALLBACK_BYTES {
            return Err(bad(format!(
                "the callback has {} bytes, at most {MAX_CALLBACK_BYTES} are read",
                url_or_query.len()
            )));
        }
        let without_fragment = url_or_query.split('#').next().unwrap_or_default();
        let query = match without_fragment.split_once('?') {
            Some((_, query)) => query,
            None if without_fragment.contains("://") => "",
            None => without_fragment,
        };
        let mut params: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| bad("the callback's query is not UTF-8 once decoded".into()))
            };
            params.push((decode(k)?, decode(v)?));
        }
        let one = |name: &str| -> Result<Option<&str>, Error> {
            let mut values = params.iter().filter(|(k, _)| k == name);
            let first = values.next().map(|(_, v)| v.as_str());
            if values.next().is_some() {
                return Err(bad(format!(
                    "the callback has `{name}` more than once; refused"
                )));
            }
            Ok(first)
        };
        let state = one("state")?;
        let state_ok = state.is_some_and(|s| ct_eq(s.as_bytes(), self.state.as_bytes()));
        if let Some(error) = one("error")? {
            if state.is_some() && !state_ok {
                return Err(bad(
                    "the callback's `state` is not this authorization's (another session's \
                     or a forged redirect)"
                        .into(),
                ));
            }
            return Err(Error::Api(Box::new(crate::error::ApiError {
                status: 302,
                code: Some(error.to_owned()),
                message: one("error_description")?.map(str::to_owned),
                details: None,
                request_id: None,
                excerpt: None,
                retry_after: None,
                attempts: 0,
            })));
        }
        match state {
            None => return Err(bad("the callback has no `state`".into())),
            Some(_) if !state_ok => {
                return Err(bad(
                    "the callback's `state` is not this authorization's (another session's \
                     or a forged redirect)"
                        .into(),
                ));
            }
            Some(_) => {}
        }
        if let Some(iss) = one("iss")?
            && !same_issuer(iss, &self.issuer)
        {
            return Err(bad(format!(
                "the callback comes from the issuer {iss:?}, not {:?}",
                self.issuer
            )));
        }
        match one("code")? {
            Some(code) if !code.is_empty() => Ok(Callback {
                code: Secret::from(code),
            }),
            _ => Err(bad("the callback has no `code`".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client<'static> {
        Client {
            issuer: "https://idp.example",
            authorization_endpoint: "https://idp.example/auth",
            client_id: "FK5b0KSM",
            client_secret: "s3cret",
        }
    }

    fn auth() -> Authorization {
        Authorization::build(
            &client(),
            &AuthorizationRequest::new("https://shop.example/cb"),
        )
        .unwrap()
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        url.split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (
                    k.to_owned(),
                    percent_decode_str(v).decode_utf8().unwrap().into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn url_carries_state_nonce_pkce_and_the_defaults() {
        let a = auth();
        let q = query_of(a.url());
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert!(
            a.url()
                .starts_with("https://idp.example/auth?response_type=code&")
        );
        assert_eq!(get("client_id"), Some("FK5b0KSM"));
        assert_eq!(get("redirect_uri"), Some("https://shop.example/cb"));
        assert_eq!(get("scope"), Some("openid idv"));
        assert_eq!(get("state"), Some(a.state()));
        assert_eq!(get("nonce"), Some(a.nonce()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(
            get("code_challenge"),
            Some(challenge(a.code_verifier()).as_str())
        );
        assert_eq!(get("acr_values"), None);
        assert_eq!(a.code_verifier().len(), 43);
        assert!(a.state().len() >= 22 && a.nonce().len() >= 22);
        let b = auth();
        assert_ne!(a.state(), b.state());
        assert_ne!(a.nonce(), b.nonce());
        assert_ne!(a.code_verifier(), b.code_verifier());
    }

    #[test]
    fn pkce_challenge_is_rfc_7636_s256() {
        // base64url(SHA-256(verifier)) without padding, as Python's hashlib and
        // base64 compute it.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mJ92K9KHyqPbC6R5Jk6-ZbWLnfBc5M"),
            "9Q4n87eKJOWZ1cwpe9iyD3nenzJNtzOal04BtXUIzfg"
        );
    }

    #[test]
    fn options_and_match_request() {
        let request = AuthorizationRequest::new("https://shop.example/cb")
            .scope("openid profile")
            .min_loa(3)
            .prompt("login")
            .workflow_id("wf 1")
            .match_data(serde_json::json!({"fullName": "Test User"}));
        assert!(!format!("{request:?}").contains("Test User"));
        let a = Authorization::build(&client(), &request).unwrap();
        let q = query_of(a.url());
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("scope").as_deref(), Some("openid profile"));
        assert_eq!(get("acr_values").as_deref(), Some("urn:hopae:loa:3"));
        assert_eq!(get("prompt").as_deref(), Some("login"));
        assert_eq!(get("workflow_id").as_deref(), Some("wf 1"));
        assert!(a.url().contains("workflow_id=wf%201"));
        assert_eq!(a.min_loa(), Some(3));
        let jwt = get("match_request").unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"s3cret");
        let sig = super::super::jose::b64url_decode(sig).unwrap();
        assert!(ring::hmac::verify(&key, input.as_bytes(), &sig).is_ok());
        let claims = super::super::jose::b64url_decode(input.split('.').nth(1).unwrap()).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
        assert_eq!(claims["match_data"]["fullName"], "Test User");
        assert_eq!(claims["client_id"], "FK5b0KSM");
        assert_eq!(claims["nonce"], a.nonce());
        assert_eq!(claims["state"], a.state());
    }

    #[test]
    fn debug_hides_the_verifier_nonce_and_query_and_serde_keeps_them() {
        let a = Authorization::build(
            &client(),
            &AuthorizationRequest::new("https://shop.example/cb")
                .match_data(serde_json::json!({"fullName": "Test User"})),
        )
        .unwrap();
        let shown = format!("{a:?}");
        assert!(!shown.contains(a.code_verifier()), "{shown}");
        assert!(!shown.contains(a.nonce()), "{shown}");
        assert!(!shown.contains("match_request"), "{shown}");
        assert!(
            shown.contains("https://idp.example/auth?[redacted]"),
            "{shown}"
        );
        let kept: Authorization =
            serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(kept.code_verifier(), a.code_verifier());
        assert_eq!(kept.nonce(), a.nonce());
        assert_eq!(kept.state(), a.state());
        assert_eq!(kept.url(), a.url());
    }

    #[test]
    fn callback_checks_state_and_code() {
        let a = auth();
        let s = a.state().to_owned();
        let cb = a
            .parse_callback(&format!(
                "https://shop.example/cb?code=c%2B1&state={s}#frag"
            ))
            .unwrap();
        assert_eq!(cb.code.expose(), "c+1");
        assert!(!format!("{cb:?}").contains("c+1"));
        assert!(a.parse_callback(&format!("?state={s}&code=x")).is_ok());
        assert!(a.parse_callback(&format!("state={s}&code=x")).is_ok());
        assert!(
            a.parse_callback(&format!(
                "code=x&state={s}&iss=https%3A%2F%2Fidp.example%2F"
            ))
            .is_ok()
        );
        let kind = |q: &str| match a.parse_callback(q) {
            Err(Error::InvalidInput(e)) => Some(e.kind()),
            other => panic!("{q}: {other:?}"),
        };
        for q in [
            "code=x".to_owned(),
            "code=x&state=other".to_owned(),
            format!("code=x&state={s}x"),
            format!("code=x&state={s}&state={s}"),
            format!("code=x&code=y&state={s}"),
            format!("state={s}"),
            format!("code=&state={s}"),
            format!("code=x&state={s}&iss=https%3A%2F%2Fevil.example"),
            format!("code=%FF&state={s}"),
            "https://shop.example/cb".to_owned(),
            "x".repeat(MAX_CALLBACK_BYTES + 1),
        ] {
            assert_eq!(kind(&q), Some(InputErrorKind::Callback), "{q}");
        }
    }

    #[test]
    fn callback_error_becomes_an_api_error_with_the_oauth_code() {
        let a = auth();
        let s = a.state().to_owned();
        let e = a
            .parse_callback(&format!(
                "error=access_denied&error_description=The+user+declined&state={s}"
            ))
            .unwrap_err();
        assert_eq!(e.code(), Some("access_denied"));
        assert_eq!(
            e.to_string(),
            "api error: status 302 access_denied: \"The user declined\""
        );
        let forged = a
            .parse_callback("error=access_denied&state=other")
            .unwrap_err();
        assert!(matches!(forged, Error::InvalidInput(_)), "{forged:?}");
    }
}

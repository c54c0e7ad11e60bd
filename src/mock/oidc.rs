//! The fake's OpenID Connect provider, under [`OIDC_PATH`]: discovery, `/auth`,
//! `/token`, `/userinfo` and `/jwks`, with ID tokens signed RS256 by one of two fixed,
//! test-only keys kept in the source ([`Server::rotate_oidc_key`] switches between them).
//!
//! The Apps it knows are the fake workspace's: a client id, its client secret (Basic auth
//! at `/token`) and its registered redirect URIs.

use std::collections::HashMap;
use std::sync::OnceLock;

use percent_encoding::percent_decode_str;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use serde_json::{Value, json};

use super::Server;
use super::http::{Request, Response};
use super::state::State;
use crate::oidc::{b64url_encode, pkce_challenge, query_encode};

/// The path of the fake's issuer: [`Server::oidc_issuer`] is
/// `http://127.0.0.1:<port>/oidc`.
pub const OIDC_PATH: &str = "/oidc";
/// The key ids of the two signing keys, in the order [`Server::rotate_oidc_key`] uses
/// them.
pub const OIDC_KEY_IDS: [&str; 2] = ["mock-key-1", "mock-key-2"];
/// How long the fake's ID tokens are valid, in seconds (the documented example's).
pub const ID_TOKEN_LIFETIME: i64 = 300;
/// How long the fake's access tokens are valid, in seconds.
const ACCESS_TOKEN_LIFETIME: i64 = 3600;
/// The most codes and access tokens kept; the oldest are forgotten past it.
const MAX_GRANTS: usize = 10_000;

/// Test-only RSA keys (2048 bits, PKCS#8): they sign nothing but the fake's tokens.
const KEYS_PKCS8: [&[u8]; 2] = [
    include_bytes!("oidc_keys/test_key_1.pk8"),
    include_bytes!("oidc_keys/test_key_2.pk8"),
];

fn key_pairs() -> &'static [RsaKeyPair; 2] {
    static PAIRS: OnceLock<[RsaKeyPair; 2]> = OnceLock::new();
    PAIRS.get_or_init(|| {
        KEYS_PKCS8.map(|der| RsaKeyPair::from_pkcs8(der).expect("the fake's test key parses"))
    })
}

/// An authorization the fake granted, until its code is exchanged.
struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    used: bool,
}

/// What an access token opens at `/userinfo`.
struct Access {
    client_id: String,
    expires: i64,
}

/// The provider's state, beside the workspace's.
pub(super) struct Provider {
    issuer: String,
    /// Which of the two keys signs now.
    current: usize,
    /// The keys in the JWKS, the signing one first.
    published: Vec<usize>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, Access>,
    deny_next: u32,
    loa: u8,
    counter: u64,
}

impl Provider {
    pub(super) fn new(issuer: String) -> Provider {
        Provider {
            issuer,
            current: 0,
            published: vec![0],
            codes: HashMap::new(),
            tokens: HashMap::new(),
            deny_next: 0,
            loa: 3,
            counter: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let mut bytes = [0u8; 24];
        let _ = ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes);
        format!("{prefix}{}{}", self.counter, b64url_encode(&bytes))
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A compact JWS of `claims` signed RS256 with key `index`, naming `kid`.
fn sign(index: usize, kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let mut token = b64url_encode(header.to_string().as_bytes());
    token.push('.');
    token.push_str(&b64url_encode(claims.to_string().as_bytes()));
    let pair = &key_pairs()[index];
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        token.as_bytes(),
        &mut sig,
    )
    .expect("RSA signing with a valid key");
    token.push('.');
    token.push_str(&b64url_encode(&sig));
    token
}

/// The pairwise subject of the fake's one test person for a client.
fn subject(client_id: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("hopae-mock-person:{client_id}").as_bytes(),
    );
    format!("pw_{}", &b64url_encode(digest.as_ref())[..22])
}

fn loa_label(level: u8) -> &'static str {
    match level {
        0 | 1 => "low",
        2 => "substantial",
        _ => "high",
    }
}

impl Server {
    /// The issuer of the fake's OpenID Connect provider:
    /// `http://127.0.0.1:<port>/oidc`. Its discovery document is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub fn oidc_issuer(&self) -> String {
        self.shared.oidc().issuer.clone()
    }

    /// Rotates the provider's signing key: the other of the two fixed test keys signs
    /// from now on, and the JWKS lists it first, with the previous key after it.
    pub fn rotate_oidc_key(&self) {
        let mut p = self.shared.oidc();
        let previous = p.current;
        p.current = 1 - previous;
        p.published = vec![p.current, previous];
    }

    /// Makes the next `n` authorizations answer `error=access_denied`, as when the
    /// person declines.
    pub fn deny_next_authorizations(&self, n: u32) {
        let mut p = self.shared.oidc();
        p.deny_next = p.deny_next.saturating_add(n);
    }

    /// The level of assurance the test person verifies with (3 by default), stated in
    /// the ID token (`acr`, `hopae_loa`) and at `/userinfo`.
    pub fn set_oidc_loa(&self, level: u8) {
        self.shared.oidc().loa = level;
    }

    /// `claims` as an ID token signed RS256 by the provider's current key, whatever
    /// they say: for testing a relying party's checks (expired, misaddressed tokens).
    pub fn sign_id_token(&self, claims: &Value) -> String {
        let current = self.shared.oidc().current;
        sign(current, OIDC_KEY_IDS[current], claims)
    }
}

/// Answers a request under [`OIDC_PATH`]; `rest` is the path after it.
pub(super) fn respond(
    provider: &mut Provider,
    state: &State,
    request: &Request,
    rest: &str,
    query: Option<&str>,
) -> Response {
    match (request.method.as_str(), rest) {
        ("GET", "/.well-known/openid-configuration") => discovery(provider),
        ("GET", "/jwks") => jwks(provider),
        ("GET", "/auth") => authorize(provider, state, query.unwrap_or_default()),
        ("POST", "/token") => token(provider, state, request),
        ("GET" | "POST", "/userinfo") => userinfo(provider, request),
        (_, "/.well-known/openid-configuration" | "/jwks" | "/auth" | "/token") => {
            oauth_error(405, "invalid_request", "method not allowed")
        }
        _ => oauth_error(404, "invalid_request", "no such endpoint"),
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![
            ("Content-Type", "application/json".into()),
            ("Cache-Control", "no-store".into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let mut response = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    if status == 401 {
        response
            .headers
            .push(("WWW-Authenticate", "Basic realm=\"hopae-mock\"".into()));
    }
    response
}

fn discovery(p: &Provider) -> Response {
    let i = &p.issuer;
    json_response(
        200,
        &json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/auth"),
            "token_endpoint": format!("{i}/token"),
            "userinfo_endpoint": format!("{i}/userinfo"),
            "jwks_uri": format!("{i}/jwks"),
            "scopes_supported": ["openid", "idv", "profile", "email", "phone", "address", "nationality"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "acr", "amr", "hopae_loa", "hopae_loa_label", "name",
                                  "given_name", "family_name", "birthdate", "nationality"]
        }),
    )
}

fn jwks(p: &Provider) -> Response {
    let keys: Vec<Value> = p
        .published
        .iter()
        .map(|&i| {
            let public =
                signature::RsaPublicKeyComponents::<Vec<u8>>::from(key_pairs()[i].public());
            json!({"kty": "RSA", "kid": OIDC_KEY_IDS[i], "use": "sig", "alg": "RS256",
                   "n": b64url_encode(&public.n), "e": b64url_encode(&public.e)})
        })
        .collect();
    json_response(200, &json!({ "keys": keys }))
}

fn parse_form(text: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The one value of `name`; `Err` when it is repeated.
fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, String> {
    let mut values = params.iter().filter(|(k, _)| k == name);
    let first = values.next().map(|(_, v)| v.as_str());
    if values.next().is_some() {
        return Err(format!("`{name}` is repeated"));
    }
    Ok(first)
}

fn redirect(to: String) -> Response {
    Response {
        status: 302,
        headers: vec![("Location", to), ("Cache-Control", "no-store".into())],
        body: Vec::new(),
    }
}

fn authorize(p: &mut Provider, state: &State, query: &str) -> Response {
    let params = parse_form(query);
    let get = |name: &str| single(&params, name);
    // Until the client and its redirect URI are known good, errors are shown, never
    // redirected (RFC 6749 4.1.2.1).
    let (client_id, redirect_uri) = match (get("client_id"), get("redirect_uri")) {
        (Ok(Some(c)), Ok(Some(r))) => (c, r),
        (Err(e), _) | (_, Err(e)) => return oauth_error(400, "invalid_request", &e),
        _ => {
            return oauth_error(
                400,
                "invalid_request",
                "`client_id` and `redirect_uri` are required",
            );
        }
    };
    let Some(app) = state.app(client_id) else {
        return oauth_error(400, "invalid_client", "unknown client_id");
    };
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        return oauth_error(
            400,
            "invalid_request",
            "redirect_uri is not registered for this client (exact match required)",
        );
    }
    let back = |params: &[(&str, &str)]| {
        let mut to = redirect_uri.to_owned();
        let mut sep = if to.contains('?') { '&' } else { '?' };
        for (k, v) in params {
            to.push(sep);
            to.push_str(k);
            to.push('=');
            to.push_str(&query_encode(v));
            sep = '&';
        }
        redirect(to)
    };
    let client_state = get("state").ok().flatten();
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = client_state {
            params.push(("state", s));
        }
        back(&params)
    };
    let (Ok(response_type), Ok(scope), Ok(challenge), Ok(method), Ok(nonce)) = (
        get("response_type"),
        get("scope"),
        get("code_challenge"),
        get("code_challenge_method"),
        get("nonce"),
    ) else {
        return fail("invalid_request", "a parameter is repeated");
    };
    if response_type != Some("code") {
        return fail("unsupported_response_type", "response_type must be `code`");
    }
    if !scope.is_some_and(|s| s.split(' ').any(|s| s == "openid")) {
        return fail("invalid_scope", "scope must include `openid`");
    }
    let Some(challenge) = challenge.filter(|c| c.len() >= 43) else {
        return fail(
            "invalid_request",
            "code_challenge (PKCE, 43 or more characters) is required",
        );
    };
    if method != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if let Ok(Some(jwt)) = get("match_request")
        && !match_request_verifies(jwt, app.client_secret.as_bytes())
    {
        return fail(
            "invalid_request_object",
            "match_request is not a JWT signed HS256 with the client secret",
        );
    }
    if p.deny_next > 0 {
        p.deny_next -= 1;
        return fail("access_denied", "The person declined the verification");
    }
    if p.codes.len() >= MAX_GRANTS {
        p.codes.clear();
    }
    let code = p.fresh("code_");
    p.codes.insert(
        code.clone(),
        Grant {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            nonce: nonce.map(str::to_owned),
            used: false,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = client_state {
        params.push(("state", s));
    }
    back(&params)
}

fn match_request_verifies(jwt: &str, secret: &[u8]) -> bool {
    let Some((input, sig)) = jwt.rsplit_once('.') else {
        return false;
    };
    let Some(sig) = crate::oidc::b64url_decode(sig) else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::verify(&key, input.as_bytes(), &sig).is_ok()
}

/// The App whose credentials the request carries: Basic (preferred) or the body's
/// `client_id` and `client_secret`.
fn client<'s>(state: &'s State, request: &Request, form: &[(String, String)]) -> Option<&'s str> {
    let (id, secret) = match request.header("authorization") {
        Some(header) => {
            let (scheme, value) = header.split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return None;
            }
            let decoded = decode_standard_base64(value.trim())?;
            let text = String::from_utf8(decoded).ok()?;
            let (id, secret) = text.split_once(':')?;
            let id = percent_decode_str(id).decode_utf8().ok()?.into_owned();
            let secret = percent_decode_str(secret).decode_utf8().ok()?.into_owned();
            (id, secret)
        }
        None => (
            single(form, "client_id").ok()??.to_owned(),
            single(form, "client_secret").ok()??.to_owned(),
        ),
    };
    let app = state.app(&id)?;
    crate::secret::ct_eq(app.client_secret.as_bytes(), secret.as_bytes())
        .then_some(app.client_id.as_str())
}

/// Standard base64 with padding, as `Authorization: Basic` carries it.
fn decode_standard_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn token(p: &mut Provider, state: &State, request: &Request) -> Response {
    let is_form = request
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return oauth_error(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let form = parse_form(&String::from_utf8_lossy(&request.body));
    let Some(client_id) = client(state, request, &form) else {
        return oauth_error(401, "invalid_client", "client authentication failed");
    };
    let get = |name: &str| single(&form, name).ok().flatten();
    if get("grant_type") != Some("authorization_code") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code",
        );
    }
    let Some(grant) = get("code").and_then(|c| p.codes.get_mut(c)) else {
        return oauth_error(400, "invalid_grant", "unknown or expired code");
    };
    if grant.used {
        return oauth_error(400, "invalid_grant", "the code was already used");
    }
    grant.used = true;
    if grant.client_id != client_id {
        return oauth_error(
            400,
            "invalid_grant",
            "the code was issued to another client",
        );
    }
    if get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return oauth_error(
            400,
            "invalid_grant",
            "redirect_uri differs from the authorization request's",
        );
    }
    let verified = get("code_verifier")
        .is_some_and(|v| (43..=128).contains(&v.len()) && pkce_challenge(v) == grant.challenge);
    if !verified {
        return oauth_error(400, "invalid_grant", "PKCE verification failed");
    }
    let nonce = grant.nonce.clone();
    let t = now();
    let mut claims = json!({
        "iss": p.issuer,
        "sub": subject(client_id),
        "aud": client_id,
        "exp": t + ID_TOKEN_LIFETIME,
        "iat": t,
        "auth_time": t,
        "acr": format!("urn:hopae:loa:{}", p.loa),
        "amr": ["pin"],
        "hopae_loa": p.loa,
        "hopae_loa_label": loa_label(p.loa),
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    let id_token = sign(p.current, OIDC_KEY_IDS[p.current], &claims);
    if p.tokens.len() >= MAX_GRANTS {
        p.tokens.clear();
    }
    let access_token = p.fresh("at_");
    p.tokens.insert(
        access_token.clone(),
        Access {
            client_id: client_id.to_owned(),
            expires: t + ACCESS_TOKEN_LIFETIME,
        },
    );
    json_response(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "id_token": id_token,
        }),
    )
}

fn userinfo(p: &Provider, request: &Request) -> Response {
    let token = request
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(access) = token.and_then(|t| p.tokens.get(t)) else {
        let mut r = oauth_error(
            401,
            "invalid_token",
            "missing, unknown or expired access token",
        );
        r.headers.retain(|(n, _)| *n != "WWW-Authenticate");
        r.headers
            .push(("WWW-Authenticate", "Bearer error=\"invalid_token\"".into()));
        return r;
    };
    if access.expires <= now() {
        return oauth_error(401, "invalid_token", "the access token has expired");
    }
    json_response(
        200,
        &json!({
            "sub": subject(&access.client_id),
            "acr": format!("urn:hopae:loa:{}", p.loa),
            "hopae_loa": p.loa,
            "hopae_loa_label": loa_label(p.loa),
            "amr": ["pin"],
            "provider_id": "bankidse",
            "verification_model": "identity",
            "missing_claims": [],
            "user": {
                "name": "Test User",
                "given_name": "Test",
                "family_name": "User",
                "birthdate": "1990-01-01",
                "nationality": "SE"
            }
        }),
    )
}

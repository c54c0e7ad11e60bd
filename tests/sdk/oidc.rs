//! `hopae::oidc` end to end against the fake's OpenID Connect provider: the whole code
//! flow with a test playing the browser, each ID-token rule with a token the provider
//! signs, the JWKS refresh after a key rotation and under forged key ids, the code
//! exchange sent at most once, and the caches shared by clones.

#![cfg(feature = "mock")]

use std::time::Duration;

use hopae::mock::Server;
use hopae::oidc::{Authorization, AuthorizationRequest, IdTokenErrorKind, OidcClient};
use hopae::{AppClient, ConfigErrorKind, Error, InputErrorKind};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:8765/callback";

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    )
}

/// A new App on the fake with `REDIRECT` registered, and an App client for it whose
/// OIDC issuer is the fake's.
fn app(server: &Server) -> AppClient {
    let auth = format!("Bearer {}", server.api_key());
    let text = agent()
        .post(format!("{}/apps", server.url()))
        .header("Authorization", &auth)
        .content_type("application/json")
        .send(json!({"name": "OIDC test"}).to_string())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let created: Value = serde_json::from_str(&text).unwrap();
    let id = created["clientId"].as_str().unwrap();
    let status = agent()
        .put(format!("{}/apps/{id}/redirect-uris", server.url()))
        .header("Authorization", &auth)
        .content_type("application/json")
        .send(json!({ "redirectUris": [REDIRECT] }).to_string())
        .unwrap()
        .status();
    assert_eq!(status, 200);
    AppClient::builder(id, created["clientSecret"].as_str().unwrap())
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .unwrap()
}

fn oidc(server: &Server, app: &AppClient) -> OidcClient {
    app.oidc().issuer(server.oidc_issuer())
}

/// What a browser does with the authorization URL: GET it and return where the
/// provider redirects.
fn browse(auth: &Authorization) -> String {
    let response = agent().get(auth.url()).call().unwrap();
    assert_eq!(response.status(), 302, "{}", auth.url());
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn query_value(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn jwks_fetches(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oidc/jwks"))
        .count()
}

fn kind(result: Result<hopae::oidc::IdTokenClaims, Error>) -> IdTokenErrorKind {
    match result {
        Err(Error::IdToken(e)) => e.kind(),
        other => panic!("expected an ID-token error, got {other:?}"),
    }
}

#[test]
fn the_code_flow_signs_a_person_in() {
    let server = Server::start().unwrap();
    let app = app(&server);
    let oidc = oidc(&server, &app);
    let request = AuthorizationRequest::new(REDIRECT).min_loa(3);
    let auth = oidc.authorization_url(&request).unwrap();
    // Kept in a session between the redirect and the callback.
    let kept = serde_json::to_string(&auth).unwrap();
    let auth: Authorization = serde_json::from_str(&kept).unwrap();

    let callback = auth.parse_callback(&browse(&auth)).unwrap();
    let tokens = oidc.exchange_code(&auth, &callback).unwrap();
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));
    assert!(!format!("{tokens:?}").contains(tokens.id_token.expose()));
    let claims = oidc
        .verify_id_token(tokens.id_token.expose(), &auth)
        .unwrap();
    assert_eq!(claims.aud, [app.client_id()]);
    assert_eq!(claims.iss, server.oidc_issuer());
    assert_eq!(claims.loa(), Some(3));
    assert_eq!(claims.amr_values(), ["pin"]);

    let info = oidc
        .userinfo(tokens.access_token.as_ref().unwrap())
        .unwrap();
    assert_eq!(info.sub, claims.sub);
    assert_eq!(info.loa(), Some(3));

    // A code is single use: the provider's refusal is an API error with the OAuth code.
    let again = oidc.exchange_code(&auth, &callback).unwrap_err();
    assert_eq!(
        (again.status(), again.code()),
        (Some(400), Some("invalid_grant"))
    );
    // The token of this authorization does not fit another one (other nonce).
    let other = oidc.authorization_url(&request).unwrap();
    assert_eq!(
        kind(oidc.verify_id_token(tokens.id_token.expose(), &other)),
        IdTokenErrorKind::NonceMismatch
    );
}

#[test]
fn a_declined_authorization_is_an_access_denied_error() {
    let server = Server::start().unwrap();
    let oidc = oidc(&server, &app(&server));
    let auth = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT))
        .unwrap();
    server.deny_next_authorizations(1);
    let e = auth.parse_callback(&browse(&auth)).unwrap_err();
    assert_eq!(e.code(), Some("access_denied"));
    assert!(e.to_string().contains("declined"), "{e}");
    // Another authorization's callback is refused (state).
    let other = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT))
        .unwrap();
    match other.parse_callback(&browse(&auth)) {
        Err(Error::InvalidInput(e)) => assert_eq!(e.kind(), InputErrorKind::Callback),
        r => panic!("{r:?}"),
    }
}

#[test]
fn a_level_below_the_minimum_is_refused() {
    let server = Server::start().unwrap();
    let oidc = oidc(&server, &app(&server));
    server.set_oidc_loa(2);
    let auth = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT).min_loa(3))
        .unwrap();
    assert_eq!(
        query_value(auth.url(), "acr_values").as_deref(),
        Some("urn%3Ahopae%3Aloa%3A3")
    );
    let tokens = oidc
        .exchange_code(&auth, &auth.parse_callback(&browse(&auth)).unwrap())
        .unwrap();
    let e = oidc.verify_id_token(tokens.id_token.expose(), &auth);
    assert_eq!(kind(e), IdTokenErrorKind::LoaTooLow);
}

/// Claims of a token for `auth`, which a test then breaks one at a time.
fn claims_for(server: &Server, app: &AppClient, auth: &Authorization) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"iss": server.oidc_issuer(), "sub": "s1", "aud": app.client_id(), "exp": now + 300,
           "iat": now, "nonce": query_value(auth.url(), "nonce").unwrap()})
}

#[test]
fn each_claim_rule_is_enforced_on_provider_signed_tokens() {
    let server = Server::start().unwrap();
    let app = app(&server);
    let oidc = oidc(&server, &app).leeway(Duration::from_secs(30));
    let auth = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT))
        .unwrap();
    let base = claims_for(&server, &app, &auth);
    let verify = |claims: &Value| oidc.verify_id_token(&server.sign_id_token(claims), &auth);
    assert!(verify(&base).is_ok());
    let with = |key: &str, value: Value| {
        let mut c = base.clone();
        c[key] = value;
        c
    };
    let now = base["iat"].as_i64().unwrap();
    let issuer = server.oidc_issuer();
    assert!(
        verify(&with("iss", json!(format!("{issuer}/")))).is_ok(),
        "one trailing slash"
    );
    for (claims, want) in [
        (
            with("iss", json!("https://evil.example")),
            IdTokenErrorKind::WrongIssuer,
        ),
        (
            with("aud", json!("someone-else")),
            IdTokenErrorKind::WrongAudience,
        ),
        (
            with("aud", json!([app.client_id(), "other"])),
            IdTokenErrorKind::WrongAudience,
        ),
        (with("exp", json!(now - 31)), IdTokenErrorKind::Expired),
        (with("iat", json!(now + 60)), IdTokenErrorKind::NotYetValid),
        (
            with("nonce", json!("replayed")),
            IdTokenErrorKind::NonceMismatch,
        ),
    ] {
        assert_eq!(kind(verify(&claims)), want, "{claims}");
    }
    assert!(
        verify(&with("exp", json!(now - 20))).is_ok(),
        "within the leeway"
    );
    let mut azp = with("aud", json!([app.client_id(), "other"]));
    azp["azp"] = json!(app.client_id());
    assert!(verify(&azp).is_ok());
    let e = verify(&with("aud", json!("someone-else"))).unwrap_err();
    assert_eq!(e.attempts(), 0);
    assert!(
        e.to_string().starts_with("invalid id token: the audience"),
        "{e}"
    );
}

#[test]
fn a_rotated_key_is_fetched_once_and_forged_kids_do_not_hammer_the_provider() {
    let server = Server::start().unwrap();
    let app = app(&server);
    let oidc = oidc(&server, &app);
    let auth = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT))
        .unwrap();
    let claims = claims_for(&server, &app, &auth);
    oidc.verify_id_token(&server.sign_id_token(&claims), &auth)
        .unwrap();
    assert_eq!(jwks_fetches(&server), 1);
    // The provider rotates its key: the first token naming the new key fetches the
    // JWKS again, and verifies.
    server.rotate_oidc_key();
    let rotated = server.sign_id_token(&claims);
    oidc.verify_id_token(&rotated, &auth).unwrap();
    oidc.verify_id_token(&rotated, &auth).unwrap();
    assert_eq!(jwks_fetches(&server), 2);

    // Forged key ids: the JWKS was just fetched, so none fetches it again.
    let (_, rest) = rotated.split_once('.').unwrap();
    let forged = |kid: &str| {
        let header = json!({"alg": "RS256", "kid": kid}).to_string();
        format!("{}.{rest}", b64url(header.as_bytes()))
    };
    for i in 0..5 {
        let e = oidc.verify_id_token(&forged(&format!("forged-{i}")), &auth);
        assert_eq!(kind(e), IdTokenErrorKind::UnknownKey);
    }
    assert_eq!(jwks_fetches(&server), 2);
    // With no interval, each unknown kid fetches once.
    let eager = oidc.clone().jwks_refresh_interval(Duration::ZERO);
    for i in 0..2 {
        let e = eager.verify_id_token(&forged(&format!("again-{i}")), &auth);
        assert_eq!(kind(e), IdTokenErrorKind::UnknownKey);
    }
    assert_eq!(jwks_fetches(&server), 4);
    // A JWKS older than the max age is fetched again even for a known key.
    let short = oidc.clone().jwks_max_age(Duration::ZERO);
    short.verify_id_token(&rotated, &auth).unwrap();
    assert_eq!(jwks_fetches(&server), 5);
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[test]
fn the_code_exchange_is_sent_at_most_once_while_discovery_is_retried() {
    let server = Server::start().unwrap();
    let app = app(&server);
    let oidc = oidc(&server, &app);
    server.fail_next(1);
    // The discovery GET meets the 503 and is retried.
    let auth = oidc
        .authorization_url(&AuthorizationRequest::new(REDIRECT))
        .unwrap();
    let callback = auth.parse_callback(&browse(&auth)).unwrap();
    server.fail_next(1);
    let e = oidc.exchange_code(&auth, &callback).unwrap_err();
    assert_eq!((e.status(), e.attempts()), (Some(503), 1), "{e}");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oidc/token"))
        .count();
    assert_eq!(posts, 1);
}

#[test]
fn discovery_and_keys_are_shared_by_clones_and_every_oidc_client() {
    let server = Server::start().unwrap();
    let app = app(&server);
    let a = oidc(&server, &app);
    let b = oidc(&server, &app.clone());
    assert_eq!(a.discovery().unwrap().issuer, server.oidc_issuer());
    assert_eq!(
        b.discovery().unwrap().token_endpoint,
        format!("{}/token", server.oidc_issuer())
    );
    let fetched = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/.well-known/openid-configuration"))
        .count();
    assert_eq!(fetched, 1);
}

#[test]
fn the_issuer_follows_the_environment_or_fails_naming_the_ways_to_set_it() {
    let sandbox = AppClient::builder("FK5b0KSM", "s3cret")
        .environment(hopae::Environment::Sandbox)
        .build()
        .unwrap();
    assert!(format!("{:?}", sandbox.oidc()).contains(hopae::oidc::SANDBOX_ISSUER));
    let server = Server::start().unwrap();
    let bare = AppClient::builder("FK5b0KSM", "s3cret")
        .base_url(server.url())
        .build()
        .unwrap();
    let e = bare.oidc().discovery().unwrap_err();
    match &e {
        Error::Config(c) => assert_eq!(c.kind(), ConfigErrorKind::BaseUrl),
        other => panic!("{other:?}"),
    }
    let shown = e.to_string();
    assert!(
        shown.contains("HOPAE_OIDC_ISSUER") && shown.contains(".issuer("),
        "{shown}"
    );
    assert_eq!(e.attempts(), 0);
    for bad in [
        "http://idp.example",
        "https://user:pw@idp.example",
        "https://idp.example?x=1",
    ] {
        let e = bare.oidc().issuer(bad).discovery().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}: {e}");
        assert!(!e.to_string().contains("pw@"), "{e}");
    }
    assert!(!format!("{:?}", bare.oidc()).contains("s3cret"));
}

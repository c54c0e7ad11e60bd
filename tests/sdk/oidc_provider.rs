//! The fake's OpenID Connect provider (`hopae::mock`) driven over plain HTTP, as any
//! relying party would: discovery, `/auth` and its checks, `/token` (Basic, form, PKCE,
//! single-use codes, redirect URI), `/userinfo`, `/jwks` and the key rotation control.

#![cfg(feature = "mock")]

use hopae::mock::{OIDC_KEY_IDS, Server};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    location: Option<String>,
    body: Value,
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    )
}

fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<(&str, String)>) -> Answer {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = match body {
        Some((content_type, text)) => agent().run(
            request
                .header("Content-Type", content_type)
                .body(text.into_bytes())
                .unwrap(),
        ),
        None => agent().run(request.body(()).unwrap()),
    }
    .expect("the fake answers");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status: response.status().as_u16(),
        location,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// A new App on the fake with `redirect`, as `(client_id, client_secret)`.
fn app(server: &Server, redirect: &str) -> (String, String) {
    let a = call(
        "POST",
        &format!("{}/apps", server.url()),
        &[("Authorization", &format!("Bearer {}", server.api_key()))],
        Some(("application/json", json!({"name": "OIDC test"}).to_string())),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["clientId"].as_str().unwrap().to_owned();
    let put = call(
        "PUT",
        &format!("{}/apps/{id}/redirect-uris", server.url()),
        &[("Authorization", &format!("Bearer {}", server.api_key()))],
        Some((
            "application/json",
            json!({ "redirectUris": [redirect] }).to_string(),
        )),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    (id, a.body["clientSecret"].as_str().unwrap().to_owned())
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

fn basic(id: &str, secret: &str) -> String {
    // Standard base64 with padding.
    let text = b64url(format!("{id}:{secret}").as_bytes())
        .replace('-', "+")
        .replace('_', "/");
    let pad = (4 - text.len() % 4) % 4;
    format!("Basic {text}{}", "=".repeat(pad))
}

const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9KHyqPbC6R5Jk6-ZbWLnfBc5M";
const CHALLENGE: &str = "9Q4n87eKJOWZ1cwpe9iyD3nenzJNtzOal04BtXUIzfg";
const REDIRECT: &str = "http://127.0.0.1:8765/callback";

fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn authorize(server: &Server, client_id: &str, extra: &str) -> Answer {
    call(
        "GET",
        &format!(
            "{}/auth?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20idv\
             &state=st1&nonce=no1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
            server.oidc_issuer(),
            "http%3A%2F%2F127.0.0.1%3A8765%2Fcallback",
        ),
        &[],
        None,
    )
}

fn exchange(server: &Server, auth: &str, code: &str, verifier: &str, redirect: &str) -> Answer {
    call(
        "POST",
        &format!("{}/token", server.oidc_issuer()),
        &[("Authorization", auth)],
        Some((
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}",
                redirect.replace(':', "%3A").replace('/', "%2F")
            ),
        )),
    )
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let std = payload.replace('-', "+").replace('_', "/");
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in std.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn discovery_and_jwks_describe_the_provider() {
    let server = Server::start().unwrap();
    let issuer = server.oidc_issuer();
    assert!(issuer.starts_with("http://127.0.0.1:") && issuer.ends_with("/oidc"));
    let d = call(
        "GET",
        &format!("{issuer}/.well-known/openid-configuration"),
        &[],
        None,
    );
    assert_eq!(d.status, 200);
    assert_eq!(d.body["issuer"], issuer);
    assert_eq!(d.body["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(d.body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        d.body["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let jwks = call("GET", &format!("{issuer}/jwks"), &[], None);
    assert_eq!(jwks.body["keys"][0]["kid"], OIDC_KEY_IDS[0]);
    assert_eq!(jwks.body["keys"].as_array().unwrap().len(), 1);
    server.rotate_oidc_key();
    let jwks = call("GET", &format!("{issuer}/jwks"), &[], None);
    let kids: Vec<&str> = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [OIDC_KEY_IDS[1], OIDC_KEY_IDS[0]]);
}

#[test]
fn the_code_flow_works_once_per_code() {
    let server = Server::start().unwrap();
    let (id, secret) = app(&server, REDIRECT);
    let a = authorize(&server, &id, "");
    assert_eq!(a.status, 302, "{}", a.body);
    let location = a.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_value(&location, "state").as_deref(), Some("st1"));
    let code = query_value(&location, "code").unwrap();

    let t = exchange(&server, &basic(&id, &secret), &code, VERIFIER, REDIRECT);
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 3600);
    let claims = claims_of(t.body["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], server.oidc_issuer());
    assert_eq!(claims["aud"], id);
    assert_eq!(claims["nonce"], "no1");
    assert_eq!(claims["acr"], "urn:hopae:loa:3");

    let access = t.body["access_token"].as_str().unwrap();
    let u = call(
        "GET",
        &format!("{}/userinfo", server.oidc_issuer()),
        &[("Authorization", &format!("Bearer {access}"))],
        None,
    );
    assert_eq!(u.status, 200);
    assert_eq!(u.body["sub"], claims["sub"]);
    assert_eq!(u.body["user"]["name"], "Test User");
    let u = call(
        "GET",
        &format!("{}/userinfo", server.oidc_issuer()),
        &[("Authorization", "Bearer at_unknown")],
        None,
    );
    assert_eq!(
        (u.status, u.body["error"].as_str()),
        (401, Some("invalid_token"))
    );

    let again = exchange(&server, &basic(&id, &secret), &code, VERIFIER, REDIRECT);
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn token_checks_client_pkce_and_redirect_uri() {
    let server = Server::start().unwrap();
    let (id, secret) = app(&server, REDIRECT);
    let code = || {
        let a = authorize(&server, &id, "");
        query_value(&a.location.unwrap(), "code").unwrap()
    };
    let wrong_secret = exchange(&server, &basic(&id, "nope"), &code(), VERIFIER, REDIRECT);
    assert_eq!(
        (wrong_secret.status, wrong_secret.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let other_verifier = "x".repeat(43);
    let pkce = exchange(
        &server,
        &basic(&id, &secret),
        &code(),
        &other_verifier,
        REDIRECT,
    );
    assert_eq!(
        (pkce.status, pkce.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let redirect = exchange(
        &server,
        &basic(&id, &secret),
        &code(),
        VERIFIER,
        "http://127.0.0.1:8765/other",
    );
    assert_eq!(
        (redirect.status, redirect.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let json_body = call(
        "POST",
        &format!("{}/token", server.oidc_issuer()),
        &[("Authorization", &basic(&id, &secret))],
        Some((
            "application/json",
            json!({"grant_type": "authorization_code"}).to_string(),
        )),
    );
    assert_eq!(json_body.status, 400);
}

#[test]
fn auth_refuses_unknown_clients_unregistered_redirects_and_missing_pkce() {
    let server = Server::start().unwrap();
    let (id, _) = app(&server, REDIRECT);
    // Not redirected: the redirect URI is not trusted.
    let unknown = authorize(&server, "NoSuchAp", "");
    assert_eq!((unknown.status, unknown.location.is_none()), (400, true));
    let unregistered = call(
        "GET",
        &format!(
            "{}/auth?response_type=code&client_id={id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb\
             &scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256",
            server.oidc_issuer()
        ),
        &[],
        None,
    );
    assert_eq!(
        (unregistered.status, unregistered.location.is_none()),
        (400, true)
    );
    // Redirected with an error: the client and redirect URI are good.
    for extra in ["&code_challenge_method=plain", "&scope=idv"] {
        let a = authorize(&server, &id, extra);
        let location = a.location.unwrap_or_default();
        assert!(
            query_value(&location, "error").is_some(),
            "{extra}: {location}"
        );
        assert_eq!(query_value(&location, "state").as_deref(), Some("st1"));
    }
}

#[test]
fn a_denial_redirects_with_access_denied_once() {
    let server = Server::start().unwrap();
    let (id, _) = app(&server, REDIRECT);
    server.deny_next_authorizations(1);
    let denied = authorize(&server, &id, "").location.unwrap();
    assert_eq!(
        query_value(&denied, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_value(&denied, "state").as_deref(), Some("st1"));
    assert!(query_value(&denied, "code").is_none());
    let granted = authorize(&server, &id, "").location.unwrap();
    assert!(query_value(&granted, "code").is_some());
}

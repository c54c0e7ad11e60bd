//! `hopae oidc` against the library's fake, with the test playing the browser: the
//! whole `authorize` flow on the loopback redirect, its refusals (exit 6 for an ID token
//! that fails verification, 5 for no redirect in time, 2 for an unregistered redirect
//! URI), `discovery` and `verify-token`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hopae::mock::Server;
use serde_json::{Value, json};

/// How long a test waits for the binary to print or to end.
const PATIENCE: Duration = Duration::from_secs(60);

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    )
}

fn api(server: &Server, method: &str, path: &str, body: Value) -> Value {
    let mut response = agent()
        .run(
            ureq::http::Request::builder()
                .method(method)
                .uri(format!("{}{path}", server.url()))
                .header("Authorization", format!("Bearer {}", server.api_key()))
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .unwrap(),
        )
        .unwrap();
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

/// A new App on the fake, with `redirect` registered when given: `(id, secret)`.
fn app(server: &Server, redirect: Option<&str>) -> (String, String) {
    let created = api(server, "POST", "/apps", json!({"name": "OIDC CLI"}));
    let id = created["clientId"].as_str().unwrap().to_owned();
    if let Some(uri) = redirect {
        api(
            server,
            "PUT",
            &format!("/apps/{id}/redirect-uris"),
            json!({ "redirectUris": [uri] }),
        );
    }
    (id, created["clientSecret"].as_str().unwrap().to_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn env(server: &Server, id: &str, secret: &str) -> Vec<(String, String)> {
    vec![
        ("HOPAE_CLIENT_ID".into(), id.into()),
        ("HOPAE_CLIENT_SECRET".into(), secret.into()),
        ("HOPAE_BASE_URL".into(), server.url().into()),
        ("HOPAE_OIDC_ISSUER".into(), server.oidc_issuer()),
    ]
}

fn spawn(env: &[(String, String)], key: Option<&str>, args: &[&str]) -> Child {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    common::command(key, &env, args)
        .env_remove("HOPAE_ENVIRONMENT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hopae binary runs")
}

/// Reads stderr until the authorization URL, and returns it with the rest of stderr.
fn authorization_url(child: &mut Child) -> (String, mpsc::Receiver<String>) {
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if lines.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    loop {
        let line = received
            .recv_timeout(PATIENCE)
            .expect("hopae prints the authorization URL in time");
        if let Some(url) = line.trim().strip_prefix("http") {
            return (format!("http{url}"), received);
        }
    }
}

/// What the browser does: open the URL, follow the provider's redirect to the loopback
/// server, and read the page it answers.
fn play_browser(url: &str) -> (u16, String) {
    let to_provider = agent().get(url).call().unwrap();
    assert_eq!(to_provider.status(), 302);
    let back = to_provider.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut page = agent().get(&back).call().unwrap();
    (
        page.status().as_u16(),
        page.body_mut().read_to_string().unwrap(),
    )
}

fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn authorize_runs_the_whole_flow_with_the_test_as_the_browser() {
    let server = Server::start().unwrap();
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let (id, secret) = app(&server, Some(&redirect));
    let mut child = spawn(
        &env(&server, &id, &secret),
        Some(server.api_key()),
        &[
            "oidc",
            "authorize",
            "--port",
            &port.to_string(),
            "--timeout",
            "60s",
            "--json",
        ],
    );
    let (url, _stderr) = authorization_url(&mut child);
    assert!(url.contains(&format!("client_id={id}")), "{url}");
    let (status, page) = play_browser(&url);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in"), "{page}");
    let (code, stdout, _) = finish(child);
    assert_eq!(code, 0, "{stdout}");
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["claims"]["aud"], json!([id]));
    assert_eq!(out["claims"]["hopae_loa"], 3);
    assert_eq!(out["userinfo"]["user"]["name"], "Test User");
    assert_eq!(out["userinfo"]["sub"], out["claims"]["sub"]);
    assert_eq!(out["tokens"]["id_token"], "[redacted]");
    assert_eq!(out["tokens"]["access_token"], "[redacted]");
    assert!(!stdout.contains("eyJ"), "{stdout}");
}

#[test]
fn authorize_exits_6_when_the_id_token_fails_verification() {
    let server = Server::start().unwrap();
    server.set_oidc_loa(2);
    let port = free_port();
    let (id, secret) = app(&server, Some(&format!("http://127.0.0.1:{port}/callback")));
    let mut child = spawn(
        &env(&server, &id, &secret),
        None,
        &[
            "oidc",
            "authorize",
            "--port",
            &port.to_string(),
            "--min-loa",
            "3",
        ],
    );
    let (url, stderr) = authorization_url(&mut child);
    play_browser(&url);
    let (code, stdout, _) = finish(child);
    let rest: Vec<String> = stderr.iter().collect();
    assert_eq!(code, 6, "{stdout} {rest:?}");
    assert_eq!(stdout, "");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("error: invalid id token: level of assurance 2")),
        "{rest:?}"
    );
}

#[test]
fn authorize_reports_a_denial_and_a_missing_redirect() {
    let server = Server::start().unwrap();
    let port = free_port();
    let (id, secret) = app(&server, Some(&format!("http://127.0.0.1:{port}/callback")));
    server.deny_next_authorizations(1);
    let mut child = spawn(
        &env(&server, &id, &secret),
        None,
        &["oidc", "authorize", "--port", &port.to_string()],
    );
    let (url, stderr) = authorization_url(&mut child);
    let (status, page) = play_browser(&url);
    assert_eq!(status, 400);
    assert!(page.contains("access_denied"), "{page}");
    let (code, _, _) = finish(child);
    let rest: Vec<String> = stderr.iter().collect();
    assert_eq!(code, 1, "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("access_denied")), "{rest:?}");

    let mut child = spawn(
        &env(&server, &id, &secret),
        None,
        &[
            "oidc",
            "authorize",
            "--port",
            &port.to_string(),
            "--timeout",
            "300ms",
        ],
    );
    let _ = authorization_url(&mut child);
    let (code, _, _) = finish(child);
    assert_eq!(code, 5);
}

#[test]
fn authorize_checks_the_redirect_uri_is_registered_when_the_workspace_key_is_set() {
    let server = Server::start().unwrap();
    let (id, secret) = app(&server, Some("https://shop.example/callback"));
    let child = spawn(
        &env(&server, &id, &secret),
        Some(server.api_key()),
        &["oidc", "authorize", "--port", "8765"],
    );
    let (code, stdout, stderr) = finish(child);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("the redirect URI http://127.0.0.1:8765/callback is not registered")
            && stderr.contains(&format!(
                "hopae apps update {id} --redirect-uri https://shop.example/callback \
                 --redirect-uri http://127.0.0.1:8765/callback"
            )),
        "{stderr}"
    );
    assert!(!stderr.contains(&secret));
}

#[test]
fn discovery_prints_the_endpoints_and_verify_token_checks_a_token() {
    let server = Server::start().unwrap();
    let (id, secret) = app(&server, None);
    let env = env(&server, &id, &secret);
    let (code, stdout, stderr) = finish(spawn(&env, None, &["oidc", "discovery"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("token          {}/token", server.oidc_issuer())),
        "{stdout}"
    );
    let (_, json_out, _) = finish(spawn(&env, None, &["oidc", "discovery", "--json"]));
    let doc: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(doc["issuer"], server.oidc_issuer());

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({"iss": server.oidc_issuer(), "sub": "s1", "aud": id, "exp": now + 300,
                        "iat": now, "acr": "urn:hopae:loa:3"});
    let good = server.sign_id_token(&claims);
    let (code, stdout, stderr) = finish(spawn(&env, None, &["oidc", "verify-token", &good]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("subject   s1") && stdout.contains("level     3"),
        "{stdout}"
    );

    let mut wrong = claims.clone();
    wrong["aud"] = json!("someone-else");
    let bad = server.sign_id_token(&wrong);
    let (code, stdout, stderr) = finish(spawn(&env, None, &["oidc", "verify-token", &bad]));
    assert_eq!((code, stdout.as_str()), (6, ""), "{stderr}");
    assert!(
        stderr.starts_with("error: invalid id token: the audience"),
        "{stderr}"
    );
    let run = common::run_with_stdin(
        &env.iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        &["oidc", "verify-token", "-"],
        format!("{good}\n").as_bytes(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = common::run_with(None, &[], &["oidc", "verify-token", "x.y.z"]);
    run.assert_error(2, "HOPAE_CLIENT_ID");
}

//! `hopae webhooks`: `config` and `rotate-secret` against mockito; `verify`, `trigger`
//! and `listen` on this machine only (listen on 127.0.0.1, trigger to it).

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{APP, KEY, Run, command, get, printed, run_with, run_with_stdin};
use hopae::webhooks::sign;
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{Value, json};

const SECRET: &str = "whsec_test_cli_secret";
const CONFIG_PATH: &str = "/apps/FK5b0KSM/webhook-config";

/// Webhook settings as a newer API might send them: an unknown field, no `url`.
const CONFIG: &str = r#"{"enabled":true,"retryAttempts":3,"timeoutSeconds":10,
  "secret":"whsec_****abc1","events":["verification.completed","verification.failed"],"newField":1}"#;

/// Runs `hopae <args> --base-url <server>` with a sandbox key.
fn run(server: &ServerGuard, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    run_with(Some(KEY), &[], &all)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------------------
// config and rotate-secret

#[test]
fn config_without_a_setting_reads_and_shows_only_the_secret_hint() {
    let mut server = Server::new();
    let m = common::get_n(&mut server, CONFIG_PATH, 200, CONFIG, 2);
    let r = run(&server, &["webhooks", "config", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
app             FK5b0KSM
url             not set
enabled         yes
events          verification.completed, verification.failed
retry attempts  3
timeout         10s
secret          ****abc1
"
    );
    let r = run(&server, &["webhooks", "config", APP, "--json"]);
    r.assert_ok();
    let preview = r#""secret":"whsec_****abc1""#;
    assert_eq!(
        r.stdout,
        printed(&CONFIG.replace(preview, r#""secret":"[redacted]""#))
    );
    m.assert();
}

#[test]
fn config_with_settings_updates_them_and_json_is_the_answer_as_sent() {
    let mut server = Server::new();
    // Hopae may answer the update with the whole app.
    let app = r#"{"clientId":"FK5b0KSM","name":"Shop","redirectUris":[],"createdAt":"2026-04-08T10:00:00.000Z",
"updatedAt":"2026-04-08T11:00:00.000Z","webhookConfig":{"url":"https://shop.example/hooks","enabled":false,
"retryAttempts":5,"timeoutSeconds":20,"events":["verification.completed"]},"newField":1}"#;
    let m = server
        .mock("PATCH", CONFIG_PATH)
        .match_body(Matcher::Json(json!({
            "url": "https://shop.example/hooks",
            "enabled": false,
            "events": ["verification.completed"],
            "retryAttempts": 5,
            "timeoutSeconds": 20
        })))
        .with_status(200)
        .with_body(app)
        .expect(2)
        .create();
    let args = [
        "webhooks",
        "config",
        APP,
        "--url",
        "https://shop.example/hooks",
        "--disable",
        "--event",
        "verification.completed",
        "--retry-attempts",
        "5",
        "--timeout-seconds",
        "20",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
app             FK5b0KSM
url             https://shop.example/hooks
enabled         no
events          verification.completed
retry attempts  5
timeout         20s
secret          not set
"
    );
    let mut json = args.to_vec();
    json.push("--json");
    let r = run(&server, &json);
    r.assert_ok();
    assert_eq!(r.stdout, printed(app));
    m.assert();
}

#[test]
fn config_refuses_bad_settings_before_sending() {
    let mut server = Server::new();
    let none = server.mock("PATCH", Matcher::Any).expect(0).create();
    for (args, needle) in [
        (
            &["webhooks", "config", APP, "--timeout-seconds", "0"][..],
            "--timeout must be a whole number of seconds, at least 1s, got `0`",
        ),
        (
            &["webhooks", "config", APP, "--url", ""][..],
            "--url must not be empty (--clear-url removes it)",
        ),
        (
            &["webhooks", "config", APP, "--retry-attempts", "-1"][..],
            "invalid value `-1` for --retry-attempts",
        ),
    ] {
        run(&server, args).assert_error(2, needle);
    }
    none.assert();
}

#[test]
fn webhook_rotate_secret_prints_the_new_secret_once_on_stdout_only() {
    let mut server = Server::new();
    let body = r#"{"secret":"whsec_NEW_5678","newField":1}"#;
    let m = server
        .mock("POST", "/apps/FK5b0KSM/webhook-config/rotate-secret")
        .match_body("")
        .with_status(200)
        .with_body(body)
        .expect(2)
        .create();
    let r = run(&server, &["-v", "webhooks", "rotate-secret", APP, "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.matches("whsec_NEW_5678").count(),
        1,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .starts_with("app             FK5b0KSM\nwebhook secret  whsec_NEW_5678\n")
    );
    assert!(
        r.stdout.contains("set it as HOPAE_WEBHOOK_SECRET"),
        "{}",
        r.stdout
    );
    assert!(!r.stderr.contains("whsec_NEW"), "{}", r.stderr);
    let r = run(
        &server,
        &["webhooks", "rotate-secret", APP, "--yes", "--json"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

// ---------------------------------------------------------------------------------------
// verify

const EVENT: &str = r#"{"event":"verification.completed","data":{"verificationId":"v_1"}}"#;

fn verify(secret: Option<&str>, args: &[&str], body: &str) -> Run {
    let env: Vec<(&str, &str)> = secret
        .map(|s| vec![("HOPAE_WEBHOOK_SECRET", s)])
        .unwrap_or_default();
    let mut all = vec!["webhooks", "verify"];
    all.extend_from_slice(args);
    run_with_stdin(&env, &all, body.as_bytes())
}

#[test]
fn verify_prints_the_event_of_a_signed_body_from_stdin_or_a_file() {
    let header = sign(SECRET, now(), EVENT.as_bytes());
    let r = verify(Some(SECRET), &["--signature", &header], EVENT);
    r.assert_ok();
    assert_eq!(r.stdout, printed(EVENT));
    let r = verify(Some(SECRET), &["--signature", &header, "-"], EVENT);
    r.assert_ok();
    assert_eq!(r.stdout, printed(EVENT));

    let file = std::env::temp_dir().join(format!("hopae-cli-verify-{}.json", std::process::id()));
    std::fs::write(&file, EVENT).unwrap();
    let path = file.to_str().unwrap();
    let r = verify(Some(SECRET), &["--signature", &header, path, "--json"], "");
    std::fs::remove_file(&file).unwrap();
    r.assert_ok();
    // --json: the documented object, the body inside it.
    let t: u64 = header[2..header.find(',').unwrap()].parse().unwrap();
    assert_eq!(
        r.json(),
        json!({"verified": true, "event": "verification.completed", "id": null,
               "timestamp": t, "body": serde_json::from_str::<Value>(EVENT).unwrap()})
    );
}

#[test]
fn verify_exits_6_for_each_kind_of_refusal() {
    let t = now();
    let signed = sign(SECRET, t, EVENT.as_bytes());
    let stale = sign(SECRET, t - 1_000, EVENT.as_bytes());
    let other = sign("whsec_other", t, EVENT.as_bytes());
    let not_object = sign(SECRET, t, b"[1]");
    for (header, body, needle) in [
        (other.as_str(), EVENT, "signature mismatch"),
        (
            signed.as_str(),
            r#"{"event":"verification.failed"}"#,
            "signature mismatch",
        ),
        (
            stale.as_str(),
            EVENT,
            // 1000 s when signed; the binary reads the clock a moment later.
            "s in the past, tolerance 300s",
        ),
        ("garbage", EVENT, "malformed signature header"),
        ("t=1,v1=zz", EVENT, "malformed signature header"),
        (
            not_object.as_str(),
            "[1]",
            "signed body is not a JSON object: an array",
        ),
    ] {
        let r = verify(Some(SECRET), &["--signature", header], body);
        r.assert_error(6, "the webhook signature did not verify: ");
        assert!(r.stderr.contains(needle), "{header}: {}", r.stderr);
        assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
        if let Some(rest) = r.stderr.split("timestamp is ").nth(1) {
            let secs: u64 = rest.split('s').next().unwrap().parse().unwrap();
            assert!((1000..1060).contains(&secs), "{}", r.stderr);
        }
    }
    // A wider tolerance takes the stale one.
    let r = verify(
        Some(SECRET),
        &["--signature", &stale, "--tolerance", "20m"],
        EVENT,
    );
    r.assert_ok();
}

#[test]
fn verify_without_a_secret_or_a_readable_body_is_a_usage_error() {
    let header = sign(SECRET, now(), EVENT.as_bytes());
    verify(None, &["--signature", &header], EVENT).assert_error(
        2,
        "HOPAE_WEBHOOK_SECRET is not set: set it to the app's webhook secret",
    );
    verify(Some(""), &["--signature", &header], EVENT)
        .assert_error(2, "HOPAE_WEBHOOK_SECRET is empty");
    verify(
        Some(SECRET),
        &["--signature", &header, "/nonexistent/hopae-body.json"],
        "",
    )
    .assert_error(2, "could not read /nonexistent/hopae-body.json");
    verify(Some(SECRET), &[], EVENT).assert_error(2, "missing --signature <HEADER>");
}

#[test]
fn verify_refuses_a_body_over_10_mib() {
    let body = format!("{{\"a\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let header = sign(SECRET, now(), body.as_bytes());
    verify(Some(SECRET), &["--signature", &header], &body)
        .assert_error(2, "the body to verify is larger than 10 MiB");
}

// ---------------------------------------------------------------------------------------
// trigger

fn trigger(secret: Option<&str>, args: &[&str]) -> Run {
    let env: Vec<(&str, &str)> = secret
        .map(|s| vec![("HOPAE_WEBHOOK_SECRET", s)])
        .unwrap_or_default();
    let mut all = vec!["webhooks", "trigger", "--http-timeout", "5s"];
    all.extend_from_slice(args);
    run_with(None, &env, &all)
}

#[test]
fn trigger_posts_a_signed_sample_event_and_reports_the_status() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/hooks")
        .match_header("content-type", "application/json")
        .match_header(
            "x-hopae-signature",
            Matcher::Regex("^t=[0-9]+,v1=[0-9a-f]{64}$".into()),
        )
        .match_body(Matcher::PartialJson(json!({
            "event": "verification.failed",
            "data": {"status": "failed"}
        })))
        .with_status(500)
        .with_body("receiver\x1b[2J broke")
        .create();
    let url = format!("{}/hooks", server.url());
    let r = trigger(Some(SECRET), &[&url, "--event", "verification.failed"]);
    r.assert_error(
        1,
        &format!("{url} answered 500 Internal Server Error: receiver\\u{{1b}}[2J broke"),
    );
    m.assert();
}

#[test]
fn trigger_sends_the_data_file_exactly() {
    let mut server = Server::new();
    let body = "{ \"event\": \"custom.thing\", \"n\": 1 }\n";
    let m = server
        .mock("POST", "/")
        .match_body(body)
        .with_status(202)
        .expect(2)
        .create();
    let url = format!("{}/", server.url());
    let file = std::env::temp_dir().join(format!("hopae-cli-data-{}.json", std::process::id()));
    std::fs::write(&file, body).unwrap();
    let r = trigger(Some(SECRET), &[&url, "--data", file.to_str().unwrap()]);
    r.assert_ok();
    assert_eq!(r.stdout, format!("{url} answered 202 Accepted\n"));
    let r = trigger(
        Some(SECRET),
        &[&url, "--data", file.to_str().unwrap(), "--json"],
    );
    std::fs::remove_file(&file).unwrap();
    r.assert_ok();
    assert_eq!(
        r.json(),
        json!({"url": url, "status": 202, "event": "custom.thing"})
    );
    m.assert();
}

#[test]
fn trigger_refusals_and_network_failure() {
    trigger(None, &["http://127.0.0.1:1/"]).assert_error(2, "HOPAE_WEBHOOK_SECRET is not set");
    trigger(Some(SECRET), &["http://example.com/hooks"]).assert_error(
        2,
        "<URL> must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1]): http://example.com/hooks",
    );
    trigger(Some(SECRET), &["127.0.0.1:8787"]).assert_error(2, "<URL> must start with https://");
    trigger(
        Some(SECRET),
        &["http://127.0.0.1:1/", "--event", "a", "--data", "-"],
    )
    .assert_error(
        2,
        "the argument '--event <E>' cannot be used with '--data <FILE|->'",
    );
    trigger(Some(SECRET), &["http://127.0.0.1:1/"])
        .assert_error(3, "could not deliver to http://127.0.0.1:1/: ");
}

// ---------------------------------------------------------------------------------------
// listen, and trigger against it

/// A running `hopae webhooks listen --port 0 --json`, killed when dropped.
struct Listener {
    child: Child,
    port: u16,
    lines: Receiver<String>,
}

impl Listener {
    fn start(secret: &str) -> Listener {
        let mut child = command(
            None,
            &[("HOPAE_WEBHOOK_SECRET", secret)],
            &["webhooks", "listen", "--port", "0", "--json"],
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (first_tx, first_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stderr).read_line(&mut line);
            let _ = first_tx.send(line);
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut listener = Listener {
            child,
            port: 0,
            lines,
        };
        let first = first_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("listen prints where it listens");
        let port = first
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|p| p.trim_end().parse().ok());
        listener.port = port.unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        assert_ne!(listener.port, 0);
        listener
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// The next line printed, as JSON.
    fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("listen prints a line per delivery");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn trigger_against_listen_verifies_with_the_same_secret_only() {
    let listener = Listener::start(SECRET);
    let url = listener.url();

    let r = trigger(Some(SECRET), &[&url]);
    r.assert_ok();
    assert_eq!(r.stdout, format!("{url} answered 204 No Content\n"));
    let line = listener.next();
    assert_eq!(line["verified"], true, "{line}");
    assert_eq!(line["event"], "verification.completed", "{line}");
    assert_eq!(line["error"], Value::Null, "{line}");
    assert_eq!(line["status"], 204, "{line}");
    assert!(line["time"].as_str().unwrap().ends_with('Z'), "{line}");

    let r = trigger(Some("whsec_another_secret"), &[&url]);
    r.assert_error(
        1,
        &format!("{url} answered 401 Unauthorized: signature mismatch"),
    );
    let line = listener.next();
    assert_eq!(line["verified"], false, "{line}");
    assert_eq!(line["status"], 401, "{line}");
    assert_eq!(line["event"], "verification.completed", "{line}");
    assert!(
        line["error"]
            .as_str()
            .unwrap()
            .starts_with("signature mismatch"),
        "{line}"
    );

    // A malformed header is a 400; the listener goes on serving.
    let mut stream = TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let body = r#"{"event":"x"}"#;
    write!(
        stream,
        "POST /hooks HTTP/1.1\r\nHost: x\r\nX-Hopae-Signature: nonsense\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    let line = listener.next();
    assert_eq!(
        (line["status"].as_u64(), line["verified"].as_bool()),
        (Some(400), Some(false))
    );
    assert!(
        line["error"]
            .as_str()
            .unwrap()
            .contains("malformed signature header")
    );

    // A request without a signature header is a 400, named as such.
    let r = {
        let mut stream = TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(stream, "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{{}}").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    let line = listener.next();
    assert_eq!(line["error"], "no X-Hopae-Signature header", "{line}");

    let r = trigger(Some(SECRET), &[&url]);
    r.assert_ok();
    assert_eq!(listener.next()["verified"], true);
}

#[test]
fn listen_on_a_port_in_use_or_without_a_secret_is_a_usage_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    run_with(
        None,
        &[("HOPAE_WEBHOOK_SECRET", SECRET)],
        &["webhooks", "listen", "--port", &port],
    )
    .assert_error(2, "pick another --port (0 picks a free one)");
    run_with(None, &[], &["webhooks", "listen", "--port", "0"])
        .assert_error(2, "HOPAE_WEBHOOK_SECRET is not set");
}

#[test]
fn config_of_an_unknown_app_exits_1() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/nope/webhook-config",
        404,
        r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"App not found"},"request_id":"r-1"}"#,
    );
    run(&server, &["webhooks", "config", "nope"]).assert_error(1, "RESOURCE_NOT_FOUND");
    m.assert();
}

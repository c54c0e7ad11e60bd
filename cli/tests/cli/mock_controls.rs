//! `hopae mock` and its test controls end to end: the fake sends a signed webhook
//! delivery that `hopae webhooks listen` receives and verifies; a revoked key gets 401.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use common::{APP, Run, command, run_with};
use serde_json::Value;

/// A child process killed when dropped, with its stdout lines on a channel.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(env: &[(&str, &str)], args: &[&str], first_line_on_stderr: bool) -> (Running, String) {
        let mut child = command(None, env, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (first_tx, first_rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Forward the first stderr line, then drain the rest.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = first_tx.send(line);
            }
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
        let running = Running { child, lines };
        let first = if first_line_on_stderr {
            first_rx.recv_timeout(Duration::from_secs(20))
        } else {
            running.lines.recv_timeout(Duration::from_secs(20))
        }
        .expect("the command says where it listens");
        (running, first)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hopae(base_url: &str, key: &str, args: &[&str]) -> Run {
    run_with(Some(key), &[("HOPAE_BASE_URL", base_url)], args)
}

#[test]
fn the_fake_delivers_a_signed_event_that_webhooks_listen_verifies() {
    let (_mock, first) = Running::start(&[], &["mock"], false);
    let base_url = first
        .strip_prefix("export HOPAE_BASE_URL=")
        .expect("the first line exports the base URL")
        .to_owned();
    let key = "sk_workspace_test_e2e";

    // The app's secret, shown once by rotate-secret (--json: {"secret": ...}).
    let rotated = hopae(
        &base_url,
        key,
        &["webhooks", "rotate-secret", APP, "--yes", "--json"],
    );
    rotated.assert_ok();
    let secret = rotated.json()["secret"].as_str().unwrap().to_owned();

    let (listen, first) = Running::start(
        &[("HOPAE_WEBHOOK_SECRET", &secret)],
        &["webhooks", "listen", "--port", "0", "--json"],
        true,
    );
    let receiver = first
        .strip_prefix("listening on ")
        .expect("listen says where")
        .trim_end()
        .to_owned();

    let set = hopae(
        &base_url,
        key,
        &[
            "webhooks",
            "config",
            APP,
            "--url",
            &format!("{receiver}/hooks"),
            "--add-event",
            "verification.completed",
        ],
    );
    set.assert_ok();
    assert!(
        set.stdout
            .starts_with("events: added verification.completed\n"),
        "{}",
        set.stdout
    );

    let emitted = hopae(
        &base_url,
        key,
        &["mock", "emit", APP, "verification.completed", "--json"],
    );
    emitted.assert_ok();
    let id = emitted.json()["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("evt_"), "{id}");

    let line = listen
        .lines
        .recv_timeout(Duration::from_secs(20))
        .expect("listen printed the delivery");
    let delivery: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(delivery["id"], id.as_str(), "{line}");
    assert_eq!(delivery["event"], "verification.completed");
    assert_eq!(delivery["verified"], true, "{line}");
    assert_eq!(delivery["status"], 204);

    // The fake's log says it arrived (bounded wait: the log is written after the answer).
    let mut listed = String::new();
    for _ in 0..100 {
        let run = hopae(&base_url, key, &["mock", "deliveries"]);
        run.assert_ok();
        listed = run.stdout;
        if listed.contains("delivered (204)") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        listed.contains(&id) && listed.contains("delivered (204)"),
        "{listed}"
    );

    // An event the documentation does not name is refused before anything is sent.
    hopae(&base_url, key, &["mock", "emit", APP, "no.such.event"]).assert_error(
        2,
        "is not a documented webhook event; one of: verification.created",
    );
}

#[test]
fn a_revoked_key_gets_401_and_the_fake_needs_no_key_for_its_controls() {
    let (_mock, first) = Running::start(&[], &["mock"], false);
    let base_url = first
        .strip_prefix("export HOPAE_BASE_URL=")
        .unwrap()
        .to_owned();
    let key = "sk_workspace_test_revoked";
    hopae(&base_url, key, &["workspace"]).assert_ok();
    let revoked = hopae(&base_url, key, &["mock", "revoke-key"]);
    revoked.assert_ok();
    assert!(!revoked.stdout.contains(key), "{}", revoked.stdout);
    hopae(&base_url, key, &["workspace"]).assert_error(1, "401");
    hopae(&base_url, "sk_workspace_test_other", &["workspace"]).assert_ok();

    // Failing and completing production-test items.
    let failed = hopae(
        &base_url,
        "sk_workspace_test_other",
        &["mock", "fail", "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a"],
    );
    failed.assert_ok();
    let again = hopae(
        &base_url,
        "sk_workspace_test_other",
        &["mock", "fail", "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a"],
    );
    again.assert_error(1, "the fake answered 409: Only a pending request can fail");
}

#[test]
fn mock_controls_need_a_local_fake_and_serving_refuses_api_options() {
    run_with(None, &[], &["mock", "deliveries"]).assert_error(2, "HOPAE_BASE_URL is not set");
    run_with(
        None,
        &[("HOPAE_BASE_URL", "https://api.sandbox.hopae.com/connect/v1")],
        &["mock", "deliveries"],
    )
    .assert_error(2, "must be a running `hopae mock` on this machine");
    run_with(None, &[], &["mock", "--json"]).assert_error(2, "`hopae mock` does not take --json");
    run_with(
        None,
        &[],
        &["completions", "bash", "--base-url", "http://127.0.0.1:1"],
    )
    .assert_error(2, "`hopae completions` does not take --base-url");
}

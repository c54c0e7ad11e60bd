//! `webhooks listen` under hostile peers, and the webhook secret's rules in the CLI
//! (issue 17, items 3 and 4).

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{command, run_with, run_with_stdin};
use hopae::webhooks::sign;

const SECRET: &str = "whsec_test_cli_secret";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A running `hopae webhooks listen --port 0` (text or JSON lines), killed when dropped.
struct Listener {
    child: Child,
    port: u16,
    lines: Receiver<String>,
}

impl Listener {
    fn start(json: bool) -> Listener {
        let mut args = vec!["webhooks", "listen", "--port", "0"];
        if json {
            args.push("--json");
        }
        let mut child = command(None, &[("HOPAE_WEBHOOK_SECRET", SECRET)], &args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|p| p.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Listener { child, port, lines }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
    }

    /// Sends one delivery and returns the whole answer.
    fn deliver(&self, header: &str, body: &str) -> String {
        let mut stream = self.connect();
        write!(
            stream,
            "POST /hooks HTTP/1.1\r\nHost: x\r\nX-Hopae-Signature: {header}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn next(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("listen prints a line per delivery")
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn idle_connections_do_not_delay_a_real_delivery() {
    let listener = Listener::start(true);
    // Five connections that send nothing, held open for the whole test: served one at
    // a time, each would hold the listener for its 10 s deadline.
    let idle: Vec<TcpStream> = (0..5).map(|_| listener.connect()).collect();
    let body = r#"{"event":"verification.completed"}"#;
    let answer = listener.deliver(&sign(SECRET, now(), body.as_bytes()), body);
    assert!(
        answer.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{answer}"
    );
    let line = listener.next();
    assert!(line.contains(r#""verified":true"#), "{line}");
    drop(idle);
}

#[test]
fn a_trickling_client_does_not_block_others() {
    let listener = Listener::start(true);
    let mut slow = listener.connect();
    slow.write_all(b"POST /hooks HTTP/1.1\r\nCont").unwrap();
    let body = r#"{"event":"verification.completed"}"#;
    let answer = listener.deliver(&sign(SECRET, now(), body.as_bytes()), body);
    assert!(
        answer.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{answer}"
    );
    drop(slow);
}

#[test]
fn the_401_body_does_not_tell_the_clock_difference() {
    let listener = Listener::start(true);
    let body = r#"{"event":"verification.completed"}"#;
    let stale = sign(SECRET, now() - 1000, body.as_bytes());
    let answer = listener.deliver(&stale, body);
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{answer}"
    );
    let text = answer.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(text, "timestamp outside the tolerance\n");
    // The operator's line keeps the detail.
    let line = listener.next();
    assert!(line.contains("in the past, tolerance 300s"), "{line}");
}

#[test]
fn text_lines_give_the_verdict_before_the_escaped_event_name() {
    let listener = Listener::start(false);
    let evil = format!(
        r#"{{"event":"verification.completed{}\u202e\u2028\u001b[2J"}}"#,
        " ".repeat(300)
    );
    let forged = sign("whsec_other", now(), evil.as_bytes());
    let answer = listener.deliver(&forged, &evil);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let line = listener.next();
    let verdict = line.split("  ").nth(2).unwrap();
    assert!(verdict.starts_with("not verified"), "{line}");
    for raw in ['\u{202e}', '\u{2028}', '\x1b'] {
        assert!(!line.contains(raw), "{line:?}");
    }
    assert!(line.chars().count() < 250, "{line}");
}

#[test]
fn a_secret_without_the_prefix_or_unusable_is_a_usage_error() {
    for (secret, needle) in [
        ("test", "does not start with whsec_"),
        ("sk_workspace_test_x", "does not start with whsec_"),
        ("whsec_", "empty or blank"),
        ("whsec_****abc1", "preview"),
        ("whsec_test_cli_secret\n", "newline"),
    ] {
        let env = [("HOPAE_WEBHOOK_SECRET", secret)];
        let header = format!("t={},v1={}", now(), "0".repeat(64));
        let r = run_with_stdin(&env, &["webhooks", "verify", "--signature", &header], b"{}");
        r.assert_error(2, needle);
        assert!(!r.stderr.contains("abc1"), "{}", r.stderr);
        run_with(None, &env, &["webhooks", "listen", "--port", "0"]).assert_error(2, needle);
        run_with(None, &env, &["webhooks", "trigger", "http://127.0.0.1:1/"])
            .assert_error(2, needle);
    }
}

//! `hopae verify` and `hopae verifications ...` end to end against `hopae::mock`'s App
//! API, started in this process: the binary draws the session's QR code, and the test
//! plays the person through the fake's test controls. Every wait is bounded.

use crate::common;

use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Run, run_with};
use hopae::mock::{Completion, SEED_APP, SEED_CLIENT_SECRET, Server};

/// How long a test waits for the binary to print, poll or end.
const PATIENCE: Duration = Duration::from_secs(20);

/// A fake whose sessions complete only through its test controls, polled twice a second
/// at most (the library's floor).
fn fake() -> Server {
    Server::builder()
        .complete_after(0)
        .poll_interval(Duration::from_millis(500))
        .start()
        .unwrap()
}

/// The App API environment of the seed App on `server`.
fn env(server: &Server) -> Vec<(&'static str, String)> {
    vec![
        ("HOPAE_BASE_URL", server.url().to_owned()),
        ("HOPAE_CLIENT_ID", SEED_APP.to_owned()),
        ("HOPAE_CLIENT_SECRET", SEED_CLIENT_SECRET.to_owned()),
    ]
}

fn run(server: &Server, args: &[&str]) -> Run {
    let env = env(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_with(None, &env, args)
}

/// A running `hopae verify`, its stdout and stderr read as they come; killed if the
/// test ends first.
struct Running {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reader(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                return;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

fn spawn(server: &Server, args: &[&str]) -> Running {
    let env = env(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = common::command(None, &env, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hopae binary runs");
    let stdout = reader(child.stdout.take().unwrap());
    let stderr = reader(child.stderr.take().unwrap());
    Running {
        child,
        stdout,
        stderr,
    }
}

impl Running {
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `ready` holds (bounded).
    fn until(&mut self, what: &str, ready: impl Fn(&Running) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("hopae ended ({status}) before {what}: {}", self.stderr());
            }
            assert!(
                start.elapsed() < PATIENCE,
                "no {what} in time: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the end (bounded): exit code, stdout, stderr.
    fn finish(mut self) -> Run {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "hopae did not end: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the readers take the last bytes.
        std::thread::sleep(Duration::from_millis(100));
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr(),
        }
    }
}

/// The one session of the fake, once the binary has created it.
fn session(server: &Server, hopae: &mut Running) -> String {
    hopae.until("session", |_| !server.verifications().is_empty());
    server.verifications()[0].id.clone()
}

fn polls(server: &Server, id: &str) -> u32 {
    server
        .verifications()
        .into_iter()
        .find(|v| v.id == id)
        .map_or(0, |v| v.polls)
}

/// The QR codes drawn on stderr: blocks of half-block lines.
fn qr_codes(stderr: &str) -> Vec<Vec<&str>> {
    let mut codes = Vec::new();
    let mut current = Vec::new();
    for line in stderr.lines() {
        if !line.is_empty() && line.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')) {
            current.push(line);
        } else if !current.is_empty() {
            codes.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        codes.push(current);
    }
    codes
}

#[test]
fn verify_draws_a_qr_code_redraws_it_and_prints_the_claims_once_completed() {
    let server = fake();
    let mut hopae = spawn(
        &server,
        &[
            "verify",
            "--provider",
            "smartid",
            "--user-data",
            "registrationId=PNOEE-38001085718",
            "--flow",
            "qr",
            "--claims",
            "given_name,family_name,email",
        ],
    );
    let id = session(&server, &mut hopae);
    // The fake rotates qrData on every poll: the binary draws each new code.
    hopae.until("a redrawn QR code", |h| qr_codes(&h.stderr()).len() >= 2);
    let stderr = hopae.stderr();
    let codes = qr_codes(&stderr);
    assert_ne!(codes[0], codes[1], "a new payload draws another code");
    let size = codes[0][0].chars().count();
    assert!(size >= 21 + 4, "{size}");
    assert!(codes[0].iter().all(|l| l.chars().count() == size));
    assert_eq!(
        codes[0].len(),
        size.div_ceil(2),
        "two rows of modules per line"
    );
    assert!(stderr.contains(&format!("verification {id} created (smartid, qr)")));
    assert!(stderr.contains("Scan this QR code with the smartid app:"));
    assert!(polls(&server, &id) >= 1);

    let person = Completion::new().claim("given_name", "Mari").loa(3);
    server.complete_verification(&id, &person).unwrap();
    let r = hopae.finish();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("verification  {id}")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("given_name    Mari"), "{}", r.stdout);
    assert!(r.stdout.contains("family_name   Jõeorg"), "{}", r.stdout);
    assert!(
        r.stdout.contains("level         3 (substantial)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("missing       email"), "{}", r.stdout);
    assert!(!r.stdout.contains("eyJ") && !r.stderr.contains("eyJ"));
    assert!(!r.stderr.contains(SEED_CLIENT_SECRET));
}

#[test]
fn verify_json_prints_userinfo_with_the_tokens_redacted() {
    let server = Server::builder()
        .complete_after(1)
        .poll_interval(Duration::from_millis(500))
        .start()
        .unwrap();
    let r = run(
        &server,
        &[
            "verify",
            "--provider",
            "smartid",
            "--user-data",
            "registrationId=PNOEE-38001085718",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let info = r.json();
    assert_eq!(info["user"]["given_name"], "Jaak-Kristjan");
    assert_eq!(info["provider_id"], "smartid");
    assert_eq!(info["provenance"], "[redacted]");
    assert!(!r.stdout.contains("eyJ"), "{}", r.stdout);
    // A push flow shows the code to compare.
    assert!(
        r.stderr
            .contains("Check that the smartid app shows the code "),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_user_data_is_named_before_anything_is_created() {
    let server = fake();
    let r = run(&server, &["verify", "--provider", "smartid"]);
    r.assert_error(2, "smartid needs --user-data registrationId=...");
    assert!(
        r.stderr
            .contains("hopae verifications requirements smartid"),
        "{}",
        r.stderr
    );
    let r = run(
        &server,
        &[
            "verify",
            "--provider",
            "smartid",
            "--user-data",
            "registrationId=PNOEE-38001085718",
            "--flow",
            "redirect",
        ],
    );
    r.assert_error(2, "--flow redirect: smartid offers push, qr");
    let r = run(&server, &["verify", "--provider", "smartid", "--loa", "6"]);
    r.assert_error(2, "invalid value `6` for --loa");
    assert!(server.verifications().is_empty(), "nothing was created");

    // The API's 422: a level the provider does not reach.
    let r = run(
        &server,
        &[
            "verify",
            "--provider",
            "smartid",
            "--user-data",
            "registrationId=PNOEE-38001085718",
            "--loa",
            "4",
        ],
    );
    r.assert_error(1, "VALIDATION_UNPROCESSABLE");
}

#[test]
fn a_failed_session_exits_5_with_its_reason() {
    let server = fake();
    let mut hopae = spawn(&server, &["verify", "--provider", "bankidse"]);
    let id = session(&server, &mut hopae);
    server
        .fail_verification(&id, "USER_DECLINED", "The person declined")
        .unwrap();
    let r = hopae.finish();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.ends_with(&format!(
            "error: verification {id} ended failed: USER_DECLINED: The person declined\n"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn a_timeout_cancels_the_session_and_exits_5() {
    let server = fake();
    let r = run(
        &server,
        &["verify", "--provider", "mitid", "--timeout", "1s"],
    );
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Open this URL to continue (--open opens it):"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("https://verify.mock.invalid/mitid/authorize"),
        "{}",
        r.stderr
    );
    let sessions = server.verifications();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, "cancelled");
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_session_then_exits_130() {
    let server = fake();
    let mut hopae = spawn(&server, &["verify", "--provider", "bankidse"]);
    let id = session(&server, &mut hopae);
    hopae.until("a QR code", |h| !qr_codes(&h.stderr()).is_empty());
    let pid = hopae.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let r = hopae.finish();
    assert_eq!(r.code, 130, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("interrupted: verification {id} cancelled")),
        "{}",
        r.stderr
    );
    assert_eq!(server.verifications()[0].status, "cancelled");
}

#[test]
fn verifications_commands_show_sessions_providers_and_requirements() {
    let server = Server::builder().complete_after(1).start().unwrap();

    let r = run(&server, &["verifications", "providers"]);
    r.assert_ok();
    let header = r.stdout.lines().next().unwrap();
    assert!(
        header.starts_with("PROVIDER ") && header.contains(" ACTIVE "),
        "{header}"
    );
    for id in ["smartid", "frejaid", "bankidse", "mitid", "idin"] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(id)),
            "{id}: {}",
            r.stdout
        );
    }
    let r = run(
        &server,
        &["verifications", "providers", "--status", "activated"],
    );
    r.assert_ok();
    assert!(!r.stdout.contains("idin"), "{}", r.stdout);
    let r = run(&server, &["verifications", "providers", "--json"]);
    r.assert_ok();
    assert!(r.json().as_array().is_some());

    let r = run(&server, &["verifications", "requirements", "idin"]);
    r.assert_ok();
    assert!(
        r.stdout.contains("presetBank (select): Bank."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("INGBNL2A (ING)"), "{}", r.stdout);
    let r = run(&server, &["verifications", "requirements", "nope"]);
    r.assert_error(1, "PROVIDER_NOT_FOUND");

    // One session, completed by its first poll.
    let r = run(&server, &["verify", "--provider", "bankidse"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let id = server.verifications()[0].id.clone();
    let r = run(&server, &["verifications", "get", &id]);
    r.assert_ok();
    assert!(r.stdout.contains("status        completed"), "{}", r.stdout);
    assert!(r.stdout.contains("level         3"), "{}", r.stdout);
    let r = run(&server, &["verifications", "userinfo", &id]);
    r.assert_ok();
    assert!(
        r.stdout.contains("given_name    Jaak-Kristjan"),
        "{}",
        r.stdout
    );
    let r = run(&server, &["verifications", "evidence", &id]);
    r.assert_ok();
    assert!(
        r.stdout.contains("holds         id_token, access_token"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("eyJ"));
    let r = run(&server, &["verifications", "evidence", &id, "--json"]);
    r.assert_ok();
    assert_eq!(r.json()["token"], "[redacted]");
    assert_eq!(r.json()["names"], "id_token;access_token");
    // --show-secrets shows the tokens, in JSON and in text.
    let r = run(
        &server,
        &["verifications", "evidence", &id, "--json", "--show-secrets"],
    );
    r.assert_ok();
    assert!(
        r.json()["token"]["access_token"]
            .as_str()
            .unwrap()
            .starts_with("eyJ")
    );
    let r = run(
        &server,
        &["verifications", "evidence", &id, "--show-secrets"],
    );
    r.assert_ok();
    assert!(r.stdout.contains("access_token  eyJ"), "{}", r.stdout);
    let r = run(
        &server,
        &["verifications", "userinfo", &id, "--json", "--show-secrets"],
    );
    r.assert_ok();
    assert!(r.json()["provenance"]["credentials"][0]["evidence"]["id_token"].is_string());
    let r = run(&server, &["verifications", "userinfo", &id, "--json"]);
    r.assert_ok();
    assert_eq!(r.json()["provenance"], "[redacted]");
    let r = run(&server, &["verifications", "cancel", &id]);
    r.assert_error(1, "SESSION_INVALID_STATUS_TRANSITION");

    // A live session: userinfo is refused in shape C, cancel works.
    let created = fake();
    let mut hopae = spawn(&created, &["verify", "--provider", "bankidse"]);
    let live = session(&created, &mut hopae);
    drop(hopae);
    let r = run(&created, &["verifications", "userinfo", &live]);
    r.assert_error(1, "verification_not_completed");
    let r = run(&created, &["verifications", "cancel", &live]);
    r.assert_ok();
    assert_eq!(r.stdout, format!("cancelled {live}\n"));
    let mut again = spawn(&created, &["verify", "--provider", "bankidse"]);
    again.until("a second session", |_| created.verifications().len() == 2);
    drop(again);
    let second = created.verifications()[1].id.clone();
    let r = run(&created, &["verifications", "cancel", &second, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, "", "a 204 has no body to print");
    assert!(
        created
            .verifications()
            .iter()
            .all(|v| v.status == "cancelled")
    );
    let r = run(&created, &["verifications", "get", "ver_unknown"]);
    r.assert_error(1, "SESSION_NOT_FOUND");
}

#[test]
fn app_credentials_are_required_and_never_printed() {
    let server = fake();
    let r = run_with(
        None,
        &[
            ("HOPAE_BASE_URL", server.url()),
            ("HOPAE_CLIENT_ID", SEED_APP),
        ],
        &["verifications", "providers"],
    );
    r.assert_error(2, "HOPAE_CLIENT_SECRET is not set");
    let r = run_with(
        None,
        &[
            ("HOPAE_BASE_URL", server.url()),
            ("HOPAE_CLIENT_ID", SEED_APP),
            ("HOPAE_CLIENT_SECRET", "wrongsecret"),
        ],
        &["verifications", "providers"],
    );
    r.assert_error(1, "AUTH_INVALID_CREDENTIALS");
    assert!(!r.stderr.contains("wrongsecret"), "{}", r.stderr);
}

#[test]
fn hopae_mock_prints_the_seed_apps_client_credentials() {
    let mut mock = common::command(None, &[], &["mock"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the hopae binary runs");
    let stdout = reader(mock.stdout.take().unwrap());
    let start = Instant::now();
    while stdout.lock().unwrap().lines().count() < 4 {
        assert!(start.elapsed() < PATIENCE, "{}", stdout.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = mock.kill();
    let _ = mock.wait();
    let text = stdout.lock().unwrap().clone();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("export HOPAE_BASE_URL=http://127.0.0.1:"));
    assert_eq!(lines[2], format!("export HOPAE_CLIENT_ID={SEED_APP}"));
    assert_eq!(
        lines[3],
        format!("export HOPAE_CLIENT_SECRET={SEED_CLIENT_SECRET}")
    );
}

//! The `hopae` binary against `hopae::mock`, the library's fake of the Workspace API:
//! `hopae mock` as a process (its two export lines, its request log, Ctrl-C), and every
//! command that calls the API, run once against a fake started in this process.

use crate::common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Run, TempDir, run_with};
use hopae::mock::{SEED_APP, SEED_CHALLENGE, SEED_REQUEST, Server, TEST_KEY};

/// How long a test waits for the `hopae mock` process to print or to end.
const PATIENCE: Duration = Duration::from_secs(10);

/// A `hopae mock` process, killed if the test ends before it does.
struct MockProcess {
    child: Child,
    url: String,
    key: String,
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `hopae mock <args>` and reads its two export lines.
fn start_mock(args: &[&str]) -> MockProcess {
    let mut all = vec!["mock"];
    all.extend_from_slice(args);
    let mut child = common::command(None, &[], &all)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hopae binary runs");
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    let next = || {
        received
            .recv_timeout(PATIENCE)
            .expect("hopae mock prints a line in time")
    };
    let (first, second) = (next(), next());
    let url = first
        .strip_prefix("export HOPAE_BASE_URL=")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    let key = second
        .strip_prefix("export HOPAE_API_KEY=")
        .unwrap_or_else(|| panic!("second line: {second}"))
        .to_owned();
    MockProcess { child, url, key }
}

/// Sends SIGINT (Ctrl-C) to the process and returns its exit code and stderr.
#[cfg(unix)]
fn interrupt(mut mock: MockProcess) -> (i32, String) {
    let pid = mock.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = mock.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "hopae mock did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (exit.code().expect("exited normally"), stderr)
}

#[test]
fn mock_prints_its_url_and_key_serves_the_seed_and_logs_each_request() {
    let mock = start_mock(&["--port", "0"]);
    assert!(mock.url.starts_with("http://127.0.0.1:"), "{}", mock.url);
    assert!(mock.url.ends_with("/connect/v1"), "{}", mock.url);
    assert_eq!(mock.key, TEST_KEY);
    let r = run_with(
        Some(&mock.key),
        &[("HOPAE_BASE_URL", &mock.url)],
        &["production-tests", "list", SEED_APP],
    );
    r.assert_ok();
    assert!(r.stdout.contains(SEED_CHALLENGE), "{}", r.stdout);
    assert!(r.stdout.contains(SEED_REQUEST), "{}", r.stdout);
    #[cfg(unix)]
    {
        // The log is read every 100 ms: give it a moment.
        std::thread::sleep(Duration::from_millis(300));
        let (code, stderr) = interrupt(mock);
        assert_eq!(code, 0, "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(
            lines[0].starts_with("serving a fake Workspace API on http://127.0.0.1:"),
            "{stderr}"
        );
        assert!(
            lines[1].ends_with("  GET /apps/FK5b0KSM/production-tests  200"),
            "{stderr}"
        );
        assert_eq!(lines.last(), Some(&"stopped"), "{stderr}");
    }
}

#[test]
fn mock_production_prints_a_production_key() {
    let mock = start_mock(&["--production", "--empty", "--latency", "1ms"]);
    assert_eq!(mock.key, hopae::mock::PROD_KEY);
    let r = run_with(
        Some(&mock.key),
        &[("HOPAE_BASE_URL", &mock.url)],
        &["apps", "list"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, "no apps in this workspace\n");
}

#[test]
fn mock_on_a_taken_port_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let r = run_with(None, &[], &["mock", "--port", &port]);
    assert!(
        r.stderr
            .ends_with("; pick another --port (0 picks a free one)\n")
    );
    r.assert_error(2, &format!("could not listen on 127.0.0.1:{port}: "));
    let r = run_with(None, &[], &["mock", "--fail-rate", "1.5"]);
    r.assert_error(
        2,
        "invalid value `1.5` for --fail-rate: expected a number from 0.0 to 1.0",
    );
}

/// The fake in this process, and the binary pointed at it.
struct Fake {
    server: Server,
}

impl Fake {
    fn run(&self, args: &[&str]) -> Run {
        run_with(
            Some(TEST_KEY),
            &[("HOPAE_BASE_URL", self.server.url())],
            args,
        )
    }

    /// Runs a command that must succeed with nothing on stderr.
    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (0, ""),
            "{args:?}: {}",
            r.stdout
        );
        r
    }

    /// Runs a command that must succeed, and returns its `--json` output's `key`.
    fn ok_json(&self, args: &[&str], key: &str) -> String {
        let mut all = args.to_vec();
        all.push("--json");
        let value = self.ok(&all).json();
        value[key]
            .as_str()
            .unwrap_or_else(|| panic!("{args:?}: no string `{key}` in {value}"))
            .to_owned()
    }
}

#[test]
fn every_command_runs_against_the_fake() {
    let fake = Fake {
        server: Server::builder().schedule_after(1).start().unwrap(),
    };
    let dir = TempDir::new();

    // workspace
    assert!(
        fake.ok(&["workspace"])
            .stdout
            .starts_with("workspace  org_")
    );

    // apps
    assert!(fake.ok(&["apps", "list"]).stdout.contains(SEED_APP));
    let app = fake.ok_json(&["apps", "create", "--name", "CLI test"], "clientId");
    let app = app.as_str();
    assert!(fake.ok(&["apps", "get", app]).stdout.contains("CLI test"));
    let r = fake.ok(&[
        "apps",
        "update",
        app,
        "--name",
        "CLI test 2",
        "--redirect-uri",
        "https://shop.example/cb",
    ]);
    assert!(r.stdout.contains("CLI test 2"), "{}", r.stdout);
    let r = fake.ok(&["apps", "redirect-uris", app]);
    assert_eq!(r.stdout, "https://shop.example/cb\n");
    let r = fake.ok(&[
        "apps",
        "redirect-uris",
        app,
        "--set",
        "https://SHOP.example/a",
        "--set",
        "http://localhost:3000/cb",
    ]);
    assert_eq!(
        r.stdout,
        "https://shop.example/a\nhttp://localhost:3000/cb\n"
    );
    let r = fake.ok(&["apps", "rotate-secret", app, "--yes"]);
    assert!(r.stdout.contains("Shown once"), "{}", r.stdout);

    // webhooks
    let r = fake.ok(&[
        "webhooks",
        "config",
        app,
        "--url",
        "https://shop.example/hooks",
        "--event",
        "verification.completed",
    ]);
    assert!(
        r.stdout.contains("https://shop.example/hooks"),
        "{}",
        r.stdout
    );
    assert!(
        fake.ok(&["webhooks", "config", app])
            .stdout
            .contains("verification.completed")
    );
    let secret = fake.ok_json(&["webhooks", "rotate-secret", app, "--yes"], "secret");
    assert!(secret.starts_with("whsec_"), "{secret}");

    // production tests
    assert!(
        fake.ok(&["production-tests", "list", SEED_APP])
            .stdout
            .contains(SEED_REQUEST)
    );
    let request = fake.ok_json(
        &[
            "production-tests",
            "create",
            SEED_APP,
            "--title",
            "MitID test",
            "--provider",
            "mitid",
        ],
        "id",
    );
    let challenge = fake.ok(&[
        "production-tests",
        "wait",
        SEED_APP,
        &request,
        "--interval",
        "100ms",
        "--timeout",
        "5s",
    ]);
    let challenge = challenge.stdout.trim();
    assert!(challenge.starts_with("ch_"), "{challenge}");
    let r = fake.ok(&["production-tests", "report", SEED_APP, challenge]);
    assert!(r.stdout.contains("claims          0"), "{}", r.stdout);

    // workflows
    assert!(
        fake.ok(&["workflows", "list", SEED_APP])
            .stdout
            .contains("default")
    );
    assert!(
        fake.ok(&["workflows", "get", SEED_APP, "default"])
            .stdout
            .contains("verification")
    );
    let file = dir.file(
        "kyc.json",
        br#"{"name": "KYC", "entryNodeId": "start", "nodes": [
            {"id": "start", "type": "request", "next": "verify"},
            {"id": "verify", "type": "verification", "config": {"providers": ["mitid"]}, "next": "done"},
            {"id": "done", "type": "response"}]}"#,
    );
    let workflow = fake.ok_json(
        &["workflows", "create", SEED_APP, "--file", &file],
        "workflowId",
    );
    assert_eq!(workflow, "kyc");
    let update = dir.file("update.json", br#"{"name": "KYC 2"}"#);
    let r = fake.ok(&["workflows", "update", SEED_APP, "kyc", "--file", &update]);
    assert!(r.stdout.contains("name      KYC 2"), "{}", r.stdout);
    fake.ok(&["workflows", "set-default", SEED_APP, "kyc"]);
    // The default cannot be deleted (a 400 by design); the other one can.
    fake.run(&["workflows", "delete", SEED_APP, "kyc", "--yes"])
        .assert_error(1, "VALIDATION_INVALID_PARAMETER");
    fake.ok(&["workflows", "set-default", SEED_APP, "default"]);
    fake.ok(&["workflows", "delete", SEED_APP, "kyc", "--yes"]);
    assert!(
        fake.ok(&["workflows", "node-types", SEED_APP])
            .stdout
            .contains("check-min-loa")
    );

    // providers
    assert!(
        fake.ok(&["providers", "list", SEED_APP])
            .stdout
            .contains("mitid")
    );
    let r = fake.ok(&["providers", "enable", SEED_APP, "ftn"]);
    assert!(r.stdout.starts_with("enabled provider ftn"), "{}", r.stdout);
    let r = fake.ok(&["providers", "steps", SEED_APP, "ftn"]);
    assert!(r.stdout.contains("companyName"), "{}", r.stdout);
    fake.ok(&[
        "providers",
        "submit-form",
        SEED_APP,
        "ftn",
        "--field",
        "companyName=Shop Oy",
        "--field",
        "registrationNumber=1234567-8",
        "--field",
        "contactEmail=ops@shop.example",
    ]);
    let pdf = dir.file("agreement.pdf", b"%PDF-1.4 signed");
    let upload = fake.ok(&["providers", "upload", SEED_APP, "ftn", &pdf, "--json"]);
    let document = upload.json()["documents"][0]["documentId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(upload.json()["documents"][0]["fileName"], "agreement.pdf");
    fake.ok(&[
        "providers",
        "delete-document",
        SEED_APP,
        "ftn",
        &document,
        "--yes",
    ]);
    fake.ok(&["providers", "upload", SEED_APP, "ftn", &pdf]);
    // Only providers with an upload step take documents (a 400 by design).
    fake.run(&["providers", "upload", SEED_APP, "mitid", &pdf])
        .assert_error(1, "VALIDATION_STEP_NOT_APPLICABLE");
    let r = fake.ok(&[
        "providers",
        "activate",
        SEED_APP,
        "--field",
        "ftn.companyName=Shop Oy",
        "--provider",
        "freja",
    ]);
    assert!(r.stdout.contains("2 accepted, 0 refused"), "{}", r.stdout);
    fake.ok(&["providers", "disable", SEED_APP, "freja"]);

    // custom domains
    let r = fake.ok(&[
        "domains",
        "set",
        SEED_APP,
        "--web",
        "login.shop.example",
        "--oidc",
        "oidc.shop.example",
    ]);
    assert!(r.stdout.contains("CNAME  login"), "{}", r.stdout);
    assert!(
        fake.ok(&["domains", "get", SEED_APP])
            .stdout
            .contains("awaiting_dns")
    );
    assert!(
        fake.ok(&["domains", "verify", SEED_APP])
            .stdout
            .contains("verifying")
    );
    let r = fake.ok(&[
        "domains",
        "wait",
        SEED_APP,
        "--interval",
        "100ms",
        "--timeout",
        "5s",
    ]);
    assert!(r.stdout.contains("status        active"), "{}", r.stdout);
    fake.ok(&["domains", "delete", SEED_APP, "--yes"]);

    // The app created above goes last.
    fake.ok(&["apps", "delete", app, "--yes"]);
    fake.run(&["apps", "get", app])
        .assert_error(1, "RESOURCE_NOT_FOUND");

    // Every refusal the fake logged was one of the three above.
    let refused: Vec<String> = fake
        .server
        .requests()
        .iter()
        .filter(|r| r.status >= 400)
        .map(|r| format!("{} {} {}", r.status, r.method, r.path))
        .collect();
    assert_eq!(
        refused,
        [
            "400 DELETE /apps/FK5b0KSM/workflows/kyc".to_owned(),
            "400 POST /apps/FK5b0KSM/providers/mitid/activation/documents".to_owned(),
            format!("404 GET /apps/{app}"),
        ]
    );
}

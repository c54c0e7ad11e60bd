//! What the CLI's integration tests share: running the binary (always through a dead
//! proxy, so that nothing leaves the machine) and mockito helpers.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use mockito::{Matcher, Mock, ServerGuard};
use serde_json::Value;

pub const KEY: &str = "sk_workspace_test_cli";
pub const APP: &str = "FK5b0KSM";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a failure: the exit code, no stdout, and exactly one `error:` line on
    /// stderr that contains `needle`.
    pub fn assert_error(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "", "stdout of a failure");
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        assert!(self.stderr.ends_with('\n'), "{}", self.stderr);
        assert!(self.stderr.contains(needle), "{}", self.stderr);
        assert!(
            !self.stderr.contains(KEY),
            "the key leaked: {}",
            self.stderr
        );
    }

    pub fn assert_ok(&self) {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        assert_eq!(self.stderr, "");
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }
}

/// A proxy that refuses every connection.
pub const DEAD_PROXY: &str = "http://127.0.0.1:1";

/// The binary with `HOPAE_API_KEY` set to `key` (or unset for `None`), and no
/// `HOPAE_BASE_URL` or `HOPAE_WEBHOOK_SECRET` unless `env` adds them.
///
/// Every run goes through a dead proxy: the client honours the proxy variables for every
/// host but loopback, so a run that would reach a real host (a regression in a check
/// that should refuse a URL before sending, a default base URL) fails at once instead of
/// leaving the machine. `NO_PROXY` from the caller's environment could exempt a host,
/// so it is removed.
pub fn command(key: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hopae"));
    cmd.args(args)
        .env_remove("HOPAE_API_KEY")
        .env_remove("HOPAE_BASE_URL")
        .env_remove("HOPAE_WEBHOOK_SECRET")
        .env_remove("HOPAE_CLIENT_ID")
        .env_remove("HOPAE_CLIENT_SECRET")
        .env_remove("HOPAE_ENVIRONMENT")
        .env_remove("HOPAE_DEBUG")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, DEAD_PROXY);
    }
    if let Some(key) = key {
        cmd.env("HOPAE_API_KEY", key);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs [`command`] to its end, with an empty stdin.
pub fn run_with(key: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Run {
    finished(
        command(key, env, args)
            .output()
            .expect("the hopae binary runs"),
    )
}

/// Runs [`command`] to its end with `stdin` as its input.
pub fn run_with_stdin(env: &[(&str, &str)], args: &[&str], stdin: &[u8]) -> Run {
    use std::io::Write;
    let mut child = command(None, env, args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the hopae binary runs");
    let mut input = child.stdin.take().unwrap();
    // The binary may exit before reading (a usage error): a closed pipe is fine.
    let _ = input.write_all(stdin);
    drop(input);
    finished(child.wait_with_output().unwrap())
}

fn finished(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// What `--json` prints for a body: the body as sent, plus a newline if it lacks one.
pub fn printed(body: &str) -> String {
    if body.ends_with('\n') {
        body.to_owned()
    } else {
        format!("{body}\n")
    }
}

/// A GET mock expecting exactly one call.
pub fn get(server: &mut ServerGuard, path: &str, status: usize, body: &str) -> Mock {
    get_n(server, path, status, body, 1)
}

/// A GET mock expecting exactly `hits` calls. mockito answers with the mocks in creation
/// order until each has its hits, so consecutive mocks for one path form a sequence.
pub fn get_n(server: &mut ServerGuard, path: &str, status: usize, body: &str, hits: usize) -> Mock {
    answer(server, "GET", path, status, body, hits)
}

/// Mocks that fail their `assert` if any GET or POST reaches the server.
pub struct NoCalls(Vec<Mock>);

impl NoCalls {
    pub fn assert(&self) {
        for m in &self.0 {
            m.assert();
        }
    }
}

pub fn no_calls(server: &mut ServerGuard) -> NoCalls {
    NoCalls(
        ["GET", "POST"]
            .into_iter()
            .map(|method| server.mock(method, Matcher::Any).expect(0).create())
            .collect(),
    )
}

/// A directory of files for one test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "hopae-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }

    /// Writes `name` in the directory and returns its path as a string.
    pub fn file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a temporary file");
        path.to_str().expect("a UTF-8 path").to_owned()
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `hopae <args> --base-url <server>` with a sandbox key.
pub fn run(server: &ServerGuard, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    run_with(Some(KEY), &[], &all)
}

/// [`run`] with `stdin` as the input.
pub fn run_stdin(server: &ServerGuard, args: &[&str], stdin: &[u8]) -> Run {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    run_with_stdin(&[("HOPAE_API_KEY", KEY)], &all, stdin)
}

/// A mock of `method path` answering `status` with `body`, expecting `hits` calls with
/// the sandbox key.
pub fn answer(
    server: &mut ServerGuard,
    method: &str,
    path: &str,
    status: usize,
    body: &str,
    hits: usize,
) -> Mock {
    server
        .mock(method, path)
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .with_status(status)
        .with_header("content-type", "application/json")
        .with_body(body)
        .expect(hits)
        .create()
}

/// Mocks that fail their `assert` if any request of any method reaches the server.
pub fn no_requests(server: &mut ServerGuard) -> NoCalls {
    NoCalls(
        ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .map(|method| server.mock(method, Matcher::Any).expect(0).create())
            .collect(),
    )
}

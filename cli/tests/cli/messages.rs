//! Flags and names that agree, and messages that say what happened: singular aliases,
//! suggestions, key messages, `pt list`'s challenge ids, Ctrl-C during a wait.

use crate::common;

use common::{APP, Run, run_with};
use hopae::mock::Server;

fn hopae(server: &Server, args: &[&str]) -> Run {
    run_with(
        Some(hopae::mock::TEST_KEY),
        &[("HOPAE_BASE_URL", server.url())],
        args,
    )
}

#[test]
fn singular_command_names_are_aliases_and_suggestions_name_the_likeliest_once() {
    let server = Server::start().unwrap();
    for args in [
        &["app", "get", APP][..],
        &["workflow", "list", APP],
        &["provider", "list", APP],
        &["domain", "get", APP],
        &["webhook", "config", APP],
        &["production-test", "list", APP],
    ] {
        let r = hopae(&server, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    run_with(None, &[], &["productoin-tests"]).assert_error(
        2,
        "unknown command `productoin-tests`; did you mean `production-tests`? (see `hopae --help`)",
    );
    run_with(None, &[], &["provder"])
        .assert_error(2, "did you mean `providers`? (see `hopae --help`)");
}

#[test]
fn help_lists_exit_130_and_pt_takes_app() {
    let help = run_with(None, &[], &["--help"]);
    help.assert_ok();
    assert!(help.stdout.contains("130  a wait"), "{}", help.stdout);
    let pt = run_with(None, &[], &["pt", "list", "--help"]);
    assert!(pt.stdout.contains("<APP>"), "{}", pt.stdout);
    assert!(!pt.stdout.contains("CLIENT_ID"), "{}", pt.stdout);
    run_with(None, &[], &["pt", "list"]).assert_error(2, "missing <APP>");
}

#[test]
fn a_key_with_surrounding_whitespace_or_only_a_prefix_says_so() {
    for (key, message) in [
        (
            " sk_workspace_test_abc",
            "HOPAE_API_KEY starts with whitespace: copy it again without it",
        ),
        (
            "sk_workspace_test_abc ",
            "HOPAE_API_KEY ends with whitespace",
        ),
        (
            "sk_workspace_test_",
            "HOPAE_API_KEY is only its prefix sk_workspace_test_, with nothing after it",
        ),
    ] {
        run_with(Some(key), &[], &["workspace"]).assert_error(2, message);
    }
}

#[test]
fn pt_list_shows_the_challenge_a_request_became() {
    let server = Server::builder().schedule_after(1).start().unwrap();
    let created = hopae(
        &server,
        &[
            "pt",
            "create",
            APP,
            "--title",
            "MitID",
            "--provider",
            "mitid",
            "--json",
        ],
    );
    created.assert_ok();
    let request = created.json()["id"].as_str().unwrap().to_owned();
    let r = hopae(&server, &["pt", "list", APP]);
    r.assert_ok();
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains(&request))
        .unwrap_or_default();
    assert!(line.contains("scheduled -> ch_"), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_wait_says_what_was_interrupted_and_how_to_resume() {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::Duration;

    // Never scheduled: the wait runs until interrupted.
    let server = Server::builder().schedule_after(u32::MAX).start().unwrap();
    let created = hopae(
        &server,
        &[
            "pt",
            "create",
            APP,
            "--title",
            "MitID",
            "--provider",
            "mitid",
            "--json",
        ],
    );
    let request = created.json()["id"].as_str().unwrap().to_owned();
    let mut child = common::command(
        Some(hopae::mock::TEST_KEY),
        &[("HOPAE_BASE_URL", server.url())],
        &[
            "pt",
            "wait",
            APP,
            &request,
            "--interval",
            "100ms",
            "--timeout",
            "60s",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Interrupt once the wait has polled (the handler is installed before the first poll).
    let polled = |s: &Server| {
        s.requests()
            .iter()
            .filter(|r| r.path.ends_with("/production-tests") && r.method == "GET")
            .count()
    };
    for _ in 0..200 {
        if polled(&server) >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(polled(&server) >= 2, "the wait never polled");
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: interrupted while waiting for request {request}; the request is unchanged: \
             `hopae pt wait {APP} {request}` resumes the wait"
        )),
        "{stderr}"
    );
}

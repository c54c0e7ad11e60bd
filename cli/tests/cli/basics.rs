//! The `hopae` binary against mockito: stdout, stderr and the exit code of every
//! subcommand and every error class.

use crate::common;

use std::process::Command;

use common::{APP, KEY, Run, get, get_n, no_calls, printed, run_with};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::{Value, json};

const LIST_PATH: &str = "/apps/FK5b0KSM/production-tests";
const CHALLENGE: &str = "ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789";
const REQUEST: &str = "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a";
const LIST: &str = include_str!("../../../tests/fixtures/list.json");
const REPORT: &str = include_str!("../../../tests/fixtures/report.json");
const CREATED: &str = include_str!("../../../tests/fixtures/created.json");

/// Runs `hopae production-tests <args> --base-url <server>` with a sandbox key.
fn run(server: &ServerGuard, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = vec!["production-tests"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--base-url", &url]);
    run_with(Some(KEY), &[], &all)
}

// ---------------------------------------------------------------------------------------
// help, version, usage errors

const TOP_HELP_FIRST_LINE: &str = "hopae 0.1.0: manage Hopae Connect apps, workflows, providers, domains, webhooks and production tests\n";

#[test]
fn top_level_help_prints_usage_environment_and_exit_codes_without_a_key() {
    for args in [&["--help"][..], &["-h"], &["help"], &[]] {
        let r = run_with(None, &[], args);
        r.assert_ok();
        assert!(
            r.stdout.starts_with(TOP_HELP_FIRST_LINE),
            "{args:?}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("Exit codes:\n  0  success\n"), "{args:?}");
        assert!(
            r.stdout
                .contains("  5  a wait ended without success: production-tests wait"),
            "{args:?}"
        );
        assert!(
            r.stdout
                .contains("\n  6  a webhook signature or an OIDC ID token did not verify\n"),
            "{args:?}"
        );
        assert!(r.stdout.contains("\n  HOPAE_WEBHOOK_SECRET "), "{args:?}");
        for command in [
            "workspace ",
            "apps ",
            "workflows ",
            "providers ",
            "domains ",
            "webhooks ",
            "mock ",
        ] {
            assert!(r.stdout.contains(&format!("\n  {command}")), "{command}");
        }
        assert!(r.stdout.contains("\n  HOPAE_API_KEY "), "{args:?}");
        assert!(r.stdout.contains("\n  HOPAE_BASE_URL "), "{args:?}");
        assert!(
            r.stdout
                .contains("production-tests  Manage an app's production tests [alias: pt]"),
            "{args:?}"
        );
        assert!(r.stdout.contains("completions "), "{args:?}");
    }
}

#[test]
fn command_help_prints_usage_but_leaves_environment_and_exit_codes_to_the_top() {
    for (args, first) in [
        (
            &["production-tests", "--help"][..],
            "Manage an app's production tests\n",
        ),
        (&["pt", "-h"][..], "Manage an app's production tests\n"),
        (
            &["help", "production-tests"][..],
            "Manage an app's production tests\n",
        ),
        (&["production-tests", "list", "--help"][..], "List an app's"),
        (
            &["production-tests", "create", "FK", "--help"][..],
            "Request a new production test\n",
        ),
        (
            &["production-tests", "report", "--help"][..],
            "Show the participation report",
        ),
        (
            &["production-tests", "wait", "--json", "-h"][..],
            "Poll the list until",
        ),
        (&["pt", "wait", "--help"][..], "Poll the list until"),
        (
            &["completions", "--help"][..],
            "Print a shell completion script",
        ),
    ] {
        let r = run_with(None, &[], args);
        r.assert_ok();
        assert!(r.stdout.starts_with(first), "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("\nUsage: hopae "), "{args:?}");
        assert!(!r.stdout.contains("Exit codes"), "{args:?}");
        assert!(!r.stdout.contains("HOPAE_API_KEY"), "{args:?}");
    }
}

#[test]
fn subcommand_help_lists_its_options() {
    let r = run_with(None, &[], &["production-tests", "create", "--help"]);
    for opt in [
        "--title <T>",
        "--description <D>",
        "--provider <ID>",
        "--platform <ios|android>",
        "--max-stamps <N>",
        "--allow-duplicates",
        "--idempotency-key <K>",
        "Global options:",
        "--json",
        "--base-url <URL>",
        "--retries <N>",
        "--http-timeout <DURATION>",
        "-v, --verbose",
    ] {
        assert!(r.stdout.contains(opt), "{opt}: {}", r.stdout);
    }
    assert!(r.stdout.contains("must be joined: --title=--T"));
    let r = run_with(None, &[], &["production-tests", "wait", "--help"]);
    assert!(r.stdout.contains("--timeout <DURATION>"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("--interval <DURATION>  Pause between polls, at least 100ms"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("500ms, 90s, 15m, 1h, 1m30s, 1h5m"));
}

#[test]
fn version_prints_name_and_version() {
    for flag in ["--version", "-V"] {
        let r = run_with(None, &[], &[flag]);
        r.assert_ok();
        assert_eq!(r.stdout, format!("hopae {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn usage_errors_exit_2_with_one_line_before_any_request() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    for (args, needle) in [
        (
            &["frobnicate"][..],
            "unknown command `frobnicate` (see `hopae --help`)",
        ),
        (
            &["production-tests"][..],
            "missing command: list, create, report, wait or help (see `hopae production-tests --help`)",
        ),
        (
            &["production-tests", "cancel"][..],
            "unknown command `cancel` (see `hopae production-tests --help`)",
        ),
        (
            &["production-tests", "list"][..],
            "missing <APP> (see `hopae production-tests list --help`)",
        ),
        (&["pt", "list"][..], "missing <APP>"),
        (
            &["production-tests", "list", APP, "--verbos"][..],
            "unknown option `--verbos`; did you mean `--verbose`?",
        ),
        (
            &["production-tests", "list", APP, "extra"][..],
            "unexpected argument `extra`",
        ),
        (
            &["production-tests", "report", APP][..],
            "missing <CHALLENGE_ID>",
        ),
        (
            &["production-tests", "create", APP][..],
            "missing --title <T>",
        ),
        (
            &["production-tests", "list", APP, "--retries", "11"][..],
            "--retries must be at most 10, got 11",
        ),
        (
            &["--retries=11", "pt", "list", APP][..],
            "--retries must be at most 10, got 11",
        ),
        (
            &["production-tests", "list", APP, "--retries", "x"][..],
            "invalid value `x` for --retries",
        ),
        (
            &["production-tests", "list", APP, "--json", "--json"][..],
            "--json given more than once",
        ),
        (
            &["production-tests", "create", APP, "--title", "--json"][..],
            "--title needs a value; write --title=VALUE for a value that starts with -",
        ),
        (
            &[
                "production-tests",
                "create",
                APP,
                "--description",
                "--json",
                "--title",
                "T",
            ][..],
            "--description needs a value",
        ),
        (
            &[
                "production-tests",
                "create",
                APP,
                "--title",
                "T",
                "--platform",
                "web",
            ][..],
            "invalid value `web` for --platform: expected ios or android",
        ),
        (
            &[
                "production-tests",
                "wait",
                APP,
                REQUEST,
                "--timeout",
                "soon",
            ][..],
            "invalid value `soon` for --timeout: expected a duration like 500ms, 90s, 15m, 1h or 1m30s",
        ),
        (
            &["pt", "wait", APP, REQUEST, "--interval=1h30"][..],
            "invalid value `1h30` for --interval: 30 needs a unit (ms, s, m or h)",
        ),
        (
            &["pt", "list", APP, "--http-timeout", "10d"][..],
            "invalid value `10d` for --http-timeout: unknown unit `d`: use ms, s, m or h",
        ),
        (
            &["pt", "list", APP, "--http-timeout", "0s"][..],
            "--http-timeout must be greater than zero, got `0s`",
        ),
        (
            &["pt", "list", APP, "--http-timeout", "25h"][..],
            "--http-timeout must be at most 24h, got `25h`",
        ),
        (&["pt", "list", ""][..], "<APP> must not be empty"),
        (
            &["pt", "report", APP, ".."][..],
            "<CHALLENGE_ID> must not be `.` or `..`",
        ),
        (
            &["pt", "wait", APP, ""][..],
            "<REQUEST_ID> must not be empty",
        ),
        (
            &["completions", "tcsh"][..],
            "invalid value `tcsh` for <SHELL>: expected bash, elvish, fish, powershell or zsh",
        ),
    ] {
        let url = server.url();
        let mut all = args.to_vec();
        all.extend_from_slice(&["--base-url", &url]);
        if args.len() < 2 {
            all.truncate(args.len());
        }
        let r = run_with(Some(KEY), &[], &all);
        r.assert_error(2, needle);
    }
    none.assert();
}

#[test]
fn missing_or_empty_key_is_a_usage_error() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    let url = server.url();
    let args = ["production-tests", "list", APP, "--base-url", &url];
    let r = run_with(None, &[], &args);
    r.assert_error(2, "HOPAE_API_KEY is not set");
    assert_eq!(
        r.stderr,
        "error: HOPAE_API_KEY is not set: set it to your workspace API key \
         (sk_workspace_test_... or sk_workspace_prod_...)\n"
    );
    run_with(Some(""), &[], &args).assert_error(2, "HOPAE_API_KEY is empty");
    run_with(Some("sk_workspace_test_a b"), &[], &args).assert_error(
        2,
        "HOPAE_API_KEY may only contain ASCII letters, digits, `_` and `-`; character 20 is not one",
    );
    none.assert();
}

#[test]
fn key_without_environment_and_bad_base_urls_are_usage_errors() {
    let r = run_with(
        Some("sk_unknown_x"),
        &[],
        &["production-tests", "list", APP],
    );
    r.assert_error(2, "");
    assert_eq!(
        r.stderr,
        "error: HOPAE_API_KEY is not a Hopae workspace key (no known environment prefix: it \
         starts with sk_unknown_; workspace keys start with sk_workspace_test_ or \
         sk_workspace_prod_)\n"
    );
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "production-tests",
            "list",
            APP,
            "--base-url",
            "http://example.com",
        ],
    );
    r.assert_error(2, "must use https");
    let r = run_with(
        Some(KEY),
        &[("HOPAE_BASE_URL", "https://api.hopae.com/connect/v1")],
        &["production-tests", "list", APP],
    );
    r.assert_error(
        2,
        "a sandbox key (sk_workspace_test_) only works on the sandbox host",
    );
}

#[test]
fn runs_cannot_reach_a_non_loopback_host() {
    // The key's environment is the real sandbox host: the dead proxy refuses the call.
    let r = run_with(
        Some(KEY),
        &[],
        &["production-tests", "list", APP, "--retries", "0"],
    );
    r.assert_error(3, "connection refused");
}

#[test]
fn global_options_work_before_and_after_the_subcommand_and_pt_is_an_alias() {
    let mut server = Server::new();
    let m = get_n(&mut server, LIST_PATH, 200, LIST, 4);
    let url = server.url();
    let expected: Value = serde_json::from_str(LIST).unwrap();
    for args in [
        vec![
            "--json",
            "production-tests",
            "list",
            APP,
            "--base-url",
            &url,
        ],
        vec!["--base-url", &url, "--json", "pt", "list", APP],
        vec![
            "pt",
            "--json",
            "list",
            "--retries=0",
            APP,
            "--base-url",
            &url,
        ],
        vec![
            "--http-timeout",
            "5s",
            "pt",
            "list",
            APP,
            "--json",
            "--base-url",
            &url,
        ],
    ] {
        let r = run_with(Some(KEY), &[], &args);
        r.assert_ok();
        assert_eq!(r.json(), expected, "{args:?}");
    }
    m.assert();
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_hopae()"),
        ("zsh", "#compdef hopae"),
        ("fish", "complete -c hopae"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[hopae]"),
    ] {
        let r = run_with(None, &[], &["completions", shell]);
        r.assert_ok();
        assert!(r.stdout.contains(needle), "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("production-tests"), "{shell}");
        assert!(r.stdout.contains("http-timeout"), "{shell}");
    }
}

#[test]
fn http_timeout_bounds_one_attempt() {
    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let start = std::time::Instant::now();
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "--http-timeout",
            "300ms",
            "--retries",
            "0",
            "pt",
            "list",
            APP,
            "--base-url",
            &url,
        ],
    );
    r.assert_error(3, "no complete response within 300ms");
    assert!(r.stderr.starts_with("error: timed out: "), "{}", r.stderr);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn verbose_prints_the_time_taken_after_success() {
    let mut server = Server::new();
    let m = get(&mut server, LIST_PATH, 200, LIST);
    let r = run(&server, &["list", APP, "-v"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, LIST_TABLE);
    assert!(r.stderr.starts_with("note: took "), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    m.assert();
}

#[test]
fn verbose_error_adds_attempts_and_request_id_but_never_the_key() {
    let mut server = Server::new();
    let m = server
        .mock("GET", LIST_PATH)
        .with_status(503)
        .with_body(format!(
            r#"{{"error":{{"code":"SERVICE_UNAVAILABLE","message":"busy"}},"request_id":"r-503 {KEY}"}}"#
        ))
        .expect(2)
        .create();
    let r = run(&server, &["--verbose", "list", APP, "--retries", "1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].starts_with("error: the api answered status 503"),
        "{}",
        r.stderr
    );
    assert!(lines[1].starts_with("note: took "), "{}", r.stderr);
    assert!(
        lines[1].ends_with(", 2 attempts, request id r-503 [redacted]"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(KEY), "the key leaked: {}", r.stderr);
    m.assert();
}

#[test]
fn verbose_usage_error_after_parsing_adds_only_the_time() {
    let r = run_with(None, &[], &["pt", "list", APP, "-v"]);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(lines[0].starts_with("error: HOPAE_API_KEY is not set"));
    assert!(lines[1].starts_with("note: took "), "{}", r.stderr);
    assert!(!lines[1].contains("attempt"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------
// list

const LIST_TABLE: &str = "\
TYPE       ID                                        STATUS   TITLE                      CREATED (UTC)     EXPIRES (UTC)
challenge  ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789   active   BankID SE Production Test  2026-04-08 09:00  2026-04-15 23:59
request    req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a  pending  MitID Production Test      2026-04-08 10:00  -
";

#[test]
fn list_prints_aligned_table_in_api_order() {
    let mut server = Server::new();
    let m = get(&mut server, LIST_PATH, 200, LIST);
    let r = run(&server, &["list", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, LIST_TABLE);
    m.assert();
}

#[test]
fn list_keeps_api_order_when_request_comes_first() {
    let mut server = Server::new();
    let mut items: Vec<Value> = serde_json::from_str(LIST).unwrap();
    items.reverse();
    let m = get(
        &mut server,
        LIST_PATH,
        200,
        &Value::Array(items).to_string(),
    );
    let r = run(&server, &["list", APP]);
    r.assert_ok();
    let kinds: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(kinds, ["request", "challenge"]);
    m.assert();
}

#[test]
fn list_json_prints_the_wire_shape_with_options_anywhere() {
    let mut server = Server::new();
    let m = get_n(&mut server, LIST_PATH, 200, LIST, 3);
    let url = server.url();
    let expected: Value = serde_json::from_str(LIST).unwrap();
    for args in [
        vec![
            "production-tests",
            "list",
            APP,
            "--json",
            "--base-url",
            &url,
        ],
        vec![
            "production-tests",
            "list",
            "--json",
            APP,
            "--base-url",
            &url,
        ],
        vec![
            "production-tests",
            "list",
            &format!("--base-url={url}"),
            APP,
            "--json",
        ],
    ] {
        let r = run_with(Some(KEY), &[], &args);
        r.assert_ok();
        assert_eq!(r.json(), expected, "{args:?}");
    }
    m.assert();
}

#[test]
fn list_empty_says_so() {
    let mut server = Server::new();
    let m = get_n(&mut server, LIST_PATH, 200, "[]", 2);
    let r = run(&server, &["list", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, "no production tests for app FK5b0KSM\n");
    let r = run(&server, &["list", APP, "--json"]);
    assert_eq!(r.json(), json!([]));
    m.assert();
}

#[test]
fn list_takes_base_url_from_env_and_option_wins_over_env() {
    let mut server = Server::new();
    let m = get_n(&mut server, LIST_PATH, 200, LIST, 2);
    let url = server.url();
    let r = run_with(
        Some(KEY),
        &[("HOPAE_BASE_URL", &url)],
        &["production-tests", "list", APP],
    );
    r.assert_ok();
    assert_eq!(r.stdout, LIST_TABLE);
    let r = run_with(
        Some(KEY),
        &[("HOPAE_BASE_URL", "http://127.0.0.1:1")],
        &["production-tests", "list", APP, "--base-url", &url],
    );
    r.assert_ok();
    m.assert();
}

#[test]
fn list_sanitizes_control_characters_in_titles() {
    let mut server = Server::new();
    let body = LIST.replace("BankID SE Production Test", "Evil\\u001b[2J title");
    let m = get(&mut server, LIST_PATH, 200, &body);
    let r = run(&server, &["list", APP]);
    r.assert_ok();
    assert!(r.stdout.contains(r"Evil\u{1b}[2J title"), "{}", r.stdout);
    assert!(!r.stdout.contains('\x1b'));
    m.assert();
}

// ---------------------------------------------------------------------------------------
// create

#[test]
fn create_sends_every_option_and_prints_the_request() {
    let mut server = Server::new();
    let m = server
        .mock("POST", LIST_PATH)
        .match_header("idempotency-key", "run-42")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "title": "MitID Production Test",
            "description": "nightly",
            "providerIds": ["mitid", "bankidse"],
            "targetPlatform": "android",
            "maxStamps": 3,
            "allowDuplicateParticipation": true
        })))
        .with_status(201)
        .with_body(CREATED)
        .create();
    let r = run(
        &server,
        &[
            "create",
            "--title",
            "MitID Production Test",
            APP,
            "--description=nightly",
            "--provider",
            "mitid",
            "--provider",
            "bankidse",
            "--platform",
            "android",
            "--max-stamps",
            "3",
            "--allow-duplicates",
            "--idempotency-key",
            "run-42",
        ],
    );
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
request     req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a
status      pending
title       MitID Production Test
providers   mitid
platform    any
max stamps  3
created     2026-04-08 10:00 UTC

next: hopae production-tests wait FK5b0KSM req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a
"
    );
    m.assert();
}

#[test]
fn create_json_prints_the_wire_shape_and_sends_a_generated_key() {
    let mut server = Server::new();
    let m = server
        .mock("POST", LIST_PATH)
        .match_header(
            "idempotency-key",
            Matcher::Regex("^hopae-[0-9a-f]{38}$".into()),
        )
        .match_body(Matcher::Json(json!({"title": "T"})))
        .with_status(201)
        .with_body(CREATED)
        .create();
    let r = run(&server, &["create", APP, "--json", "--title", "T"]);
    r.assert_ok();
    assert_eq!(r.json(), serde_json::from_str::<Value>(CREATED).unwrap());
    m.assert();
}

#[test]
fn create_refuses_invalid_input_before_sending() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    run(
        &server,
        &["create", APP, "--title", "T", "--max-stamps", "0"],
    )
    .assert_error(2, "--max-stamps must be at least 1");
    run(&server, &["create", APP, "--title", "  "]).assert_error(2, "--title must not be empty");
    run(&server, &["create", APP, "--title", &"x".repeat(201)])
        .assert_error(2, "--title has 201 characters, at most 200 are allowed");
    run(&server, &["create", APP, "--title", "T", "--provider", ""])
        .assert_error(2, "--provider #1 must not be empty");
    run(
        &server,
        &["create", APP, "--title", "T", "--idempotency-key", ""],
    )
    .assert_error(2, "--idempotency-key must have 1 to 255 characters, got 0");
    none.assert();
}

#[test]
fn create_api_validation_error_exits_1_with_code_and_request_id() {
    let mut server = Server::new();
    let m = server
        .mock("POST", LIST_PATH)
        .with_status(400)
        .with_body(
            r#"{"error":{"code":"VALIDATION_INVALID_PARAMETER","message":"Provider not enabled","details":{"parameter":"providerIds"}},"request_id":"9f1c"}"#,
        )
        .create();
    let r = run(
        &server,
        &["create", APP, "--title", "T", "--provider", "smartid"],
    );
    r.assert_error(
        1,
        r#"the api answered status 400 VALIDATION_INVALID_PARAMETER: "Provider not enabled" (request id 9f1c)"#,
    );
    m.assert();
}

// ---------------------------------------------------------------------------------------
// report

fn report_path() -> String {
    format!("{LIST_PATH}/{CHALLENGE}/report")
}

#[test]
fn report_prints_totals_and_provider_breakdown() {
    let mut server = Server::new();
    let m = get(&mut server, &report_path(), 200, REPORT);
    let r = run(&server, &["report", APP, CHALLENGE]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
challenge       ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789
title           BankID SE Production Test
status          active
created         2026-04-08 09:00 UTC
expires         2026-04-15 23:59 UTC
participations  4
claims          2

PROVIDER  NAME       CLAIMS
bankidse  BankID SE  2
"
    );
    m.assert();
}

#[test]
fn report_json_prints_the_wire_shape() {
    let mut server = Server::new();
    let m = get(&mut server, &report_path(), 200, REPORT);
    let r = run(&server, &["report", "--json", APP, CHALLENGE]);
    r.assert_ok();
    assert_eq!(r.json(), serde_json::from_str::<Value>(REPORT).unwrap());
    m.assert();
}

#[test]
fn report_of_unknown_challenge_exits_1_with_the_request_id() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        &format!("{LIST_PATH}/ch_nope/report"),
        404,
        r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"Challenge not found","details":{}},"request_id":"228aaefb-3ce2-4dd0-a73b-b96f71c5779f"}"#,
    );
    // A request id is refused before sending, with what the report needs.
    run(&server, &["report", APP, REQUEST]).assert_error(
        2,
        "is a request id: a report needs the challenge id (ch_...) the request was scheduled into",
    );
    let r = run(&server, &["report", APP, "ch_nope"]);
    r.assert_error(1, "");
    assert_eq!(
        r.stderr,
        "error: the api answered status 404 RESOURCE_NOT_FOUND: \"Challenge not found\" \
         (request id 228aaefb-3ce2-4dd0-a73b-b96f71c5779f)\n"
    );
    m.assert();
}

// ---------------------------------------------------------------------------------------
// error classes shared by every command

#[test]
fn redirect_exits_1() {
    let mut server = Server::new();
    let m = server
        .mock("GET", LIST_PATH)
        .with_status(302)
        .with_header("location", "https://elsewhere.example/")
        .create();
    run(&server, &["list", APP]).assert_error(
        1,
        "error: the api answered status 302: redirect not followed",
    );
    m.assert();
}

#[test]
fn unauthorized_exits_1() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        LIST_PATH,
        401,
        r#"{"error":{"code":"AUTH_INVALID_CREDENTIALS","message":"Invalid API key"},"request_id":"r-401"}"#,
    );
    run(&server, &["list", APP]).assert_error(1, "AUTH_INVALID_CREDENTIALS");
    m.assert();
}

#[test]
fn network_failure_exits_3() {
    for sub in [
        &["list", APP][..],
        &["report", APP, CHALLENGE][..],
        &["create", APP, "--title", "T"][..],
        &["wait", APP, REQUEST, "--interval", "100ms"][..],
    ] {
        let mut args = vec!["production-tests"];
        args.extend_from_slice(sub);
        args.extend_from_slice(&["--base-url", "http://127.0.0.1:1", "--retries", "0"]);
        let r = run_with(Some(KEY), &[], &args);
        r.assert_error(3, "connection failed");
    }
}

#[test]
fn network_failure_is_retried_by_default() {
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "production-tests",
            "list",
            APP,
            "--base-url",
            "http://127.0.0.1:1",
        ],
    );
    r.assert_error(3, "(after 3 attempts)");
}

#[test]
fn malformed_response_exits_4() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        LIST_PATH,
        200,
        r#"[{"type": "request", "challenge": null}]"#,
    );
    run(&server, &["list", APP])
        .assert_error(4, "malformed list production tests response: item 0");
    m.assert();
    let m = get(&mut server, &report_path(), 200, r#"{"challenge": {}}"#);
    run(&server, &["report", APP, CHALLENGE])
        .assert_error(4, "malformed production test report response");
    m.assert();
}

#[test]
fn oversized_response_exits_4() {
    let mut server = Server::new();
    let body = format!("[{}]", " ".repeat(10 * 1024 * 1024 + 1));
    let m = get(&mut server, LIST_PATH, 200, &body);
    run(&server, &["list", APP]).assert_error(4, "response too large");
    m.assert();
}

// ---------------------------------------------------------------------------------------
// wait

fn request_item(status: &str, challenge_id: Option<&str>) -> Value {
    json!({"type": "request", "challenge": null, "request": {
        "id": REQUEST, "clientId": APP, "status": status,
        "payload": {"title": "MitID Production Test", "providerIds": ["mitid"],
                    "maxStampClaims": 3, "targetPlatform": null},
        "challengeId": challenge_id, "createdAt": "2026-04-08T10:00:00.000Z"}})
}

fn challenge_item(id: &str, created: &str) -> Value {
    json!({"type": "challenge", "request": null, "challenge": {
        "id": id, "title": "MitID Production Test", "description": null,
        "expiresAt": "2026-04-15T23:59:59.000Z", "createdAt": created,
        "completedAt": null, "isActive": true, "challengeMode": "stamp",
        "sponsor": null, "sources": null}})
}

fn list_once(server: &mut ServerGuard, items: Value) -> Mock {
    get(server, LIST_PATH, 200, &items.to_string())
}

#[test]
fn wait_prints_the_challenge_id_once_scheduled_and_is_silent_when_not_a_terminal() {
    let mut server = Server::new();
    let pending = list_once(&mut server, json!([request_item("pending", None)]));
    let scheduled = list_once(
        &mut server,
        json!([
            request_item("scheduled", Some("ch_new")),
            challenge_item("ch_new", "2026-04-08T10:05:00.000Z")
        ]),
    );
    let r = run(
        &server,
        &[
            "wait",
            APP,
            REQUEST,
            "--interval",
            "100ms",
            "--timeout",
            "1m",
        ],
    );
    r.assert_ok();
    assert_eq!(r.stdout, "ch_new\n");
    pending.assert();
    scheduled.assert();
}

#[test]
fn wait_json_prints_the_challenge() {
    let mut server = Server::new();
    let item = challenge_item("ch_new", "2026-04-08T10:05:00.000Z");
    let scheduled = list_once(
        &mut server,
        json!([request_item("scheduled", Some("ch_new")), item]),
    );
    let r = run(&server, &["wait", "--json", APP, REQUEST]);
    r.assert_ok();
    assert_eq!(
        r.json(),
        json!({"requestId": REQUEST, "challengeId": "ch_new", "challenge": item["challenge"]})
    );
    scheduled.assert();
}

#[test]
fn wait_for_failed_request_exits_5() {
    let mut server = Server::new();
    let failed = list_once(&mut server, json!([request_item("failed", None)]));
    run(&server, &["wait", APP, REQUEST]).assert_error(
        5,
        "production test request req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a failed",
    );
    failed.assert();
}

#[test]
fn wait_for_unknown_request_exits_5() {
    let mut server = Server::new();
    let m = get(&mut server, LIST_PATH, 200, LIST);
    run(&server, &["wait", APP, "req_nope"]).assert_error(
        5,
        "production test request req_nope is not listed for this app",
    );
    m.assert();
}

#[test]
fn wait_ambiguous_match_exits_5_naming_the_candidates() {
    let mut server = Server::new();
    let pending = list_once(&mut server, json!([request_item("pending", None)]));
    let gone = list_once(
        &mut server,
        json!([
            challenge_item("ch_a", "2026-04-08T10:01:00.000Z"),
            challenge_item("ch_b", "2026-04-08T10:02:00.000Z")
        ]),
    );
    run(&server, &["wait", APP, REQUEST, "--interval", "100ms"]).assert_error(
        5,
        "2 challenges match its title and creation time: ch_a, ch_b",
    );
    pending.assert();
    gone.assert();
}

#[test]
fn wait_timeout_exits_5_with_the_last_status() {
    let mut server = Server::new();
    let pending = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(json!([request_item("pending", None)]).to_string())
        .expect_at_least(2)
        .create();
    let r = run(
        &server,
        &[
            "wait",
            APP,
            REQUEST,
            "--timeout",
            "250ms",
            "--interval",
            "100ms",
        ],
    );
    r.assert_error(5, "was not scheduled within");
    assert!(
        r.stderr.ends_with("(last status pending)\n"),
        "{}",
        r.stderr
    );
    pending.assert();
}

#[test]
fn wait_with_interval_below_100ms_is_a_usage_error() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    for interval in ["0s", "1ms", "99ms"] {
        run(&server, &["wait", APP, REQUEST, "--interval", interval]).assert_error(
            2,
            &format!("--interval must be at least 100ms, got `{interval}`"),
        );
    }
    none.assert();
}

#[test]
fn wait_api_error_while_polling_exits_1() {
    let mut server = Server::new();
    let pending = list_once(&mut server, json!([request_item("pending", None)]));
    let gone = get(
        &mut server,
        LIST_PATH,
        404,
        r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"App not found"},"request_id":"r-9"}"#,
    );
    run(&server, &["wait", APP, REQUEST, "--interval", "100ms"])
        .assert_error(1, "RESOURCE_NOT_FOUND: \"App not found\" (request id r-9)");
    pending.assert();
    gone.assert();
}

#[test]
fn wait_malformed_poll_exits_4() {
    let mut server = Server::new();
    let bad = get(&mut server, LIST_PATH, 200, "{}");
    run(&server, &["wait", APP, REQUEST])
        .assert_error(4, "malformed list production tests response");
    bad.assert();
}

// ---------------------------------------------------------------------------------------
// --json: the body as sent

/// A challenge as a newer API might send it: a field this crate does not know, optional
/// fields left out, odd spacing.
const NEW_CHALLENGE: &str = r#"{ "id":"ch_new", "title" : "MitID Production Test",
  "expiresAt":"2026-04-15T23:59:59.000Z","createdAt":"2026-04-08T10:05:00.000Z",
  "isActive":true,"challengeMode":"stamp", "newField": 1 }"#;

#[test]
fn json_of_list_create_and_report_is_the_body_as_sent() {
    let mut server = Server::new();
    let list = format!(r#"[ {{"type":"challenge", "challenge": {NEW_CHALLENGE}}} ]"#);
    let created = CREATED.replace(
        r#""status": "pending","#,
        r#""status": "pending", "newField": 1,"#,
    );
    let report = REPORT.replace(
        r#""totalClaims": 2,"#,
        r#""totalClaims": 2, "newField": 1,"#,
    );
    assert_ne!(created, CREATED);
    assert_ne!(report, REPORT);
    let m_list = get(&mut server, LIST_PATH, 200, &list);
    let r = run(&server, &["list", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&list));
    m_list.assert();

    let m_create = server
        .mock("POST", LIST_PATH)
        .with_status(201)
        .with_body(&created)
        .create();
    let r = run(&server, &["create", APP, "--title", "T", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&created));
    m_create.assert();

    let m_report = get(&mut server, &report_path(), 200, &report);
    let r = run(&server, &["report", APP, CHALLENGE, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&report));
    m_report.assert();
}

#[test]
fn json_keeps_a_body_that_ends_with_a_newline_as_it_is() {
    let mut server = Server::new();
    let m = get(&mut server, LIST_PATH, 200, "[]\n");
    let r = run(&server, &["list", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, "[]\n");
    m.assert();
}

#[test]
fn wait_json_prints_the_challenge_as_the_last_list_showed_it() {
    let mut server = Server::new();
    let pending = list_once(&mut server, json!([request_item("pending", None)]));
    let scheduled = format!(
        r#"[{}, {{"type":"challenge","challenge": {NEW_CHALLENGE} }}]"#,
        request_item("scheduled", Some("ch_new"))
    );
    let m = get(&mut server, LIST_PATH, 200, &scheduled);
    let r = run(
        &server,
        &["wait", APP, REQUEST, "--json", "--interval", "100ms"],
    );
    r.assert_ok();
    assert_eq!(
        r.stdout,
        format!(
            "{{\"requestId\":\"{REQUEST}\",\"challengeId\":\"ch_new\",\"challenge\":{NEW_CHALLENGE}}}\n"
        )
    );
    pending.assert();
    m.assert();
}

#[test]
fn json_of_a_malformed_body_is_not_printed_and_exits_4() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        &report_path(),
        200,
        r#"{"challenge": {}, "newField": 1}"#,
    );
    run(&server, &["report", APP, CHALLENGE, "--json"])
        .assert_error(4, "malformed production test report response");
    m.assert();
}

// ---------------------------------------------------------------------------------------
// stdout

#[test]
fn closed_stdout_pipe_ends_quietly_with_0() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_hopae"))
        .arg("--help")
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[cfg(target_os = "linux")]
#[test]
fn unwritable_stdout_exits_1_with_an_error_line() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hopae"))
        .arg("--help")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: could not write to stdout: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

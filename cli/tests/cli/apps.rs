//! `hopae workspace` and `hopae apps` against mockito: requests, text output, `--json`
//! as the body the API sent, confirmations, and secrets kept out of tables.

use crate::common;

use common::{APP, KEY, Run, get, no_calls, printed, run_with};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::json;

/// An app as a newer API might send it: a field this crate does not know, optional
/// fields (logo, landing pages, webhook settings) left out, and a client secret.
const APP_BODY: &str = r#"{ "clientId": "FK5b0KSM", "name": "Shop",
  "redirectUris": ["https://shop.example/cb", "https://shop.example/cb2"],
  "clientSecret": "cs_SECRET_abcd1234",
  "providers": {"bankidse": {"enabled": true}, "passport": {"enabled": false}},
  "defaultWorkflowId": "wf_default", "workflows": [], "organizationId": "org_1",
  "createdAt": "2026-04-08T10:00:00.000Z", "updatedAt": "2026-04-08T11:00:00.000Z",
  "newField": 1 }"#;

const SECRET: &str = "cs_SECRET_abcd1234";

/// `body` as `--json` prints it without `--show-secrets`: every `clientSecret` string
/// replaced by `"[redacted]"`, every other byte as sent.
fn redacted(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("\"clientSecret\":") {
        let (before, after) = rest.split_at(i + "\"clientSecret\":".len());
        out.push_str(before);
        let start = after.find('"').unwrap();
        let end = start + 1 + after[start + 1..].find('"').unwrap();
        out.push_str(&after[..start]);
        out.push_str("\"[redacted]\"");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

const APP_TEXT: &str = "\
app            FK5b0KSM
name           Shop
workspace      org_1
redirect uris  https://shop.example/cb
               https://shop.example/cb2
providers      bankidse (disabled: passport)
workflows      0, the default's id: wf_default
webhook        no URL set
created        2026-04-08 10:00 UTC
updated        2026-04-08 11:00 UTC
";

/// Runs `hopae <args> --base-url <server>` with a sandbox key.
fn run(server: &ServerGuard, args: &[&str]) -> Run {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    run_with(Some(KEY), &[], &all)
}

/// An app of a list page.
fn app(i: usize) -> String {
    format!(
        r#"{{"clientId":"app{i:05}","name":"App {i}","redirectUris":[],"clientSecret":"cs_{i}_SECRET",
"providers":{{}},"defaultWorkflowId":"wf","workflows":[],"organizationId":"org_1",
"createdAt":"2026-04-08T10:00:00.000Z","updatedAt":"2026-04-08T10:00:00.000Z","n":{i}}}"#
    )
}

fn page(apps: &[String], total: usize, limit: usize, offset: usize) -> String {
    format!(
        r#"{{ "data": [{}], "total": {total}, "limit": {limit}, "offset": {offset} }}"#,
        apps.join(", ")
    )
}

/// A GET mock of `/apps?limit=..&offset=..`, expecting one call.
fn list_mock(server: &mut ServerGuard, limit: &str, offset: &str, body: &str) -> Mock {
    list_mock_n(server, limit, offset, body, 1)
}

fn list_mock_n(
    server: &mut ServerGuard,
    limit: &str,
    offset: &str,
    body: &str,
    hits: usize,
) -> Mock {
    server
        .mock("GET", "/apps")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("limit".into(), limit.into()),
            Matcher::UrlEncoded("offset".into(), offset.into()),
        ]))
        .with_status(200)
        .with_body(body)
        .expect(hits)
        .create()
}

// ---------------------------------------------------------------------------------------
// workspace

const WORKSPACE: &str = r#"{"id":"org_1","apps_count":3,"createdAt":"2026-04-01T08:00:00.000Z","created_at":1775030400,"newField":1}"#;

#[test]
fn workspace_prints_its_id_app_count_and_creation() {
    let mut server = Server::new();
    let m = common::get_n(&mut server, "/workspace", 200, WORKSPACE, 2);
    let r = run(&server, &["workspace"]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "workspace  org_1\napps       3\ncreated    2026-04-01 08:00 UTC\n"
    );
    let r = run(&server, &["workspace", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(WORKSPACE));
    m.assert();
}

#[test]
fn workspace_of_an_invalid_key_exits_1() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/workspace",
        401,
        r#"{"error":{"code":"AUTH_INVALID_CREDENTIALS","message":"Invalid API key"},"request_id":"r-1"}"#,
    );
    run(&server, &["workspace", "--json"]).assert_error(1, "AUTH_INVALID_CREDENTIALS");
    m.assert();
}

// ---------------------------------------------------------------------------------------
// apps list

#[test]
fn apps_list_prints_a_table_without_secrets_and_the_next_page() {
    let mut server = Server::new();
    let body = page(&[APP_BODY.to_owned(), app(2)], 5, 2, 0);
    let m = list_mock(&mut server, "2", "0", &body);
    let r = run(&server, &["apps", "list", "--limit", "2"]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
CLIENT ID  NAME   PROVIDERS  REDIRECT URIS  CREATED (UTC)
FK5b0KSM   Shop   bankidse   2              2026-04-08 10:00
app00002   App 2  -          0              2026-04-08 10:00

apps 1 to 2 of 5; next page: --offset 2
"
    );
    assert!(!r.stdout.contains("SECRET"));
    m.assert();
}

#[test]
fn apps_list_sends_the_api_defaults_and_says_when_a_page_is_empty() {
    let mut server = Server::new();
    let empty = list_mock(&mut server, "20", "0", &page(&[], 0, 20, 0));
    let past = list_mock(&mut server, "20", "40", &page(&[], 3, 20, 40));
    let r = run(&server, &["apps", "list"]);
    r.assert_ok();
    assert_eq!(r.stdout, "no apps in this workspace\n");
    let r = run(&server, &["apps", "list", "--offset", "40"]);
    r.assert_ok();
    assert_eq!(r.stdout, "no apps at offset 40 (3 in all)\n");
    empty.assert();
    past.assert();
}

#[test]
fn apps_list_json_is_the_page_as_sent() {
    let mut server = Server::new();
    let body = page(&[APP_BODY.to_owned()], 1, 20, 0);
    let m = list_mock(&mut server, "20", "0", &body);
    let r = run(&server, &["apps", "list", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&redacted(&body)));
    m.assert();
}

#[test]
fn apps_list_all_walks_every_page() {
    let mut server = Server::new();
    let apps: Vec<String> = (0..101).map(app).collect();
    let first = list_mock_n(&mut server, "100", "0", &page(&apps[..100], 101, 100, 0), 2);
    let second = list_mock_n(
        &mut server,
        "100",
        "100",
        &page(&apps[100..], 101, 100, 100),
        2,
    );
    let r = run(&server, &["apps", "list", "--all"]);
    r.assert_ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 101 + 2, "{}", r.stdout);
    assert!(lines[1].starts_with("app00000   App 0 "), "{}", lines[1]);
    assert!(
        lines[101].starts_with("app00100   App 100 "),
        "{}",
        lines[101]
    );
    assert_eq!(lines[103], "101 apps");
    assert!(!r.stdout.contains("SECRET"));

    let r = run(&server, &["apps", "list", "--all", "--json"]);
    r.assert_ok();
    // The page shape of `apps list --json`: every app object as sent (secrets redacted),
    // in order.
    assert_eq!(
        r.stdout,
        redacted(&format!(
            "{{\"data\":[\n  {}\n],\"total\":101,\"limit\":101,\"offset\":0}}\n",
            apps.join(",\n  ")
        ))
    );
    let value: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(value["data"][100]["n"], 100);
    first.assert();
    second.assert();
}

#[test]
fn apps_list_all_of_no_apps_is_an_empty_page() {
    let mut server = Server::new();
    let m = list_mock(&mut server, "100", "0", &page(&[], 0, 100, 0));
    let r = run(&server, &["apps", "list", "--all", "--json"]);
    r.assert_ok();
    assert_eq!(
        r.json(),
        json!({"data": [], "total": 0, "limit": 0, "offset": 0})
    );
    m.assert();
}

#[test]
fn apps_list_all_stops_at_a_failed_page_with_its_exit_code() {
    let mut server = Server::new();
    let apps: Vec<String> = (0..100).map(app).collect();
    let first = list_mock(&mut server, "100", "0", &page(&apps, 150, 100, 0));
    let second = list_mock(&mut server, "100", "100", r#"{"data": "nope"}"#);
    run(&server, &["apps", "list", "--all", "--json"])
        .assert_error(4, "malformed list apps response");
    first.assert();
    second.assert();
}

#[test]
fn apps_usage_errors_exit_2_before_any_request() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    for (args, needle) in [
        (
            &["apps", "list", "--limit", "0"][..],
            "--limit must be 1 to 100, got 0",
        ),
        (
            &["apps", "list", "--limit", "101"][..],
            "--limit must be 1 to 100, got 101",
        ),
        (
            &["apps", "list", "--all", "--offset", "3"][..],
            "the argument '--all' cannot be used with '--offset <N>'",
        ),
        (
            &["apps", "list", "--offset", "-1"][..],
            "invalid value `-1` for --offset",
        ),
        (&["apps", "get", ""][..], "<APP> must not be empty"),
        (&["apps", "create"][..], "missing --name <NAME>"),
        (
            &["apps", "create", "--name", " "][..],
            "--name must not be empty",
        ),
        (
            &["apps", "create", "--name", "S", "--idempotency-key", "a b"][..],
            "--idempotency-key may only contain visible ASCII characters",
        ),
        (
            &["apps", "update", APP][..],
            "nothing to change: give --name, --logo, a redirect-uri option, --success-redirect, --failure-redirect or a --clear-... option",
        ),
        (
            &["apps", "update", APP, "--redirect-uri", "https://a/#f"][..],
            "--redirect-uri #1 must not have a fragment",
        ),
        (
            &[
                "apps",
                "redirect-uris",
                APP,
                "--redirect-uri",
                "https://a/cb",
                "--clear-redirect-uris",
            ][..],
            "the argument '--redirect-uri <URI>' cannot be used with '--clear-redirect-uris'",
        ),
        (
            // `--set` is an alias: messages use the one name.
            &["apps", "redirect-uris", APP, "--set", ""][..],
            "--redirect-uri #1 must not be empty",
        ),
    ] {
        run(&server, args).assert_error(2, needle);
    }
    none.assert();
}

// ---------------------------------------------------------------------------------------
// apps get, create, update

#[test]
fn apps_get_prints_the_app_without_its_secret() {
    let mut server = Server::new();
    let m = get(&mut server, "/apps/FK5b0KSM", 200, APP_BODY);
    let r = run(&server, &["apps", "get", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, APP_TEXT);
    assert!(!r.stdout.contains(SECRET));
    m.assert();
}

#[test]
fn apps_get_json_is_the_body_as_sent() {
    let mut server = Server::new();
    let m = get(&mut server, "/apps/FK5b0KSM", 200, APP_BODY);
    let r = run(&server, &["apps", "get", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&redacted(APP_BODY)));
    assert!(
        !r.stdout.contains("webhookConfig"),
        "no field the server left out"
    );
    m.assert();
}

#[test]
fn apps_get_of_an_unknown_app_exits_1() {
    let mut server = Server::new();
    let m = get(
        &mut server,
        "/apps/nope",
        404,
        r#"{"error":{"code":"RESOURCE_NOT_FOUND","message":"App not found"},"request_id":"r-404"}"#,
    );
    run(&server, &["apps", "get", "nope"]).assert_error(
        1,
        "RESOURCE_NOT_FOUND: \"App not found\" (request id r-404)",
    );
    m.assert();
}

#[test]
fn apps_create_sends_the_name_and_key_and_shows_the_new_secret_once() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/apps")
        .match_header("idempotency-key", "shop-1")
        .match_body(Matcher::Json(json!({"name": "Shop"})))
        .with_status(201)
        .with_body(APP_BODY)
        .expect(2)
        .create();
    let args = [
        "apps",
        "create",
        "--name",
        "Shop",
        "--idempotency-key",
        "shop-1",
    ];
    let r = run(&server, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The new secret is shown this once, after the app; the reminder is on stderr.
    assert_eq!(
        r.stdout,
        format!("{APP_TEXT}\nclient secret  {SECRET}\n"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("shown once"), "{}", r.stderr);
    assert!(r.stderr.contains("hopae apps rotate-secret FK5b0KSM"));
    assert!(!r.stderr.contains(SECRET));
    let mut json = args.to_vec();
    json.push("--json");
    let r = run(&server, &json);
    r.assert_ok();
    assert_eq!(r.stdout, printed(APP_BODY));
    m.assert();
}

#[test]
fn apps_update_sends_only_the_options_given() {
    let mut server = Server::new();
    let m = server
        .mock("PATCH", "/apps/FK5b0KSM")
        .match_body(Matcher::Json(json!({
            "name": "Shop 2",
            "redirectUris": ["https://shop.example/cb", "https://shop.example/cb2"],
            "defaultFailureRedirectUri": "https://shop.example/ko"
        })))
        .with_status(200)
        .with_body(APP_BODY)
        .expect(2)
        .create();
    let args = [
        "apps",
        "update",
        APP,
        "--name",
        "Shop 2",
        "--redirect-uri",
        "https://shop.example/cb",
        "--redirect-uri",
        "https://shop.example/cb2",
        "--failure-redirect",
        "https://shop.example/ko",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(r.stdout, APP_TEXT);
    let mut json = args.to_vec();
    json.push("--json");
    assert_eq!(run(&server, &json).stdout, printed(&redacted(APP_BODY)));
    m.assert();
}

// ---------------------------------------------------------------------------------------
// delete and rotate-secret: confirmation, and the secret shown once

#[test]
fn irreversible_commands_need_yes_without_a_terminal() {
    let mut server = Server::new();
    let none = no_calls(&mut server);
    let mut other = vec![
        server.mock("DELETE", Matcher::Any).expect(0).create(),
        server.mock("PATCH", Matcher::Any).expect(0).create(),
    ];
    for (args, action) in [
        (&["apps", "delete", APP][..], "delete app FK5b0KSM"),
        (
            &["apps", "rotate-secret", APP, "--json"][..],
            "rotate the client secret of app FK5b0KSM",
        ),
        (
            &["webhooks", "rotate-secret", APP][..],
            "rotate the webhook secret of app FK5b0KSM",
        ),
    ] {
        let r = run(&server, args);
        r.assert_error(
            2,
            &format!(
                "pass --yes to {action} (it cannot be undone, and there is no terminal to ask)"
            ),
        );
    }
    none.assert();
    for m in other.drain(..) {
        m.assert();
    }
}

#[test]
fn apps_delete_with_yes_deletes_and_json_prints_the_body_or_an_empty_object() {
    let mut server = Server::new();
    let deleted = |server: &mut ServerGuard, body: &str| {
        server
            .mock("DELETE", "/apps/FK5b0KSM")
            .with_status(200)
            .with_body(body)
            .create()
    };
    let m = deleted(
        &mut server,
        r#"{"message":"App deleted successfully","newField":1}"#,
    );
    let r = run(&server, &["apps", "delete", APP, "--yes"]);
    r.assert_ok();
    assert_eq!(r.stdout, "deleted app FK5b0KSM\n");
    m.assert();
    for (body, expected) in [
        (
            r#"{"message":"App deleted successfully","newField":1}"#,
            "{\"message\":\"App deleted successfully\",\"newField\":1}\n",
        ),
        ("", "{}\n"),
        ("App deleted successfully", "{}\n"),
    ] {
        let m = deleted(&mut server, body);
        let r = run(&server, &["apps", "delete", APP, "--yes", "--json"]);
        r.assert_ok();
        assert_eq!(r.stdout, expected, "{body:?}");
        m.assert();
    }
}

#[test]
fn apps_rotate_secret_prints_the_new_secret_once_on_stdout_only() {
    let mut server = Server::new();
    let body = r#"{"clientSecret":"cs_NEW_9876zyx","newField":1}"#;
    let m = server
        .mock("POST", "/apps/FK5b0KSM/rotate-client-secret")
        .match_body("")
        .with_status(201)
        .with_body(body)
        .expect(2)
        .create();
    let r = run(
        &server,
        &["apps", "rotate-secret", APP, "--yes", "--verbose"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "app            FK5b0KSM\nclient secret  cs_NEW_9876zyx\n\n\
         Shown once: store it now. The old secret no longer works.\n"
    );
    assert!(r.stderr.starts_with("note: took "), "{}", r.stderr);
    assert!(!r.stderr.contains("cs_NEW"), "{}", r.stderr);
    let r = run(&server, &["apps", "rotate-secret", APP, "--yes", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(body));
    m.assert();
}

#[test]
fn rotate_secret_fails_when_the_new_secret_cannot_be_written() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/apps/FK5b0KSM/rotate-client-secret")
        .with_status(201)
        .with_body(r#"{"clientSecret":"cs_NEW_9876zyx"}"#)
        .create();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let url = server.url();
    let out = common::command(
        Some(KEY),
        &[],
        &["apps", "rotate-secret", APP, "--yes", "--base-url", &url],
    )
    .stdout(writer)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: the client secret was rotated but could not be written to stdout ("
        ),
        "{stderr}"
    );
    assert!(stderr.contains("the old one no longer works; rotate again"));
    assert!(!stderr.contains("cs_NEW"), "{stderr}");
    m.assert();
}

// ---------------------------------------------------------------------------------------
// redirect-uris

#[test]
fn redirect_uris_reads_without_set_and_replaces_with_set_or_clear() {
    let mut server = Server::new();
    let uris = r#"{"redirectUris":["https://a.example/cb","https://b.example/cb"],"newField":1}"#;
    let read = common::get_n(&mut server, "/apps/FK5b0KSM/redirect-uris", 200, uris, 2);
    let r = run(&server, &["apps", "redirect-uris", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, "https://a.example/cb\nhttps://b.example/cb\n");
    let r = run(&server, &["apps", "redirect-uris", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(uris));
    read.assert();

    let set = server
        .mock("PUT", "/apps/FK5b0KSM/redirect-uris")
        .match_body(Matcher::Json(
            json!({"redirectUris": ["https://shop.example/cb", "https://shop.example/cb2"]}),
        ))
        .with_status(200)
        .with_body(APP_BODY)
        .expect(2)
        .create();
    let args = [
        "apps",
        "redirect-uris",
        APP,
        "--set",
        "https://shop.example/cb",
        "--set",
        "https://shop.example/cb2",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "https://shop.example/cb\nhttps://shop.example/cb2\n"
    );
    let mut json = args.to_vec();
    json.push("--json");
    assert_eq!(run(&server, &json).stdout, printed(&redacted(APP_BODY)));
    set.assert();

    let clear = server
        .mock("PUT", "/apps/FK5b0KSM/redirect-uris")
        .match_body(Matcher::Json(json!({"redirectUris": []})))
        .with_status(200)
        .with_body(r#"{"redirect_uris":[],"total":0}"#)
        .create();
    let r = run(&server, &["apps", "redirect-uris", APP, "--clear"]);
    r.assert_ok();
    assert_eq!(r.stdout, "no redirect URIs for app FK5b0KSM\n");
    clear.assert();
}

#[test]
fn apps_network_failure_exits_3() {
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "apps",
            "list",
            "--base-url",
            "http://127.0.0.1:1",
            "--retries",
            "0",
        ],
    );
    r.assert_error(3, "connection failed");
}

/// Runs `hopae <args>` on a pseudo-terminal made by util-linux `script`, typing `typed`;
/// `None` when `script` is not installed.
#[cfg(target_os = "linux")]
fn on_a_terminal(server: &ServerGuard, args: &[&str], typed: &str) -> Option<(i32, String)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let url = server.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--base-url", &url]);
    // The same environment as every other run (the dead proxy, the key), for `script`.
    let hopae = common::command(Some(KEY), &[], &all);
    let line = std::iter::once(hopae.get_program())
        .chain(hopae.get_args())
        .map(|a| a.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    for (k, v) in hopae.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Some((
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_delete_asks_for_the_app_id_and_sends_only_when_it_is_typed() {
    let mut server = Server::new();
    let m = server
        .mock("DELETE", "/apps/FK5b0KSM")
        .with_status(200)
        .expect(1)
        .create();
    let Some((code, screen)) = on_a_terminal(&server, &["apps", "delete", APP], "fk5b0ksm\n")
    else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("Type the app id (FK5b0KSM) to confirm: "),
        "{screen}"
    );
    assert!(
        screen.contains("error: delete app FK5b0KSM not confirmed: nothing was changed"),
        "{screen}"
    );
    let (code, screen) = on_a_terminal(&server, &["apps", "delete", APP], "FK5b0KSM\n").unwrap();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("deleted app FK5b0KSM"), "{screen}");
    m.assert();
}

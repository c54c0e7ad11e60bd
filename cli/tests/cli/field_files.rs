//! Activation values from a file or stdin, so a provider's API key need not sit in the
//! process list or the shell history (issue 17, item 2).

use crate::common;

use common::{APP, KEY, TempDir, no_requests, run, run_with_stdin};
use mockito::{Matcher, Server};
use serde_json::json;

const PROVIDER_KEY: &str = "prov_live_9f8e7d6c5b4a";

const RECEIPT: &str = r#"{"formId":"form_1","clientId":"FK5b0KSM","providerId":"ftn",
  "data":{"companyName":"Shop Oy","apiKey":"prov_live_9f8e7d6c5b4a"},"status":"submitted",
  "createdAt":"2026-04-08T10:00:00.000Z"}"#;

#[test]
fn submit_form_reads_a_value_from_a_file_without_its_trailing_newline() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/apps/FK5b0KSM/providers/ftn/activation/form")
        .match_body(Matcher::Json(json!({
            "data": {"companyName": "Shop Oy", "apiKey": PROVIDER_KEY},
        })))
        .with_status(201)
        .with_body(RECEIPT)
        .create();
    let dir = TempDir::new();
    let file = dir.file("key.txt", format!("{PROVIDER_KEY}\n").as_bytes());
    let r = run(
        &server,
        &[
            "providers",
            "submit-form",
            APP,
            "ftn",
            "--field",
            "companyName=Shop Oy",
            "--field-file",
            &format!("apiKey={file}"),
        ],
    );
    r.assert_ok();
    assert!(r.stdout.contains("apiKey, companyName"), "{}", r.stdout);
    assert!(!r.stdout.contains(PROVIDER_KEY), "{}", r.stdout);
    m.assert();
}

#[test]
fn submit_form_and_activate_read_a_value_from_stdin() {
    let mut server = Server::new();
    let form = server
        .mock("POST", "/apps/FK5b0KSM/providers/ftn/activation/form")
        .match_body(Matcher::Json(json!({"data": {"apiKey": PROVIDER_KEY}})))
        .with_status(201)
        .with_body(RECEIPT)
        .create();
    let activate = server
        .mock("POST", "/apps/FK5b0KSM/activation")
        .match_body(Matcher::Json(json!({"providers": {
            "mitid": {"apiKey": PROVIDER_KEY, "acceptTerms": true},
        }})))
        .with_status(200)
        .with_body(r#"{"mitid":{"id":"act_1","status":"activated"}}"#)
        .create();
    let url = server.url();
    let env = [("HOPAE_API_KEY", KEY)];
    let stdin = format!("{PROVIDER_KEY}\r\n");
    for args in [
        &[
            "providers",
            "submit-form",
            APP,
            "ftn",
            "--field-file",
            "apiKey=-",
        ][..],
        &[
            "providers",
            "activate",
            APP,
            "--field",
            "mitid.acceptTerms=true",
            "--field-file",
            "mitid.apiKey=-",
        ],
    ] {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--base-url", &url]);
        let r = run_with_stdin(&env, &all, stdin.as_bytes());
        r.assert_ok();
        assert!(!r.stdout.contains(PROVIDER_KEY), "{}", r.stdout);
    }
    form.assert();
    activate.assert();
}

#[test]
fn field_files_are_checked_before_any_request() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    let dir = TempDir::new();
    let big = dir.file("big", &vec![b'a'; 64 * 1024 + 1]);
    let missing = dir.path().join("missing").to_str().unwrap().to_owned();
    for (args, message) in [
        (
            vec![
                "providers",
                "submit-form",
                APP,
                "ftn",
                "--field-file",
                "a=-",
                "--field-file",
                "b=-",
            ],
            "only one --field-file may read stdin (-)".to_owned(),
        ),
        (
            vec![
                "providers",
                "submit-form",
                APP,
                "ftn",
                "--field-file",
                &format!("a={big}"),
            ],
            "is larger than 64 KiB".to_owned(),
        ),
        (
            vec![
                "providers",
                "activate",
                APP,
                "--field-file",
                &format!("m.a={missing}"),
            ],
            "--field-file: could not read".to_owned(),
        ),
        (
            vec!["providers", "activate", APP, "--field-file", "apiKey=x"],
            "expected PROVIDER.NAME=PATH".to_owned(),
        ),
        (
            vec![
                "providers",
                "submit-form",
                APP,
                "ftn",
                "--field",
                "a=1",
                "--field-file",
                &format!("a={big}"),
            ],
            "is larger than 64 KiB".to_owned(),
        ),
    ] {
        run(&server, &args).assert_error(2, &message);
    }
    let small = dir.file("small", b"x");
    run(
        &server,
        &[
            "providers",
            "submit-form",
            APP,
            "ftn",
            "--field",
            "a=1",
            "--field-file",
            &format!("a={small}"),
        ],
    )
    .assert_error(2, "--field a given more than once");
    none.assert();
}

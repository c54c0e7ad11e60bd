//! `hopae domains` against mockito: each command's request and output, `--json` as the
//! body the API sent, the DNS records table, `wait` until active (exit 0), invalid or
//! timed out (exit 5), and the confirmation of `delete`.

use crate::common;

use common::{APP, answer, no_requests, printed, run};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::json;

const PATH: &str = "/apps/FK5b0KSM/custom-domain";
const VERIFY_PATH: &str = "/apps/FK5b0KSM/custom-domain/verify";

fn domain(status: &str, action: &str, message: &str) -> String {
    format!(
        r#"{{"webDomain":"login.shop.example","oidcDomain":"oidc.shop.example","status":"{status}",
"requiredAction":"{action}","statusMessage":"{message}","dnsRecords":[
 {{"id":"web-cname","type":"CNAME","host":"login.shop.example","name":"login","value":"fk5b0ksm.web.hopae-domains.example","required":true,"description":"web"}},
 {{"id":"txt","type":"TXT","host":"_hopae.shop.example","name":"_hopae","value":"hopae-verify=abc123","required":false}}],
"lastCheckedAt":"2026-04-08T10:00:00.000Z","newField":1}}"#
    )
}

const UNCONFIGURED: &str = r#"{"webDomain":null,"oidcDomain":null,"status":"unconfigured","requiredAction":"none","dnsRecords":[],"lastCheckedAt":null}"#;

fn domain_text(status: &str, action: &str, message: &str) -> String {
    format!(
        "\
app           FK5b0KSM
web domain    login.shop.example
oidc domain   oidc.shop.example
status        {status}
next          {action}
message       {message}
last checked  2026-04-08 10:00 UTC

DNS records:
TYPE   NAME    HOST                 VALUE                               REQUIRED
CNAME  login   login.shop.example   fk5b0ksm.web.hopae-domains.example  yes
TXT    _hopae  _hopae.shop.example  hopae-verify=abc123                 no
"
    )
}

#[test]
fn get_prints_the_domains_and_json_is_the_body_as_sent() {
    let mut server = Server::new();
    let m = answer(&mut server, "GET", PATH, 200, UNCONFIGURED, 2);
    let r = run(&server, &["domains", "get", APP]);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "\
app           FK5b0KSM
web domain    not set
oidc domain   not set
status        unconfigured
next          none
last checked  never
"
    );
    let r = run(&server, &["domains", "get", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(UNCONFIGURED));
    m.assert();
}

#[test]
fn set_puts_the_pair_and_prints_the_records_to_create() {
    let mut server = Server::new();
    let body = domain("awaiting_dns", "add_cname", "Create the records");
    let m = server
        .mock("PUT", PATH)
        .match_body(Matcher::Json(json!({
            "webDomain": "login.shop.example",
            "oidcDomain": "oidc.shop.example",
        })))
        .with_status(200)
        .with_body(&body)
        .expect(2)
        .create();
    let args = [
        "domains",
        "set",
        APP,
        "--web",
        "login.shop.example",
        "--oidc",
        "oidc.shop.example",
    ];
    let r = run(&server, &args);
    r.assert_ok();
    assert_eq!(
        r.stdout,
        format!(
            "{}\nnext: create these records at your DNS provider, then run\n  hopae domains wait FK5b0KSM\n",
            domain_text("awaiting_dns", "add_cname", "Create the records")
        )
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let r = run(&server, &json_args);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&body));
    m.assert();
}

#[test]
fn set_refuses_hosts_that_are_not_bare_names_before_any_request() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    for (web, oidc, message) in [
        (
            "https://login.shop.example",
            "oidc.shop.example",
            "--web must be a bare host name, without a scheme",
        ),
        (
            "login.shop.example",
            "oidc.shop.example:8443",
            "--oidc must be a bare host name, without a port",
        ),
        (
            "login.shop.example",
            "oidc.other.example",
            "--oidc must be under the web domain's base domain `shop.example`",
        ),
        ("", "oidc.shop.example", "--web must not be empty"),
    ] {
        let web = format!("--web={web}");
        let r = run(&server, &["domains", "set", APP, &web, "--oidc", oidc]);
        r.assert_error(2, message);
    }
    none.assert();
}

#[test]
fn verify_posts_without_a_body() {
    let mut server = Server::new();
    let body = domain("verifying", "waiting", "Checking");
    let m = server
        .mock("POST", VERIFY_PATH)
        .match_body("")
        .with_status(200)
        .with_body(&body)
        .expect(2)
        .create();
    let r = run(&server, &["domains", "verify", APP]);
    r.assert_ok();
    assert_eq!(r.stdout, domain_text("verifying", "waiting", "Checking"));
    let r = run(&server, &["domains", "verify", APP, "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(&body));
    m.assert();
}

/// Verify answers in order: mockito uses each mock for its hits, then the next.
fn verify_sequence(server: &mut ServerGuard, bodies: &[String]) -> Vec<mockito::Mock> {
    bodies
        .iter()
        .map(|b| answer(server, "POST", VERIFY_PATH, 200, b, 1))
        .collect()
}

#[test]
fn wait_verifies_until_active_and_exits_0() {
    let mut server = Server::new();
    let active = domain("active", "none", "Live");
    let mocks = verify_sequence(
        &mut server,
        &[
            domain("awaiting_dns", "add_cname", "Create the records"),
            domain("verifying", "waiting", "Checking"),
            active.clone(),
            domain("verifying", "waiting", "Checking"),
            active.clone(),
        ],
    );
    let r = run(&server, &["domains", "wait", APP, "--interval", "100ms"]);
    // No progress line: stderr is not a terminal.
    r.assert_ok();
    assert_eq!(r.stdout, domain_text("active", "none", "Live"));
    let r = run(
        &server,
        &["domains", "wait", APP, "--interval", "100ms", "--json"],
    );
    r.assert_ok();
    assert_eq!(r.stdout, printed(&active));
    for m in mocks {
        m.assert();
    }
}

#[test]
fn wait_for_invalid_domains_exits_5_with_the_action_and_message() {
    let mut server = Server::new();
    let mocks = verify_sequence(
        &mut server,
        &[
            domain("verifying", "waiting", "Checking"),
            domain(
                "invalid",
                "contact_support",
                "The certificate could not be issued",
            ),
        ],
    );
    run(&server, &["domains", "wait", APP, "--interval", "100ms"]).assert_error(
        5,
        "custom domain verification failed: status invalid, required action contact_support: \"The certificate could not be issued\"",
    );
    for m in mocks {
        m.assert();
    }
}

#[test]
fn wait_timeout_exits_5_with_the_last_status() {
    let mut server = Server::new();
    let m = server
        .mock("POST", VERIFY_PATH)
        .with_status(200)
        .with_body(domain("verifying", "waiting", "Checking"))
        .expect_at_least(2)
        .create();
    let r = run(
        &server,
        &[
            "domains",
            "wait",
            APP,
            "--timeout",
            "250ms",
            "--interval",
            "100ms",
        ],
    );
    r.assert_error(5, "custom domain was not active within");
    assert!(
        r.stderr.ends_with("(last status verifying)\n"),
        "{}",
        r.stderr
    );
    m.assert();
}

#[test]
fn wait_interval_below_100ms_is_a_usage_error() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    run(&server, &["domains", "wait", APP, "--interval", "10ms"])
        .assert_error(2, "--interval must be at least 100ms, got `10ms`");
    none.assert();
}

#[test]
fn delete_needs_yes_without_a_terminal_and_then_deletes() {
    let mut server = Server::new();
    let none = no_requests(&mut server);
    run(&server, &["domains", "delete", APP]).assert_error(
        2,
        "pass --yes to delete the custom domains of app FK5b0KSM (it cannot be undone, and there is no terminal to ask)",
    );
    none.assert();
    let mut server = Server::new();
    let m = answer(&mut server, "DELETE", PATH, 200, UNCONFIGURED, 2);
    let r = run(&server, &["domains", "delete", APP, "--yes"]);
    r.assert_ok();
    assert_eq!(r.stdout, "deleted the custom domains of app FK5b0KSM\n");
    let r = run(&server, &["domains", "delete", APP, "--yes", "--json"]);
    r.assert_ok();
    assert_eq!(r.stdout, printed(UNCONFIGURED));
    m.assert();
}

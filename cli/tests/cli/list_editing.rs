//! Lists edited in place, values cleared, batch creation, webhook events and the one JSON
//! shape of `apps list`, against the library's fake.

use crate::common;

use common::{APP, Run, run_with};
use hopae::mock::Server;
use serde_json::{Value, json};

fn hopae(server: &Server, args: &[&str]) -> Run {
    run_with(
        Some(hopae::mock::TEST_KEY),
        &[("HOPAE_BASE_URL", server.url())],
        args,
    )
}

fn app_json(server: &Server) -> Value {
    let r = hopae(server, &["apps", "get", APP, "--json"]);
    r.assert_ok();
    r.json()
}

#[test]
fn redirect_uris_are_added_and_removed_in_place_and_the_change_is_said() {
    let server = Server::start().unwrap();
    hopae(
        &server,
        &[
            "apps",
            "redirect-uris",
            APP,
            "--redirect-uri",
            "https://a.example/cb",
        ],
    )
    .assert_ok();
    let r = hopae(
        &server,
        &[
            "apps",
            "redirect-uris",
            APP,
            "--add-redirect-uri",
            "https://b.example/cb",
            "--add-redirect-uri",
            "https://a.example/cb",
        ],
    );
    r.assert_ok();
    assert_eq!(
        r.stdout,
        "redirect uris: added https://b.example/cb; unchanged (already as asked) \
         https://a.example/cb\nhttps://a.example/cb\nhttps://b.example/cb\n"
    );
    let r = hopae(
        &server,
        &[
            "apps",
            "update",
            APP,
            "--remove-redirect-uri",
            "https://a.example/cb",
        ],
    );
    r.assert_ok();
    assert!(
        r.stdout
            .starts_with("redirect uris: removed https://a.example/cb\n"),
        "{}",
        r.stdout
    );
    assert_eq!(
        app_json(&server)["redirectUris"],
        json!(["https://b.example/cb"])
    );
    // The old flag names still work, as aliases of the one name.
    hopae(&server, &["apps", "redirect-uris", APP, "--clear"]).assert_ok();
    assert_eq!(app_json(&server)["redirectUris"], json!([]));
    hopae(
        &server,
        &[
            "apps",
            "redirect-uris",
            APP,
            "--set",
            "https://c.example/cb",
        ],
    )
    .assert_ok();
    hopae(&server, &["apps", "update", APP, "--clear-redirect-uris"]).assert_ok();
    assert_eq!(app_json(&server)["redirectUris"], json!([]));
}

#[test]
fn clear_options_remove_landing_pages_the_logo_and_the_webhook_url() {
    let server = Server::start().unwrap();
    let logo = std::env::temp_dir().join(format!("hopae-cli-logo-{}.png", std::process::id()));
    std::fs::write(&logo, b"\x89PNG").unwrap();
    let r = hopae(
        &server,
        &[
            "apps",
            "update",
            APP,
            "--success-redirect",
            "https://shop.example/ok",
            "--failure-redirect",
            "https://shop.example/ko",
            "--logo",
            logo.to_str().unwrap(),
        ],
    );
    std::fs::remove_file(&logo).unwrap();
    r.assert_ok();
    let app = app_json(&server);
    assert_eq!(app["defaultSuccessRedirectUri"], "https://shop.example/ok");
    assert_eq!(app["logo"], "data:image/png;base64,iVBORw==");

    // `""` is refused with the way to clear; the clear flags send null and "".
    hopae(&server, &["apps", "update", APP, "--success-redirect", ""]).assert_error(
        2,
        "--success-redirect must not be empty (--clear-success-redirect removes it)",
    );
    hopae(
        &server,
        &[
            "apps",
            "update",
            APP,
            "--clear-success-redirect",
            "--clear-failure-redirect",
            "--clear-logo",
        ],
    )
    .assert_ok();
    let app = app_json(&server);
    assert!(app["defaultSuccessRedirectUri"].is_null(), "{app}");
    assert!(app["defaultFailureRedirectUri"].is_null(), "{app}");
    assert!(app["logo"].is_null(), "{app}");

    hopae(
        &server,
        &[
            "webhooks",
            "config",
            APP,
            "--url",
            "https://shop.example/hooks",
        ],
    )
    .assert_ok();
    let r = hopae(&server, &["webhooks", "config", APP, "--clear-url"]);
    r.assert_ok();
    assert!(r.stdout.contains("url             not set"), "{}", r.stdout);
}

#[test]
fn webhook_events_are_edited_in_place_listed_and_unknown_ones_warned_about() {
    let server = Server::start().unwrap();
    let r = hopae(
        &server,
        &[
            "webhooks",
            "config",
            APP,
            "--add-event",
            "verification.completed",
            "--add-event",
            "no.such.event",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: `no.such.event` is not a documented webhook event \
         (`hopae webhooks events` lists them); set anyway\n"
    );
    assert!(
        r.stdout
            .starts_with("events: added verification.completed, no.such.event\n"),
        "{}",
        r.stdout
    );
    let r = hopae(
        &server,
        &[
            "webhooks",
            "config",
            APP,
            "--remove-event",
            "no.such.event",
            "--remove-event",
            "verification.completed",
        ],
    );
    r.assert_ok();
    assert!(
        r.stdout
            .contains("the event list is now empty: no delivery is sent\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("none listed: no delivery is sent until events are added"),
        "{}",
        r.stdout
    );
    let r = hopae(&server, &["webhooks", "config", APP, "--timeout", "30s"]);
    r.assert_ok();
    assert!(r.stdout.contains("timeout         30s"), "{}", r.stdout);

    let r = run_with(None, &[], &["webhooks", "events", "--json"]);
    r.assert_ok();
    assert_eq!(r.json()["events"][0], "verification.created");
    assert_eq!(r.json()["legacy"][0], "verification.initiated");
    let r = run_with(None, &[], &["webhooks", "events"]);
    assert!(
        r.stdout.contains("verification.session.timed_out\n")
            && r.stdout.contains("verification.expired  (older pages)\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn apps_batch_create_makes_each_app_and_says_which() {
    let server = Server::builder().empty().start().unwrap();
    let r = hopae(
        &server,
        &["apps", "batch-create", "--name", "A", "--name", "B"],
    );
    r.assert_ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(lines[0].starts_with("created ") && lines[0].ends_with("  A"));
    assert_eq!(lines[2], "2 created, 0 failed");
    hopae(&server, &["apps", "batch-create", "--name", " "])
        .assert_error(2, "--name must not be empty");
}

#[test]
fn apps_list_json_has_one_shape_with_or_without_all() {
    let server = Server::start().unwrap();
    let page = hopae(&server, &["apps", "list", "--json"]);
    page.assert_ok();
    let all = hopae(&server, &["apps", "list", "--all", "--json"]);
    all.assert_ok();
    for value in [page.json(), all.json()] {
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "{value}");
        assert_eq!(value["data"][0]["clientId"], APP);
        assert_eq!(value["total"], 1);
        assert_eq!(value["offset"], 0);
    }
}

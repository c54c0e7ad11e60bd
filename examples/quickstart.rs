//! The whole production-test flow in one program: list, report, create, wait, report.
//!
//! ```text
//! cargo run --example quickstart                  # offline, against a local mock server
//! cargo run --example quickstart -- --serve       # only serve the mock API, for the CLI
//! HOPAE_API_KEY=sk_workspace_test_... \
//!   cargo run --example quickstart -- <CLIENT_ID> \
//!   [--create TITLE [--provider ID]... [--max-stamps N]]   # the real API
//! ```
//!
//! Without `HOPAE_API_KEY` (or with `--offline`) the program starts a local mockito
//! server holding the API reference's example data (one scheduled challenge, one pending
//! request, a report) and runs against it: nothing leaves the machine. `--serve` starts
//! the same server and waits, so that the `hopae` command-line tool can be tried against
//! it. With a key and a client id the program runs the same calls against the real API;
//! it requests a real production test (steps 3 to 5) only when `--create TITLE` is
//! given, since that asks real users to take part. That test goes to every eligible
//! provider with the API's default number of stamps, unless `--provider ID` (repeat for
//! several) or `--max-stamps N` says otherwise. The offline demo requests a Smart-ID test
//! with 5 stamps.

use std::time::Duration;

use hopae::production_tests::{Challenge, NewProductionTest, WaitOptions};
use hopae::{HopaeClient, ProductionTestItem};

// The very tables the `hopae` command-line tool prints: its output module, shared.
#[allow(dead_code)]
#[path = "../cli/src/output.rs"]
mod output;

use output::{list_table, report_text, request_fields};

const DEMO_APP: &str = "FK5b0KSM";
const DEMO_TITLE: &str = "Smart-ID Production Test";

fn main() -> Result<(), hopae::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let offline = args.iter().any(|a| a == "--offline")
        || std::env::var("HOPAE_API_KEY").map_or(true, |k| k.is_empty());
    if args.iter().any(|a| a == "--serve") {
        let demo = demo::start();
        println!("The demo API is listening. In another terminal:\n");
        println!("  export HOPAE_API_KEY=sk_workspace_test_demo");
        println!("  export HOPAE_BASE_URL={}", demo.server.url());
        println!("  hopae production-tests list {DEMO_APP}\n");
        println!("It answers the calls of the offline flow in order. Stop it with Ctrl-C.");
        loop {
            std::thread::park();
        }
    }
    if offline {
        println!("Offline demo: a local mock server plays the Hopae API with its example data.");
        println!("Set HOPAE_API_KEY and pass a client id to run the flow against the real API.");
        let demo = demo::start();
        return offline_flow(&demo).map(drop);
    }
    let live = match parse_live(&args) {
        Ok(live) => live,
        Err(why) => {
            eprintln!("error: {why}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let client = HopaeClient::from_env()?;
    println!("Live run against {}", client.base_url());
    flow(
        &client,
        &live.client_id,
        live.create.as_ref(),
        WaitOptions::new(),
    )
    .map(drop)
}

const USAGE: &str = "\
usage: cargo run --example quickstart -- <CLIENT_ID> [--create TITLE [--provider ID]... [--max-stamps N]]
  with HOPAE_API_KEY set; without it the demo runs offline
  --create TITLE  also request a real production test (real users take part) and wait for it
  --provider ID   restrict it to this provider; repeat for several (default: every eligible one)
  --max-stamps N  stamp claims to collect (default: the API's, 3)";

/// What the live run does, from its command line.
#[derive(Debug, PartialEq)]
struct Live {
    client_id: String,
    /// The production test to request, from `--create TITLE` and its options.
    create: Option<Create>,
}

/// A production test to request. What is not given is left to the API: every eligible
/// provider, its default number of stamps.
#[derive(Debug, PartialEq)]
struct Create {
    title: String,
    providers: Vec<String>,
    max_stamps: Option<u32>,
}

impl Create {
    fn test(&self) -> NewProductionTest {
        let mut test = NewProductionTest::new(&self.title);
        if !self.providers.is_empty() {
            test = test.provider_ids(&self.providers);
        }
        if let Some(n) = self.max_stamps {
            test = test.max_stamps(n);
        }
        test
    }

    /// The `hopae production-tests create` options that request the same test.
    fn options(&self) -> String {
        let mut out = format!("--title {:?}", self.title);
        for p in &self.providers {
            out.push_str(&format!(" --provider {p}"));
        }
        if let Some(n) = self.max_stamps {
            out.push_str(&format!(" --max-stamps {n}"));
        }
        out
    }
}

/// The offline demo's request: a Smart-ID test with 5 stamps, as the mock server expects.
fn demo_create() -> Create {
    Create {
        title: DEMO_TITLE.into(),
        providers: vec!["smartid".into()],
        max_stamps: Some(5),
    }
}

/// Reads `<CLIENT_ID> [--create TITLE [--provider ID]... [--max-stamps N]]`, options in
/// any order.
fn parse_live(args: &[String]) -> Result<Live, String> {
    let mut client_id = None;
    let (mut title, mut providers, mut max_stamps) = (None, Vec::new(), None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || {
            rest.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or(format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--create" if title.is_some() => return Err("--create given more than once".into()),
            "--create" => title = Some(value()?.clone()),
            "--provider" => providers.push(value()?.clone()),
            "--max-stamps" if max_stamps.is_some() => {
                return Err("--max-stamps given more than once".into());
            }
            "--max-stamps" => {
                let v = value()?;
                let n = v.parse().map_err(|_| {
                    format!("--max-stamps expects a positive whole number, got `{v}`")
                })?;
                max_stamps = Some(n);
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            id if client_id.is_none() => client_id = Some(id.to_owned()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let client_id = client_id.ok_or("missing <CLIENT_ID>")?;
    let create = match title {
        Some(title) => Some(Create {
            title,
            providers,
            max_stamps,
        }),
        None if !providers.is_empty() => return Err("--provider needs --create TITLE".into()),
        None if max_stamps.is_some() => return Err("--max-stamps needs --create TITLE".into()),
        None => None,
    };
    Ok(Live { client_id, create })
}

/// The flow against the demo server, polling every 300 ms so that it ends at once.
fn offline_flow(demo: &demo::Demo) -> Result<Option<Challenge>, hopae::Error> {
    let client = HopaeClient::builder("sk_workspace_test_demo")
        .base_url(demo.server.url())
        .build()?;
    let wait = WaitOptions::new()
        .interval(Duration::from_millis(300))
        .timeout(Duration::from_secs(10));
    flow(&client, DEMO_APP, Some(&demo_create()), wait)
}

/// The flow a user follows: see what exists, read a report, request a test, wait for it
/// to be scheduled, read its report. Returns the new challenge, if one was requested.
fn flow(
    client: &HopaeClient,
    app: &str,
    create: Option<&Create>,
    wait: WaitOptions,
) -> Result<Option<Challenge>, hopae::Error> {
    section(
        &format!("1. List the production tests of app {app}"),
        &format!("list {app}"),
    );
    let items = client.app(app).production_tests().list()?;
    print!("{}", list_table(app, &items));

    match items.iter().find_map(ProductionTestItem::as_challenge) {
        Some(c) => {
            section(
                &format!("2. Report of challenge {}", c.id),
                &format!("report {app} {}", c.id),
            );
            let report = client.app(app).production_tests().report(&c.id)?;
            print!("{}", report_text(&report));
        }
        None => println!("\n== 2. No scheduled challenge yet, so no report"),
    }

    let Some(create) = create else {
        println!("\n== 3. Skipped: pass --create TITLE to request a real production test");
        return Ok(None);
    };
    section(
        "3. Request a new production test",
        &format!("create {app} {}", create.options()),
    );
    let request = client.app(app).production_tests().create(&create.test())?;
    print!("{}", request_fields(&request));

    section(
        &format!("4. Wait until Hopae schedules {}", request.id),
        &format!("wait {app} {}", request.id),
    );
    let wait = wait.on_poll(|p| {
        let status = p.status.as_ref().map_or("no longer listed", |s| s.as_str());
        println!("poll {}: {status}", p.polls);
    });
    let challenge = client
        .app(app)
        .production_tests()
        .wait_for_challenge(&request.id, &wait)?;
    println!("{}", challenge.id);

    section(
        &format!("5. Report of the new challenge {}", challenge.id),
        &format!("report {app} {}", challenge.id),
    );
    let report = client.app(app).production_tests().report(&challenge.id)?;
    print!("{}", report_text(&report));
    println!("\nDone. Each `$ hopae ...` line is the command-line tool's way to run that step.");
    Ok(Some(challenge))
}

/// A step's heading and the `hopae` command that does the same.
fn section(title: &str, command: &str) {
    println!("\n== {title}\n$ hopae production-tests {command}\n");
}

/// The offline stand-in for the API: the reference's example data, and a request that
/// is scheduled on the second poll.
mod demo {
    use mockito::{Matcher, Mock, Server, ServerGuard};
    use serde_json::{Value, json};

    const LIST: &str = include_str!("../tests/fixtures/list.json");
    const REPORT: &str = include_str!("../tests/fixtures/report.json");
    const APP_PATH: &str = "/apps/FK5b0KSM/production-tests";
    const DOCUMENTED_CHALLENGE: &str = "ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const NEW_REQUEST: &str = "req_2b6d4e8f-1a3c-4e5f-9b7d-8c6a4e2f0b1d";
    const NEW_CHALLENGE: &str = "ch_5e7f9a1b-3c5d-4e6f-8a0b-2c4d6e8f0a1c";

    fn new_request(status: &str, challenge_id: Option<&str>) -> Value {
        json!({
            "id": NEW_REQUEST, "clientId": "FK5b0KSM", "status": status,
            "payload": {"title": super::DEMO_TITLE, "providerIds": ["smartid"],
                        "maxStampClaims": 5, "targetPlatform": null},
            "challengeId": challenge_id, "createdAt": "2026-04-08T10:30:00.000Z"
        })
    }

    fn new_challenge() -> Value {
        json!({
            "id": NEW_CHALLENGE, "title": super::DEMO_TITLE, "description": null,
            "expiresAt": "2026-04-15T23:59:59.000Z", "createdAt": "2026-04-08T10:31:00.000Z",
            "completedAt": null, "isActive": true, "challengeMode": "stamp",
            "sponsor": null, "sources": null
        })
    }

    fn with_new(items: &Value, extra: &[Value]) -> String {
        let mut items = items.as_array().cloned().unwrap_or_default();
        items.extend_from_slice(extra);
        Value::Array(items).to_string()
    }

    /// The running server and its mocks (dropping the server stops it).
    pub(super) struct Demo {
        pub(super) server: ServerGuard,
        /// Read by the test, which asserts every call was made.
        #[cfg_attr(not(test), allow(dead_code))]
        pub(super) mocks: Vec<Mock>,
    }

    /// Starts the server. mockito answers with the list mocks in creation order, each
    /// for its expected number of calls; the last one keeps answering after that.
    pub(super) fn start() -> Demo {
        let mut server = Server::new();
        let mut mocks = Vec::new();
        let documented: Value = serde_json::from_str(LIST).expect("valid fixture");
        let mut get = |path: &str, body: String, hits: usize| {
            let mock = server
                .mock("GET", path)
                .with_header("content-type", "application/json")
                .with_body(body)
                .expect(hits)
                .create();
            mocks.push(mock);
        };
        // Step 1 lists the documented data; the wait's first poll sees the new request
        // pending, its second poll sees it scheduled next to its challenge.
        get(APP_PATH, documented.to_string(), 1);
        let pending = json!({"type": "request", "challenge": null,
                             "request": new_request("pending", None)});
        get(APP_PATH, with_new(&documented, &[pending]), 1);
        let scheduled = json!({"type": "request", "challenge": null,
                               "request": new_request("scheduled", Some(NEW_CHALLENGE))});
        let challenge = json!({"type": "challenge", "challenge": new_challenge(), "request": null});
        get(APP_PATH, with_new(&documented, &[scheduled, challenge]), 1);
        get(
            &format!("{APP_PATH}/{DOCUMENTED_CHALLENGE}/report"),
            REPORT.into(),
            1,
        );
        let fresh = json!({"challenge": new_challenge(), "stats": {
            "totalParticipations": 0, "totalClaims": 0, "providerBreakdown": []}});
        get(
            &format!("{APP_PATH}/{NEW_CHALLENGE}/report"),
            fresh.to_string(),
            1,
        );

        let create = server
            .mock("POST", APP_PATH)
            .match_body(Matcher::PartialJson(json!({"title": super::DEMO_TITLE})))
            .with_status(201)
            .with_header("content-type", "application/json")
            .with_body(new_request("pending", None).to_string())
            .create();
        mocks.push(create);
        Demo { server, mocks }
    }
}

#[cfg(test)]
mod tests {
    use super::{Create, Live, parse_live};
    use hopae::production_tests::NewProductionTest;

    fn live(line: &[&str]) -> Result<Live, String> {
        let args: Vec<String> = line.iter().map(|a| a.to_string()).collect();
        parse_live(&args)
    }

    #[test]
    fn live_create_leaves_providers_and_stamps_to_the_api_by_default() {
        let run = live(&["FK5b0KSM", "--create", "MitID test"]).unwrap();
        assert_eq!(run.client_id, "FK5b0KSM");
        let create = run.create.expect("--create given");
        assert_eq!(create.test(), NewProductionTest::new("MitID test"));
        assert_eq!(create.options(), r#"--title "MitID test""#);
        let run = live(&["FK5b0KSM"]).unwrap();
        assert_eq!(run.create, None);
    }

    #[test]
    fn live_create_takes_providers_and_max_stamps_in_any_order() {
        let run = live(&[
            "--provider",
            "mitid",
            "FK5b0KSM",
            "--max-stamps",
            "2",
            "--create",
            "MitID test",
            "--provider",
            "bankidse",
        ])
        .unwrap();
        let create = run.create.expect("--create given");
        assert_eq!(
            create.test(),
            NewProductionTest::new("MitID test")
                .provider_ids(["mitid", "bankidse"])
                .max_stamps(2)
        );
        assert_eq!(
            create.options(),
            r#"--title "MitID test" --provider mitid --provider bankidse --max-stamps 2"#
        );
    }

    #[test]
    fn live_arguments_are_checked() {
        for (line, needle) in [
            (&[][..], "missing <CLIENT_ID>"),
            (&["a", "b"][..], "unexpected argument `b`"),
            (&["a", "--create"][..], "--create needs a value"),
            (
                &["a", "--provider", "mitid"][..],
                "--provider needs --create",
            ),
            (
                &["a", "--create", "T", "--max-stamps", "x"][..],
                "--max-stamps expects",
            ),
            (
                &[
                    "a",
                    "--create",
                    "T",
                    "--max-stamps",
                    "1",
                    "--max-stamps",
                    "2",
                ][..],
                "more than once",
            ),
            (&["a", "--verbose"][..], "unknown option `--verbose`"),
        ] {
            let err = live(line).unwrap_err();
            assert!(err.contains(needle), "{line:?}: {err}");
        }
    }

    #[test]
    fn offline_create_keeps_the_demo_values() {
        let demo = super::demo_create();
        assert_eq!(
            demo,
            Create {
                title: super::DEMO_TITLE.into(),
                providers: vec!["smartid".into()],
                max_stamps: Some(5),
            }
        );
    }

    /// The offline run, as `cargo run --example quickstart` does it: every call is made
    /// as many times as the demo server expects, and the wait ends with the new challenge.
    #[test]
    fn offline_flow_runs_every_step_against_the_demo_server() {
        let demo = super::demo::start();
        let challenge = super::offline_flow(&demo)
            .unwrap()
            .expect("a new challenge");
        assert_eq!(challenge.id, "ch_5e7f9a1b-3c5d-4e6f-8a0b-2c4d6e8f0a1c");
        assert_eq!(challenge.title, super::DEMO_TITLE);
        for mock in &demo.mocks {
            mock.assert();
        }
    }
}

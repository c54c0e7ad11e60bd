//! The whole production-test flow in one program: list, report, create, wait, report.
//!
//! ```text
//! cargo run --example quickstart                  # offline, against hopae::mock
//! cargo run --example quickstart -- --serve       # only serve the fake API, for the CLI
//! HOPAE_API_KEY=sk_workspace_test_... \
//!   cargo run --example quickstart -- <CLIENT_ID> \
//!   [--create TITLE [--provider ID]... [--max-stamps N]]   # the real API
//! ```
//!
//! Without `HOPAE_API_KEY` (or with `--offline`) the program starts `hopae::mock`, a
//! stateful fake of the Workspace API holding the API reference's example data (App
//! `FK5b0KSM` with one scheduled challenge, one pending request and a report), and runs
//! against it: nothing leaves the machine. The fake behaves like the API: the new test
//! starts pending and is scheduled on the second list after its creation, and the same
//! arguments as a live run work offline too (`-- --offline FK5b0KSM --create "Any
//! title"`; a wrong client id is a real 404). `--serve` starts the same fake and waits,
//! so that the `hopae` command-line tool can be tried against it. With a key and a
//! client id the program runs the same calls against the real API; it requests a real
//! production test (steps 3 to 5) only when `--create TITLE` is given, since that asks
//! real users to take part. That test goes to every eligible provider with the API's
//! default number of stamps, unless `--provider ID` (repeat for several) or
//! `--max-stamps N` says otherwise. The offline demo requests a Smart-ID test with 5
//! stamps.

use std::process::ExitCode;
use std::time::Duration;

use hopae::mock::Server;
use hopae::production_tests::{Challenge, NewProductionTest};
use hopae::wait::WaitOptions;
use hopae::{HopaeClient, ProductionTestItem};

// The very tables the `hopae` command-line tool prints: its output module, shared.
#[allow(dead_code)]
#[path = "../cli/src/output.rs"]
mod output;

use output::{list_table, report_text, request_fields};

const DEMO_APP: &str = "FK5b0KSM";
const DEMO_TITLE: &str = "Smart-ID Production Test";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let offline = args.iter().any(|a| a == "--offline")
        || std::env::var("HOPAE_API_KEY").map_or(true, |k| k.is_empty());
    if args.iter().any(|a| a == "--serve") {
        let server = Server::start()?;
        println!("The fake Hopae API (hopae::mock) is listening. In another terminal:\n");
        println!("  export HOPAE_API_KEY={}", server.api_key());
        println!("  export HOPAE_BASE_URL={}", server.url());
        println!("  hopae production-tests list {DEMO_APP}\n");
        println!("It keeps state like the API: a created test is scheduled on the second list");
        println!("after it. Stop it with Ctrl-C.");
        loop {
            std::thread::park();
        }
    }
    let rest: Vec<String> = args.iter().filter(|a| *a != "--offline").cloned().collect();
    let live = if offline && rest.is_empty() {
        None
    } else {
        match parse_live(&rest) {
            Ok(live) => Some(live),
            Err(why) => {
                eprintln!("error: {why}\n{USAGE}");
                std::process::exit(2);
            }
        }
    };
    if offline {
        println!("Offline demo: hopae::mock plays the Hopae API, starting with its example data.");
        println!("Set HOPAE_API_KEY and pass a client id to run the flow against the real API.");
        let server = Server::start()?;
        offline_flow(&server, live.as_ref(), Duration::from_millis(300))?;
        return Ok(());
    }
    let live = live.expect("a live run has arguments");
    let client = HopaeClient::from_env()?;
    println!("Live run against {}", client.base_url());
    flow(
        &client,
        &live.client_id,
        live.create.as_ref(),
        WaitOptions::new(),
    )?;
    Ok(())
}

const USAGE: &str = "\
usage: cargo run --example quickstart -- <CLIENT_ID> [--create TITLE [--provider ID]... [--max-stamps N]]
  with HOPAE_API_KEY set; without it (or with --offline) the same runs against hopae::mock
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

/// The offline demo's request: a Smart-ID test with 5 stamps (enabled on the fake's
/// example App).
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

/// The flow against the fake: the demo (the example App, a Smart-ID test), or what the
/// command line asked for.
fn offline_flow(
    server: &Server,
    live: Option<&Live>,
    interval: Duration,
) -> Result<Option<Challenge>, hopae::Error> {
    let client = HopaeClient::builder(server.api_key())
        .base_url(server.url())
        .build()?;
    let wait = WaitOptions::new()
        .interval(interval)
        .timeout(Duration::from_secs(10));
    match live {
        Some(live) => flow(&client, &live.client_id, live.create.as_ref(), wait),
        None => flow(&client, DEMO_APP, Some(&demo_create()), wait),
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

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

    /// The offline run, as `cargo run --example quickstart` does it: every step is a
    /// real call to the fake, and the wait ends with the new challenge.
    #[test]
    fn offline_flow_walks_the_lifecycle_on_the_fake() {
        let server = hopae::mock::Server::start().unwrap();
        let challenge = super::offline_flow(&server, None, Duration::from_millis(50))
            .unwrap()
            .expect("a new challenge");
        assert!(challenge.id.starts_with("ch_"), "{}", challenge.id);
        assert_eq!(challenge.title, super::DEMO_TITLE);
        let list = "/apps/FK5b0KSM/production-tests".to_owned();
        let calls: Vec<(String, String, u16)> = server
            .requests()
            .into_iter()
            .map(|r| (r.method, r.path, r.status))
            .collect();
        let call = |m: &str, p: &str, s| (m.to_owned(), p.to_owned(), s);
        assert_eq!(
            calls,
            [
                call("GET", &list, 200),
                call(
                    "GET",
                    &format!("{list}/{}/report", hopae::mock::SEED_CHALLENGE),
                    200
                ),
                call("POST", &list, 201),
                call("GET", &list, 200),
                call("GET", &list, 200),
                call("GET", &format!("{list}/{}/report", challenge.id), 200),
            ]
        );
    }

    #[test]
    fn offline_flow_takes_any_title_and_a_wrong_id_is_a_real_404() {
        let server = hopae::mock::Server::start().unwrap();
        let run = live(&[
            "FK5b0KSM",
            "--create",
            "Any title",
            "--provider",
            "bankidse",
        ])
        .unwrap();
        let challenge = super::offline_flow(&server, Some(&run), Duration::from_millis(50))
            .unwrap()
            .expect("a new challenge");
        assert_eq!(challenge.title, "Any title");
        let run = live(&["NoSuchAp"]).unwrap();
        let e = super::offline_flow(&server, Some(&run), Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("RESOURCE_NOT_FOUND"));
    }
}

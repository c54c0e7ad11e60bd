//! `hopae production-tests` (alias `pt`): list, create, report and wait.

use std::time::Duration;

use hopae::production_tests::{Challenge, ChallengeRequest, NewProductionTest, Platform};
use hopae::wait::{WaitDetail, WaitOptions, WaitProgress};
use hopae::{Error, HopaeClient};

use crate::connect::connect;
use crate::emit::{emit, emit_bytes};
use crate::failure::Failure;
use crate::options::{DurationArg, Global, check_id, check_idempotency_key, count, flagged};
use crate::output::{clean, created_text, format_duration, list_table, report_text};
use crate::progress::{wait_options, with_progress};
use crate::raw::{self, Keep};
use crate::show::show;

/// `create`, with the idempotency key when one was given.
fn create(
    client: &HopaeClient,
    app: &str,
    test: &NewProductionTest,
    idempotency_key: Option<&str>,
) -> Result<ChallengeRequest, Error> {
    match idempotency_key {
        Some(key) => client
            .app(app)
            .production_tests()
            .with_idempotency_key(key)
            .create(test),
        None => client.app(app).production_tests().create(test),
    }
}

/// The arguments of `hopae production-tests`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List an app's challenges and pending requests, in the API's order
    List(List),
    /// Request a new production test
    #[command(after_help = CREATE_NOTES)]
    Create(Create),
    /// Show the participation report of a challenge: totals and claims per provider
    #[command(after_help = REPORT_NOTES)]
    Report(Report),
    /// Poll the list until a request is scheduled, then print its challenge's id
    #[command(after_help = WAIT_NOTES)]
    Wait(Wait),
}

const CREATE_NOTES: &str = "\
Hopae stores the test as a pending request and schedules it into a challenge later
(see `hopae production-tests wait`).

A value follows its option (--title T) or is joined to it with = (--title=T); a value
that starts with - must be joined: --title=--T.";

const REPORT_NOTES: &str = "\
CHALLENGE_ID is a challenge's id (ch_...), never a request's id (req_...): `hopae pt list
APP` shows the challenge a scheduled request became, `hopae pt wait APP REQUEST_ID` prints
it.";

const WAIT_NOTES: &str = "\
Prints the id of the challenge that the request REQUEST_ID (req_...) was scheduled into;
with --json, {\"requestId\": REQUEST_ID, \"challengeId\": ..., \"challenge\": the challenge
object as the last list showed it}. While polling, progress is shown on stderr when stderr
is a terminal.

A request resolves when its `challengeId` names a listed challenge. If the request
disappears from the list, the one challenge created at or after it with the request's
title is taken; several such challenges end the wait as ambiguous.

A duration is a whole number of seconds (90), or whole numbers with units from h down
to ms: 500ms, 90s, 15m, 1h, 1m30s, 1h5m.";

#[derive(clap::Args, Debug)]
struct List {
    /// The app's client id
    #[arg(value_name = "APP")]
    client_id: String,
}

#[derive(clap::Args, Debug)]
struct Create {
    /// The app's client id
    #[arg(value_name = "APP")]
    client_id: String,

    /// Title, 1 to 200 characters
    #[arg(long, value_name = "T")]
    title: String,

    /// Description, at most 1000 characters
    #[arg(long, value_name = "D")]
    description: Option<String>,

    /// Only this provider; repeat for several [default: every eligible one]
    #[arg(long = "provider", value_name = "ID")]
    providers: Vec<String>,

    /// Restrict to one platform [default: any]
    #[arg(long, value_name = "ios|android", hide_possible_values = true)]
    platform: Option<PlatformArg>,

    /// Stamp claims to collect, at least 1 [default: the API's, 3]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = count)]
    max_stamps: Option<u32>,

    /// Let one person claim more than once
    #[arg(long)]
    allow_duplicates: bool,

    /// Reuse K so that a re-run returns the same request [default: a new key]
    #[arg(long, value_name = "K")]
    idempotency_key: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum PlatformArg {
    Ios,
    Android,
}

#[derive(clap::Args, Debug)]
struct Report {
    /// The app's client id
    #[arg(value_name = "APP")]
    client_id: String,
    /// The challenge's id (ch_...)
    challenge_id: String,
}

#[derive(clap::Args, Debug)]
struct Wait {
    /// The app's client id
    #[arg(value_name = "APP")]
    client_id: String,
    /// The request's id (req_...), as `create` printed it
    request_id: String,

    /// Give up waiting after DURATION [default: 10m]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<DurationArg>,

    /// Pause between polls, at least 100ms [default: 15s]
    #[arg(long, value_name = "DURATION")]
    interval: Option<DurationArg>,
}

/// Runs a `production-tests` command. With `--json`, the output is the API's body as
/// sent (for `wait`, the challenge object as the last list showed it).
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::List(a) => {
            check_id("<APP>", &a.client_id)?;
            let call = |c: &HopaeClient| c.app(&a.client_id).production_tests().list();
            show(global, call, |items| list_table(&a.client_id, items))
        }
        Command::Create(a) => {
            let (test, key) = a.check()?;
            let call = |c: &HopaeClient| create(c, &a.client_id, &test, key);
            show(global, call, |request| created_text(&a.client_id, request))
        }
        Command::Report(a) => {
            check_id("<APP>", &a.client_id)?;
            check_id("<CHALLENGE_ID>", &a.challenge_id)?;
            if a.challenge_id.starts_with("req_") {
                return Err(Failure::usage(format!(
                    "<CHALLENGE_ID> {} is a request id: a report needs the challenge id (ch_...) \
                     the request was scheduled into; `hopae pt wait {} {}` prints it",
                    clean(&a.challenge_id),
                    clean(&a.client_id),
                    clean(&a.challenge_id)
                )));
            }
            let call = |c: &HopaeClient| {
                let tests = c.app(&a.client_id).production_tests();
                tests.report(&a.challenge_id)
            };
            show(global, call, report_text)
        }
        Command::Wait(a) => {
            let options = a.check()?;
            let api = connect(global, Keep::Last)?;
            let challenge = wait(&api.client, &a.client_id, &a.request_id, options)?;
            if global.json {
                let body = api.bodies.last()?;
                let object = raw::challenge_in_list(&body, &challenge.id)?;
                return emit_bytes(&wait_json(&a.request_id, &challenge.id, &object));
            }
            emit(&format!("{}\n", clean(&challenge.id)))
        }
    }
}

/// `pt wait --json`: `{"requestId", "challengeId", "challenge": <the object as listed>}`.
fn wait_json(request_id: &str, challenge_id: &str, challenge: &[u8]) -> Vec<u8> {
    let string = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = format!(
        "{{\"requestId\":{},\"challengeId\":{},\"challenge\":",
        string(request_id),
        string(challenge_id)
    )
    .into_bytes();
    out.extend_from_slice(challenge.trim_ascii_end());
    out.extend_from_slice(b"}\n");
    out
}

/// The fields of a production test, as `create` names them.
const CREATE_OPTIONS: &[(&str, &str)] = &[
    ("title", "--title"),
    ("description", "--description"),
    ("providerIds", "--provider"),
    ("targetPlatform", "--platform"),
    ("maxStamps", "--max-stamps"),
];

impl Create {
    /// The test to send and the idempotency key, checked by the library, with messages
    /// naming the options.
    fn check(&self) -> Result<(NewProductionTest, Option<&str>), Failure> {
        check_id("<APP>", &self.client_id)?;
        let mut test = NewProductionTest::new(&self.title);
        if let Some(d) = &self.description {
            test = test.description(d);
        }
        if !self.providers.is_empty() {
            test = test.provider_ids(&self.providers);
        }
        match self.platform {
            None => {}
            Some(PlatformArg::Ios) => test = test.target_platform(Platform::Ios),
            Some(PlatformArg::Android) => test = test.target_platform(Platform::Android),
        }
        if let Some(n) = self.max_stamps {
            test = test.max_stamps(n);
        }
        if self.allow_duplicates {
            test = test.allow_duplicate_participation(true);
        }
        test.validate().map_err(|e| flagged(e, CREATE_OPTIONS))?;
        let key = self.idempotency_key.as_deref();
        if let Some(k) = key {
            check_idempotency_key(k)?;
        }
        Ok((test, key))
    }
}

impl Wait {
    fn check(&self) -> Result<WaitOptions, Failure> {
        check_id("<APP>", &self.client_id)?;
        check_id("<REQUEST_ID>", &self.request_id)?;
        wait_options(
            WaitOptions::new(),
            self.interval.as_ref(),
            self.timeout.as_ref(),
        )
    }
}

fn wait(
    client: &HopaeClient,
    client_id: &str,
    request_id: &str,
    options: WaitOptions,
) -> Result<Challenge, Failure> {
    let id = request_id.to_owned();
    let line = move |p: &WaitProgress| {
        let challenge_id = match &p.detail {
            WaitDetail::ProductionTest { challenge_id } => challenge_id.as_deref(),
            _ => None,
        };
        progress_line(&id, p.polls, p.elapsed, p.status.as_deref(), challenge_id)
    };
    let tests = client.app(client_id).production_tests();
    let interrupted = format!(
        "interrupted while waiting for request {}; the request is unchanged: \
         `hopae pt wait {} {}` resumes the wait",
        clean(request_id),
        clean(client_id),
        clean(request_id)
    );
    Ok(with_progress(options, line, interrupted, |options| {
        tests.wait_for_challenge(request_id, options)
    })?)
}

fn progress_line(
    request_id: &str,
    polls: u32,
    elapsed: Duration,
    status: Option<&str>,
    challenge_id: Option<&str>,
) -> String {
    let status = match (status, challenge_id) {
        (Some(status), Some(ch)) => {
            format!("{}, challenge {} not listed yet", clean(status), clean(ch))
        }
        (Some(status), None) => clean(status),
        (None, _) => "no longer listed, looking for its challenge".to_owned(),
    };
    format!(
        "waiting for {}: {status} ({} elapsed, {} poll{})",
        clean(request_id),
        format_duration(elapsed),
        polls,
        if polls == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(title: &str) -> Create {
        Create {
            client_id: "FK5b0KSM".into(),
            title: title.into(),
            description: None,
            providers: Vec::new(),
            platform: None,
            max_stamps: None,
            allow_duplicates: false,
            idempotency_key: None,
        }
    }

    #[test]
    fn create_check_builds_the_test_from_every_option() {
        let a = Create {
            description: Some("nightly".into()),
            providers: vec!["mitid".into(), "bankidse".into()],
            platform: Some(PlatformArg::Ios),
            max_stamps: Some(5),
            allow_duplicates: true,
            idempotency_key: Some("k1".into()),
            ..create("T")
        };
        let expected = NewProductionTest::new("T")
            .description("nightly")
            .provider_ids(["mitid", "bankidse"])
            .target_platform(Platform::Ios)
            .max_stamps(5)
            .allow_duplicate_participation(true);
        assert_eq!(a.check(), Ok((expected, Some("k1"))));
        assert_eq!(create("T").check(), Ok((NewProductionTest::new("T"), None)));
    }

    #[test]
    fn create_check_names_the_option_at_fault() {
        for (a, message) in [
            (create(" "), "--title must not be empty"),
            (
                create(&"x".repeat(201)),
                "--title has 201 characters, at most 200 are allowed",
            ),
            (
                Create {
                    description: Some("d".repeat(1001)),
                    ..create("T")
                },
                "--description has 1001 characters, at most 1000 are allowed",
            ),
            (
                Create {
                    providers: vec!["mitid".into(), "".into()],
                    ..create("T")
                },
                "--provider #2 must not be empty",
            ),
            (
                Create {
                    max_stamps: Some(0),
                    ..create("T")
                },
                "--max-stamps must be at least 1",
            ),
            (
                Create {
                    idempotency_key: Some(String::new()),
                    ..create("T")
                },
                "--idempotency-key must have 1 to 255 characters, got 0",
            ),
            (
                Create {
                    idempotency_key: Some("k".repeat(256)),
                    ..create("T")
                },
                "--idempotency-key must have 1 to 255 characters, got 256",
            ),
            (
                Create {
                    idempotency_key: Some("a b".into()),
                    ..create("T")
                },
                "--idempotency-key may only contain visible ASCII characters (no spaces)",
            ),
            (
                Create {
                    client_id: String::new(),
                    ..create("T")
                },
                "<APP> must not be empty",
            ),
        ] {
            let f = a.check().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
    }

    fn wait_args(interval: Option<&str>, timeout: Option<&str>) -> Wait {
        Wait {
            client_id: "FK5b0KSM".into(),
            request_id: "req_1".into(),
            timeout: timeout.map(|t| t.parse().unwrap()),
            interval: interval.map(|i| i.parse().unwrap()),
        }
    }

    #[test]
    fn wait_json_is_the_documented_object() {
        let out = wait_json("req_1", "ch_1", b"{\"id\":\"ch_1\", \"x\": 1}\n");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"requestId\":\"req_1\",\"challengeId\":\"ch_1\",\"challenge\":{\"id\":\"ch_1\", \"x\": 1}}\n"
        );
    }

    #[test]
    fn wait_check_keeps_the_library_defaults_and_takes_the_options() {
        let o = wait_args(None, None).check().unwrap();
        assert_eq!(o.interval, None);
        assert_eq!(o.timeout, WaitOptions::DEFAULT_TIMEOUT);
        let o = wait_args(Some("100ms"), Some("1h5m")).check().unwrap();
        assert_eq!(o.interval, Some(Duration::from_millis(100)));
        assert_eq!(o.timeout, Duration::from_secs(3900));
        let o = wait_args(None, Some("0")).check().unwrap();
        assert_eq!(o.timeout, Duration::ZERO);
    }

    #[test]
    fn wait_check_names_an_empty_request_id() {
        let mut a = wait_args(None, None);
        a.request_id = String::new();
        assert_eq!(
            a.check().unwrap_err().message,
            "<REQUEST_ID> must not be empty"
        );
    }

    #[test]
    fn progress_line_shows_status_and_elapsed_time() {
        let elapsed = Duration::from_secs(65);
        let pending = "pending";
        assert_eq!(
            progress_line("req_1", 3, elapsed, Some(pending), None),
            "waiting for req_1: pending (1m 05s elapsed, 3 polls)"
        );
        assert_eq!(
            progress_line("req_1", 2, elapsed, Some(pending), Some("ch_\x1b")),
            r"waiting for req_1: pending, challenge ch_\u{1b} not listed yet (1m 05s elapsed, 2 polls)"
        );
        assert_eq!(
            progress_line("req_1", 1, elapsed, None, None),
            "waiting for req_1: no longer listed, looking for its challenge (1m 05s elapsed, 1 poll)"
        );
    }

    #[test]
    fn progress_line_escapes_control_characters_in_an_unknown_status() {
        let elapsed = Duration::from_secs(1);
        let evil = "\x1b[2J";
        for challenge_id in [None, Some("ch_1")] {
            let line = progress_line("req_1", 1, elapsed, Some(evil), challenge_id);
            assert!(!line.contains('\x1b'), "{line:?}");
            assert!(
                line.starts_with(r"waiting for req_1: \u{1b}[2J"),
                "{line:?}"
            );
        }
    }
}

//! `hopae`: run and report Hopae production tests from a terminal, a CI job or a script.
//!
//! Argument parsing is hand-written with the standard library only. See `hopae --help`.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use hopae::{
    Challenge, ChallengeRequest, Error, HopaeClient, NewProductionTest, Platform,
    ProductionTestItem, ProductionTestReport, RequestStatus, WaitOptions,
};
use time::{OffsetDateTime, UtcOffset};

/// The API answered with an error status (3xx included).
const EXIT_API: u8 = 1;
/// Bad arguments, a missing or invalid key or base URL, input the API would refuse.
const EXIT_USAGE: u8 = 2;
/// A request got no complete answer: network failure or timeout.
const EXIT_NETWORK: u8 = 3;
/// The answer was not what the API documents: malformed, inconsistent, too large.
const EXIT_RESPONSE: u8 = 4;
/// `wait` ended without a challenge.
const EXIT_WAIT: u8 = 5;

macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  the API answered with an error status (3xx included)
  2  usage error: bad arguments or options, HOPAE_API_KEY missing or invalid, invalid input
  3  a request failed on the network or timed out
  4  the response was not what the API documents (malformed, inconsistent, too large)
  5  wait ended without a challenge (request failed, unknown, ambiguous, or --timeout)
"
    };
}

macro_rules! common_options {
    () => {
        "      --json            print the API's JSON (wire shape) instead of a table
      --base-url URL    API base URL (default: $HOPAE_BASE_URL, else the key's environment)
      --retries N       retries of a failed HTTP call (default 2)
  -h, --help            print this help
"
    };
}

macro_rules! environment {
    () => {
        "Environment:
  HOPAE_API_KEY    workspace API key, required (sk_workspace_test_... for the sandbox,
                   sk_workspace_prod_... for production)
  HOPAE_BASE_URL   API base URL when --base-url is not given
"
    };
}

const HELP: &str = concat!(
    "hopae ",
    env!("CARGO_PKG_VERSION"),
    ": run and report Hopae production tests

Usage:
  hopae production-tests list   <CLIENT_ID> [OPTIONS]
  hopae production-tests create <CLIENT_ID> --title T [OPTIONS]
  hopae production-tests report <CLIENT_ID> <CHALLENGE_ID> [OPTIONS]
  hopae production-tests wait   <CLIENT_ID> <REQUEST_ID> [OPTIONS]

Commands:
  production-tests list     list scheduled challenges and pending requests of an app
  production-tests create   request a new production test
  production-tests report   show the participation report of a scheduled challenge
  production-tests wait     wait until a request is scheduled, print its challenge id

Run `hopae production-tests <COMMAND> --help` for a command's options.

Options:
",
    common_options!(),
    "  -V, --version         print the version

",
    environment!(),
    "
",
    exit_codes!()
);

const HELP_GROUP: &str = concat!(
    "Manage an app's production tests.

Usage:
  hopae production-tests <COMMAND> [ARGS] [OPTIONS]

Commands:
  list     list scheduled challenges and pending requests of an app
  create   request a new production test
  report   show the participation report of a scheduled challenge
  wait     wait until a request is scheduled, print its challenge id

Run `hopae production-tests <COMMAND> --help` for a command's options.

",
    exit_codes!()
);

const HELP_LIST: &str = concat!(
    "List an app's scheduled challenges and pending requests, in the order the API returns them.

Usage:
  hopae production-tests list <CLIENT_ID> [OPTIONS]

Options:
",
    common_options!(),
    "
",
    environment!(),
    "
",
    exit_codes!()
);

const HELP_CREATE: &str = concat!(
    "Request a new production test. Hopae stores it as a pending request and schedules it
into a challenge later (see `hopae production-tests wait`).

Usage:
  hopae production-tests create <CLIENT_ID> --title T [OPTIONS]

Options:
      --title T               title, 1 to 200 characters (required)
      --description D         description, at most 1000 characters
      --provider ID           restrict to this provider; repeat for several
                              (default: every eligible provider)
      --platform ios|android  restrict to one platform (default: any)
      --max-stamps N          stamp claims to collect, at least 1 (API default 3)
      --allow-duplicates      let one person claim more than once
      --idempotency-key K     reuse K to make a re-run return the same request
                              (default: a fresh key per run)
",
    common_options!(),
    "
",
    environment!(),
    "
",
    exit_codes!()
);

const HELP_REPORT: &str = concat!(
    "Show the participation report of a scheduled challenge: totals and claims per provider.
CHALLENGE_ID is a challenge's id (ch_...), never a request's id.

Usage:
  hopae production-tests report <CLIENT_ID> <CHALLENGE_ID> [OPTIONS]

Options:
",
    common_options!(),
    "
",
    environment!(),
    "
",
    exit_codes!()
);

const HELP_WAIT: &str = concat!(
    "Poll the list until the request REQUEST_ID (req_...) has been scheduled, then print the id
of its challenge (with --json: the challenge). While polling, progress is shown on stderr
when stderr is a terminal.

A request resolves when its `challengeId` names a listed challenge. If the request
disappears from the list, the one challenge created at or after it with the request's
title is taken; several such challenges end the wait as ambiguous.

Usage:
  hopae production-tests wait <CLIENT_ID> <REQUEST_ID> [OPTIONS]

Options:
      --timeout D       give up after D (default 10m)
      --interval D      pause between polls (default 15s)
                        D is a number with an optional unit: 500ms, 90 or 90s, 15m, 1h
",
    common_options!(),
    "
",
    environment!(),
    "
",
    exit_codes!()
);

/// A failure to report: one `error:` line on stderr and an exit code.
#[derive(Debug, PartialEq)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            code: exit_code(&e),
            message: e.to_string(),
        }
    }
}

/// The documented exit code of a library error.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Api(_) => EXIT_API,
        Error::Config(_) | Error::InvalidInput(_) => EXIT_USAGE,
        Error::Transport(_) => EXIT_NETWORK,
        Error::Decode(_) | Error::ResponseTooLarge { .. } => EXIT_RESPONSE,
        Error::Wait(_) => EXIT_WAIT,
        // A variant added by a later version of the library: the API was reached.
        _ => EXIT_API,
    }
}

/// Options every subcommand takes.
#[derive(Debug, Default, PartialEq)]
struct Common {
    json: bool,
    base_url: Option<String>,
    retries: Option<u32>,
}

#[derive(Debug, PartialEq)]
enum Command {
    Help(&'static str),
    Version,
    List {
        client_id: String,
    },
    Create {
        client_id: String,
        test: NewProductionTest,
        idempotency_key: Option<String>,
    },
    Report {
        client_id: String,
        challenge_id: String,
    },
    Wait {
        client_id: String,
        request_id: String,
        timeout: Duration,
        interval: Duration,
    },
}

fn main() -> ExitCode {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(a) => args.push(a),
            Err(bad) => {
                return fail(&Failure::usage(format!(
                    "argument {bad:?} is not valid unicode"
                )));
            }
        }
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f),
    }
}

fn fail(f: &Failure) -> ExitCode {
    // If stderr is gone there is nobody to tell; the exit code still says it.
    let _ = writeln!(io::stderr().lock(), "error: {}", f.message);
    ExitCode::from(f.code)
}

fn run(args: &[String]) -> Result<(), Failure> {
    let (command, common) = parse(args)?;
    match command {
        Command::Help(text) => return emit(text),
        Command::Version => return emit(&format!("hopae {}\n", env!("CARGO_PKG_VERSION"))),
        _ => {}
    }
    let client = client(&common)?;
    let json = common.json;
    match command {
        Command::Help(_) | Command::Version => Ok(()),
        Command::List { client_id } => {
            let items = client.list_production_tests(&client_id)?;
            emit(&if json {
                to_json(&items)
            } else {
                list_table(&client_id, &items)
            })
        }
        Command::Create {
            client_id,
            test,
            idempotency_key,
        } => {
            let request = match &idempotency_key {
                Some(key) => client.create_production_test_with_key(&client_id, &test, key)?,
                None => client.create_production_test(&client_id, &test)?,
            };
            emit(&if json {
                to_json(&request)
            } else {
                created_text(&client_id, &request)
            })
        }
        Command::Report {
            client_id,
            challenge_id,
        } => {
            let report = client.production_test_report(&client_id, &challenge_id)?;
            emit(&if json {
                to_json(&report)
            } else {
                report_text(&report)
            })
        }
        Command::Wait {
            client_id,
            request_id,
            timeout,
            interval,
        } => {
            let challenge = wait(&client, &client_id, &request_id, timeout, interval)?;
            emit(&if json {
                to_json(&challenge)
            } else {
                format!("{}\n", challenge.id)
            })
        }
    }
}

/// Builds the client: the key from `HOPAE_API_KEY`, the base URL from `--base-url`, else
/// `HOPAE_BASE_URL`, else the key's environment.
fn client(common: &Common) -> Result<HopaeClient, Failure> {
    let key = match std::env::var("HOPAE_API_KEY") {
        Ok(k) if !k.is_empty() => k,
        Ok(_) => {
            return Err(Failure::usage(
                "HOPAE_API_KEY is empty: set it to your workspace API key (sk_workspace_test_... or sk_workspace_prod_...)",
            ));
        }
        Err(std::env::VarError::NotPresent) => {
            return Err(Failure::usage(
                "HOPAE_API_KEY is not set: set it to your workspace API key (sk_workspace_test_... or sk_workspace_prod_...)",
            ));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Failure::usage("HOPAE_API_KEY is not valid unicode"));
        }
    };
    let mut builder = HopaeClient::builder(key);
    let env_url = std::env::var("HOPAE_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if let Some(url) = common.base_url.clone().or(env_url) {
        builder = builder.base_url(url);
    }
    if let Some(n) = common.retries {
        builder = builder.max_retries(n);
    }
    Ok(builder.build()?)
}

fn wait(
    client: &HopaeClient,
    client_id: &str,
    request_id: &str,
    timeout: Duration,
    interval: Duration,
) -> Result<Challenge, Failure> {
    let mut options = WaitOptions::new().timeout(timeout).interval(interval);
    let progress = io::stderr().is_terminal();
    if progress {
        let shown = Mutex::new(0usize);
        let id = request_id.to_owned();
        options = options.on_poll(move |p| {
            let line = progress_line(
                &id,
                p.polls,
                p.elapsed,
                p.status.as_ref(),
                p.challenge_id.as_deref(),
            );
            let mut width = shown.lock().unwrap_or_else(|e| e.into_inner());
            let pad = width.saturating_sub(line.chars().count());
            let _ = write!(io::stderr().lock(), "\r{line}{:pad$}", "");
            *width = line.chars().count();
        });
    }
    let result = client.wait_for_challenge(client_id, request_id, &options);
    if progress {
        // End the progress line so that what follows starts on a fresh one.
        let _ = writeln!(io::stderr().lock());
    }
    Ok(result?)
}

fn progress_line(
    request_id: &str,
    polls: u32,
    elapsed: Duration,
    status: Option<&RequestStatus>,
    challenge_id: Option<&str>,
) -> String {
    let status = match (status, challenge_id) {
        (Some(status), Some(ch)) => format!("{status}, challenge {} not listed yet", clean(ch)),
        (Some(status), None) => clean(status.as_str()),
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

/// Writes the output to stdout. A closed pipe (`| head`) ends the program quietly.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure {
            code: EXIT_API,
            message: format!("could not write to stdout: {e}"),
        }),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The models serialize to plain JSON objects: this cannot fail.
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{e}"));
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------
// Argument parsing

fn parse(args: &[String]) -> Result<(Command, Common), Failure> {
    let mut rest = args.iter().map(String::as_str);
    match rest.next() {
        None => Err(Failure::usage("missing command (see `hopae --help`)")),
        Some("-h" | "--help" | "help") => Ok((Command::Help(HELP), Common::default())),
        Some("-V" | "--version") => Ok((Command::Version, Common::default())),
        Some("production-tests") => match rest.next() {
            None => Err(Failure::usage(
                "missing production-tests command: list, create, report or wait (see `hopae production-tests --help`)",
            )),
            Some("-h" | "--help" | "help") => Ok((Command::Help(HELP_GROUP), Common::default())),
            Some(name) => {
                let sub = match name {
                    "list" => "list",
                    "create" => "create",
                    "report" => "report",
                    "wait" => "wait",
                    other => {
                        return Err(Failure::usage(format!(
                            "unknown production-tests command `{other}`: expected list, create, report or wait"
                        )));
                    }
                };
                let rest: Vec<&str> = rest.collect();
                parse_subcommand(sub, &rest)
            }
        },
        Some(other) => Err(Failure::usage(format!(
            "unknown command `{other}` (see `hopae --help`)"
        ))),
    }
}

/// Arguments of a subcommand after splitting: positionals in order, and each option's
/// values in order.
struct Args<'a> {
    sub: &'static str,
    positionals: Vec<&'a str>,
    options: Vec<(&'static str, Option<&'a str>)>,
}

impl<'a> Args<'a> {
    fn usage_error(&self, message: impl std::fmt::Display) -> Failure {
        Failure::usage(format!(
            "{message} (see `hopae production-tests {} --help`)",
            self.sub
        ))
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == name)
    }

    fn values(&self, name: &str) -> Vec<&'a str> {
        self.options
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| *v)
            .collect()
    }

    fn single(&self, name: &str) -> Result<Option<&'a str>, Failure> {
        match self.values(name).as_slice() {
            [] => Ok(None),
            [v] => Ok(Some(v)),
            _ => Err(self.usage_error(format!("{name} given more than once"))),
        }
    }

    fn parsed<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, Failure> {
        match self.single(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| self.usage_error(format!("{name} expects {what}, got `{v}`"))),
        }
    }

    fn positionals<const N: usize>(&self, names: [&str; N]) -> Result<[String; N], Failure> {
        if let Some(extra) = self.positionals.get(N) {
            return Err(self.usage_error(format!("unexpected argument `{extra}`")));
        }
        if let Some(missing) = names.get(self.positionals.len()) {
            return Err(self.usage_error(format!("missing {missing}")));
        }
        Ok(std::array::from_fn(|i| self.positionals[i].to_owned()))
    }
}

const COMMON_FLAGS: &[&str] = &["--json"];
const COMMON_VALUES: &[&str] = &["--base-url", "--retries"];

fn parse_subcommand(sub: &'static str, raw: &[&str]) -> Result<(Command, Common), Failure> {
    let (flags, values): (&[&'static str], &[&'static str]) = match sub {
        "create" => (
            &["--allow-duplicates"],
            &[
                "--title",
                "--description",
                "--provider",
                "--platform",
                "--max-stamps",
                "--idempotency-key",
            ],
        ),
        "wait" => (&[], &["--timeout", "--interval"]),
        _ => (&[], &[]),
    };
    // `--help` anywhere (before `--`) wins over everything else.
    if raw
        .iter()
        .take_while(|a| **a != "--")
        .any(|a| matches!(*a, "-h" | "--help"))
    {
        let text = match sub {
            "list" => HELP_LIST,
            "create" => HELP_CREATE,
            "report" => HELP_REPORT,
            _ => HELP_WAIT,
        };
        return Ok((Command::Help(text), Common::default()));
    }
    let mut args = Args {
        sub,
        positionals: Vec::new(),
        options: Vec::new(),
    };
    let mut i = 0;
    let mut only_positionals = false;
    while let Some(&arg) = raw.get(i) {
        i += 1;
        if only_positionals || arg == "-" || !arg.starts_with('-') {
            args.positionals.push(arg);
            continue;
        }
        if arg == "--" {
            only_positionals = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        if let Some(&flag) = flags.iter().chain(COMMON_FLAGS).find(|f| **f == name) {
            if inline.is_some() {
                return Err(args.usage_error(format!("{flag} takes no value")));
            }
            args.options.push((flag, None));
        } else if let Some(&opt) = values.iter().chain(COMMON_VALUES).find(|f| **f == name) {
            let value = match inline {
                Some(v) => v,
                None => {
                    let Some(&v) = raw.get(i) else {
                        return Err(args.usage_error(format!("{opt} needs a value")));
                    };
                    i += 1;
                    v
                }
            };
            args.options.push((opt, Some(value)));
        } else {
            return Err(args.usage_error(format!("unknown option `{name}`")));
        }
    }

    let common = Common {
        json: args.flag("--json"),
        base_url: args.single("--base-url")?.map(str::to_owned),
        retries: args.parsed("--retries", "a number of retries")?,
    };
    let command = match sub {
        "list" => {
            let [client_id] = args.positionals(["<CLIENT_ID>"])?;
            Command::List { client_id }
        }
        "create" => {
            let [client_id] = args.positionals(["<CLIENT_ID>"])?;
            let Some(title) = args.single("--title")? else {
                return Err(args.usage_error("missing --title"));
            };
            let mut test = NewProductionTest::new(title);
            if let Some(d) = args.single("--description")? {
                test = test.description(d);
            }
            let providers = args.values("--provider");
            if !providers.is_empty() {
                test = test.provider_ids(providers);
            }
            match args.single("--platform")? {
                None => {}
                Some("ios") => test = test.target_platform(Platform::Ios),
                Some("android") => test = test.target_platform(Platform::Android),
                Some(other) => {
                    return Err(args
                        .usage_error(format!("--platform expects ios or android, got `{other}`")));
                }
            }
            if let Some(n) = args.parsed("--max-stamps", "a positive whole number")? {
                test = test.max_stamps(n);
            }
            if args.flag("--allow-duplicates") {
                test = test.allow_duplicate_participation(true);
            }
            Command::Create {
                client_id,
                test,
                idempotency_key: args.single("--idempotency-key")?.map(str::to_owned),
            }
        }
        "report" => {
            let [client_id, challenge_id] = args.positionals(["<CLIENT_ID>", "<CHALLENGE_ID>"])?;
            Command::Report {
                client_id,
                challenge_id,
            }
        }
        _ => {
            let [client_id, request_id] = args.positionals(["<CLIENT_ID>", "<REQUEST_ID>"])?;
            let duration = |name| match args.single(name)? {
                None => Ok(None),
                Some(v) => parse_duration(v).map(Some).map_err(|why| {
                    args.usage_error(format!(
                        "{name} expects a duration like 90s, 15m or 1h: {why}"
                    ))
                }),
            };
            Command::Wait {
                client_id,
                request_id,
                timeout: duration("--timeout")?.unwrap_or(WaitOptions::DEFAULT_TIMEOUT),
                interval: duration("--interval")?.unwrap_or(WaitOptions::DEFAULT_INTERVAL),
            }
        }
    };
    Ok((command, common))
}

/// Parses `500ms`, `90` (seconds), `90s`, `15m`, `1h`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(format!("`{s}` does not start with a number"));
    }
    let n: u64 = digits.parse().map_err(|_| format!("`{s}` is too large"))?;
    let millis_per = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("unknown unit `{unit}` (use ms, s, m or h)")),
    };
    n.checked_mul(millis_per)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{s}` is too large"))
}

// ---------------------------------------------------------------------------------------
// Human output

/// Replaces control characters (terminal escape sequences included) so that text from the
/// API cannot rewrite the user's terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Shortens text to `max` characters, marking the cut with `…`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `2026-04-08 10:00`, in UTC.
fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

/// Left-aligned columns separated by two spaces, without trailing whitespace.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (cell, w) in row.iter().zip(&widths) {
            line.push_str(cell);
            let pad = w - cell.chars().count();
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn challenge_state(c: &Challenge) -> &'static str {
    if c.completed_at.is_some() {
        "completed"
    } else if c.is_active {
        "active"
    } else {
        "inactive"
    }
}

fn list_table(client_id: &str, items: &[ProductionTestItem]) -> String {
    if items.is_empty() {
        return format!("no production tests for app {}\n", clean(client_id));
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| match item {
            ProductionTestItem::Challenge(c) => vec![
                "challenge".to_owned(),
                clean(&c.id),
                challenge_state(c).to_owned(),
                shorten(&clean(&c.title), 40),
                timestamp(c.created_at),
                timestamp(c.expires_at),
            ],
            ProductionTestItem::Request(r) => vec![
                "request".to_owned(),
                clean(&r.id),
                clean(r.status.as_str()),
                shorten(&clean(&r.payload.title), 40),
                timestamp(r.created_at),
                "-".to_owned(),
            ],
        })
        .collect();
    table(
        &[
            "TYPE",
            "ID",
            "STATUS",
            "TITLE",
            "CREATED (UTC)",
            "EXPIRES (UTC)",
        ],
        &rows,
    )
}

/// Key-value lines with the values aligned.
fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:width$}  {v}\n"))
        .collect()
}

fn created_text(client_id: &str, r: &ChallengeRequest) -> String {
    let p = &r.payload;
    let providers = match &p.provider_ids {
        Some(ids) if !ids.is_empty() => clean(&ids.join(", ")),
        _ => "all eligible".to_owned(),
    };
    let mut pairs = vec![
        ("request", clean(&r.id)),
        ("status", clean(r.status.as_str())),
        ("title", clean(&p.title)),
        ("providers", providers),
        (
            "platform",
            p.target_platform
                .as_ref()
                .map_or("any".to_owned(), |t| clean(t.as_str())),
        ),
        (
            "max stamps",
            p.max_stamp_claims
                .map_or("API default".to_owned(), |n| n.to_string()),
        ),
        ("created", format!("{} UTC", timestamp(r.created_at))),
    ];
    if let Some(ch) = &r.challenge_id {
        pairs.push(("challenge", clean(ch)));
    }
    format!(
        "{}\nnext: hopae production-tests wait {} {}\n",
        fields(&pairs),
        clean(client_id),
        clean(&r.id)
    )
}

fn report_text(report: &ProductionTestReport) -> String {
    let c = &report.challenge;
    let s = &report.stats;
    let status = match c.completed_at {
        Some(t) => format!("completed {} UTC", timestamp(t)),
        None => challenge_state(c).to_owned(),
    };
    let mut out = fields(&[
        ("challenge", clean(&c.id)),
        ("title", clean(&c.title)),
        ("status", status),
        ("created", format!("{} UTC", timestamp(c.created_at))),
        ("expires", format!("{} UTC", timestamp(c.expires_at))),
        ("participations", s.total_participations.to_string()),
        ("claims", s.total_claims.to_string()),
    ]);
    out.push('\n');
    if s.provider_breakdown.is_empty() {
        out.push_str("no claims by provider yet\n");
    } else {
        let rows: Vec<Vec<String>> = s
            .provider_breakdown
            .iter()
            .map(|p| {
                vec![
                    clean(&p.provider_id),
                    clean(&p.provider_name),
                    p.claim_count.to_string(),
                ]
            })
            .collect();
        out.push_str(&table(&["PROVIDER", "NAME", "CLAIMS"], &rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn parse_ok(s: &str) -> (Command, Common) {
        parse(&args(s)).unwrap()
    }

    fn parse_err(s: &str) -> Failure {
        parse(&args(s)).unwrap_err()
    }

    #[test]
    fn exit_codes_follow_the_documented_table() {
        assert_eq!(exit_code(&Error::Config("x".into())), 2);
        assert_eq!(exit_code(&Error::InvalidInput("x".into())), 2);
        let too_large = Error::ResponseTooLarge {
            status: 200,
            limit: 1,
            attempts: 1,
        };
        assert_eq!(exit_code(&too_large), 4);
        for (code, line) in [
            (0, "  0  success"),
            (1, "  1  the API answered"),
            (2, "  2  usage error"),
            (3, "  3  a request failed"),
            (4, "  4  the response was not"),
            (5, "  5  wait ended"),
        ] {
            assert!(HELP.contains(line), "{code}");
            assert!(HELP_WAIT.contains(line), "{code}");
        }
    }

    #[test]
    fn options_may_stand_anywhere_after_the_subcommand() {
        let expected = (
            Command::List {
                client_id: "FK5b0KSM".into(),
            },
            Common {
                json: true,
                base_url: Some("http://127.0.0.1:9".into()),
                retries: None,
            },
        );
        assert_eq!(
            parse_ok("production-tests list FK5b0KSM --json --base-url http://127.0.0.1:9"),
            expected
        );
        assert_eq!(
            parse_ok("production-tests list --json --base-url=http://127.0.0.1:9 FK5b0KSM"),
            expected
        );
    }

    #[test]
    fn create_collects_every_option() {
        let (cmd, common) = parse_ok(
            "production-tests create FK5b0KSM --provider mitid --title T --provider bankidse \
             --platform ios --max-stamps 5 --allow-duplicates --idempotency-key k1 --retries 0",
        );
        let test = NewProductionTest::new("T")
            .provider_ids(["mitid", "bankidse"])
            .target_platform(Platform::Ios)
            .max_stamps(5)
            .allow_duplicate_participation(true);
        assert_eq!(
            cmd,
            Command::Create {
                client_id: "FK5b0KSM".into(),
                test,
                idempotency_key: Some("k1".into())
            }
        );
        assert_eq!(common.retries, Some(0));
    }

    #[test]
    fn double_dash_ends_options() {
        let (cmd, _) = parse_ok("production-tests report FK5b0KSM -- --odd-id");
        assert_eq!(
            cmd,
            Command::Report {
                client_id: "FK5b0KSM".into(),
                challenge_id: "--odd-id".into()
            }
        );
    }

    #[test]
    fn help_wins_on_every_level() {
        assert_eq!(parse_ok("--help").0, Command::Help(HELP));
        assert_eq!(parse_ok("production-tests -h").0, Command::Help(HELP_GROUP));
        assert_eq!(
            parse_ok("production-tests create --bogus --help").0,
            Command::Help(HELP_CREATE)
        );
        assert_eq!(parse_ok("-V").0, Command::Version);
    }

    #[test]
    fn usage_errors_are_one_line_with_exit_2() {
        for (line, needle) in [
            ("", "missing command"),
            ("apps list", "unknown command `apps`"),
            ("production-tests", "missing production-tests command"),
            (
                "production-tests delete x",
                "unknown production-tests command `delete`",
            ),
            ("production-tests list", "missing <CLIENT_ID>"),
            ("production-tests list a b", "unexpected argument `b`"),
            ("production-tests list a --jsn", "unknown option `--jsn`"),
            (
                "production-tests list a --json=yes",
                "--json takes no value",
            ),
            (
                "production-tests list a --base-url",
                "--base-url needs a value",
            ),
            (
                "production-tests list a --retries x",
                "--retries expects a number",
            ),
            ("production-tests create a", "missing --title"),
            (
                "production-tests create a --title t --title u",
                "--title given more than once",
            ),
            (
                "production-tests create a --title t --platform web",
                "--platform expects ios or android",
            ),
            (
                "production-tests create a --title t --max-stamps -1",
                "--max-stamps expects a positive whole number",
            ),
            ("production-tests report a", "missing <CHALLENGE_ID>"),
            ("production-tests wait a", "missing <REQUEST_ID>"),
            (
                "production-tests wait a r --timeout 10x",
                "unknown unit `x`",
            ),
        ] {
            let f = parse_err(line);
            assert_eq!(f.code, 2, "{line}");
            assert!(f.message.contains(needle), "{line}: {}", f.message);
            assert!(!f.message.contains('\n'), "{line}");
        }
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "s", "1.5m", "-1", "1 m", "10d", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wait_defaults_and_values() {
        let (cmd, _) = parse_ok("production-tests wait a r");
        assert_eq!(
            cmd,
            Command::Wait {
                client_id: "a".into(),
                request_id: "r".into(),
                timeout: Duration::from_secs(600),
                interval: Duration::from_secs(15)
            }
        );
        let (cmd, _) = parse_ok("production-tests wait --interval 500ms a --timeout=1h r");
        assert!(matches!(
            cmd,
            Command::Wait { timeout, interval, .. }
                if timeout == Duration::from_secs(3600) && interval == Duration::from_millis(500)
        ));
    }

    #[test]
    fn text_from_the_api_cannot_drive_the_terminal() {
        assert_eq!(clean("ok\x1b[2Jtitle\r\n"), "ok?[2Jtitle??");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn table_aligns_columns_without_trailing_spaces() {
        let t = table(
            &["A", "BB"],
            &[vec!["xyz".into(), "1".into()], vec!["é".into(), "".into()]],
        );
        assert_eq!(t, "A    BB\nxyz  1\né\n");
    }

    #[test]
    fn progress_line_shows_status_and_elapsed_time() {
        let elapsed = Duration::from_secs(65);
        let pending = hopae::RequestStatus::Pending;
        assert_eq!(
            progress_line("req_1", 3, elapsed, Some(&pending), None),
            "waiting for req_1: pending (1m 05s elapsed, 3 polls)"
        );
        assert_eq!(
            progress_line("req_1", 2, elapsed, Some(&pending), Some("ch_\x1b")),
            "waiting for req_1: pending, challenge ch_? not listed yet (1m 05s elapsed, 2 polls)"
        );
        assert_eq!(
            progress_line("req_1", 1, elapsed, None, None),
            "waiting for req_1: no longer listed, looking for its challenge (1m 05s elapsed, 1 poll)"
        );
    }
}

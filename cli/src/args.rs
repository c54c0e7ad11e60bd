//! Command-line arguments: the help texts, and a parser that accepts options anywhere
//! after the subcommand.

use std::time::Duration;

use hopae::{NewProductionTest, Platform, WaitOptions};

use crate::Failure;

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
      --retries N       retries of a failed HTTP call (default 2, at most 10)
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

pub(crate) const HELP: &str = concat!(
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
A value follows its option (--title T) or is joined to it with = (--title=T); a value
that starts with -- must be joined: --title=--T.

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

pub(crate) const HELP_WAIT: &str = concat!(
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
      --interval D      pause between polls, at least 100ms (default 15s)
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

/// Options every subcommand takes.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Common {
    pub(crate) json: bool,
    pub(crate) base_url: Option<String>,
    pub(crate) retries: Option<u32>,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Command {
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

pub(crate) fn parse(args: &[String]) -> Result<(Command, Common), Failure> {
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

/// The shortest `--interval` of `wait`: a typo such as `1ms` must not poll the API a
/// thousand times a second.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

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
                // A separate value never starts with `--`: `--title --json` is a missing
                // title, not a test titled "--json". `--title=--json` is one.
                None => match raw.get(i) {
                    Some(&v) if !v.starts_with("--") => {
                        i += 1;
                        v
                    }
                    Some(&next) => {
                        return Err(args.usage_error(format!(
                            "{opt} needs a value, not `{next}`; write {opt}=VALUE for a value that starts with --"
                        )));
                    }
                    None => return Err(args.usage_error(format!("{opt} needs a value"))),
                },
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
            let interval = duration("--interval")?.unwrap_or(WaitOptions::DEFAULT_INTERVAL);
            if interval < MIN_INTERVAL {
                let given = args.single("--interval")?.unwrap_or_default();
                return Err(args.usage_error(format!(
                    "--interval must be at least {}ms, got `{given}`",
                    MIN_INTERVAL.as_millis()
                )));
            }
            Command::Wait {
                client_id,
                request_id,
                timeout: duration("--timeout")?.unwrap_or(WaitOptions::DEFAULT_TIMEOUT),
                interval,
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
    fn option_value_never_swallows_the_next_option() {
        for (line, needle) in [
            (
                "production-tests create a --description --json --title T",
                "--description needs a value",
            ),
            (
                "production-tests create a --title --json",
                "--title needs a value",
            ),
            (
                "production-tests create a --title -- T",
                "--title needs a value",
            ),
            (
                "production-tests list a --base-url --retries 1",
                "--base-url needs a value",
            ),
            (
                "production-tests wait a r --interval --timeout 1m",
                "--interval needs a value",
            ),
        ] {
            let f = parse_err(line);
            assert_eq!(f.code, 2, "{line}");
            assert!(f.message.contains(needle), "{line}: {}", f.message);
            assert!(!f.message.contains('\n'), "{line}");
        }
    }

    #[test]
    fn option_value_starting_with_dashes_needs_the_equals_form() {
        let (cmd, common) =
            parse_ok("production-tests create a --title=--json --description=--x --json");
        assert_eq!(
            cmd,
            Command::Create {
                client_id: "a".into(),
                test: NewProductionTest::new("--json").description("--x"),
                idempotency_key: None,
            }
        );
        assert!(common.json);
        // A single dash is an ordinary value (and gets the option's own error).
        let f = parse_err("production-tests create a --title T --max-stamps -1");
        assert!(f.message.contains("--max-stamps expects"), "{}", f.message);
    }

    #[test]
    fn wait_interval_below_100ms_is_a_usage_error() {
        for interval in ["0", "0s", "1ms", "99ms"] {
            let f = parse_err(&format!("production-tests wait a r --interval {interval}"));
            assert_eq!(f.code, 2, "{interval}");
            assert!(
                f.message.contains(&format!(
                    "--interval must be at least 100ms, got `{interval}`"
                )),
                "{interval}: {}",
                f.message
            );
        }
        let (cmd, _) = parse_ok("production-tests wait a r --interval 100ms");
        assert!(matches!(
            cmd,
            Command::Wait { interval, .. } if interval == Duration::from_millis(100)
        ));
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
}

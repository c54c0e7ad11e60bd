//! `hopae`: manage Hopae Connect apps, workflows, providers, domains, webhooks and
//! production tests from a terminal, a CI job or a script.
//!
//! Arguments are parsed with clap (derive); every error, clap's usage errors included, is
//! one `error: ...` line on stderr with a documented exit code. See `hopae --help`.
//!
//! This file is the parser and the dispatch. How a command fails and its exit codes live
//! in `failure`, building the client from options and environment in `connect`, writing
//! to stdout and stderr in `emit`; the command groups use those modules, never this file
//! (`.ci/module_cycles.py` keeps the import graph free of circles).

mod api;
mod apps;
mod browser;
mod confirm;
mod connect;
mod domains;
mod emit;
mod failure;
mod list_edit;
mod mock;
mod oidc;
mod options;
mod output;
mod production_tests;
mod progress;
mod providers;
mod qr;
mod raw;
mod show;
mod verify;
mod webhooks;
mod workflows;
mod workspace;

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

use emit::{emit, exit};
use failure::Failure;
use options::Global;
use output::{clean, format_duration};

/// Shown after the top-level help only: what every command shares.
const AFTER_HELP: &str = "\
Environment:
  HOPAE_API_KEY         workspace API key, for the commands that call the API
                        (sk_workspace_test_... for the sandbox, sk_workspace_prod_... for
                        production)
  HOPAE_BASE_URL        API base URL when --base-url is not given
  HOPAE_CLIENT_ID       an app's client id, for verify and verifications (App API)
  HOPAE_CLIENT_SECRET   that app's client secret
  HOPAE_ENVIRONMENT     sandbox or production, for verify and verifications when neither
                        --base-url nor HOPAE_BASE_URL is given
  HOPAE_WEBHOOK_SECRET  an app's webhook secret (whsec_...), for webhooks verify, trigger
                        and listen
  HOPAE_OIDC_ISSUER     the OIDC issuer for hopae oidc (else HOPAE_ENVIRONMENT's), with
                        HOPAE_CLIENT_ID and HOPAE_CLIENT_SECRET
  HOPAE_DEBUG           `http`: trace every HTTP request and response on stderr (as -v -v)
  SSL_CERT_FILE         a PEM file of trusted roots, used instead of the built-in Mozilla
  SSL_CERT_DIR          roots (or directories of such files) when --ca-file is not given

Durations: a whole number of seconds (90), or whole numbers with units from h down to ms:
  500ms, 90s, 15m, 1h, 1m30s, 1h5m

Exit codes:
  0  success
  1  the API answered with an error status (3xx included); for webhooks trigger, the
     receiver answered with a status other than 2xx
  2  usage error: bad arguments or options, HOPAE_API_KEY or HOPAE_WEBHOOK_SECRET missing
     or invalid, invalid input, --yes missing without a terminal, a confirmation not given
  3  a request failed on the network or timed out
  4  the response was not what the API documents (malformed, inconsistent, too large)
  5  a wait ended without success: production-tests wait without a challenge (request
     failed, unknown, ambiguous), domains wait with the domains invalid, verify with the
     session failed, expired or cancelled, or --timeout
  6  a webhook signature or an OIDC ID token did not verify
  130  a wait (production-tests wait, domains wait) interrupted with Ctrl-C; verify
       interrupted with Ctrl-C, after it cancels its session";

/// Manage Hopae Connect apps, workflows, providers, domains, webhooks and production tests.
#[derive(Parser, Debug)]
#[command(
    name = "hopae",
    version,
    about = "manage Hopae Connect apps, workflows, providers, domains, webhooks and production tests",
    help_template = "{name} {version}: {about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the workspace the API key belongs to
    Workspace,
    /// List, show, create, change and delete apps
    #[command(alias = "app", arg_required_else_help = false)]
    Apps(apps::Group),
    /// An app's workflows: the graphs of nodes a verification runs
    #[command(alias = "workflow", arg_required_else_help = false)]
    Workflows(workflows::Group),
    /// The providers on an app and their activation
    #[command(alias = "provider", arg_required_else_help = false)]
    Providers(providers::Group),
    /// An app's custom domains: set them, verify their DNS records, wait until active
    #[command(alias = "domain", arg_required_else_help = false)]
    Domains(domains::Group),
    /// An app's webhook settings; check, send and receive signed deliveries locally
    #[command(alias = "webhook", arg_required_else_help = false)]
    Webhooks(webhooks::Group),
    /// Manage an app's production tests
    #[command(
        visible_alias = "pt",
        alias = "production-test",
        arg_required_else_help = false
    )]
    ProductionTests(production_tests::Group),
    /// Verify a person with a provider: show the QR code, link or code, wait, print the
    /// claims (App API)
    #[command(after_help = verify::VERIFY_NOTES)]
    Verify(verify::Verify),
    /// Verification sessions and the providers an app may use (App API)
    #[command(arg_required_else_help = false)]
    Verifications(verify::Group),
    /// Sign in with the app's OpenID Connect set-up; show discovery; verify ID tokens
    #[command(arg_required_else_help = true)]
    Oidc(oidc::Group),
    /// Call any endpoint under the base URL: hopae api GET /apps --paginate
    Api(api::Args),
    /// Serve a fake Workspace API on 127.0.0.1, or drive a running one's test controls
    #[command(after_help = mock::NOTES, arg_required_else_help = false)]
    Mock(mock::Args),
    /// Print a shell completion script to stdout
    ///
    /// For example: hopae completions bash > ~/.local/share/bash-completion/completions/hopae
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let start = Instant::now();
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.len() <= 1 {
        // Plain `hopae`: the help, as for `hopae --help`.
        return exit(&emit(&Cli::command().render_help().to_string()));
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return exit(&emit(&e.render().to_string()));
        }
        Err(e) => return exit(&Err(Failure::usage(usage_message(&e, &args)))),
    };
    let verbose = cli.global.verbose > 0;
    let result = run(cli);
    let code = exit(&result);
    if verbose {
        let _ = writeln!(
            io::stderr().lock(),
            "{}",
            verbose_line(start.elapsed(), result.err().as_ref())
        );
    }
    code
}

fn run(cli: Cli) -> Result<(), Failure> {
    cli.global.check()?;
    match cli.command {
        Command::Workspace => workspace::run(&cli.global),
        Command::Apps(group) => apps::run(group, &cli.global),
        Command::Webhooks(group) => webhooks::run(group, &cli.global),
        Command::ProductionTests(group) => production_tests::run(group, &cli.global),
        Command::Workflows(group) => workflows::run(group, &cli.global),
        Command::Providers(group) => providers::run(group, &cli.global),
        Command::Domains(group) => domains::run(group, &cli.global),
        Command::Verify(args) => verify::run_verify(&args, &cli.global),
        Command::Verifications(group) => verify::run_group(group, &cli.global),
        Command::Oidc(group) => oidc::run(group, &cli.global),
        Command::Api(args) => api::run(&args, &cli.global),
        Command::Mock(args) => mock::run(&args, &cli.global),
        Command::Completions { shell } => {
            mock::refuse_globals("completions", &cli.global)?;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hopae", &mut script);
            emit(&String::from_utf8_lossy(&script))
        }
    }
}

/// What `--verbose` adds on stderr after a command: the elapsed time, and a library
/// error's attempts and request id. The key is never part of it (the library redacts it
/// from request ids too).
fn verbose_line(elapsed: Duration, failure: Option<&Failure>) -> String {
    let mut line = format!("note: took {}", short_duration(elapsed));
    if let Some(f) = failure {
        match f.attempts {
            0 => {}
            1 => line.push_str(", 1 attempt"),
            n => line.push_str(&format!(", {n} attempts")),
        }
        if let Some(id) = &f.request_id {
            line.push_str(&format!(", request id {}", clean(id)));
        }
    }
    line
}

/// `412ms`, `4.12s`, `1m 05s`.
fn short_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d < Duration::from_secs(60) {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        format_duration(d)
    }
}

/// A clap error as one line, naming the arguments as the user typed them and ending with
/// where to read more.
fn usage_message(e: &clap::Error, args: &[OsString]) -> String {
    let strings = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    let first = |kind| strings(kind).into_iter().next().unwrap_or_default();
    // `--title <T>` is the option `--title`.
    let arg = first(ContextKind::InvalidArg);
    let flag = arg.split(' ').next().unwrap_or_default().to_owned();
    let value = first(ContextKind::InvalidValue);
    let or_list = |v: Vec<String>| match v.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let mut message = match e.kind() {
        ErrorKind::MissingRequiredArgument => {
            format!("missing {}", strings(ContextKind::InvalidArg).join(", "))
        }
        ErrorKind::MissingSubcommand => format!(
            "missing command: {}",
            or_list(strings(ContextKind::ValidSubcommand))
        ),
        ErrorKind::InvalidSubcommand => {
            format!(
                "unknown command `{}`",
                first(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::UnknownArgument if arg.starts_with('-') => format!("unknown option `{arg}`"),
        ErrorKind::UnknownArgument => format!("unexpected argument `{arg}`"),
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("{flag} needs a value; write {flag}=VALUE for a value that starts with -")
        }
        ErrorKind::InvalidValue => format!(
            "invalid value `{value}` for {flag}: expected {}",
            or_list(strings(ContextKind::ValidValue))
        ),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e).map(ToString::to_string);
            format!(
                "invalid value `{value}` for {flag}: {}",
                why.unwrap_or_default()
            )
        }
        ErrorKind::ArgumentConflict if strings(ContextKind::PriorArg) == [arg.clone()] => {
            format!("{flag} given more than once")
        }
        _ => flattened(e),
    };
    let suggestions: Vec<String> = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    // Clap lists its suggestions from the least to the most likely: the likeliest first.
    .flat_map(|kind| strings(kind).into_iter().rev())
    .fold(Vec::new(), |mut names, name| {
        // A command suggested by one of its aliases (`app`, `pt`) is named once, by its name.
        let name = Cli::command()
            .find_subcommand(&name)
            .map_or(name, |c| c.get_name().to_owned());
        if !names.contains(&name) {
            names.push(name);
        }
        names
    });
    if !suggestions.is_empty() {
        message.push_str(&format!("; did you mean `{}`?", suggestions.join("` or `")));
    }
    for tip in strings(ContextKind::Suggested) {
        if tip.starts_with("to pass '") {
            // Clap's `use '-- -x'` suits an argument, not an option's value.
            message.push_str(&format!(
                "; a value that starts with - is joined to its option (--title={arg}), an \
                 argument follows -- (-- {arg})"
            ));
        } else {
            message.push_str(&format!("; {tip}"));
        }
    }
    format!("{message} (see `{} --help`)", command_path(args))
}

/// Clap's own rendering of an error on one line: its text up to the usage, without the
/// `error:` prefix.
fn flattened(e: &clap::Error) -> String {
    let text = e.render().to_string();
    text.lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_owned()
}

/// `hopae production-tests list`: the commands named in the arguments, for the hint that
/// ends a usage error.
fn command_path(args: &[OsString]) -> String {
    let mut cmd = Cli::command();
    let mut path = vec!["hopae".to_owned()];
    for arg in args.iter().skip(1).filter_map(|a| a.to_str()) {
        let Some(sub) = cmd.find_subcommand(arg).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_owned());
        cmd = sub;
    }
    path.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::*;
    use hopae::{Error, HopaeClient};

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_follow_the_documented_table() {
        let config = HopaeClient::new("").unwrap_err();
        assert!(matches!(config, Error::Config(_)));
        assert_eq!(exit_code(&config), 2);
        // Refused before sending: nothing leaves the machine.
        let client = HopaeClient::new("sk_workspace_test_x").unwrap();
        let input = client.app("").get().unwrap_err();
        assert!(matches!(input, Error::InvalidInput(_)));
        assert_eq!(exit_code(&input), 2);
        let too_large = Error::ResponseTooLarge {
            status: 200,
            limit: 1,
            attempts: 1,
        };
        assert_eq!(exit_code(&too_large), 4);
        for (code, constant) in [
            (1, EXIT_API),
            (2, EXIT_USAGE),
            (3, EXIT_NETWORK),
            (4, EXIT_RESPONSE),
            (5, EXIT_WAIT),
            (6, EXIT_SIGNATURE),
        ] {
            assert_eq!(code, constant);
            assert!(AFTER_HELP.contains(&format!("\n  {code}  ")), "{code}");
        }
    }

    #[test]
    fn verbose_line_shows_time_attempts_and_request_id_when_present() {
        let ms = Duration::from_millis(412);
        assert_eq!(verbose_line(ms, None), "note: took 412ms");
        let api = Failure {
            code: 1,
            message: "api error".into(),
            request_id: Some("r-\x1b9".into()),
            attempts: 3,
        };
        assert_eq!(
            verbose_line(Duration::from_millis(4_125), Some(&api)),
            r"note: took 4.12s, 3 attempts, request id r-\u{1b}9"
        );
        let one = Failure {
            attempts: 1,
            request_id: None,
            ..api
        };
        assert_eq!(
            verbose_line(Duration::from_secs(65), Some(&one)),
            "note: took 1m 05s, 1 attempt"
        );
        assert_eq!(
            verbose_line(ms, Some(&Failure::usage("x"))),
            "note: took 412ms"
        );
    }

    fn parse_error(line: &str) -> String {
        let args: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
        let e = Cli::try_parse_from(&args).unwrap_err();
        usage_message(&e, &args)
    }

    #[test]
    fn usage_errors_are_one_line_naming_the_arguments_as_typed() {
        for (line, message) in [
            (
                "hopae frobnicate",
                "unknown command `frobnicate` (see `hopae --help`)",
            ),
            (
                "hopae apps",
                "missing command: list, get, create, batch-create, update, delete, rotate-secret, redirect-uris or help (see `hopae apps --help`)",
            ),
            (
                "hopae apps get",
                "missing <APP> (see `hopae apps get --help`)",
            ),
            (
                "hopae apps list --all --limit 5",
                "the argument '--all' cannot be used with '--limit <N>' (see `hopae apps list --help`)",
            ),
            (
                "hopae webhooks config A --enable --disable",
                "the argument '--enable' cannot be used with '--disable' (see `hopae webhooks config --help`)",
            ),
            (
                "hopae webhooks verify",
                "missing --signature <HEADER> (see `hopae webhooks verify --help`)",
            ),
            (
                "hopae webhooks listen --port 70000",
                "invalid value `70000` for --port: expected a port number from 0 to 65535 (see `hopae webhooks listen --help`)",
            ),
            (
                "hopae production-tests",
                "missing command: list, create, report, wait or help (see `hopae production-tests --help`)",
            ),
            (
                "hopae pt list",
                "missing <APP> (see `hopae production-tests list --help`)",
            ),
            (
                "hopae pt create A",
                "missing --title <T> (see `hopae production-tests create --help`)",
            ),
            (
                "hopae pt list A --jsn",
                "unknown option `--jsn`; did you mean `--json`? (see `hopae production-tests list --help`)",
            ),
            (
                "hopae pt list A B",
                "unexpected argument `B` (see `hopae production-tests list --help`)",
            ),
            (
                "hopae pt create A --title --json",
                "--title needs a value; write --title=VALUE for a value that starts with - (see `hopae production-tests create --help`)",
            ),
            (
                "hopae pt create A --title T --platform web",
                "invalid value `web` for --platform: expected ios or android (see `hopae production-tests create --help`)",
            ),
            (
                "hopae pt wait A R --timeout soon",
                "invalid value `soon` for --timeout: expected a duration like 500ms, 90s, 15m, 1h or 1m30s (see `hopae production-tests wait --help`)",
            ),
            (
                "hopae --http-timeout 10d pt list A",
                "invalid value `10d` for --http-timeout: unknown unit `d`: use ms, s, m or h (see `hopae production-tests list --help`)",
            ),
            (
                "hopae pt list A --retries x",
                "invalid value `x` for --retries: expected a whole number from 0 to 4294967295 (see `hopae production-tests list --help`)",
            ),
            (
                "hopae pt create A --title -x",
                "unknown option `-x`; a value that starts with - is joined to its option (--title=-x), an argument follows -- (-- -x) (see `hopae production-tests create --help`)",
            ),
            (
                "hopae pt create A --title T --max-stamps -1",
                "invalid value `-1` for --max-stamps: expected a whole number from 0 to 4294967295 (see `hopae production-tests create --help`)",
            ),
            (
                "hopae pt create A --title T --title U",
                "--title given more than once (see `hopae production-tests create --help`)",
            ),
            (
                "hopae workflows create A",
                "missing --file <FILE> (see `hopae workflows create --help`)",
            ),
            (
                "hopae workflows",
                "missing command: list, get, create, update, delete, set-default, node-types or help (see `hopae workflows --help`)",
            ),
            (
                "hopae providers activate A --field mitid",
                "invalid value `mitid` for --field: expected PROVIDER.NAME=VALUE, like mitid.companyName=Shop (see `hopae providers activate --help`)",
            ),
            (
                "hopae providers upload A ftn",
                "missing <FILE>... (see `hopae providers upload --help`)",
            ),
            (
                "hopae domains set A --web a.example",
                "missing --oidc <HOST> (see `hopae domains set --help`)",
            ),
            (
                "hopae domains wait A --timeout 1d",
                "invalid value `1d` for --timeout: unknown unit `d`: use ms, s, m or h (see `hopae domains wait --help`)",
            ),
            (
                "hopae mock --fail-rate 2",
                "invalid value `2` for --fail-rate: expected a number from 0.0 to 1.0 (see `hopae mock --help`)",
            ),
            (
                "hopae mock --port -1",
                "invalid value `-1` for --port: expected a port number from 0 to 65535 (see `hopae mock --help`)",
            ),
            (
                "hopae completions tcsh",
                "invalid value `tcsh` for <SHELL>: expected bash, elvish, fish, powershell or zsh; did you mean `zsh`? (see `hopae completions --help`)",
            ),
        ] {
            assert_eq!(parse_error(line), message, "{line}");
        }
    }

    #[test]
    fn global_options_stand_before_or_after_the_subcommand() {
        for line in [
            "hopae --json --retries 0 production-tests list A",
            "hopae production-tests --json list A --retries=0",
            "hopae pt list --retries 0 A --json",
        ] {
            let cli = Cli::try_parse_from(line.split_whitespace()).unwrap();
            assert!(cli.global.json, "{line}");
            assert_eq!(cli.global.retries, Some(0), "{line}");
        }
    }

    #[test]
    fn help_lists_environment_and_exit_codes_at_the_top_only() {
        let top = Cli::command().render_help().to_string();
        assert!(top.starts_with(concat!(
            "hopae ",
            env!("CARGO_PKG_VERSION"),
            ": manage Hopae Connect apps, workflows, providers, domains, webhooks and production tests\n"
        )));
        assert!(top.contains("Exit codes:\n  0  success\n"), "{top}");
        assert!(top.contains("HOPAE_API_KEY"), "{top}");
        let mut cmd = Cli::command();
        cmd.build();
        for path in [
            &["production-tests"][..],
            &["production-tests", "wait"],
            &["completions"],
            &["apps"],
            &["apps", "delete"],
            &["webhooks", "config"],
            &["webhooks", "listen"],
            &["workspace"],
            &["workflows", "create"],
            &["providers", "activate"],
            &["domains", "wait"],
        ] {
            let mut sub = &mut cmd;
            for name in path {
                sub = sub.find_subcommand_mut(name).unwrap();
            }
            let help = sub.render_long_help().to_string();
            assert!(!help.contains("Exit codes"), "{path:?}: {help}");
            assert!(!help.contains("HOPAE_API_KEY"), "{path:?}: {help}");
        }
    }
}

//! `hopae`: manage Hopae Connect apps, workflows, providers, domains, webhooks and
//! production tests from a terminal, a CI job or a script.
//!
//! Arguments are parsed with clap (derive); every error, clap's usage errors included, is
//! one `error: ...` line on stderr with a documented exit code. See `hopae --help`.

mod api;
mod apps;
mod confirm;
mod domains;
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
use hopae::{ConfigErrorKind, Error, HopaeClient};

use options::Global;
use output::{clean, format_duration};
use raw::{Bodies, Keep};

/// The API answered with an error status (3xx included).
const EXIT_API: u8 = 1;
/// Bad arguments, a missing or invalid key or base URL, input refused before sending.
const EXIT_USAGE: u8 = 2;
/// A request got no complete answer: network failure or timeout.
const EXIT_NETWORK: u8 = 3;
/// The answer was not what the API documents: malformed, inconsistent, too large.
const EXIT_RESPONSE: u8 = 4;
/// A wait ended without success: no challenge, the domains invalid, or its timeout.
const EXIT_WAIT: u8 = 5;
/// A webhook signature or an OIDC ID token did not verify.
const EXIT_SIGNATURE: u8 = 6;

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

/// A failure to report: one `error:` line on stderr and an exit code, plus what
/// `--verbose` shows of a library error.
#[derive(Debug, PartialEq)]
struct Failure {
    code: u8,
    message: String,
    request_id: Option<String>,
    attempts: u32,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
            request_id: None,
            attempts: 0,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            code: exit_code(&e),
            message: chain(&e),
            request_id: e.request_id().map(str::to_owned),
            attempts: e.attempts(),
        }
    }
}

/// An error and its causes on one line: `connection failed: GET https://...: connection
/// refused (os error 111)`.
fn chain(e: &Error) -> String {
    let mut message = e.to_string();
    // `error: api error: status 404 ...` says "error" twice: the CLI's own prefix is enough.
    if let Some(rest) = message.strip_prefix("api error: ") {
        message = format!("the api answered {rest}");
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        let mut chars = text.chars();
        message.push_str(": ");
        // `Connection refused` reads as the rest of the sentence; `CONNECT` stays.
        match (chars.next(), chars.clone().next()) {
            (Some(first), Some(second)) if !second.is_uppercase() => {
                message.extend(first.to_lowercase());
                message.push_str(chars.as_str());
            }
            _ => message.push_str(&text),
        }
        source = cause.source();
    }
    message.replace(['\n', '\r'], " ")
}

/// The documented exit code of a library error.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Api(_) => EXIT_API,
        Error::Config(_) | Error::InvalidInput(_) => EXIT_USAGE,
        Error::Transport(_) => EXIT_NETWORK,
        Error::Decode(_) | Error::ResponseTooLarge { .. } => EXIT_RESPONSE,
        Error::Wait(_) => EXIT_WAIT,
        Error::IdToken(_) => EXIT_SIGNATURE,
        // A variant added by a later version of the library: the API was reached.
        _ => EXIT_API,
    }
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

/// The exit code of a result; a failure's one line goes to stderr first.
fn exit(result: &Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // One line, whatever the message holds. If stderr is gone there is nobody to
            // tell; the exit code still says it.
            let _ = writeln!(io::stderr().lock(), "error: {}", clean(&f.message));
            ExitCode::from(f.code)
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

/// A client, and the 2xx bodies it received for `--json`.
pub(crate) struct Api {
    pub(crate) client: HopaeClient,
    pub(crate) bodies: Bodies,
}

impl Api {
    /// Prints the body of the last 2xx answer as sent (`--json`).
    pub(crate) fn print_last(&self) -> Result<(), Failure> {
        emit_bytes(&raw::document(self.bodies.last()?))
    }
}

/// Builds the client: the key from `HOPAE_API_KEY`, the base URL from `--base-url`, else
/// `HOPAE_BASE_URL`, else the key's environment. With `--json`, the client keeps the 2xx
/// bodies that `keep` asks for.
pub(crate) fn connect(global: &Global, keep: Keep) -> Result<Api, Failure> {
    const KEYS: &str = "your workspace API key (sk_workspace_test_... or sk_workspace_prod_...)";
    let key = match std::env::var("HOPAE_API_KEY") {
        Ok(k) if !k.is_empty() => k,
        Ok(_) => {
            return Err(Failure::usage(format!(
                "HOPAE_API_KEY is empty: set it to {KEYS}"
            )));
        }
        Err(std::env::VarError::NotPresent) => {
            return Err(Failure::usage(format!(
                "HOPAE_API_KEY is not set: set it to {KEYS}"
            )));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Failure::usage("HOPAE_API_KEY is not valid unicode"));
        }
    };
    let env_url = std::env::var("HOPAE_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let base_url = global.base_url.clone().or(env_url);
    let mut builder = HopaeClient::builder(key)
        .user_agent_prefix(concat!("hopae-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(n) = global.retries {
        builder = builder.max_retries(n);
    }
    if let Some(t) = &global.http_timeout {
        builder = builder.timeout(t.value);
    }
    // `-v -v` traces HTTP like HOPAE_DEBUG=http (which the library reads itself).
    if global.verbose >= 2 {
        builder = builder.http_trace(true);
    }
    // `--ca-file`, else the roots SSL_CERT_FILE/SSL_CERT_DIR name, else the built-in ones.
    builder = match &global.ca_file {
        Some(path) => builder.root_certificates_file(path),
        None => builder.root_certificates_from_env(),
    };
    let bodies = Bodies::new(if global.json { keep } else { Keep::Nothing })
        .show_secrets(global.show_secrets);
    if bodies.records() {
        let hook = bodies.clone();
        builder = builder.on_response(move |r| hook.record(r.status, r.body));
    }
    // The library checks the key; its two key messages are reworded with the names the
    // user set (the CLI has no environment flag).
    let client = builder.build().map_err(|e| match &e {
        Error::Config(c) if c.kind() == ConfigErrorKind::ApiKeyInvalid => {
            Failure::usage(c.message().replacen("the API key", "HOPAE_API_KEY", 1))
        }
        // The key is at fault, not the base URL (the library says which prefix it has).
        Error::Config(c) if c.kind() == ConfigErrorKind::UnknownKeyPrefix => {
            Failure::usage(c.message().replacen("the API key", "HOPAE_API_KEY", 1))
        }
        _ => Failure::from(e),
    })?;
    Ok(Api { client, bodies })
}

/// Writes the output to stdout. A closed pipe (`| head`) ends the program quietly.
fn emit(text: &str) -> Result<(), Failure> {
    emit_bytes(text.as_bytes())
}

/// [`emit`] for bytes (a body as the API sent it).
fn emit_bytes(bytes: &[u8]) -> Result<(), Failure> {
    match write_stdout(bytes) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|e| Failure {
            code: EXIT_API,
            ..Failure::usage(format!("could not write to stdout: {e}"))
        }),
    }
}

/// Writes output that holds a new secret: it is shown this once, so a closed pipe is a
/// failure too, which says that the rotation happened.
fn emit_secret(bytes: &[u8], what: &str) -> Result<(), Failure> {
    write_stdout(bytes).map_err(|e| Failure {
        code: EXIT_API,
        ..Failure::usage(format!(
            "the {what} was rotated but could not be written to stdout ({e}): the old one no \
             longer works; rotate again"
        ))
    })
}

pub(crate) fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush())
}

#[cfg(test)]
mod tests {
    use super::*;

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

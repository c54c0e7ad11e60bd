//! `hopae`: run and report Hopae production tests from a terminal, a CI job or a script.
//!
//! Argument parsing is hand-written with the standard library only. See `hopae --help`.

mod args;
mod output;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hopae::{Challenge, Error, HopaeClient, RequestStatus, WaitOptions};

use args::{Command, Common, parse};
use output::{clean, created_text, format_duration, list_table, report_text};

/// The API answered with an error status (3xx included).
const EXIT_API: u8 = 1;
/// Bad arguments, a missing or invalid key or base URL, input refused before sending.
const EXIT_USAGE: u8 = 2;
/// A request got no complete answer: network failure or timeout.
const EXIT_NETWORK: u8 = 3;
/// The answer was not what the API documents: malformed, inconsistent, too large.
const EXIT_RESPONSE: u8 = 4;
/// `wait` ended without a challenge.
const EXIT_WAIT: u8 = 5;

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
    // One line, whatever the message holds. If stderr is gone there is nobody to tell;
    // the exit code still says it.
    let _ = writeln!(io::stderr().lock(), "error: {}", clean(&f.message));
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
    let progress = io::stderr()
        .is_terminal()
        .then(|| Arc::new(Mutex::new(ProgressLine::default())));
    if let Some(shown) = &progress {
        let shown = Arc::clone(shown);
        let id = request_id.to_owned();
        options = options.on_poll(move |p| {
            let line = progress_line(
                &id,
                p.polls,
                p.elapsed,
                p.status.as_ref(),
                p.challenge_id.as_deref(),
            );
            let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
            let _ = shown.draw(&mut io::stderr().lock(), &line);
        });
    }
    let result = client.wait_for_challenge(client_id, request_id, &options);
    if let Some(shown) = &progress {
        // End the progress line so that what follows (the result, or an error) starts on
        // a fresh one.
        let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
        let _ = shown.end(&mut io::stderr().lock());
    }
    Ok(result?)
}

/// The progress line of `wait` on a terminal, redrawn in place after every poll.
#[derive(Debug, Default)]
struct ProgressLine {
    /// Characters of the line on screen; 0 when none is (progress lines are never empty).
    width: usize,
}

impl ProgressLine {
    /// Redraws the line: back to its start, the new text, then spaces over the rest of
    /// the old one.
    fn draw(&mut self, out: &mut impl Write, line: &str) -> io::Result<()> {
        let width = line.chars().count();
        let pad = self.width.saturating_sub(width);
        self.width = width;
        write!(out, "\r{line}{:pad$}", "")?;
        out.flush()
    }

    /// Ends the line, so that the next output starts on a fresh one. Writes nothing when
    /// no line is on screen (an error on the first poll gets no empty line before it).
    fn end(&mut self, out: &mut impl Write) -> io::Result<()> {
        if std::mem::take(&mut self.width) == 0 {
            return Ok(());
        }
        writeln!(out)
    }
}

fn progress_line(
    request_id: &str,
    polls: u32,
    elapsed: Duration,
    status: Option<&RequestStatus>,
    challenge_id: Option<&str>,
) -> String {
    let status = match (status, challenge_id) {
        (Some(status), Some(ch)) => format!(
            "{}, challenge {} not listed yet",
            clean(status.as_str()),
            clean(ch)
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use args::HELP;
    use args::HELP_WAIT;

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

    fn drawn(f: impl FnOnce(&mut ProgressLine, &mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut ProgressLine::default(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn progress_line_redraws_in_place_and_ends_with_one_newline() {
        let out = drawn(|p, out| {
            p.draw(out, "pending (3 polls)").unwrap();
            p.draw(out, "gone").unwrap();
            p.end(out).unwrap();
            p.end(out).unwrap();
        });
        assert_eq!(out, "\rpending (3 polls)\rgone             \n");
    }

    #[test]
    fn progress_line_never_drawn_ends_with_nothing() {
        // An error on the first poll: the `error:` line must not follow an empty line.
        assert_eq!(drawn(|p, out| p.end(out).unwrap()), "");
    }

    #[test]
    fn progress_line_escapes_control_characters_in_an_unknown_status() {
        let elapsed = Duration::from_secs(1);
        let evil = hopae::RequestStatus::from("\x1b[2J");
        for challenge_id in [None, Some("ch_1")] {
            let line = progress_line("req_1", 1, elapsed, Some(&evil), challenge_id);
            assert!(!line.contains('\x1b'), "{line:?}");
            assert!(line.starts_with("waiting for req_1: ?[2J"), "{line:?}");
        }
    }
}

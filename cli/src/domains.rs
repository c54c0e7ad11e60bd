//! `hopae domains`: an app's custom domain pair (get, set, verify, wait, delete).

use std::time::Duration;

use hopae::HopaeClient;
use hopae::domains::CustomDomain;
use hopae::wait::{WaitOptions, WaitProgress};

use crate::confirm::{Typed, confirm};
use crate::failure::Failure;
use crate::options::{AppArg, DurationArg, Global, check_id};
use crate::output::{clean, fields, format_duration, table, timestamp_or};
use crate::progress::{wait_options, with_progress};
use crate::raw;
use crate::show::{show, show_deleted};

/// The arguments of `hopae domains`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Show an app's custom domains, their status and the DNS records they need
    Get(AppArg),
    /// Set an app's custom domains and print the DNS records to create
    #[command(after_help = SET_NOTES)]
    Set(Set),
    /// Ask Hopae to check the DNS records now; the only way the status advances
    Verify(AppArg),
    /// Verify every --interval until the domains are active
    #[command(after_help = WAIT_NOTES)]
    Wait(Wait),
    /// Remove an app's custom domains
    #[command(after_help = DELETE_NOTES)]
    Delete(Delete),
}

const SET_NOTES: &str = "\
An app has one pair: the hosted web pages' host (--web) and the OIDC issuer's (--oidc),
bare host names under one base domain (login.shop.example and oidc.shop.example). Create
the DNS records printed at your DNS provider, then run `hopae domains wait APP` (or
`verify` now and then): Hopae does not check them on its own.

To change a pair, delete it first (`hopae domains delete`).";

const WAIT_NOTES: &str = "\
Each poll is one verify call. Prints the domains once they are active (with --json: the
last verify's answer). Ends with exit code 5 when a verify answers `invalid` or
--timeout passes first. While polling, progress is shown on stderr when stderr is a
terminal.

A duration is a whole number of seconds (90), or whole numbers with units from h down
to ms: 500ms, 90s, 15m, 1h, 1m30s, 1h5m.";

const DELETE_NOTES: &str = "\
The hosts stop serving the app; setting them again starts the DNS verification anew.

This cannot be undone. On a terminal the command asks you to type the app id to
confirm; elsewhere (a script, a CI job) it needs --yes.";

#[derive(clap::Args, Debug)]
struct Set {
    /// The app's client id
    app: String,

    /// The host of the hosted web pages, e.g. login.shop.example
    #[arg(long, value_name = "HOST")]
    web: String,

    /// The host of the OIDC issuer, e.g. oidc.shop.example
    #[arg(long, value_name = "HOST")]
    oidc: String,
}

#[derive(clap::Args, Debug)]
struct Wait {
    /// The app's client id
    app: String,

    /// Give up waiting after DURATION [default: 1h]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<DurationArg>,

    /// Pause between verifications, at least 100ms [default: 30s]
    #[arg(long, value_name = "DURATION")]
    interval: Option<DurationArg>,
}

#[derive(clap::Args, Debug)]
struct Delete {
    /// The app's client id
    app: String,

    /// Confirm without being asked (required when there is no terminal)
    #[arg(long)]
    yes: bool,
}

/// The defaults of `wait`: DNS and certificates take minutes, not seconds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Runs a `domains` command. With `--json`, the output is the API's body as sent.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::Get(a) => {
            check_id("<APP>", &a.app)?;
            let call = |c: &HopaeClient| c.app(&a.app).custom_domain();
            show(global, call, |domain| domain_text(&a.app, domain))
        }
        Command::Set(a) => {
            check_id("<APP>", &a.app)?;
            for (option, host) in [("--web", &a.web), ("--oidc", &a.oidc)] {
                if host.trim().is_empty() {
                    return Err(Failure::usage(format!("{option} must not be empty")));
                }
            }
            let call = |c: &HopaeClient| {
                c.app(&a.app)
                    .set_custom_domain(&a.web, &a.oidc)
                    .map_err(name_the_options)
            };
            show(global, call, |domain| set_text(&a.app, domain))
        }
        Command::Verify(a) => {
            check_id("<APP>", &a.app)?;
            let call = |c: &HopaeClient| c.app(&a.app).verify_custom_domain();
            show(global, call, |domain| domain_text(&a.app, domain))
        }
        Command::Wait(a) => {
            check_id("<APP>", &a.app)?;
            let defaults = WaitOptions::new()
                .interval(DEFAULT_INTERVAL)
                .timeout(DEFAULT_TIMEOUT);
            let options = wait_options(defaults, a.interval.as_ref(), a.timeout.as_ref())?;
            let call = |c: &HopaeClient| {
                let app = a.app.clone();
                let line = move |p: &WaitProgress| {
                    progress_line(&app, p.status.as_deref(), p.elapsed, p.polls)
                };
                let handle = c.app(&a.app);
                let interrupted = format!(
                    "interrupted while waiting for the custom domains of app {}; \
                     `hopae domains wait {}` resumes the wait",
                    clean(&a.app),
                    clean(&a.app)
                );
                with_progress(options, line, interrupted, |o| {
                    handle.wait_for_custom_domain(o)
                })
            };
            show(global, call, |domain| domain_text(&a.app, domain))
        }
        Command::Delete(a) => {
            check_id("<APP>", &a.app)?;
            let what = format!("the custom domains of app {}", clean(&a.app));
            let ask = || {
                confirm(
                    a.yes,
                    &format!("delete {what}"),
                    "they stop serving the app and their DNS verification is lost",
                    Typed::app(&a.app),
                )
            };
            let call = |c: &HopaeClient| c.app(&a.app).delete_custom_domain();
            let done = format!("deleted {what}\n");
            show_deleted(global, ask, call, raw::document, &done)
        }
    }
}

/// `set`: the domains, and what to do next while DNS records are missing.
fn set_text(app: &str, domain: &CustomDomain) -> String {
    let mut out = domain_text(app, domain);
    if !domain.dns_records.is_empty() {
        out.push_str(&format!(
            "\nnext: create these records at your DNS provider, then run\n  hopae domains wait {}\n",
            clean(app)
        ));
    }
    out
}

/// The library names the body's fields (`webDomain`); the user typed options.
fn name_the_options(e: hopae::Error) -> Failure {
    crate::options::flagged(e, &[("webDomain", "--web"), ("oidcDomain", "--oidc")])
}

/// `waiting for the custom domains of app FK5b0KSM: verifying (1m 05s elapsed, 3
/// verifications)`.
fn progress_line(app: &str, status: Option<&str>, elapsed: Duration, polls: u32) -> String {
    format!(
        "waiting for the custom domains of app {}: {} ({} elapsed, {polls} verification{})",
        clean(app),
        status.map_or("-".to_owned(), clean),
        format_duration(elapsed),
        if polls == 1 { "" } else { "s" }
    )
}

/// The domains, their status, what to do next, and the DNS records to create as a table
/// that can be copied into a DNS console (values are never shortened).
fn domain_text(app: &str, d: &CustomDomain) -> String {
    let host = |h: &Option<String>| h.as_deref().map_or("not set".to_owned(), clean);
    let mut pairs = vec![
        ("app", clean(app)),
        ("web domain", host(&d.web_domain)),
        ("oidc domain", host(&d.oidc_domain)),
        ("status", clean(d.status.as_str())),
        ("next", clean(d.required_action.as_str())),
    ];
    if let Some(m) = &d.status_message {
        pairs.push(("message", clean(m)));
    }
    pairs.push(("last checked", timestamp_or(d.last_checked_at, "never")));
    let mut out = fields(&pairs);
    if !d.dns_records.is_empty() {
        let rows: Vec<Vec<String>> = d
            .dns_records
            .iter()
            .map(|r| {
                vec![
                    clean(&r.record_type),
                    clean(&r.name),
                    clean(&r.host),
                    clean(&r.value),
                    if r.required { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        out.push_str("\nDNS records:\n");
        out.push_str(&table(
            &["TYPE", "NAME", "HOST", "VALUE", "REQUIRED"],
            &rows,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line_shows_status_time_and_verifications() {
        let elapsed = Duration::from_secs(65);
        assert_eq!(
            progress_line("FK5b0KSM", Some("verifying"), elapsed, 3),
            "waiting for the custom domains of app FK5b0KSM: verifying (1m 05s elapsed, 3 verifications)"
        );
        assert_eq!(
            progress_line("A", Some("\x1b[2J"), Duration::ZERO, 1),
            r"waiting for the custom domains of app A: \u{1b}[2J (0s elapsed, 1 verification)"
        );
    }

    #[test]
    fn domain_errors_name_the_options() {
        let client = hopae::HopaeClient::new("sk_workspace_test_x").unwrap();
        // Refused before sending: nothing leaves the machine.
        let e = client
            .app("A")
            .set_custom_domain("https://login.shop.example", "oidc.shop.example")
            .unwrap_err();
        let f = name_the_options(e);
        assert_eq!(
            (f.code, f.message.as_str()),
            (2, "--web must be a bare host name, without a scheme")
        );
    }
}

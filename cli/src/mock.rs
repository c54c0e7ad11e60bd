//! `hopae mock`: the library's fake of the Workspace API (`hopae::mock`) on 127.0.0.1,
//! for trying the other commands, demos and tests of scripts, until Ctrl-C.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hopae::mock::{LogCursor, LoggedRequest, Server};

mod control;

use crate::emit::emit;
use crate::failure::Failure;
use crate::options::{DurationArg, Global, count, io_message};
use crate::output::{clean, rfc3339};

/// The arguments of `hopae mock`: serve the fake, or ask a running one a test control.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    control: Option<control::Control>,

    /// The port on 127.0.0.1; 0 picks a free one
    #[arg(long, value_name = "PORT", default_value_t = 0, value_parser = port, allow_negative_numbers = true)]
    port: u16,

    /// Start with no apps (by default the workspace holds the example app FK5b0KSM)
    #[arg(long)]
    empty: bool,

    /// Schedule a production-test request on the N-th list call after its creation
    /// [default: 2]
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    schedule_after: Option<u32>,

    /// Answer this share of calls with a 503, from 0.0 to 1.0 [default: 0]
    #[arg(long, value_name = "R", value_parser = rate, allow_negative_numbers = true)]
    fail_rate: Option<f64>,

    /// Seed of the failures, ids and secrets (the same seed fails the same calls)
    #[arg(long, value_name = "N", value_parser = seed)]
    seed: Option<u64>,

    /// Delay every answer by DURATION [default: 0]
    #[arg(long, value_name = "DURATION")]
    latency: Option<DurationArg>,

    /// Play the production API: accept sk_workspace_prod_ keys, refuse test keys
    #[arg(long)]
    production: bool,

    /// Complete a verification session by itself on its N-th poll; 0 never [default: 3]
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    complete_after: Option<u32>,
}

pub(crate) const NOTES: &str = "\
Prints lines for a shell on stdout, then serves until Ctrl-C (which ends it with exit
code 0), logging one line per request on stderr (time, method, path, status):

  export HOPAE_BASE_URL=http://127.0.0.1:PORT/connect/v1
  export HOPAE_API_KEY=sk_workspace_test_mock
  export HOPAE_CLIENT_ID=FK5b0KSM
  export HOPAE_CLIENT_SECRET=6f1c0a9e...
  export HOPAE_OIDC_ISSUER=http://127.0.0.1:PORT/oidc

(the client id and secret, the example app's App API credentials, not with --empty;
the issuer is the fake's OpenID Connect provider).

The fake keeps its state in memory: what one command changes, the next one sees. It
models every Workspace API operation with the documented shapes, status codes, errors
and idempotency, plus some choices of its own (the provider catalog, the activation form
fields, DNS record values): do not test for those. A production-test request is
scheduled on a later list call (--schedule-after); each domain verify advances the status
awaiting_dns -> verifying -> active. The App API (hopae verify, hopae verifications) takes
the credentials of any app of the fake, apps created with hopae apps create included; a
verification session answers awaiting_user_action, then completes on its third poll
(--complete-after). Nothing reaches Hopae.

Test controls, for a running fake at --base-url or HOPAE_BASE_URL (another terminal):
  hopae mock emit APP verification.completed   send a signed webhook delivery
  hopae mock deliveries                        the deliveries and whether they arrived
  hopae mock claim CHALLENGE PROVIDER          add a stamp claim
  hopae mock complete CHALLENGE                complete a challenge
  hopae mock fail REQUEST                      fail a pending production-test request
  hopae mock revoke-key [KEY]                  the key gets 401 from then on";

fn port(s: &str) -> Result<u16, String> {
    s.parse()
        .map_err(|_| "expected a port number from 0 to 65535".to_owned())
}

fn rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err("expected a number from 0.0 to 1.0".to_owned()),
    }
}

fn seed(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

/// How often the request log is read.
const POLL: Duration = Duration::from_millis(100);

/// Runs `hopae mock` until Ctrl-C, or one of its test controls.
pub(crate) fn run(a: &Args, global: &Global) -> Result<(), Failure> {
    if let Some(c) = &a.control {
        return control::run(c, global);
    }
    refuse_globals("mock", global)?;
    let mut builder = Server::builder().bind(a.port);
    if a.empty {
        builder = builder.empty();
    }
    if let Some(n) = a.schedule_after {
        builder = builder.schedule_after(n);
    }
    if let Some(r) = a.fail_rate {
        builder = builder.fail_rate(r);
    }
    if let Some(s) = a.seed {
        builder = builder.seed(s);
    }
    if let Some(l) = &a.latency {
        builder = builder.latency(l.value);
    }
    if a.production {
        builder = builder.production();
    }
    if let Some(n) = a.complete_after {
        builder = builder.complete_after(n);
    }
    let server = builder.start().map_err(|e| {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, a.port));
        Failure::usage(format!(
            "could not listen on {address}: {}; pick another --port (0 picks a free one)",
            io_message(&e)
        ))
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let on_interrupt = Arc::clone(&stop);
    // Without a handler, Ctrl-C still ends the process (with the signal's status).
    let _ = ctrlc::set_handler(move || on_interrupt.store(true, Ordering::SeqCst));
    let mut exports = format!(
        "export HOPAE_BASE_URL={}\nexport HOPAE_API_KEY={}\n",
        server.url(),
        server.api_key()
    );
    if let Some(secret) = server.client_secret(hopae::mock::SEED_APP) {
        exports.push_str(&format!(
            "export HOPAE_CLIENT_ID={}\nexport HOPAE_CLIENT_SECRET={secret}\n",
            hopae::mock::SEED_APP
        ));
    }
    emit(&exports)?;
    let seeded = if a.empty {
        "an empty workspace".to_owned()
    } else {
        format!("the example app {}", hopae::mock::SEED_APP)
    };
    // The OIDC provider's issuer, after the lines scripts read first.
    emit(&format!(
        "export HOPAE_OIDC_ISSUER={}\n",
        server.oidc_issuer()
    ))?;
    log(&format!(
        "serving a fake Workspace API on {} with {seeded}; Ctrl-C stops it",
        server.url()
    ));
    let mut cursor = LogCursor::new();
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        for line in new_lines(&server, &mut cursor) {
            log(&line);
        }
        if stopping {
            break;
        }
        std::thread::sleep(POLL);
    }
    drop(server);
    log("stopped");
    Ok(())
}

/// Refuses the global options a command that calls no API would silently ignore
/// (`--verbose` is kept: it only adds the time taken).
pub(crate) fn refuse_globals(command: &str, global: &Global) -> Result<(), Failure> {
    let given = [
        ("--json", global.json),
        ("--base-url", global.base_url.is_some()),
        ("--retries", global.retries.is_some()),
        ("--http-timeout", global.http_timeout.is_some()),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some((flag, _)) => Err(Failure::usage(format!(
            "`hopae {command}` does not take {flag}"
        ))),
        None => Ok(()),
    }
}

/// One line on stderr; nobody to tell if stderr is gone.
fn log(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// `2026-04-08T10:00:00Z  GET /apps/FK5b0KSM?x=1  200`, with `(replayed)` for an
/// idempotent replay.
fn request_line(r: &LoggedRequest) -> String {
    let query = r
        .query
        .as_deref()
        .map_or(String::new(), |q| format!("?{}", clean(q)));
    format!(
        "{}  {} {}{query}  {}{}",
        rfc3339(time::OffsetDateTime::now_utc()),
        clean(&r.method),
        clean(&r.path),
        r.status,
        if r.replayed { " (replayed)" } else { "" }
    )
}

/// The lines of the requests answered since the last call: only the new log entries
/// are copied, and those the log dropped before they were read are counted.
fn new_lines(server: &Server, cursor: &mut LogCursor) -> Vec<String> {
    let before = cursor.position();
    let new = server.requests_since(cursor);
    let dropped = (cursor.position() - before).saturating_sub(new.len() as u64);
    let mut lines = Vec::with_capacity(new.len() + 1);
    if dropped > 0 {
        lines.push(format!(
            "({dropped} requests not shown: they left the log before they could be printed)"
        ));
    }
    lines.extend(new.iter().map(request_line));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_their_ranges() {
        assert_eq!(rate("0"), Ok(0.0));
        assert_eq!(rate("0.25"), Ok(0.25));
        assert_eq!(rate("1.0"), Ok(1.0));
        for bad in ["-0.1", "1.01", "NaN", "x", "inf"] {
            assert_eq!(
                rate(bad),
                Err("expected a number from 0.0 to 1.0".into()),
                "{bad}"
            );
        }
        assert_eq!(port("0"), Ok(0));
        assert!(port("65536").is_err());
    }

    #[test]
    fn each_logged_request_is_printed_once() {
        let server = Server::builder().empty().start().unwrap();
        let client = hopae::HopaeClient::builder(server.api_key())
            .base_url(server.url())
            .max_retries(0)
            .build()
            .unwrap();
        let mut cursor = LogCursor::new();
        assert!(new_lines(&server, &mut cursor).is_empty());
        client.workspace().unwrap();
        let _ = client.app("NoSuchAp").get();
        let lines = new_lines(&server, &mut cursor);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].ends_with("  GET /workspace  200"), "{}", lines[0]);
        assert!(
            lines[1].ends_with("  GET /apps/NoSuchAp  404"),
            "{}",
            lines[1]
        );
        assert!(new_lines(&server, &mut cursor).is_empty());
        client.workspace().unwrap();
        assert_eq!(new_lines(&server, &mut cursor).len(), 1);
    }
}

//! `hopae mock emit|deliveries|claim|complete|fail|revoke-key`: the fake's test controls,
//! asked of a running `hopae mock` at `--base-url` or `HOPAE_BASE_URL` (its `/_mock/`
//! routes, which take no key).

use std::io::Read;
use std::time::Duration;

use hopae::webhooks::{EVENTS, LEGACY_EVENTS, is_documented_event};
use serde_json::{Value, json};

use crate::emit::emit;
use crate::failure::Failure;
use crate::options::{Global, check_id};
use crate::output::clean;

/// The exit code of an error answer of the fake (as for the API's).
const EXIT_API: u8 = 1;
/// The exit code of a fake that could not be reached.
const EXIT_NETWORK: u8 = 3;
/// How long a control call may take when --http-timeout is not given.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A test control of a running fake.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum Control {
    /// Send an app's webhook delivery of a documented event to its webhook URL
    #[command(after_help = EMIT_NOTES)]
    Emit {
        /// The app's client id
        app: String,
        /// The event, e.g. verification.completed (`hopae webhooks events` lists them)
        event: String,
        /// The delivery's `data` object, as JSON [default: {}]
        #[arg(long, value_name = "JSON")]
        data: Option<String>,
    },
    /// List the webhook deliveries the fake made, and whether they arrived
    Deliveries,
    /// Add a stamp claim to a production-test challenge, as a user who verifies would
    Claim {
        /// The challenge id (ch_...)
        challenge: String,
        /// The provider the claim is made through, e.g. mitid
        provider: String,
    },
    /// Complete a production-test challenge now, whatever its claims
    Complete {
        /// The challenge id (ch_...)
        challenge: String,
    },
    /// Fail a pending production-test request
    Fail {
        /// The request id (req_...)
        request: String,
    },
    /// Revoke an API key: the fake answers it 401 from then on
    RevokeKey {
        /// The key [default: $HOPAE_API_KEY]
        key: Option<String>,
    },
}

pub(crate) const EMIT_NOTES: &str = "\
The fake POSTs the delivery when the app's webhook settings are enabled, have a URL (an
http://127.0.0.1 receiver such as `hopae webhooks listen`) and list the event (an empty
list stops every delivery): the body {\"id\": \"evt_...\", \"event\", \"createdAt\",
\"clientId\", \"data\"}, signed with the app's webhook secret in X-Hopae-Signature, and
retried as its retry-attempts and timeout say.

These subcommands talk to a running `hopae mock` at --base-url or HOPAE_BASE_URL.";

/// Runs a control against the fake at the base URL.
pub(crate) fn run(control: &Control, global: &Global) -> Result<(), Failure> {
    let origin = origin(global)?;
    let timeout = global.http_timeout.as_ref().map_or(TIMEOUT, |t| t.value);
    let call =
        |method: &str, path: &str, body: Option<Value>| call(&origin, timeout, method, path, body);
    let answer = match control {
        Control::Emit { app, event, data } => {
            check_id("<APP>", app)?;
            check_event(event)?;
            let data: Value = match data {
                None => json!({}),
                Some(text) => serde_json::from_str(text)
                    .ok()
                    .filter(Value::is_object)
                    .ok_or_else(|| Failure::usage("--data must be a JSON object"))?,
            };
            let answer = call(
                "POST",
                "/emit",
                Some(json!({"app": app, "event": event, "data": data})),
            )?;
            let text = format!(
                "sent {} ({}) for app {} to {}; `hopae mock deliveries` shows whether it arrived\n",
                clean(event),
                text(&answer["id"]),
                clean(app),
                text(&answer["url"]),
            );
            (answer, text)
        }
        Control::Deliveries => {
            let answer = call("GET", "/deliveries", None)?;
            let text = deliveries_text(&answer);
            (answer, text)
        }
        Control::Claim {
            challenge,
            provider,
        } => {
            check_id("<CHALLENGE>", challenge)?;
            check_id("<PROVIDER>", provider)?;
            let answer = call(
                "POST",
                "/claims",
                Some(json!({"challengeId": challenge, "providerId": provider})),
            )?;
            let text = format!(
                "challenge {}: {} claims\n",
                clean(challenge),
                text(&answer["claims"])
            );
            (answer, text)
        }
        Control::Complete { challenge } => {
            check_id("<CHALLENGE>", challenge)?;
            let path = format!("/challenges/{}/complete", segment(challenge));
            let answer = call("POST", &path, None)?;
            (
                answer,
                format!("completed challenge {}\n", clean(challenge)),
            )
        }
        Control::Fail { request } => {
            check_id("<REQUEST>", request)?;
            let path = format!("/production-tests/{}/fail", segment(request));
            let answer = call("POST", &path, None)?;
            (answer, format!("failed request {}\n", clean(request)))
        }
        Control::RevokeKey { key } => {
            let key = match key {
                Some(k) => k.clone(),
                None => std::env::var("HOPAE_API_KEY")
                    .ok()
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| {
                        Failure::usage("give <KEY>, or set HOPAE_API_KEY to the key to revoke")
                    })?,
            };
            let answer = call("POST", "/keys/revoke", Some(json!({ "key": key })))?;
            // The key is a secret: it is not printed.
            (
                answer,
                "revoked the key: the fake answers it 401 from now on\n".to_owned(),
            )
        }
    };
    let (answer, text) = answer;
    if global.json {
        return emit(&format!("{answer}\n"));
    }
    emit(&text)
}

/// Refuses an event name the documentation does not list, naming those it does.
pub(crate) fn check_event(event: &str) -> Result<(), Failure> {
    if is_documented_event(event) {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "`{}` is not a documented webhook event; one of: {}",
        clean(event),
        EVENTS
            .iter()
            .chain(LEGACY_EVENTS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// A JSON value as text: a string without quotes, else its JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => clean(s),
        other => other.to_string(),
    }
}

/// One line per delivery: id, event, app, attempts, outcome, URL.
fn deliveries_text(answer: &Value) -> String {
    let items = answer["data"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return "no webhook deliveries yet\n".to_owned();
    }
    let mut out = String::new();
    for d in &items {
        let outcome = if d["delivered"] == true {
            format!("delivered ({})", text(&d["status"]))
        } else if d["done"] == true {
            format!("failed: {}", text(&d["error"]))
        } else if d["attempts"] == 0 {
            "sending".to_owned()
        } else {
            format!("retrying: {}", text(&d["error"]))
        };
        let attempts = match d["attempts"].as_u64() {
            Some(1) => "1 attempt".to_owned(),
            _ => format!("{} attempts", text(&d["attempts"])),
        };
        out.push_str(&format!(
            "{}  {}  {}  {attempts}  {outcome}  {}\n",
            text(&d["id"]),
            text(&d["event"]),
            text(&d["app"]),
            text(&d["url"]),
        ));
    }
    out
}

/// A path segment: everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `http://127.0.0.1:PORT` of the fake, from `--base-url` or `HOPAE_BASE_URL`; only a
/// plain-http loopback URL (the fake serves nothing else).
fn origin(global: &Global) -> Result<String, Failure> {
    let url = global
        .base_url
        .clone()
        .or_else(|| std::env::var("HOPAE_BASE_URL").ok())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            Failure::usage(
                "HOPAE_BASE_URL is not set: set it (or --base-url) to the URL `hopae mock` printed",
            )
        })?;
    let bad = || {
        Failure::usage(format!(
            "the base URL must be a running `hopae mock` on this machine \
             (http://127.0.0.1:PORT/connect/v1), got {}",
            clean(&url)
        ))
    };
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback || authority.contains('@') {
        return Err(bad());
    }
    Ok(format!("http://{authority}"))
}

/// One control call: the answer's JSON, or a failure naming the fake's message.
fn call(
    origin: &str,
    timeout: Duration,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, Failure> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(timeout))
            .user_agent(concat!("hopae-cli/", env!("CARGO_PKG_VERSION"), " (mock)"))
            .build(),
    );
    let url = format!("{origin}/_mock{path}");
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(&url)
        .header("Content-Type", "application/json")
        .body(body.map(|b| b.to_string()).unwrap_or_default())
        .map_err(|e| Failure::usage(format!("could not build the request: {e}")))?;
    let mut response = agent.run(request).map_err(|e| Failure {
        code: EXIT_NETWORK,
        ..Failure::usage(format!(
            "could not reach the fake at {origin} (is `hopae mock` running?): {e}"
        ))
    })?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(1024 * 1024)
        .read_to_end(&mut bytes);
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(value);
    }
    let message = value["error"]["message"].as_str().map_or_else(
        || String::from_utf8_lossy(&bytes).into_owned(),
        str::to_owned,
    );
    Err(Failure {
        code: EXIT_API,
        ..Failure::usage(format!("the fake answered {status}: {}", clean(&message)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_http_base_url_is_a_fake() {
        let global = |url: &str| Global {
            base_url: Some(url.into()),
            ..Global::default()
        };
        assert_eq!(
            origin(&global("http://127.0.0.1:8080/connect/v1")).ok(),
            Some("http://127.0.0.1:8080".into())
        );
        for bad in [
            "https://api.sandbox.hopae.com/connect/v1",
            "http://example.com:80/connect/v1",
            "http://user@127.0.0.1:1/connect/v1",
        ] {
            assert!(origin(&global(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn undocumented_events_are_refused_with_the_list() {
        assert!(check_event("verification.completed").is_ok());
        assert!(check_event("verification.expired").is_ok());
        let f = check_event("no.such.event").unwrap_err();
        assert!(
            f.message.contains("verification.session.timed_out"),
            "{}",
            f.message
        );
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}

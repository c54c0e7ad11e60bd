//! Webhook deliveries: the fake POSTs a signed event to an App's webhook URL, as Hopae
//! does, over a plain std socket.
//!
//! [`State::deliver`](super::state::State::deliver) is the one entry point: a test control (`POST /_mock/emit`,
//! [`Server::emit`](super::Server::emit)) calls it, and so can any handler that changes
//! something a webhook reports (a verification's state). It reads the App's settings
//! under the state's lock, builds and signs the body there, and hands the sending to a
//! thread of its own, so no lock is held while a receiver answers.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use time::OffsetDateTime;

/// The most deliveries [`Server::deliveries`](super::Server::deliveries) keeps (the
/// oldest go first).
const LOG_CAPACITY: usize = 1_000;
/// The most retries of one delivery, whatever the App's `retryAttempts` says.
const MAX_RETRIES: u64 = 10;
/// The documented retry schedule, in units of the fake's backoff (1 s by default):
/// 1 s, 5 s, 30 s, then 30 s for any further retry.
const SCHEDULE: [u32; 3] = [1, 5, 30];
/// The longest answer head read from a receiver.
const MAX_ANSWER_BYTES: usize = 8 * 1024;

/// One delivery the fake made or is making, from
/// [`Server::deliveries`](super::Server::deliveries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The event's id (`evt_...`), also the body's top-level `id`.
    pub event_id: String,
    /// The App's client id.
    pub client_id: String,
    /// The event name, e.g. `verification.completed`.
    pub event: String,
    /// The URL it is POSTed to.
    pub url: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// The status of the last answer, when there was one.
    pub status: Option<u16>,
    /// Why the last attempt failed, when it failed without a 2xx answer.
    pub error: Option<String>,
    /// Whether a 2xx answer came.
    pub delivered: bool,
    /// Whether the fake has stopped trying (delivered, or out of retries).
    pub done: bool,
}

/// The deliveries, shared with the threads that send them.
pub(super) type Log = Arc<Mutex<Vec<Delivery>>>;

/// Why [`deliver`] sent nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Skipped {
    /// No App has this client id.
    NoApp,
    /// The App's webhook settings are disabled.
    Disabled,
    /// The App has no webhook URL.
    NoUrl,
    /// The App's `events` list does not name the event (an empty list names none).
    NotSubscribed,
}

impl Skipped {
    /// Why, in a sentence for an error body.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Skipped::NoApp => "App not found",
            Skipped::Disabled => "the App's webhook settings are disabled (enabled: false)",
            Skipped::NoUrl => "the App has no webhook URL",
            Skipped::NotSubscribed => {
                "the App's webhook events do not list this event (an empty list stops every delivery)"
            }
        }
    }
}

/// What [`State::deliver`](super::state::State::deliver) read from the state for one
/// delivery: the App's webhook settings as stored and the event's new id.
pub(super) struct Outgoing<'a> {
    pub(super) client_id: &'a str,
    pub(super) event: &'a str,
    pub(super) data: Value,
    pub(super) event_id: String,
    pub(super) url: String,
    pub(super) secret: String,
    pub(super) retry_attempts: u64,
    pub(super) timeout_seconds: u64,
    pub(super) log: Log,
    pub(super) backoff: Duration,
}

/// Sends one event that [`State::deliver`](super::state::State::deliver) accepted:
/// builds the body `{"id": "evt_...", "event", "createdAt", "clientId", "data"}`, signs
/// it with the App's secret ([`crate::webhooks::sign`], header `X-Hopae-Signature`), and
/// POSTs it from a thread of its own, retrying as the App's `retryAttempts` says (1 s,
/// 5 s, 30 s apart, scaled by the fake's backoff) with its `timeoutSeconds` per attempt.
/// Only `http://` loopback receivers (`localhost`, `127.x.x.x`, `[::1]`) are reached; any
/// other URL records a failed delivery. Returns the event id.
pub(super) fn send(out: Outgoing<'_>) -> String {
    let Outgoing {
        client_id,
        event,
        data,
        event_id,
        url,
        secret,
        retry_attempts,
        timeout_seconds,
        log,
        backoff,
    } = out;
    let retries = retry_attempts.min(MAX_RETRIES);
    let timeout = Duration::from_secs(timeout_seconds.clamp(1, 300));
    let body = json!({
        "id": event_id,
        "event": event,
        "createdAt": crate::decode::ts::api_form(OffsetDateTime::now_utc()),
        "clientId": client_id,
        "data": data,
    });
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let record = Delivery {
        event_id: event_id.clone(),
        client_id: client_id.to_owned(),
        event: event.to_owned(),
        url: url.clone(),
        attempts: 0,
        status: None,
        error: None,
        delivered: false,
        done: false,
    };
    {
        let mut log = lock(&log);
        if log.len() == LOG_CAPACITY {
            log.drain(..LOG_CAPACITY / 10);
        }
        log.push(record);
    }
    let failed = Arc::clone(&log);
    let job = Job {
        event_id: event_id.clone(),
        url,
        secret,
        body,
        retries,
        timeout,
        backoff,
        log,
    };
    let spawned = std::thread::Builder::new()
        .name("hopae-mock-delivery".into())
        .spawn(move || job.run());
    if spawned.is_err() {
        update(&failed, &event_id, |d| {
            d.error = Some("the fake could not start a delivery thread".into());
            d.done = true;
        });
    }
    event_id
}

/// The deliveries so far, oldest first.
pub(super) fn list(log: &Log) -> Vec<Delivery> {
    lock(log).clone()
}

/// One delivery's attempts.
struct Job {
    event_id: String,
    url: String,
    secret: String,
    body: Vec<u8>,
    retries: u64,
    timeout: Duration,
    backoff: Duration,
    log: Log,
}

impl Job {
    fn run(self) {
        for attempt in 0..=self.retries {
            if attempt > 0 {
                let i = usize::try_from(attempt - 1).unwrap_or(usize::MAX);
                let units = SCHEDULE.get(i).copied().unwrap_or(SCHEDULE[2]);
                std::thread::sleep(self.backoff.saturating_mul(units));
            }
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let signature = crate::webhooks::sign(&self.secret, now, &self.body);
            let outcome = post(&self.url, &signature, &self.body, self.timeout);
            let last = attempt == self.retries;
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            update(&self.log, &self.event_id, |d| {
                d.attempts = d.attempts.saturating_add(1);
                match &outcome {
                    Ok(status) => {
                        d.status = Some(*status);
                        d.error = (!delivered).then(|| format!("the receiver answered {status}"));
                    }
                    Err(e) => {
                        d.status = None;
                        d.error = Some(e.clone());
                    }
                }
                d.delivered = delivered;
                d.done = delivered || last;
            });
            if delivered {
                return;
            }
        }
    }
}

fn lock(log: &Log) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
    log.lock().unwrap_or_else(PoisonError::into_inner)
}

fn update(log: &Log, event_id: &str, change: impl FnOnce(&mut Delivery)) {
    if let Some(d) = lock(log).iter_mut().rev().find(|d| d.event_id == event_id) {
        change(d);
    }
}

/// POSTs `body` to a loopback `http://` URL and returns the answer's status.
fn post(url: &str, signature: &str, body: &[u8], timeout: Duration) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("the fake delivers over plain http only (a loopback test receiver)")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    let target = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("/{target}")
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (name, port) = if let Some(v6) = host.strip_prefix('[') {
        let (ip, after) = v6.split_once(']').ok_or("the URL's host is malformed")?;
        (ip, after.strip_prefix(':'))
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let port: u16 = match port {
        Some(p) => p.parse().map_err(|_| "the URL's port is malformed")?,
        None => 80,
    };
    let not_loopback = "the fake delivers only to loopback receivers (127.0.0.1, [::1], localhost)";
    let addr = if name.eq_ignore_ascii_case("localhost") {
        ("localhost", port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve localhost: {e}"))?
            .find(|a| a.ip().is_loopback())
            .ok_or(not_loopback)?
    } else {
        match name.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => SocketAddr::new(ip, port),
            _ => return Err(not_loopback.into()),
        }
    };
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect: {e}"))?;
    let io = |e: std::io::Error| format!("{e}");
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: hopae-mock\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         X-Hopae-Signature: {signature}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).map_err(io)?;
    stream.flush().map_err(io)?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while answer.len() < MAX_ANSWER_BYTES && !answer.contains(&b'\n') {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("reading the answer: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|l| l.get(2..5))
        .and_then(|s| s.parse().ok())
        .ok_or("the receiver's answer is not HTTP/1.x")?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_receivers_are_reached() {
        let t = Duration::from_millis(200);
        for (url, why) in [
            ("https://127.0.0.1:1/h", "plain http only"),
            ("http://example.com/h", "loopback"),
            ("http://10.0.0.1:9/h", "loopback"),
            ("http://127.0.0.1:x/h", "port"),
        ] {
            let e = post(url, "t=1,v1=00", b"{}", t).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
        }
    }
}

//! `webhooks verify`, `trigger` and `listen`: signed deliveries on this machine, with the
//! secret from `HOPAE_WEBHOOK_SECRET` (never from an argument, which other users of the
//! machine could read in the process list). None of them calls the API.

use std::io::{self, IsTerminal, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use hopae::webhooks::{SECRET_PREFIX, SignatureError, Verifier, check_secret, sign};
use serde::Serialize;
use time::OffsetDateTime;

use crate::emit::{emit, emit_bytes, write_stdout};
use crate::failure::{EXIT_API, EXIT_NETWORK, EXIT_SIGNATURE, Failure};
use crate::options::{DurationArg, Global};
use crate::output::{clean, rfc3339, shorten};
use crate::raw::document;

/// The largest body `verify` and `trigger --data` read.
const MAX_INPUT: u64 = 10 * 1024 * 1024;
/// The largest request head `listen` reads: request line and headers.
const MAX_HEAD: usize = 16 * 1024;
/// The largest delivery body `listen` reads (a real one is a few kilobytes).
const MAX_BODY: usize = 1024 * 1024;
/// How long `listen` gives one request, from the accepted connection to its last
/// byte: one deadline for the whole request, not a timeout per read, so a client
/// trickling bytes cannot hold a connection longer.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// The most connections `listen` serves at once; beyond, a new connection is closed
/// at once (Hopae retries a delivery that was not answered).
const MAX_CONNECTIONS: usize = 64;
/// The most characters of an untrusted event name `listen` prints in text.
const SHOWN_EVENT_CHARS: usize = 120;
/// How long `trigger` waits for the receiver when --http-timeout is not given: Hopae's
/// own delivery timeout.
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(10);
/// The variable that holds the secret.
const SECRET_VAR: &str = "HOPAE_WEBHOOK_SECRET";

pub(crate) const VERIFY_NOTES: &str = "\
The secret is read from HOPAE_WEBHOOK_SECRET, exactly as the API returned it (whsec_...).
Pass the body exactly as received: the signature covers those bytes.

Prints the event's JSON (the body as received) when the signature verifies; with --json,
{\"verified\": true, \"event\": name or null, \"id\": the body's id or null,
\"timestamp\": the signed t, \"body\": the body}. Exits 6 on a malformed header, a
timestamp outside the tolerance, a signature that does not match, or a signed body that is
not a JSON object.

Example:
  hopae webhooks verify --signature 't=1765000000,v1=5f95...' body.json";

pub(crate) const TRIGGER_NOTES: &str = "\
Signs the body with HOPAE_WEBHOOK_SECRET and the current time, as Hopae does, and POSTs
it with X-Hopae-Signature and Content-Type: application/json. URL must use https, or
http on localhost, 127.0.0.0/8 or [::1]. The sample body is
  {\"event\": E, \"data\": {\"verificationId\": \"ver_test_...\", \"status\": ..., ...}}

Prints the status the receiver answered (with --json: {\"url\": ..., \"status\": ...,
\"event\": the body's event or null}); exits
0 on 2xx, 1 on any other status, 3 when the request fails on the network or times out
(--http-timeout, default 10s).";

pub(crate) const LISTEN_NOTES: &str = "\
Answers each POST with 204 when its X-Hopae-Signature verifies under HOPAE_WEBHOOK_SECRET,
400 for a malformed header or body, 401 for a wrong signature or a timestamp more than
300s away. Prints one line per request on stdout: time, status, whether it verified (and
why not), then the event name the body claims, escaped (with --json, one object per
line: {\"time\", \"status\", \"verified\", \"error\": why not or null, \"id\": the body's
event id or null, \"event\": its name or null}). `hopae mock emit` makes the fake send
deliveries here.

Up to 64 connections are served at once, each request within 10s of its connection
(one deadline, however slowly it arrives); heads over 16 KiB and bodies over 1 MiB are
refused. Test it with `hopae webhooks trigger http://127.0.0.1:PORT/`.";

#[derive(clap::Args, Debug)]
pub(crate) struct Verify {
    /// The X-Hopae-Signature header's value (t=...,v1=...)
    #[arg(long, value_name = "HEADER")]
    signature: String,

    /// The raw request body: a file, or - (or nothing) for stdin
    #[arg(value_name = "FILE|-")]
    file: Option<PathBuf>,

    /// How far the signed time may be from this machine's clock [default: 300s]
    #[arg(long, value_name = "DURATION")]
    tolerance: Option<DurationArg>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct Trigger {
    /// Your receiver's URL
    url: String,

    /// The sample event's name [default: verification.completed]
    #[arg(long, value_name = "E", conflicts_with = "data")]
    event: Option<String>,

    /// Send this body instead of the sample: a file, or - for stdin
    #[arg(long, value_name = "FILE|-")]
    data: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct Listen {
    /// The port on 127.0.0.1; 0 picks a free one
    #[arg(long, value_name = "PORT", default_value_t = 8787, value_parser = port)]
    port: u16,
}

fn port(s: &str) -> Result<u16, String> {
    s.parse()
        .map_err(|_| "expected a port number from 0 to 65535".to_owned())
}

/// The webhook secret from the environment: present, with the `whsec_` prefix, and
/// usable as a key (the library's [`check_secret`]); anything else is a usage error.
fn secret() -> Result<String, Failure> {
    const HINT: &str =
        "the app's webhook secret (whsec_...), as `hopae webhooks rotate-secret` printed it";
    match std::env::var(SECRET_VAR) {
        Ok(s) if !s.is_empty() => {
            if let Err(e) = check_secret(&s) {
                return Err(Failure::usage(format!("{SECRET_VAR}: {e}")));
            }
            if !s.starts_with(SECRET_PREFIX) {
                return Err(Failure::usage(format!(
                    "{SECRET_VAR} does not start with {SECRET_PREFIX}: set it to {HINT}"
                )));
            }
            Ok(s)
        }
        Ok(_) => Err(Failure::usage(format!(
            "{SECRET_VAR} is empty: set it to {HINT}"
        ))),
        Err(std::env::VarError::NotPresent) => Err(Failure::usage(format!(
            "{SECRET_VAR} is not set: set it to {HINT}"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::usage(format!("{SECRET_VAR} is not valid unicode")))
        }
    }
}

/// Reads a file, or stdin for `-` or no file, up to [`MAX_INPUT`] bytes.
fn read_input(file: Option<&PathBuf>, what: &str) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    let result = match file {
        Some(path) if path.as_os_str() != "-" => std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut body))
            .map_err(|e| format!("could not read {}: {e}", clean(&path.to_string_lossy()))),
        _ => {
            let stdin = io::stdin();
            if file.is_none() && stdin.is_terminal() {
                return Err(Failure::usage(format!(
                    "{what}: give a FILE, or pipe it to stdin"
                )));
            }
            stdin
                .lock()
                .take(MAX_INPUT + 1)
                .read_to_end(&mut body)
                .map_err(|e| format!("could not read stdin: {e}"))
        }
    };
    result.map_err(Failure::usage)?;
    if body.len() as u64 > MAX_INPUT {
        return Err(Failure::usage(format!(
            "{what} is larger than {} MiB",
            MAX_INPUT / 1024 / 1024
        )));
    }
    Ok(body)
}

/// `hopae webhooks verify`.
pub(crate) fn verify(a: &Verify, global: &Global) -> Result<(), Failure> {
    let secret = secret()?;
    let body = read_input(a.file.as_ref(), "the body to verify")?;
    let mut verifier = Verifier::new(secret);
    if let Some(t) = &a.tolerance {
        verifier = verifier.tolerance(t.value);
    }
    match verifier.verify(&a.signature, &body) {
        Ok(event) if global.json => {
            let out = serde_json::json!({
                "verified": true,
                "event": event.event_type,
                "id": event.payload.get("id").and_then(serde_json::Value::as_str),
                "timestamp": event.timestamp,
                "body": event.payload,
            });
            emit(&format!("{out}\n"))
        }
        Ok(_) => emit_bytes(&document(body)),
        Err(e) => Err(Failure {
            code: EXIT_SIGNATURE,
            ..Failure::usage(format!("the webhook signature did not verify: {e}"))
        }),
    }
}

/// Checks a receiver's URL: http(s), with a host; plain http only on a loopback host.
/// Returns whether the host is loopback (such a request never goes through a proxy).
fn check_receiver_url(url: &str) -> Result<bool, Failure> {
    let bad = |why: &str| Err(Failure::usage(format!("<URL> {why}: {}", clean(url))));
    let scheme_hint = "must start with https:// (or http:// for a loopback host)";
    if !url.contains("://") {
        return bad(scheme_hint);
    }
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return bad("is not a valid URL");
    };
    let https = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => true,
        Some("http") => false,
        _ => return bad(scheme_hint),
    };
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return bad("has no host");
    };
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return bad("must not contain credentials");
    }
    let loopback = is_loopback(host);
    if !https && !loopback {
        return bad(
            "must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])",
        );
    }
    Ok(loopback)
}

/// Hosts that reach this machine only: `localhost`, 127.0.0.0/8 and `::1`.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The sample delivery of `trigger`: `{"event": E, "data": {...}}`.
fn sample_event(event: &str, now: OffsetDateTime) -> Vec<u8> {
    let status = event.rsplit('.').next().unwrap_or(event);
    let body = serde_json::json!({
        "event": event,
        "data": {
            "verificationId": format!("ver_test_{}", now.unix_timestamp()),
            "status": status,
            "providerId": "bankidse",
            "createdAt": rfc3339(now),
        },
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `hopae webhooks trigger`.
pub(crate) fn trigger(a: &Trigger, global: &Global) -> Result<(), Failure> {
    let loopback = check_receiver_url(&a.url)?;
    if a.event.as_deref().is_some_and(|e| e.trim().is_empty()) {
        return Err(Failure::usage("--event must not be empty"));
    }
    let secret = secret()?;
    let now = OffsetDateTime::now_utc();
    let body = match &a.data {
        Some(file) => read_input(Some(file), "the --data body")?,
        None => sample_event(a.event.as_deref().unwrap_or("verification.completed"), now),
    };
    let timestamp = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    let header = sign(&secret, timestamp, &body);
    let timeout = global
        .http_timeout
        .as_ref()
        .map_or(TRIGGER_TIMEOUT, |t| t.value);
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .user_agent(concat!(
            "hopae-cli/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks trigger)"
        ));
    if loopback {
        config = config.proxy(None);
    }
    let agent = ureq::Agent::new_with_config(config.build());
    let shown = clean(&a.url);
    let mut response = agent
        .post(&a.url)
        .header("Content-Type", "application/json")
        .header("X-Hopae-Signature", &header)
        .send(&body[..])
        .map_err(|e| Failure {
            code: EXIT_NETWORK,
            ..Failure::usage(format!("could not deliver to {shown}: {e}"))
        })?;
    let status = response.status();
    let answered = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    let answered = answered.trim_end();
    if !status.is_success() {
        let mut text = Vec::new();
        let _ = response
            .body_mut()
            .as_reader()
            .take(200)
            .read_to_end(&mut text);
        let text = clean(String::from_utf8_lossy(&text).trim());
        let mut message = format!("{shown} answered {answered}");
        if !text.is_empty() {
            message.push_str(&format!(": {text}"));
        }
        return Err(Failure {
            code: EXIT_API,
            ..Failure::usage(message)
        });
    }
    if global.json {
        let event = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|b| b.get("event").and_then(|e| e.as_str()).map(str::to_owned));
        let out = serde_json::json!({"url": a.url, "status": status.as_u16(), "event": event});
        return emit(&format!("{out}\n"));
    }
    emit(&format!("{shown} answered {answered}\n"))
}

/// One request `listen` received, as printed: the verdict first, then what the peer
/// claims (fields in this order in JSON too).
#[derive(Debug, PartialEq, Serialize)]
struct Delivery {
    /// When the request was read, RFC 3339 in UTC.
    time: String,
    /// The status answered.
    status: u16,
    verified: bool,
    /// Why the request was refused.
    error: Option<String>,
    /// The body's top-level `id` (the event id, `evt_...`), when it has one.
    id: Option<String>,
    /// The body's `event` (or `type`) name, when the body is a JSON object that has one
    /// (read from an unverified body too: it says what was attempted).
    event: Option<String>,
}

impl Delivery {
    /// The text line: time, status and verdict before the untrusted event name, which
    /// is escaped and shortened, so no event name can hide or fake the verdict.
    fn line(&self) -> String {
        let event = self
            .event
            .as_deref()
            .map_or("-".to_owned(), |e| shorten(&clean(e), SHOWN_EVENT_CHARS));
        let outcome = match &self.error {
            None => "verified".to_owned(),
            Some(e) => format!("not verified ({})", clean(e)),
        };
        format!("{}  {}  {outcome}  {event}\n", self.time, self.status)
    }
}

/// `hopae webhooks listen`: accepts on one thread, serves each connection on its own
/// (at most [`MAX_CONNECTIONS`] at once), and prints the lines on this one.
pub(crate) fn listen(a: &Listen, global: &Global) -> Result<(), Failure> {
    let verifier = Verifier::new(secret()?);
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, a.port));
    let listener = TcpListener::bind(address).map_err(|e| {
        Failure::usage(format!(
            "could not listen on {address}: {e}; pick another --port (0 picks a free one)"
        ))
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::usage(format!("could not listen on {address}: {e}")))?;
    let _ = writeln!(io::stderr().lock(), "listening on http://{bound}");
    let (deliveries, printed) = mpsc::channel::<Delivery>();
    thread::spawn(move || accept(&listener, &verifier, &deliveries));
    for delivery in printed {
        let line = if global.json {
            let mut line =
                terminal_safe_json(&serde_json::to_string(&delivery).unwrap_or_default());
            line.push('\n');
            line
        } else {
            delivery.line()
        };
        match write_stdout(line.as_bytes()) {
            Ok(()) => {}
            // Nobody reads the lines any more (`| head`): stop quietly.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => {
                return Err(Failure {
                    code: EXIT_API,
                    ..Failure::usage(format!("could not write to stdout: {e}"))
                });
            }
        }
    }
    Ok(())
}

/// Compact JSON with every character the library's escaping would escape
/// ([`hopae::escape_untrusted`]: line separators, bidi overrides, ...) written as a JSON
/// `\u` escape: the same JSON value, but a peer's text cannot reorder or split the line
/// on a terminal. serde_json already escapes control characters; outside strings,
/// compact JSON is ASCII.
fn terminal_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut one = [0u8; 4];
    for c in json.chars() {
        let text = c.encode_utf8(&mut one);
        if c.is_ascii() || hopae::escape_untrusted(text) == *text {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Accepts connections for ever, each served on its own thread; at the bound, a new
/// connection is closed unread (a slow or idle peer holds its slot for at most
/// [`REQUEST_DEADLINE`]).
fn accept(listener: &TcpListener, verifier: &Verifier, deliveries: &mpsc::Sender<Delivery>) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        // A connection that failed before it was accepted has nothing to answer.
        let Ok(stream) = stream else { continue };
        if active.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::AcqRel);
            continue; // dropped: closed
        }
        let slot = Slot(Arc::clone(&active));
        let (verifier, deliveries) = (verifier.clone(), deliveries.clone());
        let spawned = thread::Builder::new().spawn(move || {
            let _slot = slot;
            if let Some(delivery) = serve(stream, &verifier) {
                let _ = deliveries.send(delivery);
            }
        });
        // Without a thread the connection is dropped, and the slot with it.
        drop(spawned);
    }
}

/// One of the [`MAX_CONNECTIONS`] slots, given back when dropped (also if serving
/// panicked).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reads one request, answers it, and returns what to print; `None` for a connection
/// that closed without sending anything.
fn serve(mut stream: TcpStream, verifier: &Verifier) -> Option<Delivery> {
    let received = read_request(&mut stream);
    let time = rfc3339(OffsetDateTime::now_utc());
    let mut id = None;
    let (status, event, error, public) = match received {
        Err(Unreadable::Nothing) => return None,
        Err(Unreadable::Refused(status, why)) => (status, None, Some(why.clone()), Some(why)),
        Ok(request) => {
            id = top_level(&request.body, "id");
            let event = event_name(&request.body);
            match request.signature {
                Err(why) => (400, event, Some(why.clone()), Some(why)),
                Ok(header) => match verifier.verify(header.as_deref().unwrap_or(""), &request.body)
                {
                    Ok(verified) => (204, verified.event_type, None, None),
                    Err(e) => {
                        let why = why_not(&e, header.is_none());
                        (
                            e.status(),
                            event,
                            Some(why),
                            Some(public_why(&e, header.is_none())),
                        )
                    }
                },
            }
        }
    };
    answer(&mut stream, status, public.as_deref());
    Some(Delivery {
        time,
        status,
        verified: error.is_none(),
        error,
        id,
        event,
    })
}

/// What the peer is told of a refused signature: the printed reason, except that a
/// stale or future timestamp is not told how far off it is (nor the tolerance), which
/// would help an unauthenticated client aim.
fn public_why(e: &SignatureError, missing: bool) -> String {
    match e {
        SignatureError::TimestampOutsideTolerance { .. } => {
            "timestamp outside the tolerance".to_owned()
        }
        _ => why_not(e, missing),
    }
}

fn why_not(e: &SignatureError, missing: bool) -> String {
    if missing {
        "no X-Hopae-Signature header".to_owned()
    } else {
        e.to_string()
    }
}

/// A top-level string field of a JSON body.
fn top_level(body: &[u8], name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

/// The event name of a body that may not have verified: its `event`, else its `type`.
fn event_name(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["event", "type"]
        .into_iter()
        .find_map(|name| value.get(name)?.as_str())
        .map(str::to_owned)
}

/// A request read by `listen`.
#[derive(Debug)]
struct Request {
    /// The X-Hopae-Signature value (`None` when absent), or why it cannot be used.
    signature: Result<Option<String>, String>,
    body: Vec<u8>,
}

/// Why a request could not be read.
#[derive(Debug, PartialEq)]
enum Unreadable {
    /// The connection closed before a byte arrived.
    Nothing,
    /// The status to answer, and why.
    Refused(u16, String),
}

fn refused(status: u16, why: impl Into<String>) -> Unreadable {
    Unreadable::Refused(status, why.into())
}

/// Reads one request: the head up to [`MAX_HEAD`], then a `Content-Length` body up to
/// [`MAX_BODY`], all within [`REQUEST_DEADLINE`].
fn read_request(stream: &mut impl ReadWithDeadline) -> Result<Request, Unreadable> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i + 4;
        }
        if buffer.len() > MAX_HEAD {
            return Err(refused(431, "request head over 16 KiB"));
        }
        match stream.read_until(&mut chunk, deadline) {
            Ok(0) if buffer.is_empty() => return Err(Unreadable::Nothing),
            Ok(0) => return Err(refused(400, "request head cut short")),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if buffer.is_empty() && e.kind() != io::ErrorKind::TimedOut => {
                return Err(Unreadable::Nothing);
            }
            Err(e) => return Err(refused(408, format!("request head not read: {e}"))),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let method = request_line.split(' ').next().unwrap_or_default();
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect();
    let all = |name: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .collect()
    };
    if method != "POST" {
        return Err(refused(405, format!("method {}, not POST", clean(method))));
    }
    if !all("transfer-encoding").is_empty() {
        return Err(refused(411, "a body without Content-Length (chunked)"));
    }
    let length = match all("content-length")[..] {
        [] => return Err(refused(411, "no Content-Length")),
        [one] => one
            .parse::<usize>()
            .map_err(|_| refused(400, "invalid Content-Length"))?,
        _ => return Err(refused(400, "more than one Content-Length")),
    };
    if length > MAX_BODY {
        return Err(refused(413, format!("body of {length} bytes, over 1 MiB")));
    }
    let mut body = buffer.split_off(head_end);
    if body.len() > length {
        return Err(refused(400, "more bytes than Content-Length"));
    }
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        match stream.read_until(&mut chunk[..want], deadline) {
            Ok(0) => return Err(refused(400, "body cut short")),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(refused(408, format!("body not read: {e}"))),
        }
    }
    let signature = match all("x-hopae-signature")[..] {
        [] => Ok(None),
        [one] => Ok(Some(one.to_owned())),
        _ => Err("more than one X-Hopae-Signature header".to_owned()),
    };
    Ok(Request { signature, body })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A reader whose reads end by a deadline.
trait ReadWithDeadline {
    fn read_until(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize>;
}

impl ReadWithDeadline for TcpStream {
    fn read_until(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        self.set_read_timeout(Some(left))?;
        match self.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
            }
            result => result,
        }
    }
}

/// Answers and closes; a peer that is gone is not an error of the listener.
fn answer(stream: &mut TcpStream, status: u16, error: Option<&str>) {
    let reason = match status {
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "",
    };
    let response = match error {
        // A 204 has no body and no Content-Length.
        None => format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n\r\n"),
        Some(why) => {
            let body = format!("{why}\n");
            format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        }
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seconds since the epoch now.
    fn now_secs() -> u64 {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since.map_or(0, |d| d.as_secs())
    }

    /// Chunks served one read at a time; then end of stream, or a timeout.
    struct Chunks(Vec<Vec<u8>>, bool);

    impl ReadWithDeadline for Chunks {
        fn read_until(&mut self, buf: &mut [u8], _: Instant) -> io::Result<usize> {
            if self.0.is_empty() {
                return if self.1 {
                    Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
                } else {
                    Ok(0)
                };
            }
            let chunk = self.0.remove(0);
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            if n < chunk.len() {
                self.0.insert(0, chunk[n..].to_vec());
            }
            Ok(n)
        }
    }

    fn read(parts: &[&str]) -> Result<Request, Unreadable> {
        let chunks = parts.iter().map(|p| p.as_bytes().to_vec()).collect();
        read_request(&mut Chunks(chunks, false))
    }

    #[test]
    fn reads_a_delivery_split_across_reads() {
        let r = read(&[
            "POST /hooks HTTP/1.1\r\nHost: x\r\nx-hopae-SIGNATURE: t=1,v1=ab\r\nContent-",
            "Length: 11\r\n\r\n{\"a\":",
            "\"bcd\"}",
        ])
        .unwrap();
        assert_eq!(r.body, b"{\"a\":\"bcd\"}");
        assert_eq!(r.signature, Ok(Some("t=1,v1=ab".into())));
        let r = read(&["POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"]).unwrap();
        assert_eq!((r.body.len(), r.signature), (0, Ok(None)));
    }

    #[test]
    fn refuses_what_it_cannot_read_with_a_status() {
        let cl = |n: &str| format!("POST / HTTP/1.1\r\nContent-Length: {n}\r\n\r\n");
        for (parts, status, why) in [
            (
                vec!["GET / HTTP/1.1\r\n\r\n".to_owned()],
                405,
                "method GET, not POST",
            ),
            (
                vec!["POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned()],
                411,
                "chunked",
            ),
            (
                vec!["POST / HTTP/1.1\r\n\r\n".to_owned()],
                411,
                "no Content-Length",
            ),
            (vec![cl("x")], 400, "invalid Content-Length"),
            (vec![cl("2000000")], 413, "over 1 MiB"),
            (vec![cl("5"), "ab".to_owned()], 400, "body cut short"),
            (vec![cl("1") + "ab"], 400, "more bytes than Content-Length"),
            (
                vec!["POST / HTTP/1.1\r\nHost".to_owned()],
                400,
                "head cut short",
            ),
            (
                vec![format!(
                    "POST / HTTP/1.1\r\nX: {}",
                    "a".repeat(MAX_HEAD + 10)
                )],
                431,
                "over 16 KiB",
            ),
            (
                vec![
                    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n{".to_owned(),
                ],
                400,
                "more than one Content-Length",
            ),
        ] {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            match read(&parts) {
                Err(Unreadable::Refused(s, w)) => {
                    assert_eq!(s, status, "{w}");
                    assert!(w.contains(why), "{w}");
                }
                other => panic!("{parts:?}: {other:?}"),
            }
        }
        assert_eq!(read(&[]).unwrap_err(), Unreadable::Nothing);
        let two = read(&["POST / HTTP/1.1\r\nX-Hopae-Signature: a\r\nX-Hopae-Signature: b\r\nContent-Length: 0\r\n\r\n"]).unwrap();
        assert!(two.signature.is_err());
    }

    #[test]
    fn a_stalled_request_times_out() {
        let mut stalled = Chunks(vec![b"POST / HTTP/1.1\r\n".to_vec()], true);
        match read_request(&mut stalled) {
            Err(Unreadable::Refused(408, why)) => assert!(why.contains("timed out"), "{why}"),
            other => panic!("{other:?}"),
        }
        // A connection that sends nothing until the deadline is answered 408 too.
        let mut silent = Chunks(Vec::new(), true);
        match read_request(&mut silent) {
            Err(Unreadable::Refused(408, _)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn receiver_urls_are_https_or_loopback_http() {
        for (url, loopback) in [
            ("https://shop.example/hooks", false),
            ("http://127.0.0.1:8787/", true),
            ("http://127.9.9.9/x", true),
            ("http://localhost:1/", true),
            ("HTTP://LOCALHOST/", true),
            ("http://[::1]:8080/", true),
            ("https://127.0.0.1/", true),
        ] {
            assert_eq!(check_receiver_url(url), Ok(loopback), "{url}");
        }
        for (url, why) in [
            ("http://shop.example/", "must use https"),
            ("http://10.0.0.1/", "must use https"),
            ("http://localhost.example/", "must use https"),
            ("ftp://localhost/", "must start with https://"),
            ("shop.example/hooks", "must start with https://"),
            ("https://u:p@shop.example/", "credentials"),
            ("not a url", "must start with https://"),
            ("https://exa mple/", "is not a valid URL"),
            ("https:///x", "is not a valid URL"),
        ] {
            let f = check_receiver_url(url).unwrap_err();
            assert_eq!(f.code, 2, "{url}");
            assert!(f.message.contains(why), "{url}: {}", f.message);
        }
    }

    #[test]
    fn sample_event_names_the_event_and_verifies() {
        let now = OffsetDateTime::from_unix_timestamp(1_765_000_000).unwrap();
        let body = sample_event("verification.failed", now);
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["event"], "verification.failed");
        assert_eq!(value["data"]["status"], "failed");
        assert_eq!(value["data"]["verificationId"], "ver_test_1765000000");
        assert_eq!(value["data"]["createdAt"], "2025-12-06T05:46:40Z");
        let header = sign("whsec_t", now_secs(), &body);
        let event = Verifier::new("whsec_t").verify(&header, &body).unwrap();
        assert_eq!(event.event_type.as_deref(), Some("verification.failed"));
    }

    #[test]
    fn delivery_lines_say_why_not_and_escape_the_event() {
        let ok = Delivery {
            time: "2026-04-08T10:00:00Z".into(),
            id: Some("evt_1".into()),
            event: Some("verification.completed".into()),
            verified: true,
            error: None,
            status: 204,
        };
        assert_eq!(
            ok.line(),
            "2026-04-08T10:00:00Z  204  verified  verification.completed\n"
        );
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"time":"2026-04-08T10:00:00Z","status":204,"verified":true,"error":null,"id":"evt_1","event":"verification.completed"}"#
        );
        let bad = Delivery {
            event: Some("evil\x1b[2J\u{202e}\u{2028}".into()),
            verified: false,
            error: Some("signature mismatch".into()),
            status: 401,
            ..ok
        };
        assert_eq!(
            bad.line(),
            "2026-04-08T10:00:00Z  401  not verified (signature mismatch)  evil\\u{1b}[2J\\u{202e}\\u{2028}\n"
        );
        // An event name padded with spaces cannot push the verdict off screen: the
        // verdict comes first, and the name is cut.
        let padded = Delivery {
            event: Some(format!("verification.completed{}x", " ".repeat(500))),
            error: bad.error.clone(),
            id: bad.id.clone(),
            time: bad.time.clone(),
            ..bad
        };
        let line = padded.line();
        assert!(
            line.starts_with("2026-04-08T10:00:00Z  401  not verified (signature mismatch)  "),
            "{line}"
        );
        assert!(line.chars().count() < 200, "{line}");
        let json = serde_json::to_string(&bad).unwrap();
        let safe = terminal_safe_json(&json);
        assert!(safe.contains(r"evil\u001b[2J\u202e\u2028"), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["event"], "evil\x1b[2J\u{202e}\u{2028}");
        assert_eq!(terminal_safe_json(r#"{"a":"é ü"}"#), r#"{"a":"é ü"}"#);
        assert_eq!(event_name(br#"{"type":"x"}"#).as_deref(), Some("x"));
        assert_eq!(event_name(b"[1]"), None);
    }
}

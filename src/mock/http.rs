//! The tiny HTTP/1.1 server under the mock: a std `TcpListener` on 127.0.0.1, one thread
//! per connection, keep-alive with `Content-Length` bodies. It knows nothing of the API:
//! a [`Service`] turns each request into a response. It is built to survive hostile
//! local clients:
//!
//! - **Bodies** are bounded at the API's own limits
//!   ([`MAX_JSON_BODY_BYTES`](crate::MAX_JSON_BODY_BYTES), and
//!   [`MAX_MULTIPART_BODY_BYTES`](crate::MAX_MULTIPART_BODY_BYTES) for
//!   `multipart/form-data`; 413 beyond), and by a budget across all connections (256 MiB,
//!   reserved from the declared `Content-Length` before the body is read; 503 beyond).
//!   Multipart bodies may take the budget only up to 16 MiB short of it, so small JSON
//!   calls keep room.
//! - **Time**: a connection may stay silent 10 seconds between requests; a request must
//!   arrive whole (head and body) within 30 seconds of its first byte, however it
//!   trickles; a response must be taken within 10 seconds.
//! - **Connections**: at most [`Limits::max_connections`] (64) at once. When all are
//!   taken, the one that has waited longest for a request (an idle one first, then the
//!   slowest one still sending its request) is closed to make room; only when every
//!   connection is being answered is a new one refused with a 503.
//! - **Hosts**: only requests whose `Host` names loopback (`127.0.0.1`, `localhost` or
//!   `[::1]`, with the server's port) are answered (421 otherwise), so that a web page
//!   cannot drive the fake through DNS rebinding.
//! - **Stopping**: dropping the server closes every connection and returns within about
//!   a second, even with a slow request in flight (a handler still running is left to
//!   finish on its own thread; its answer goes nowhere).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::{MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES};

/// The longest request line plus headers, in bytes.
const MAX_HEAD_BYTES: u64 = 16 * 1024;
/// The most header lines in one request.
const MAX_HEADERS: usize = 100;
/// The share of the body budget that multipart bodies may not take.
const SMALL_BODY_RESERVE: u64 = 16 * 1024 * 1024;
/// How long a refused request's body is drained, at most, before the connection
/// closes (so that the refusal is read rather than lost to a reset).
const LINGER: Duration = Duration::from_secs(1);
/// How long dropping the server waits for connection threads before leaving them.
const STOP_GRACE: Duration = Duration::from_millis(800);

/// The server's bounds; [`Limits::DEFAULT`] in the fake, smaller ones in tests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// The most connections held at once.
    pub(super) max_connections: usize,
    /// The most request-body bytes buffered across all connections.
    pub(super) body_budget: u64,
    /// How long a connection may stay silent between requests.
    pub(super) idle_timeout: Duration,
    /// How long a request (head and body) may take from its first byte.
    pub(super) request_deadline: Duration,
    /// How long writing a response may take.
    pub(super) write_deadline: Duration,
}

impl Limits {
    /// The fake's bounds.
    pub(super) const DEFAULT: Limits = Limits {
        max_connections: 64,
        body_budget: 256 * 1024 * 1024,
        idle_timeout: Duration::from_secs(10),
        request_deadline: Duration::from_secs(30),
        write_deadline: Duration::from_secs(10),
    };
}

/// One request, read to the end of its body.
pub(super) struct Request {
    pub(super) method: String,
    /// The request target as sent: path and query.
    pub(super) target: String,
    /// Header names lowercased, values trimmed, in the order sent.
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Request {
    /// The first value of a header (`name` in lowercase).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One response; `Content-Length` and `Connection` are added when it is written.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
}

/// What answers the requests.
pub(super) trait Service: Send + Sync + 'static {
    /// The response to a complete request.
    fn handle(&self, request: Request) -> Response;
    /// The response to a request that could not be read (malformed, too large, too
    /// slow); the connection is closed after it.
    fn reject(&self, status: u16, message: &str) -> Response;
}

/// What a connection is doing: waiting for a request, reading one, or answering one.
const IDLE: u8 = 0;
const READING: u8 = 1;
const ANSWERING: u8 = 2;

/// A connection's current phase and since when, read by the accept loop to choose which
/// connection to close when all are taken.
struct Activity {
    phase: AtomicU8,
    /// When the phase began, in milliseconds since the server started.
    since: AtomicU64,
    /// Closed to make room for a newer connection.
    evicted: AtomicBool,
}

impl Activity {
    fn enter(&self, phase: u8, now_ms: u64) {
        self.since.store(now_ms, Ordering::SeqCst);
        self.phase.store(phase, Ordering::SeqCst);
    }
}

/// A connection being served: a handle on its socket (to close it), its thread.
struct Conn {
    stream: TcpStream,
    thread: JoinHandle<()>,
    activity: Arc<Activity>,
}

type Connections = Arc<Mutex<Vec<Conn>>>;

/// What every connection thread shares.
struct Core<S> {
    service: Arc<S>,
    limits: Limits,
    port: u16,
    started: Instant,
    /// Request-body bytes reserved by the connections now reading or holding a body.
    buffered: AtomicU64,
}

impl<S> Core<S> {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A running server: dropping it stops accepting and closes every connection; the port
/// is free again when `drop` returns.
pub(super) struct Running {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Connections,
}

impl Running {
    /// The address the server listens on.
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Serves `service` on `listener` from a new accept thread, with the fake's bounds.
pub(super) fn serve<S: Service>(listener: TcpListener, service: Arc<S>) -> io::Result<Running> {
    serve_with(listener, service, Limits::DEFAULT)
}

/// Serves `service` on `listener` with these bounds.
pub(super) fn serve_with<S: Service>(
    listener: TcpListener,
    service: Arc<S>,
    limits: Limits,
) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let connections: Connections = Arc::default();
    let core = Arc::new(Core {
        service,
        limits,
        port: addr.port(),
        started: Instant::now(),
        buffered: AtomicU64::new(0),
    });
    let accept = {
        let (stop, connections) = (Arc::clone(&stop), Arc::clone(&connections));
        std::thread::Builder::new()
            .name(format!("hopae-mock-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &core, &stop, &connections))?
    };
    Ok(Running {
        addr,
        stop,
        accept: Some(accept),
        connections,
    })
}

fn accept_loop<S: Service>(
    listener: &TcpListener,
    core: &Arc<Core<S>>,
    stop: &AtomicBool,
    connections: &Connections,
) {
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut live = connections.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|c| !c.thread.is_finished());
        let open = live
            .iter()
            .filter(|c| !c.activity.evicted.load(Ordering::SeqCst))
            .count();
        if open >= core.limits.max_connections && !evict_one(&live) {
            drop(live);
            let mut busy = core.service.reject(
                503,
                "every connection of the mock server is being answered; retry",
            );
            busy.headers.push(("Retry-After", "1".into()));
            let by = Instant::now() + Duration::from_millis(200);
            let _ = write_response(&stream, busy, true, false, by);
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let activity = Arc::new(Activity {
            phase: AtomicU8::new(IDLE),
            since: AtomicU64::new(core.now_ms()),
            evicted: AtomicBool::new(false),
        });
        let spawned = {
            let (core, activity) = (Arc::clone(core), Arc::clone(&activity));
            let connections = Arc::clone(connections);
            std::thread::Builder::new()
                .name("hopae-mock-conn".into())
                .spawn(move || {
                    connection(&stream, &core, &activity);
                    // Drop the accept loop's handle too, so that the socket is closed
                    // now: a peer still sending into it is reset instead of blocked.
                    let mut live = connections.lock().unwrap_or_else(PoisonError::into_inner);
                    live.retain(|c| !Arc::ptr_eq(&c.activity, &activity));
                })
        };
        if let Ok(thread) = spawned {
            live.push(Conn {
                stream: handle,
                thread,
                activity,
            });
        }
    }
}

/// Closes the connection that has waited longest for (or on) a request, to make room
/// for a new one; `false` when every connection is being answered.
fn evict_one(live: &[Conn]) -> bool {
    let victim = live
        .iter()
        .filter(|c| {
            !c.activity.evicted.load(Ordering::SeqCst)
                && c.activity.phase.load(Ordering::SeqCst) != ANSWERING
        })
        .min_by_key(|c| c.activity.since.load(Ordering::SeqCst));
    match victim {
        Some(c) => {
            c.activity.evicted.store(true, Ordering::SeqCst);
            let _ = c.stream.shutdown(Shutdown::Both);
            true
        }
        None => false,
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept thread blocked in `accept` with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let live = std::mem::take(
            &mut *self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for c in &live {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
        // Every read and write fails at once on a closed socket; only a handler still
        // running (such as one sleeping the configured latency) outlives the grace
        // period, and it is left to finish on its own.
        let deadline = Instant::now() + STOP_GRACE;
        for c in live {
            while !c.thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if c.thread.is_finished() {
                let _ = c.thread.join();
            }
        }
    }
}

/// An unusable request: answer this status and message, then close.
struct Reject(u16, String);

fn reject(status: u16, message: impl Into<String>) -> Reject {
    Reject(status, message.into())
}

/// Reads from a socket until a deadline: each read waits only for what is left of it,
/// so that a peer trickling bytes cannot stretch the time.
struct Timed<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

/// Request-body bytes taken from the server's budget, given back when dropped.
struct Reservation<'a> {
    buffered: &'a AtomicU64,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.buffered.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

/// Takes `bytes` from the budget: multipart bodies up to [`SMALL_BODY_RESERVE`] short
/// of it, other bodies up to all of it. `None` when it does not fit.
fn reserve(
    buffered: &AtomicU64,
    bytes: u64,
    budget: u64,
    multipart: bool,
) -> Option<Reservation<'_>> {
    let cap = if multipart {
        budget.saturating_sub(SMALL_BODY_RESERVE)
    } else {
        budget
    };
    buffered
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
            now.checked_add(bytes).filter(|total| *total <= cap)
        })
        .ok()
        .map(|_| Reservation { buffered, bytes })
}

/// Serves one connection, then closes it: the accept loop's handle on the socket must
/// not keep it open.
fn connection<S: Service>(stream: &TcpStream, core: &Core<S>, activity: &Activity) {
    let _ = stream.set_nodelay(true);
    serve_connection(stream, core, activity);
    // A lingering close: stop writing, then drain what the peer still sends (such as
    // the body of a refused upload) for a moment, so that the last response is not
    // lost to a reset.
    let _ = stream.shutdown(Shutdown::Write);
    let mut drain = Timed {
        stream,
        deadline: Instant::now() + LINGER,
    };
    let mut buf = vec![0; 64 * 1024];
    let mut left = MAX_MULTIPART_BODY_BYTES;
    while left > 0 {
        match drain.read(&mut buf) {
            Ok(n) if n > 0 => left = left.saturating_sub(n),
            _ => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Serves requests until the peer closes the connection, asks to, goes silent, runs out
/// of time, or sends something unusable.
fn serve_connection<S: Service>(stream: &TcpStream, core: &Core<S>, activity: &Activity) {
    let limits = core.limits;
    let mut reader = BufReader::new(Timed {
        stream,
        deadline: Instant::now(),
    });
    loop {
        activity.enter(IDLE, core.now_ms());
        reader.get_mut().deadline = Instant::now() + limits.idle_timeout;
        // Silence or EOF before a request starts closes the connection quietly.
        match reader.fill_buf() {
            Ok(bytes) if !bytes.is_empty() => {}
            _ => return,
        }
        activity.enter(READING, core.now_ms());
        reader.get_mut().deadline = Instant::now() + limits.request_deadline;
        match read_request(&mut reader, stream, core) {
            Ok((request, keep_alive, reservation)) => {
                activity.enter(ANSWERING, core.now_ms());
                let head_only = request.method == "HEAD";
                let response = core.service.handle(request);
                drop(reservation);
                let by = Instant::now() + limits.write_deadline;
                let written = write_response(stream, response, !keep_alive, head_only, by);
                if written.is_err() || !keep_alive {
                    return;
                }
            }
            Err(Reject(status, message)) => {
                let mut response = core.service.reject(status, &message);
                if status == 503 {
                    response.headers.push(("Retry-After", "1".into()));
                }
                let by = Instant::now() + limits.write_deadline;
                let _ = write_response(stream, response, true, false, by);
                return;
            }
        }
    }
}

/// Reads one request: its head (bounded), then a `Content-Length` body (bounded by its
/// kind's limit and the server's budget). Returns it with whether the connection stays
/// open after the response, and the budget its body holds.
fn read_request<'c, S>(
    reader: &mut BufReader<Timed<'_>>,
    stream: &TcpStream,
    core: &'c Core<S>,
) -> Result<(Request, bool, Option<Reservation<'c>>), Reject> {
    let mut budget = MAX_HEAD_BYTES;
    let mut line = Vec::new();
    // Tolerate empty lines before a request line (RFC 9112, 2.2).
    loop {
        line.clear();
        read_line(reader, &mut line, &mut budget)?;
        if !trim_eol(&line).is_empty() {
            break;
        }
    }
    let request_line = String::from_utf8(trim_eol(&line).to_vec())
        .map_err(|_| reject(400, "the request line is not valid UTF-8"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(reject(400, "malformed request line"));
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(reject(505, "only HTTP/1.1 is supported"));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(reject(400, "malformed method"));
    }
    if !target.starts_with('/') {
        return Err(reject(400, "the request target must be a path"));
    }
    let mut headers = Vec::new();
    loop {
        line.clear();
        read_line(reader, &mut line, &mut budget)?;
        let text = trim_eol(&line);
        if text.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(reject(431, "too many header lines"));
        }
        let text =
            std::str::from_utf8(text).map_err(|_| reject(400, "a header is not valid UTF-8"))?;
        let Some((name, value)) = text.split_once(':') else {
            return Err(reject(400, "malformed header line"));
        };
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(reject(400, "malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    check_host(&headers, version, core.port)?;
    if values(&headers, "transfer-encoding").next().is_some() {
        return Err(reject(
            411,
            "chunked request bodies are not supported: send Content-Length",
        ));
    }
    let length = {
        let mut lengths = values(&headers, "content-length");
        match (lengths.next(), lengths.next()) {
            (None, _) => 0,
            (Some(v), None) if v.bytes().all(|b| b.is_ascii_digit()) => v
                .parse::<u64>()
                .map_err(|_| reject(400, "invalid Content-Length"))?,
            (Some(_), None) => return Err(reject(400, "invalid Content-Length")),
            (Some(_), Some(_)) => return Err(reject(400, "more than one Content-Length")),
        }
    };
    let multipart = values(&headers, "content-type").next().is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("multipart/form-data"))
    });
    let (limit, kind) = if multipart {
        (MAX_MULTIPART_BODY_BYTES, "a multipart/form-data body")
    } else {
        (
            MAX_JSON_BODY_BYTES,
            "a request body other than multipart/form-data",
        )
    };
    if length > limit as u64 {
        return Err(reject(
            413,
            format!("the request body has {length} bytes; the API takes at most {limit} in {kind}"),
        ));
    }
    let reservation = if length > 0 {
        Some(
            reserve(&core.buffered, length, core.limits.body_budget, multipart).ok_or_else(
                || {
                    reject(
                        503,
                        "the mock server is buffering too many request bodies at once; retry",
                    )
                },
            )?,
        )
    } else {
        None
    };
    let connection = values(&headers, "connection")
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    if length > 0
        && values(&headers, "expect")
            .next()
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        let by = Instant::now() + core.limits.write_deadline;
        write_all_by(stream, b"HTTP/1.1 100 Continue\r\n\r\n", by)
            .map_err(|_| reject(408, "the client did not take the 100 Continue"))?;
    }
    // Within the limits checked above, so the conversion cannot fail on 64-bit targets;
    // zeroed memory costs nothing until the body's bytes arrive.
    let size = usize::try_from(length).map_err(|_| reject(413, "the request body is too large"))?;
    let mut body = vec![0; size];
    reader
        .read_exact(&mut body)
        .map_err(|_| reject(408, "the request body did not arrive in time"))?;
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    };
    Ok((request, keep_alive, reservation))
}

/// The `Host` must name this server on loopback: a page that made its own host name
/// resolve to 127.0.0.1 (DNS rebinding) still sends that name, and is refused.
fn check_host(headers: &[(String, String)], version: &str, port: u16) -> Result<(), Reject> {
    let mut hosts = values(headers, "host");
    match (hosts.next(), hosts.next()) {
        (None, _) if version == "HTTP/1.0" => Ok(()),
        (None, _) => Err(reject(400, "the request has no Host header")),
        (Some(_), Some(_)) => Err(reject(400, "more than one Host header")),
        (Some(host), None) if names_loopback(host, port) => Ok(()),
        (Some(_), None) => Err(reject(
            421,
            format!(
                "the mock server answers only requests for 127.0.0.1:{port}, localhost:{port} or [::1]:{port}"
            ),
        )),
    }
}

/// Whether `host` (a `Host` header) is `127.0.0.1`, `localhost` or `[::1]` with `port`
/// (which may be left out only when it is 80).
fn names_loopback(host: &str, port: u16) -> bool {
    let (name, rest) = match host.strip_prefix("[::1]") {
        Some(rest) => ("[::1]", rest),
        None => host.split_at(host.find(':').unwrap_or(host.len())),
    };
    let loopback = name == "[::1]" || name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost");
    let port_matches = match rest.strip_prefix(':') {
        Some(digits) => {
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && digits.parse::<u16>() == Ok(port)
        }
        None => rest.is_empty() && port == 80,
    };
    loopback && port_matches
}

/// The values of header `name` (lowercase), in order.
fn values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Reads one line (up to and including `\n`) of a request head, within its budget.
fn read_line(
    reader: &mut BufReader<Timed<'_>>,
    line: &mut Vec<u8>,
    budget: &mut u64,
) -> Result<(), Reject> {
    let n = reader
        .by_ref()
        .take(*budget)
        .read_until(b'\n', line)
        .map_err(|_| reject(408, "the request head did not arrive in time"))?;
    *budget -= n as u64;
    if !line.ends_with(b"\n") {
        return Err(if *budget == 0 {
            reject(431, "the request head is larger than 16 KiB")
        } else {
            reject(400, "the request head ended early")
        });
    }
    Ok(())
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Writes all of `bytes` by `deadline`, however slowly the peer reads.
fn write_all_by(mut stream: &TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn write_response(
    stream: &TcpStream,
    response: Response,
    close: bool,
    head_only: bool,
    deadline: Instant,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    write_all_by(stream, &bytes, deadline)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// One part of a `multipart/form-data` body.
pub(super) struct Part<'a> {
    /// The form field's name.
    pub(super) name: String,
    pub(super) filename: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) data: &'a [u8],
}

/// The parameters of a header value after its first item (`form-data; name="a;b"`):
/// names lowercased, values unquoted (a quoted value may hold `;` and `=`, and a
/// backslash in it escapes the next character, as in RFC 9110's quoted-string).
fn header_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    // The first item (`form-data`, `multipart/form-data`) holds no quotes.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    while chars.peek().is_some() {
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            name.push(c);
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
                // Anything between the closing quote and the next `;` is ignored.
                while chars.next_if(|c| *c != ';').is_some() {}
            } else {
                while let Some(c) = chars.next_if(|c| *c != ';') {
                    value.push(c);
                }
                value = value.trim().to_owned();
            }
        }
        chars.next(); // the `;`
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// The parts of a `multipart/form-data` body (RFC 7578), or why it is not one.
pub(super) fn multipart<'a>(
    content_type: &str,
    body: &'a [u8],
) -> Result<Vec<Part<'a>>, &'static str> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Err("must be sent as multipart/form-data");
    }
    let boundary = header_params(content_type)
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or("has no multipart boundary")?;
    let delimiter = format!("\r\n--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter may start the body, without the CRLF before it.
    let mut pos = if body.starts_with(&delimiter[2..]) {
        delimiter.len() - 2
    } else {
        find(body, delimiter, 0).ok_or("has no multipart parts")? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err("is a malformed multipart body");
        }
        let head_start = pos + 2;
        // A part without headers has its empty line at once.
        let (head_end, data_start) = if body[head_start..].starts_with(b"\r\n") {
            (head_start, head_start + 2)
        } else {
            let end = find(body, b"\r\n\r\n", head_start).ok_or("is a malformed multipart body")?;
            (end, end + 4)
        };
        let head = std::str::from_utf8(&body[head_start..head_end])
            .map_err(|_| "has a multipart header that is not UTF-8")?;
        let data_end =
            find(body, delimiter, data_start).ok_or("is a multipart body without its end")?;
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            data: &body[data_start..data_end],
        };
        for line in head.split("\r\n") {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_owned());
            } else if name.trim().eq_ignore_ascii_case("content-disposition") {
                for (k, v) in header_params(value) {
                    match k.as_str() {
                        "name" => part.name = v,
                        "filename" => part.filename = Some(v),
                        _ => {}
                    }
                }
            }
        }
        parts.push(part);
        pos = data_end + delimiter.len();
    }
}

/// The first position of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl Service for Echo {
        fn handle(&self, request: Request) -> Response {
            if request.target == "/slow" {
                std::thread::sleep(Duration::from_secs(60));
            }
            Response {
                status: 200,
                headers: vec![("X-Method", request.method)],
                body: request.body,
            }
        }
        fn reject(&self, status: u16, message: &str) -> Response {
            Response {
                status,
                headers: Vec::new(),
                body: message.as_bytes().to_vec(),
            }
        }
    }

    fn start_with(limits: Limits) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        serve_with(listener, Arc::new(Echo), limits).unwrap()
    }

    fn start() -> Running {
        start_with(Limits::DEFAULT)
    }

    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    fn host(addr: SocketAddr) -> String {
        format!("Host: 127.0.0.1:{}\r\n", addr.port())
    }

    #[test]
    fn keep_alive_serves_two_requests_on_one_connection_then_closes_on_request() {
        let server = start();
        let h = host(server.addr());
        let raw = format!(
            "POST /a HTTP/1.1\r\n{h}Content-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n{h}Connection: close\r\n\r\n"
        );
        let out = exchange(server.addr(), raw.as_bytes());
        assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
        assert!(
            out.contains("X-Method: POST\r\nContent-Length: 3\r\n\r\nabc"),
            "{out}"
        );
        assert!(out.ends_with("Connection: close\r\n\r\n"), "{out}");
    }

    #[test]
    fn unusable_requests_are_rejected_and_closed() {
        let server = start();
        let h = host(server.addr());
        for (raw, status) in [
            (
                format!("GET /a HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n"),
                "411",
            ),
            (
                format!("POST /a HTTP/1.1\r\n{h}Content-Length: 99999999999\r\n\r\n"),
                "413",
            ),
            (
                format!("POST /a HTTP/1.1\r\n{h}Content-Length: +5\r\n\r\n"),
                "400",
            ),
            (
                format!("POST /a HTTP/1.1\r\n{h}Content-Length: 1048577\r\n\r\n"),
                "413",
            ),
            ("GET /a HTTP/2\r\n\r\n".into(), "505"),
            (format!("GET a HTTP/1.1\r\n{h}\r\n"), "400"),
            (format!("GET /a HTTP/1.1\r\n{h}no colon\r\n\r\n"), "400"),
            ("GET /a HTTP/1.1\r\n\r\n".into(), "400"),
            (format!("GET /a HTTP/1.1\r\n{h}{h}\r\n"), "400"),
        ] {
            let out = exchange(server.addr(), raw.as_bytes());
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} ")),
                "{raw:?}: {out}"
            );
            assert!(out.contains("Connection: close"), "{out}");
        }
        let huge = format!("GET /a HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(exchange(server.addr(), huge.as_bytes()).starts_with("HTTP/1.1 431 "));
    }

    #[test]
    fn only_loopback_hosts_with_the_port_are_answered() {
        let server = start();
        let port = server.addr().port();
        for (name, status) in [
            (format!("127.0.0.1:{port}"), "200"),
            (format!("localhost:{port}"), "200"),
            (format!("LocalHost:{port}"), "200"),
            (format!("[::1]:{port}"), "200"),
            (format!("evil.example:{port}"), "421"),
            (format!("127.0.0.1.evil.example:{port}"), "421"),
            (format!("localhost:{}", port.wrapping_add(1)), "421"),
            ("localhost".into(), "421"),
            (format!("[::2]:{port}"), "421"),
            (format!("127.0.0.1:+{port}"), "421"),
        ] {
            let raw = format!("GET /a HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
            let out = exchange(server.addr(), raw.as_bytes());
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} ")),
                "{name}: {out}"
            );
        }
        assert!(names_loopback("localhost", 80));
        assert!(!names_loopback("localhost:", 80));
    }

    #[test]
    fn bodies_past_the_budget_are_refused_with_503_and_the_budget_comes_back() {
        // A budget that leaves multipart bodies 100 bytes.
        let server = start_with(Limits {
            body_budget: SMALL_BODY_RESERVE + 100,
            ..Limits::DEFAULT
        });
        let addr = server.addr();
        let h = host(addr);
        let head = |n: usize| {
            format!(
                "POST /a HTTP/1.1\r\n{h}Connection: close\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {n}\r\n\r\n"
            )
        };
        // The holder takes 60 bytes of the budget while its body does not come. It can
        // lose the race for the budget to the first probe (then it is answered 503 and
        // closed): a holder that was answered is replaced before the next probe.
        let open_holder = || {
            let mut holder = TcpStream::connect(addr).unwrap();
            holder.write_all(head(60).as_bytes()).unwrap();
            holder.write_all(b"x").unwrap();
            holder
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            holder
        };
        let answered = |holder: &mut TcpStream| {
            let mut byte = [0u8; 1];
            !matches!(holder.read(&mut byte), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
        };
        let mut holder = open_holder();
        let mut refused = None;
        for _ in 0..100 {
            if answered(&mut holder) {
                holder = open_holder();
                std::thread::sleep(Duration::from_millis(20));
            }
            let out = exchange(addr, format!("{}{}", head(60), "y".repeat(60)).as_bytes());
            if out.starts_with("HTTP/1.1 503 ") {
                refused = Some(out);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let refused = refused.expect("a second 60-byte multipart body is refused");
        assert!(refused.contains("Retry-After: 1\r\n"), "{refused}");
        // A small JSON body still fits.
        let json =
            format!("POST /a HTTP/1.1\r\n{h}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}");
        assert!(exchange(addr, json.as_bytes()).starts_with("HTTP/1.1 200 "));
        // Once the holder is gone, its share is given back.
        drop(holder);
        let mut served = false;
        for _ in 0..100 {
            let out = exchange(addr, format!("{}{}", head(60), "y".repeat(60)).as_bytes());
            if out.starts_with("HTTP/1.1 200 ") {
                served = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(served);
    }

    #[test]
    fn a_trickling_request_is_cut_at_its_deadline() {
        let server = start_with(Limits {
            request_deadline: Duration::from_millis(300),
            ..Limits::DEFAULT
        });
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let raw = format!(
            "GET /a HTTP/1.1\r\n{}X-Pad: {}",
            host(server.addr()),
            "a".repeat(200)
        );
        let mut answer = Vec::new();
        // One byte every 50 ms, each well inside any per-read timeout: 10 s in all.
        for byte in raw.bytes() {
            if s.write_all(&[byte]).is_err() {
                break;
            }
            let mut buf = [0; 512];
            if let Ok(n) = s.read(&mut buf) {
                answer.extend_from_slice(&buf[..n]);
                if n == 0 || answer.len() > 12 {
                    break;
                }
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    }

    #[test]
    fn a_new_connection_closes_the_longest_waiting_one_when_all_are_taken() {
        let server = start_with(Limits {
            max_connections: 2,
            ..Limits::DEFAULT
        });
        let addr = server.addr();
        let h = host(addr);
        let mut slow: Vec<TcpStream> = (0..2)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /a HTTP/1.1\r\n").unwrap();
                s
            })
            .collect();
        for _ in 0..3 {
            let raw = format!("GET /a HTTP/1.1\r\n{h}Connection: close\r\n\r\n");
            // The previous exchange's connection may still be closing (a lingering close
            // counts as answered, which is never evicted): then this one is told 503 and
            // tries again; it must get through without a slow connection ending.
            let mut out = String::new();
            for _ in 0..50 {
                out = exchange(addr, raw.as_bytes());
                if !out.starts_with("HTTP/1.1 503 ") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(out.starts_with("HTTP/1.1 200 "), "{out}");
        }
        // The slow ones were closed to make room: the first is answered 408 or reset.
        slow[0]
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut rest = String::new();
        let _ = slow[0].read_to_string(&mut rest);
        assert!(!rest.starts_with("HTTP/1.1 200"), "{rest}");
        slow.clear();
    }

    #[test]
    fn drop_returns_with_a_handler_still_running() {
        let server = start();
        let addr = server.addr();
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("GET /slow HTTP/1.1\r\n{}\r\n", host(addr)).as_bytes())
            .unwrap();
        // A trickler too.
        let mut t = TcpStream::connect(addr).unwrap();
        t.write_all(b"GET /a HTTP/1.1\r\nHo").unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(server);
            let _ = done.send(());
        });
        // The handler sleeps 60 s; the drop must not wait for it.
        assert!(finished.recv_timeout(Duration::from_secs(30)).is_ok());
        assert!(TcpListener::bind(addr).is_ok());
    }

    #[test]
    fn multipart_parts_are_split_at_the_boundary() {
        let body =
            b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\
                     Content-Type: application/pdf\r\n\r\n%PDF\r\n--\r\n--xyz\r\n\
                     Content-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--xyz--\r\n";
        let parts = multipart("multipart/form-data; boundary=\"xyz\"", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "files");
        assert_eq!(parts[0].filename.as_deref(), Some("a.pdf"));
        assert_eq!(parts[0].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(parts[0].data, b"%PDF\r\n--");
        assert_eq!(
            (parts[1].name.as_str(), parts[1].data),
            ("note", &b"hi"[..])
        );
        assert!(multipart("application/json", body).is_err());
        assert!(
            multipart(
                "multipart/form-data; boundary=xyz",
                b"--xyz\r\nX: y\r\n\r\nno end"
            )
            .is_err()
        );
    }

    #[test]
    fn quoted_parameters_keep_their_semicolons_and_equals_signs() {
        let params = header_params(
            r#"form-data; name="files"; filename="a;b=c.pdf"; x=plain ; q="say \"hi\"\\"; empty="#,
        );
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("name"), Some("files"));
        assert_eq!(get("filename"), Some("a;b=c.pdf"));
        assert_eq!(get("x"), Some("plain"));
        assert_eq!(get("q"), Some(r#"say "hi"\"#));
        assert_eq!(get("empty"), Some(""));
        let body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a;b=c.pdf\"\r\n\r\nx\r\n--b--\r\n";
        let parts = multipart("multipart/form-data; boundary=b", body).unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("a;b=c.pdf"));
    }

    #[test]
    fn drop_frees_the_port_even_with_an_idle_connection_open() {
        let server = start();
        let addr = server.addr();
        let idle = TcpStream::connect(addr).unwrap();
        drop(server);
        assert!(TcpListener::bind(addr).is_ok());
        drop(idle);
    }
}

//! The tiny HTTP/1.1 server under the mock: a std `TcpListener` on 127.0.0.1, one thread
//! per connection (at most [`MAX_CONNECTIONS`] at once), keep-alive with
//! `Content-Length` bodies, bounded request heads and bodies, and read timeouts so that
//! no peer can hold a thread forever. It knows nothing of the API: a [`Service`] turns
//! each request into a response.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most connections served at once; more are answered 503 and closed.
const MAX_CONNECTIONS: usize = 64;
/// The longest request line plus headers, in bytes.
const MAX_HEAD_BYTES: u64 = 16 * 1024;
/// The most header lines in one request.
const MAX_HEADERS: usize = 100;
/// The largest request body. The documented upload limit (10 files of 10 MB) could
/// reach 100 MB; the mock keeps its memory bounded and answers 413 past 32 MiB (the
/// documents route still checks the 10 MB per file).
pub(super) const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// How long a connection may stay silent, between requests or inside one.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long writing a response may block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

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

type Connections = Arc<Mutex<Vec<(TcpStream, JoinHandle<()>)>>>;

/// A running server: dropping it stops accepting, closes every connection and joins
/// every thread, so that the port is free again when `drop` returns.
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

/// Serves `service` on `listener` from a new accept thread.
pub(super) fn serve<S: Service>(listener: TcpListener, service: Arc<S>) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let connections: Connections = Arc::default();
    let accept = {
        let (stop, connections) = (Arc::clone(&stop), Arc::clone(&connections));
        std::thread::Builder::new()
            .name(format!("hopae-mock-{}", addr.port()))
            .spawn(move || accept_loop(listener, service, stop, connections))?
    };
    Ok(Running {
        addr,
        stop,
        accept: Some(accept),
        connections,
    })
}

fn accept_loop<S: Service>(
    listener: TcpListener,
    service: Arc<S>,
    stop: Arc<AtomicBool>,
    connections: Connections,
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
        live.retain(|(_, thread)| !thread.is_finished());
        if live.len() >= MAX_CONNECTIONS {
            drop(live);
            let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
            let busy = service.reject(503, "too many connections to the mock server");
            let _ = write_response(&stream, busy, true, false);
            continue;
        }
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let service = Arc::clone(&service);
        let spawned = std::thread::Builder::new()
            .name("hopae-mock-conn".into())
            .spawn(move || connection(stream, &*service));
        if let Ok(thread) = spawned {
            live.push((handle, thread));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept thread blocked in `accept` with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let live = std::mem::take(
            &mut *self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for (stream, _) in &live {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for (_, thread) in live {
            let _ = thread.join();
        }
    }
}

/// Why a request could not be read.
enum ReadError {
    /// The peer closed the connection, or went silent, between two requests.
    Closed,
    /// The request is unusable: answer this status, then close.
    Reject(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Closed
    }
}

/// Serves one connection, then closes it: the accept loop's handle on the socket must
/// not keep it open.
fn connection(stream: TcpStream, service: &dyn Service) {
    serve_connection(&stream, service);
    // A lingering close: stop writing, then drain what the peer still sends (such as
    // the body of a refused upload) for a moment, so that the last response is not
    // lost to a reset.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = io::copy(&mut (&stream).take(MAX_BODY_BYTES), &mut io::sink());
    let _ = stream.shutdown(Shutdown::Both);
}

/// Serves requests until the peer closes the connection, asks to, goes silent, or
/// sends something unusable.
fn serve_connection(stream: &TcpStream, service: &dyn Service) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    loop {
        match read_request(&mut reader, stream) {
            Ok((request, keep_alive)) => {
                let head_only = request.method == "HEAD";
                let response = service.handle(request);
                if write_response(stream, response, !keep_alive, head_only).is_err() || !keep_alive
                {
                    return;
                }
            }
            Err(ReadError::Closed) => return,
            Err(ReadError::Reject(status, message)) => {
                let _ = write_response(stream, service.reject(status, message), true, false);
                return;
            }
        }
    }
}

/// Reads one request: its head (bounded), then a `Content-Length` body (bounded).
/// Returns it with whether the connection stays open after the response.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
) -> Result<(Request, bool), ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    let mut line = Vec::new();
    // Tolerate empty lines before a request line (RFC 9112, 2.2).
    loop {
        line.clear();
        let n = read_line(reader, &mut line, &mut budget, true)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        if !trim_eol(&line).is_empty() {
            break;
        }
    }
    let request_line = String::from_utf8(trim_eol(&line).to_vec())
        .map_err(|_| ReadError::Reject(400, "the request line is not valid UTF-8"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Reject(400, "malformed request line"));
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(ReadError::Reject(505, "only HTTP/1.1 is supported"));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadError::Reject(400, "malformed method"));
    }
    if !target.starts_with('/') {
        return Err(ReadError::Reject(400, "the request target must be a path"));
    }
    let mut headers = Vec::new();
    loop {
        line.clear();
        if read_line(reader, &mut line, &mut budget, false)? == 0 {
            return Err(ReadError::Reject(400, "the request head ended early"));
        }
        let text = trim_eol(&line);
        if text.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(ReadError::Reject(431, "too many header lines"));
        }
        let text = std::str::from_utf8(text)
            .map_err(|_| ReadError::Reject(400, "a header is not valid UTF-8"))?;
        let Some((name, value)) = text.split_once(':') else {
            return Err(ReadError::Reject(400, "malformed header line"));
        };
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(ReadError::Reject(400, "malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    if values(&headers, "transfer-encoding").next().is_some() {
        return Err(ReadError::Reject(
            411,
            "chunked request bodies are not supported: send Content-Length",
        ));
    }
    let length = {
        let mut lengths = values(&headers, "content-length");
        match (lengths.next(), lengths.next()) {
            (None, _) => 0,
            (Some(v), None) => v
                .parse::<u64>()
                .map_err(|_| ReadError::Reject(400, "invalid Content-Length"))?,
            (Some(_), Some(_)) => {
                return Err(ReadError::Reject(400, "more than one Content-Length"));
            }
        }
    };
    if length > MAX_BODY_BYTES {
        return Err(ReadError::Reject(
            413,
            "the request body is larger than the mock accepts (32 MiB)",
        ));
    }
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
        (&*stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = Vec::with_capacity(usize::try_from(length.min(1 << 20)).unwrap_or(0));
    let read = reader.by_ref().take(length).read_to_end(&mut body);
    if read.is_err() || body.len() as u64 != length {
        return Err(ReadError::Reject(
            408,
            "the request body did not arrive in time",
        ));
    }
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    };
    Ok((request, keep_alive))
}

/// The values of header `name` (lowercase), in order.
fn values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Reads one line (up to and including `\n`) within the head budget. Silence or EOF
/// before the first byte of a request (`first`) closes the connection quietly; inside a
/// request head they are an error worth answering.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    budget: &mut u64,
    first: bool,
) -> Result<usize, ReadError> {
    let n = match reader.by_ref().take(*budget).read_until(b'\n', line) {
        Ok(n) => n,
        Err(_) if first && line.is_empty() => return Err(ReadError::Closed),
        Err(_) => {
            return Err(ReadError::Reject(
                408,
                "the request head did not arrive in time",
            ));
        }
    };
    *budget -= n as u64;
    if n > 0 && !line.ends_with(b"\n") {
        return Err(if *budget == 0 {
            ReadError::Reject(431, "the request head is larger than 16 KiB")
        } else if first && line.is_empty() {
            ReadError::Closed
        } else {
            ReadError::Reject(400, "the request head ended early")
        });
    }
    Ok(n)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn write_response(
    mut stream: &TcpStream,
    response: Response,
    close: bool,
    head_only: bool,
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
    stream.write_all(&bytes)?;
    stream.flush()
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

/// The parts of a `multipart/form-data` body (RFC 7578), or why it is not one.
pub(super) fn multipart<'a>(
    content_type: &str,
    body: &'a [u8],
) -> Result<Vec<Part<'a>>, &'static str> {
    let mut params = content_type.split(';');
    let essence = params.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Err("must be sent as multipart/form-data");
    }
    let boundary = params
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"'))
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
                for param in value.split(';').skip(1) {
                    let Some((k, v)) = param.trim().split_once('=') else {
                        continue;
                    };
                    let v = v.trim().trim_matches('"').to_owned();
                    match k.trim().to_ascii_lowercase().as_str() {
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

    fn start() -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        serve(listener, Arc::new(Echo)).unwrap()
    }

    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn keep_alive_serves_two_requests_on_one_connection_then_closes_on_request() {
        let server = start();
        let out = exchange(
            server.addr(),
            b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
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
        for (raw, status) in [
            (
                &b"GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
                "411",
            ),
            (
                b"POST /a HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
                "413",
            ),
            (b"GET /a HTTP/2\r\n\r\n", "505"),
            (b"GET a HTTP/1.1\r\n\r\n", "400"),
            (b"GET /a HTTP/1.1\r\nno colon\r\n\r\n", "400"),
        ] {
            let out = exchange(server.addr(), raw);
            assert!(out.starts_with(&format!("HTTP/1.1 {status} ")), "{out}");
            assert!(out.contains("Connection: close"), "{out}");
        }
        let huge = format!("GET /a HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(exchange(server.addr(), huge.as_bytes()).starts_with("HTTP/1.1 431 "));
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
    fn drop_frees_the_port_even_with_an_idle_connection_open() {
        let server = start();
        let addr = server.addr();
        let idle = TcpStream::connect(addr).unwrap();
        drop(server);
        assert!(TcpListener::bind(addr).is_ok());
        drop(idle);
    }
}

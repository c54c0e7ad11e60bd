//! A tiny misbehaving HTTP/1.1 peer on 127.0.0.1, for faults mockito cannot produce:
//! connections closed before any response byte, servers that never answer, bodies that
//! trickle, stop short, or never end.
//!
//! Each accepted connection plays the next [`Action`] of the script (the last one
//! repeats). Every connection runs on its own thread; every wait is bounded, and the
//! server stops when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Nothing a test server does may outlive this.
const MAX_LIFETIME: Duration = Duration::from_secs(20);

/// What the server does with one connection, after reading the request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Close the connection without sending a byte.
    Close,
    /// Read the request and never answer (until the test ends).
    Hang,
    /// Send these bytes, then close.
    Raw(Vec<u8>),
    /// Send a response head announcing `len` body bytes, then one byte every `every`.
    Drip { len: usize, every: Duration },
    /// Announce `announced` body bytes, send `sent`, then close.
    Truncate { announced: usize, sent: usize },
    /// Send a 200 head without a length, then body bytes until the peer goes away (at
    /// most `max` bytes).
    Endless { max: usize },
    /// Answer this request and every further one on the connection with `response`
    /// (keep-alive), until the client closes it or sends nothing for `idle`; then close,
    /// as a server closing idle keep-alive connections does.
    KeepAlive { response: Vec<u8>, idle: Duration },
}

/// A 200 (or any status) response with a JSON body and `Connection: close`.
pub fn response(status: u16, extra_headers: &str, body: &str) -> Action {
    Action::Raw(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A keep-alive response (no `connection: close`) with a JSON body.
pub fn keep_alive_response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub struct FaultServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FaultServer {
    pub fn start(script: Vec<Action>) -> FaultServer {
        assert!(!script.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let server = FaultServer {
            addr: listener.local_addr().unwrap(),
            stop: Arc::new(AtomicBool::new(false)),
            connections: Arc::new(AtomicUsize::new(0)),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let (stop, connections, requests) = (
            server.stop.clone(),
            server.connections.clone(),
            server.requests.clone(),
        );
        thread::spawn(move || {
            let started = Instant::now();
            while !stop.load(Ordering::Relaxed) && started.elapsed() < MAX_LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let n = connections.fetch_add(1, Ordering::SeqCst);
                        let action = script[n.min(script.len() - 1)].clone();
                        let (stop, requests) = (stop.clone(), requests.clone());
                        thread::spawn(move || serve(stream, action, &stop, &requests));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        server
    }

    /// The base URL to give the client.
    pub fn url(&self) -> String {
        format!("http://{}/connect/v1", self.addr)
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The raw requests received (head and body), in arrival order.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut s: TcpStream, action: Action, stop: &AtomicBool, requests: &Mutex<Vec<Vec<u8>>>) {
    s.set_nonblocking(false).ok();
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.set_write_timeout(Some(Duration::from_secs(5))).ok();
    match read_request(&mut s) {
        Some(req) => requests.lock().unwrap().push(req),
        None => return,
    }
    let started = Instant::now();
    let alive = || !stop.load(Ordering::Relaxed) && started.elapsed() < MAX_LIFETIME;
    match action {
        Action::Close => {}
        Action::Hang => {
            while alive() {
                thread::sleep(Duration::from_millis(10));
            }
        }
        Action::Raw(bytes) => {
            let _ = s.write_all(&bytes);
        }
        Action::Drip { len, every } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
            );
            if s.write_all(head.as_bytes()).is_err() {
                return;
            }
            for _ in 0..len {
                if !alive() || s.write_all(b" ").is_err() {
                    return;
                }
                thread::sleep(every);
            }
        }
        Action::Truncate { announced, sent } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n"
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&vec![b'['; sent]);
        }
        Action::KeepAlive { response, idle } => {
            s.set_read_timeout(Some(idle)).ok();
            while s.write_all(&response).is_ok() && alive() {
                match read_request(&mut s) {
                    Some(req) => requests.lock().unwrap().push(req),
                    None => return,
                }
            }
        }
        Action::Endless { max } => {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n",
            );
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < max && alive() {
                if s.write_all(&chunk).is_err() {
                    return;
                }
                sent += chunk.len();
            }
        }
    }
}

/// Reads one request: the head up to the blank line, then `content-length` body bytes.
fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 64 * 1024 || s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    s.read_exact(&mut body).ok()?;
    buf.extend_from_slice(&body);
    Some(buf)
}

/// The value of a header in a raw request, if present.
pub fn header(request: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(request);
    let head = text.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// The body of a raw request.
pub fn body(request: &[u8]) -> &[u8] {
    let pos = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(request.len(), |p| p + 4);
    &request[pos..]
}

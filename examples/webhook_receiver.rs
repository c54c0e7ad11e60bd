//! A blocking Hopae webhook receiver on `std::net` alone: 204 when `X-Hopae-Signature`
//! verifies, 400 or 401 otherwise. Up to 64 connections at once, each on its own thread
//! and with one 10 s deadline for its whole request, so slow or idle clients cannot
//! starve real deliveries. Expose 127.0.0.1:8080 (or `$ADDR`) as the App's webhook URL
//! and run `HOPAE_WEBHOOK_SECRET=whsec_... cargo run --example webhook_receiver`.

use std::io::{BufRead, BufReader, Error, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use hopae::webhooks::Verifier;

const MAX_HEAD: usize = 16 * 1024; // request line and headers
const MAX_BODY: usize = 1024 * 1024; // sent with Content-Length (chunked bodies are refused)
const MAX_CONNECTIONS: usize = 64; // beyond, connections are closed (Hopae retries)
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

fn main() -> std::io::Result<()> {
    let secret = std::env::var("HOPAE_WEBHOOK_SECRET").unwrap_or_default();
    // Refuses an empty, blank or preview (`whsec_****abc1`) secret at start-up.
    let verifier = Verifier::try_new(secret).map_err(|e| Error::other(format!("{e}")))?;
    let address = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = TcpListener::bind(address)?;
    println!("listening on http://{}", listener.local_addr()?);
    for stream in listener.incoming().flatten() {
        if ACTIVE.fetch_add(1, SeqCst) >= MAX_CONNECTIONS {
            ACTIVE.fetch_sub(1, SeqCst);
            continue; // dropped: closed
        }
        let verifier = verifier.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            let status = receive(&stream, &verifier).unwrap_or_else(|e| {
                eprintln!("unreadable request: {e}");
                400
            });
            // No Content-Length: the (empty) body ends when the connection closes.
            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
            let _ = (&stream).write_all(format!("HTTP/1.1 {status} \r\n\r\n").as_bytes());
            ACTIVE.fetch_sub(1, SeqCst);
        });
        if spawned.is_err() {
            ACTIVE.fetch_sub(1, SeqCst);
        }
    }
    Ok(())
}

/// Reads one request, bounded in size and by one deadline, and returns the status.
fn receive(stream: &TcpStream, verifier: &Verifier) -> std::io::Result<u16> {
    let by = Deadline(stream, Instant::now() + Duration::from_secs(10));
    let mut reader = BufReader::new(by.take((MAX_HEAD + MAX_BODY) as u64));
    let mut head = String::new();
    while !(head.ends_with("\n\r\n") || head.ends_with("\n\n")) {
        if reader.read_line(&mut head)? == 0 || head.len() > MAX_HEAD {
            return Err(Error::other("request head cut short or too long"));
        }
    }
    let header = |name: &str| {
        let mut fields = head.lines().filter_map(|line| line.split_once(':'));
        Some(fields.find(|(n, _)| n.eq_ignore_ascii_case(name))?.1.trim())
    };
    let length = header("content-length").and_then(|v| v.parse().ok());
    let Some(length @ ..=MAX_BODY) = length else {
        return Err(Error::other("no Content-Length, or over MAX_BODY"));
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?; // the raw bytes: the signature covers exactly these
    let verified = verifier.verify(header("x-hopae-signature").unwrap_or(""), &body);
    match &verified {
        // Deduplicate on `event.event_id`: a delivery may arrive more than once.
        Ok(event) => println!("verified {:?} {:?}", event.event_type, event.event_id),
        Err(e) => eprintln!("refused: {e}"),
    }
    Ok(verified.map_or_else(|e| e.status(), |_| 204))
}

/// Reads that all end by one instant, however slowly the bytes arrive.
struct Deadline<'a>(&'a TcpStream, Instant);

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.1.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        self.0.set_read_timeout(Some(left))?;
        (&mut &*self.0).read(buf)
    }
}

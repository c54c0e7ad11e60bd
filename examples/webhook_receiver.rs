//! A blocking Hopae webhook receiver on `std::net` alone, one connection at a time: 204 when
//! `X-Hopae-Signature` verifies, 400 or 401 otherwise. Expose 127.0.0.1:8080 as the App's
//! webhook URL and run `HOPAE_WEBHOOK_SECRET=whsec_... cargo run --example webhook_receiver`.

use std::io::{BufRead, BufReader, Error, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use hopae::webhooks::Verifier;

const MAX_HEAD: usize = 16 * 1024; // request line and headers
const MAX_BODY: usize = 1024 * 1024; // sent with Content-Length (chunked bodies are refused)

fn main() -> std::io::Result<()> {
    let secret = std::env::var("HOPAE_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.is_empty());
    let secret = secret.ok_or(Error::other("set HOPAE_WEBHOOK_SECRET (whsec_...)"))?;
    let (verifier, listener) = (Verifier::new(secret), TcpListener::bind("127.0.0.1:8080")?);
    println!("listening on http://{}", listener.local_addr()?);
    for mut stream in listener.incoming().flatten() {
        let status = receive(&stream, &verifier).unwrap_or_else(|e| {
            eprintln!("unreadable request: {e}");
            400
        });
        // No Content-Length: the (empty) body ends when the connection closes.
        let _ = write!(stream, "HTTP/1.1 {status} \r\nConnection: close\r\n\r\n");
    }
    Ok(())
}

/// Reads one request, bounded in size and time, and returns the status to answer.
fn receive(stream: &TcpStream, verifier: &Verifier) -> std::io::Result<u16> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.take((MAX_HEAD + MAX_BODY) as u64));
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
        Ok(event) => println!("verified {:?}", event.event_type),
        Err(e) => eprintln!("refused: {e}"),
    }
    Ok(verified.map_or_else(|e| e.status(), |_| 204))
}

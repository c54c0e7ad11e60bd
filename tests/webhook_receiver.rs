//! `examples/webhook_receiver.rs` serves real deliveries while idle and trickling
//! clients hold connections (issue 17, item 4). Runs the example binary that `cargo
//! test` builds next to this test (`cargo test --test webhook_receiver` alone does not
//! rebuild examples: run `cargo build --example webhook_receiver` first).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hopae::webhooks::sign;

const SECRET: &str = "whsec_example_receiver_test";

struct Receiver(Child);

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `target/<profile>/examples/webhook_receiver`, built by `cargo test`.
fn example() -> PathBuf {
    let mut path = std::env::current_exe().unwrap();
    path.pop(); // the test binary
    path.pop(); // deps
    path.push("examples");
    path.push(format!("webhook_receiver{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} not built", path.display());
    path
}

#[test]
fn idle_and_trickling_clients_do_not_starve_a_delivery() {
    let mut child = Command::new(example())
        .env("HOPAE_WEBHOOK_SECRET", SECRET)
        .env("ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let _receiver = Receiver(child);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let address = first
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_owned();
    // One at a time, each of these would hold the receiver for its 10 s deadline.
    let mut holders: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    let mut trickle = TcpStream::connect(&address).unwrap();
    trickle.write_all(b"POST / HTTP/1.1\r\n").unwrap();
    holders.push(trickle);

    let body = br#"{"id":"evt_1","event":"verification.completed"}"#;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nX-Hopae-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        sign(SECRET, now, body),
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer:?}");
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("evt_1"), "{line}");
    drop(holders);
}

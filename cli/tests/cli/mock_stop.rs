//! `hopae mock` stops on Ctrl-C within moments, even with slow requests in flight: one
//! waiting out a long `--latency` in its handler, one trickling its head.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[cfg(unix)]
#[test]
fn mock_stops_on_sigint_with_slow_requests_in_flight() {
    let mut child = common::command(None, &[], &["mock", "--empty", "--latency", "120s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hopae binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim_end()
        .strip_prefix("export HOPAE_BASE_URL=")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    let authority = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/connect/v1"))
        .unwrap()
        .to_owned();
    let mut in_handler = TcpStream::connect(&authority).unwrap();
    write!(
        in_handler,
        "GET /connect/v1/workspace HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer sk_workspace_test_mock\r\n\r\n"
    )
    .unwrap();
    let mut trickling = TcpStream::connect(&authority).unwrap();
    trickling
        .write_all(b"GET /connect/v1/apps HTTP/1.1\r\nHo")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    // Far less than the 120 s the request in the handler waits.
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("hopae mock did not stop on SIGINT with a slow request in flight");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(exit.code(), Some(0), "{stderr}");
    assert!(stderr.ends_with("stopped\n"), "{stderr}");
}

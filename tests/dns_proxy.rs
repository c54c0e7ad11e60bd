//! Through an HTTP `CONNECT` proxy, the proxy resolves the API's host: the client looks
//! up only the proxy's name (once), never the target's. Alone in its own test binary
//! because it sets proxy environment variables, which are process-wide.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

#[test]
fn the_target_host_is_not_looked_up_when_a_proxy_resolves_it() {
    // A proxy that records each CONNECT line and refuses the tunnel.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let connects = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&connects);
    thread::spawn(move || {
        for stream in proxy.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            seen.lock().unwrap().push(first.trim_end().to_owned());
            let mut line = String::new();
            for _ in 0..100 {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        // SAFETY: this is the only test in this binary and no other thread reads the
        // environment yet.
        unsafe { std::env::set_var(var, format!("http://localhost:{}", proxy_addr.port())) };
    }

    let looked_up = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&looked_up);
    let client = hopae::HopaeClient::builder("sk_workspace_test_proxy")
        .base_url("https://api.example.test/connect/v1")
        .max_retries(0)
        .dns_lookup(move |host, port| {
            log.lock().unwrap().push(format!("{host}:{port}"));
            Ok(vec![proxy_addr])
        })
        .build()
        .unwrap();
    for _ in 0..3 {
        let e = client.workspace().unwrap_err();
        assert!(matches!(e, hopae::Error::Transport(_)), "{e}");
    }
    assert_eq!(
        *connects.lock().unwrap(),
        vec!["CONNECT api.example.test:443 HTTP/1.1"; 3]
    );
    // The proxy's name was looked up: once, or again after each failed tunnel (a
    // failed connection drops the proxy's addresses too). Never the target's.
    let looked_up = looked_up.lock().unwrap();
    assert!(!looked_up.is_empty());
    assert!(
        looked_up
            .iter()
            .all(|h| h == &format!("localhost:{}", proxy_addr.port())),
        "{looked_up:?}"
    );
}

//! A tiny HTTPS server on 127.0.0.1 whose certificate a test CA signed
//! (`tests/fixtures/tls/`, valid until 2125), for the trust tests of the library and the
//! CLI. It answers every request with one JSON body.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The most connections one server accepts: every loop in a test is bounded.
const MAX_CONNECTIONS: usize = 64;

/// The test CA's certificate (PEM).
pub fn ca_pem() -> Vec<u8> {
    std::fs::read(ca_file()).expect("the test CA is checked in")
}

/// The path of the test CA's certificate.
pub fn ca_file() -> PathBuf {
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lib = if lib.ends_with("cli") {
        lib.parent().unwrap().to_path_buf()
    } else {
        lib
    };
    lib.join("tests/fixtures/tls/ca.pem")
}

/// A running server: its port, and how many requests it answered.
pub struct TlsServer {
    pub port: u16,
    answered: Arc<AtomicUsize>,
}

impl TlsServer {
    /// The base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("https://127.0.0.1:{}/connect/v1", self.port)
    }

    /// How many requests got an answer (a refused handshake gets none).
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

/// Starts the server; every request is answered `200` with `body`.
pub fn serve(body: &'static str) -> TlsServer {
    let dir = ca_file().parent().unwrap().to_path_buf();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answered = Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(MAX_CONNECTIONS) {
            let Ok(stream) = stream else { continue };
            let config = config.clone();
            let count = count.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                // One request per connection: read the head (bounded), answer, close.
                let mut reader = BufReader::new(&mut tls);
                let mut length = 0usize;
                for _ in 0..100 {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut rest = vec![0; length.min(1 << 20)];
                if std::io::Read::read_exact(&mut reader, &mut rest).is_err() {
                    return;
                }
                drop(reader);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                if tls
                    .write_all(answer.as_bytes())
                    .and_then(|()| tls.flush())
                    .is_ok()
                {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    TlsServer { port, answered }
}

/// The workspace body the server sends.
pub const WORKSPACE: &str = r#"{"id":"org_tls","apps_count":2,"createdAt":"2026-01-15T08:30:00.000Z","created_at":1768465800}"#;

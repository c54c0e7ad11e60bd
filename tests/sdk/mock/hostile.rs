//! `hopae::mock` against hostile local clients, and taking what the API takes: bodies
//! at the API's limits and within a budget, slow and idle connections, `Host`s that are
//! not loopback (DNS rebinding), stopping with a slow request in flight, the request
//! log read by cursor, and uploads as large as the SDK sends.

use super::support as mock_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use hopae::mock::{LogCursor, SEED_APP, Server};
use hopae::providers::{Document, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS};
use hopae::{HopaeClient, MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES};
use mock_support::client;

/// A client with a timeout long enough for 40 MiB through a debug build.
fn patient_client(server: &Server, base_url: &str) -> HopaeClient {
    HopaeClient::builder(server.api_key())
        .base_url(base_url)
        .timeout(Duration::from_secs(120))
        .max_retries(0)
        .build()
        .unwrap()
}

/// A raw request head for `server`, with its `Host`.
fn head(server: &Server, method: &str, path: &str, extra: &str) -> String {
    format!(
        "{method} /connect/v1{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {}\r\n{extra}\r\n",
        server.addr().port(),
        server.api_key()
    )
}

/// Sends `raw` on a new connection and reads the answer until the server closes it.
fn exchange(server: &Server, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status(answer: &str) -> &str {
    answer.get(9..12).unwrap_or(answer)
}

#[test]
fn four_uploads_of_10_mib_are_accepted_as_the_api_accepts_them() {
    let server = Server::start().unwrap();
    let client = patient_client(&server, server.url());
    let documents: Vec<Document> = (0..4)
        .map(|i| {
            Document::new(
                format!("part-{i}.pdf"),
                "application/pdf",
                vec![b'%'; MAX_DOCUMENT_BYTES],
            )
        })
        .collect();
    let uploaded = client
        .app(SEED_APP)
        .provider("ftn")
        .upload_documents(&documents)
        .unwrap();
    assert_eq!(uploaded.len(), 4);
    assert!(
        uploaded
            .iter()
            .all(|d| d.file_size == MAX_DOCUMENT_BYTES as u64)
    );
    // The largest upload the SDK sends fits the API's multipart limit.
    let headers = MAX_DOCUMENTS * (255 + 1024);
    assert!(MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + headers <= MAX_MULTIPART_BODY_BYTES);
}

#[test]
fn a_quoted_file_name_keeps_its_semicolon_and_equals_sign() {
    let server = Server::start().unwrap();
    let uploaded = client(&server)
        .app(SEED_APP)
        .provider("ftn")
        .upload_documents(&[Document::new("a;b=c.pdf", "application/pdf", "%PDF-1.7")])
        .unwrap();
    assert_eq!(uploaded[0].file_name, "a;b=c.pdf");
}

#[test]
fn a_body_over_its_limit_is_answered_413() {
    let server = Server::start().unwrap();
    // A JSON body of 1 MiB and one byte, sent whole: refused from its head.
    let name = "a".repeat(MAX_JSON_BODY_BYTES + 1 - 11);
    let body = format!("{{\"name\":\"{name}\"}}");
    assert_eq!(body.len(), MAX_JSON_BODY_BYTES + 1);
    let extra = format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    let answer = exchange(
        &server,
        format!("{}{body}", head(&server, "POST", "/apps", &extra)).as_bytes(),
    );
    assert_eq!(
        status(&answer),
        "413",
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(
        answer.contains("\"code\":\"PAYLOAD_TOO_LARGE\""),
        "{answer}"
    );
    assert!(answer.contains("at most 1048576"), "{answer}");
    // At the limit, the body is read and answered by the route.
    let body = format!("{{\"name\":\"{}\"}}", &name[1..]);
    let extra = format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    let answer = exchange(
        &server,
        format!("{}{body}", head(&server, "POST", "/apps", &extra)).as_bytes(),
    );
    assert_ne!(
        status(&answer),
        "413",
        "{}",
        &answer[..answer.len().min(300)]
    );
    // A multipart body past 101 MiB: refused before a byte of it is read.
    let extra = format!(
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n",
        MAX_MULTIPART_BODY_BYTES + 1
    );
    let path = format!("/apps/{SEED_APP}/providers/ftn/activation/documents");
    let answer = exchange(&server, head(&server, "POST", &path, &extra).as_bytes());
    assert_eq!(status(&answer), "413", "{answer}");
}

/// A connection that sent the head of a 101 MiB upload and holds its body back.
fn upload_head(server: &Server) -> TcpStream {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    let extra = format!(
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {MAX_MULTIPART_BODY_BYTES}\r\n"
    );
    let path = format!("/apps/{SEED_APP}/providers/ftn/activation/documents");
    s.write_all(head(server, "POST", &path, &extra).as_bytes())
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

fn answer_of(mut s: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn bodies_past_the_buffer_budget_are_answered_503_until_it_frees() {
    let server = Server::start().unwrap();
    // Two uploads of 101 MiB hold 202 MiB of the 256 MiB (uploads may take 240).
    let mut holders = [upload_head(&server), upload_head(&server)];
    // A holder can lose the race for the budget to a probe (it is then answered 503
    // and closed, and every later probe fits): one that was answered is replaced.
    let answered = |holder: &mut TcpStream| {
        holder
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut byte = [0u8; 1];
        !matches!(holder.read(&mut byte), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
    };
    let mut refused = None;
    for _ in 0..200 {
        for holder in &mut holders {
            if answered(holder) {
                *holder = upload_head(&server);
            }
        }
        let third = upload_head(&server);
        third.shutdown(Shutdown::Write).unwrap();
        let answer = answer_of(third);
        if status(&answer) == "503" {
            refused = Some(answer);
            break;
        }
        // The holders' heads may not have been read yet.
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused = refused.expect("a third 101 MiB upload is refused with 503");
    assert!(refused.contains("Retry-After: 1\r\n"), "{refused}");
    assert!(refused.contains("SERVICE_UNAVAILABLE"), "{refused}");
    // Small JSON calls keep their room.
    let app = client(&server)
        .apps()
        .create(&hopae::apps::NewApp::new("Still works"));
    assert!(app.is_ok(), "{app:?}");
    // Once the holders are gone, the budget comes back: the next upload's body is
    // waited for (and the connection ends without it: 408), not refused.
    drop(holders);
    let mut waited = false;
    for _ in 0..200 {
        let next = upload_head(&server);
        next.shutdown(Shutdown::Write).unwrap();
        if status(&answer_of(next)) == "408" {
            waited = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(waited);
}

#[test]
fn slow_and_idle_connections_do_not_keep_real_requests_out() {
    let server = Server::start().unwrap();
    let client = client(&server);
    // 64 connections trickling a request head, and 16 saying nothing.
    let mut slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.write_all(b"GET /connect/v1/workspace HTTP/1.1\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    slow.extend((0..16).map(|_| TcpStream::connect(server.addr()).unwrap()));
    for _ in 0..20 {
        client.workspace().unwrap();
        for s in &mut slow {
            let _ = s.write_all(b"a");
        }
    }
    assert!(server.requests().iter().all(|r| r.status == 200));
}

#[test]
fn only_requests_for_loopback_hosts_are_answered() {
    let server = Server::start().unwrap();
    let port = server.addr().port();
    let with_host = |host: &str| {
        let raw = format!(
            "GET /connect/v1/workspace HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            server.api_key()
        );
        exchange(&server, raw.as_bytes())
    };
    // A page on evil.example whose name was made to resolve to 127.0.0.1.
    let answer = with_host(&format!("evil.example:{port}"));
    assert_eq!(status(&answer), "421", "{answer}");
    assert!(!answer.contains("org_"), "{answer}");
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(status(&with_host(&host)), "200", "{host}");
    }
    // The SDK sends the right Host, by address and by name.
    client(&server).workspace().unwrap();
    let by_name = format!("http://localhost:{port}/connect/v1");
    patient_client(&server, &by_name).workspace().unwrap();
}

#[test]
fn dropping_the_server_with_slow_requests_in_flight_returns_promptly() {
    let server = Server::builder()
        .latency(Duration::from_secs(120))
        .start()
        .unwrap();
    let addr = server.addr();
    // One request waits out the latency in its handler, one trickles its head.
    let mut in_handler = TcpStream::connect(addr).unwrap();
    in_handler
        .write_all(head(&server, "GET", "/workspace", "").as_bytes())
        .unwrap();
    let mut trickling = TcpStream::connect(addr).unwrap();
    trickling
        .write_all(b"GET /connect/v1/apps HTTP/1.1\r\nHo")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (done, dropped) = mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        let _ = done.send(());
    });
    // Far less than the 120 s the handler sleeps.
    assert!(
        dropped.recv_timeout(Duration::from_secs(30)).is_ok(),
        "the drop waited for the slow request"
    );
    assert!(std::net::TcpListener::bind(addr).is_ok());
}

#[test]
fn the_log_is_followed_by_cursor_without_copying_it_whole() {
    let server = Server::builder().empty().start().unwrap();
    let client = client(&server);
    let mut cursor = LogCursor::new();
    assert!(server.requests_since(&mut cursor).is_empty());
    for _ in 0..3 {
        client.workspace().unwrap();
    }
    let new = server.requests_since(&mut cursor);
    assert_eq!(new.len(), 3);
    assert_eq!(cursor.position(), 3);
    let _ = client.app("NoSuchAp").get();
    let new = server.requests_since(&mut cursor);
    assert_eq!(
        new.iter()
            .map(|r| (r.path.as_str(), r.status))
            .collect::<Vec<_>>(),
        [("/apps/NoSuchAp", 404)]
    );
    assert_eq!(server.request_count(), 4);
    // Long paths: the log keeps at most 8 MiB of them, and the cursor skips what left.
    let long = format!("/apps/{}", "a".repeat(14_000));
    let raw = head(&server, "GET", &long, "Connection: close\r\n");
    for _ in 0..700 {
        assert_eq!(status(&exchange(&server, raw.as_bytes())), "404");
    }
    let held: usize = server.requests().iter().map(|r| r.path.len()).sum();
    assert!(held <= 8 * 1024 * 1024, "{held}");
    let new = server.requests_since(&mut cursor);
    assert!(new.len() < 700, "{}", new.len());
    assert_eq!(cursor.position(), 704);
}

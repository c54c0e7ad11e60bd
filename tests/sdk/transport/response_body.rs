//! Reading response bodies: the size cap, bodies with and without `Content-Length`, and
//! peers whose `Content-Length` does not match what they send.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use hopae::{Error, HopaeClient, TransportErrorKind};

const KEY: &str = "sk_workspace_test_body";
const LIST_PATH: &str = "/connect/v1/apps/FK5b0KSM/production-tests";

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/list.json"
    ))
    .expect("fixture list.json")
}

fn client(base: &str, cap: u64) -> HopaeClient {
    HopaeClient::builder(KEY)
        .base_url(format!("{base}/connect/v1"))
        .max_response_size(cap)
        .max_retries(0)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client builds")
}

/// A one-shot server on 127.0.0.1: reads one request head, writes `response`, closes.
fn one_shot(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        for _ in 0..100 {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let mut stream = stream;
        let _ = stream.write_all(&response);
    });
    format!("http://{addr}")
}

#[test]
fn list_reads_a_body_exactly_at_the_size_cap() {
    let body = fixture();
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(&body)
        .create();
    let items = client(&server.url(), body.len() as u64)
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .expect("a body at the cap is read");
    assert_eq!(items.len(), 2);
    mock.assert();
}

#[test]
fn list_refuses_a_body_one_byte_over_the_size_cap() {
    let body = fixture();
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_body(&body)
        .create();
    let cap = body.len() as u64 - 1;
    let err = client(&server.url(), cap)
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 200, limit, attempts: 1 } if limit == cap),
        "{err:?}"
    );
    mock.assert();
}

#[test]
fn list_reads_a_chunked_body_without_content_length() {
    let body = fixture();
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_status(200)
        .with_chunked_body(move |w| {
            for part in body.chunks(100) {
                w.write_all(part)?;
            }
            Ok(())
        })
        .create();
    let items = client(&server.url(), 1 << 20)
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .expect("a chunked body is read");
    assert_eq!(items.len(), 2);
    mock.assert();
}

#[test]
fn list_with_a_body_shorter_than_its_content_length_fails_as_closed() {
    let base = one_shot(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"type\":"
            .to_vec(),
    );
    let err = client(&base, 1 << 20)
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::ConnectionClosed),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn list_with_a_huge_content_length_stops_at_the_cap_without_reserving_it() {
    // A 1 TB announcement: reserving it would abort the process; the cap bounds both
    // the reservation and the read.
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
        Content-Length: 1000000000000\r\n\r\n"
        .to_vec();
    response.extend(std::iter::repeat_n(b' ', 4096));
    let base = one_shot(response);
    let err = client(&base, 1024)
        .app("FK5b0KSM")
        .production_tests()
        .list()
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

#[test]
fn a_hostile_content_length_cannot_make_the_client_reserve_it_even_with_no_cap() {
    // With the cap raised as far as it goes, the peer alone decides what
    // Content-Length announces: 2^64-1 (capacity overflow), 2^40 and 2^36 (allocation
    // failures) would all abort the process if the client reserved them.
    for announced in [u64::MAX, 1 << 40, 1 << 36] {
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
        )
        .into_bytes();
        response.extend_from_slice(b"[]");
        let base = one_shot(response);
        let err = client(&base, u64::MAX)
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap_err();
        // The peer closes after two bytes of the announced body.
        assert!(
            matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::ConnectionClosed),
            "{announced}: {err:?}"
        );
    }
}

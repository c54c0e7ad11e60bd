//! The fake's revocable keys, webhook deliveries and `/_mock/` test controls.

use super::support as mock_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use hopae::mock::{SEED_APP, SEED_CHALLENGE, SEED_REQUEST, Server, TEST_KEY};
use hopae::webhooks::{Verifier, WebhookConfigUpdate};
use hopae::{HopaeClient, codes};
use mock_support::{api, client};
use serde_json::{Value, json};

/// One request a receiver got: its headers (names lowercased) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A receiver on 127.0.0.1 that answers its n-th request with `statuses[n]`, and sends
/// each request it read down the channel.
fn receiver(statuses: Vec<u16>) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for status in statuses {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                let (n, v) = l.split_once(':').unwrap();
                headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
            }
            let len: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = tx.send(Received { headers, body });
        }
    });
    (url, rx)
}

/// Points the seed App's webhooks at `url` for `events`, and returns its new secret.
fn subscribe(client: &HopaeClient, url: &str, events: &[&str]) -> String {
    let app = client.app(SEED_APP);
    app.update_webhook_config(
        &WebhookConfigUpdate::new()
            .url(url)
            .enabled(true)
            .events(events.iter().copied())
            .retry_attempts(2),
    )
    .unwrap();
    app.rotate_webhook_secret().unwrap().expose().clone()
}

/// A control call: status and JSON body.
fn control(server: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let url = format!("http://{}/_mock{path}", server.addr());
    let request = ureq::http::Request::builder().method(method).uri(url);
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let mut response = agent
        .run(
            request
                .header("Content-Type", "application/json")
                .body(bytes)
                .unwrap(),
        )
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn a_revoked_key_is_answered_401_and_other_keys_still_work() {
    let server = Server::start().unwrap();
    let key = "sk_workspace_test_soon_revoked";
    let revoked = HopaeClient::builder(key)
        .base_url(server.url())
        .build()
        .unwrap();
    assert!(revoked.workspace().is_ok());
    server.revoke_key(key);
    let e = revoked.workspace().unwrap_err();
    assert_eq!(api(&e).0, 401);
    assert_eq!(e.code(), Some(codes::AUTH_INVALID_CREDENTIALS));
    assert!(e.to_string().contains("revoked"), "{e}");
    assert!(client(&server).workspace().is_ok());

    // The same over HTTP, as `hopae mock revoke-key` does.
    let (status, body) = control(
        &server,
        "POST",
        "/keys/revoke",
        Some(json!({ "key": TEST_KEY })),
    );
    assert_eq!((status, body), (200, json!({"revoked": true})));
    assert_eq!(api(&client(&server).workspace().unwrap_err()).0, 401);
}

#[test]
fn an_emitted_event_arrives_signed_with_a_top_level_id() {
    let server = Server::start().unwrap();
    let (url, got) = receiver(vec![204]);
    let secret = subscribe(&client(&server), &url, &["verification.completed"]);

    let (status, answer) = control(
        &server,
        "POST",
        "/emit",
        Some(
            json!({"app": SEED_APP, "event": "verification.completed", "data": {"verificationId": "ver_1"}}),
        ),
    );
    assert_eq!(status, 202, "{answer}");
    let received = got.recv_timeout(Duration::from_secs(10)).unwrap();
    let header = received.header("x-hopae-signature").unwrap();
    let event = Verifier::new(secret)
        .verify(header, &received.body)
        .unwrap();
    assert_eq!(event.event_type.as_deref(), Some("verification.completed"));
    let body: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(body["id"], answer["id"]);
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(body["data"], json!({"verificationId": "ver_1"}));
    assert_eq!(body["clientId"], SEED_APP);
    assert_eq!(received.header("content-type"), Some("application/json"));
}

#[test]
fn a_failed_delivery_is_retried_as_configured() {
    let server = Server::builder()
        .delivery_backoff(Duration::from_millis(5))
        .start()
        .unwrap();
    let (url, got) = receiver(vec![500, 503, 200]);
    subscribe(&client(&server), &url, &["verification.failed"]);
    let id = server
        .emit(SEED_APP, "verification.failed", json!({}))
        .unwrap();
    for _ in 0..3 {
        got.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    let mut last = None;
    for _ in 0..500 {
        let d = server.deliveries().pop().unwrap();
        if d.done {
            last = Some(d);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let d = last.expect("the delivery finished");
    assert_eq!(d.event_id, id);
    assert_eq!((d.attempts, d.status, d.delivered), (3, Some(200), true));
}

#[test]
fn no_delivery_without_a_url_an_enabled_setting_or_the_event_in_the_list() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let (url, got) = receiver(vec![204]);
    // The seed App has no webhook URL yet.
    let (status, body) = control(
        &server,
        "POST",
        "/emit",
        Some(json!({"app": SEED_APP, "event": "verification.completed"})),
    );
    assert_eq!(status, 409, "{body}");
    subscribe(&client, &url, &[]);
    let (status, body) = control(
        &server,
        "POST",
        "/emit",
        Some(json!({"app": SEED_APP, "event": "verification.completed"})),
    );
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an empty list stops every delivery"),
        "{body}"
    );
    let (status, body) = control(
        &server,
        "POST",
        "/emit",
        Some(json!({"app": SEED_APP, "event": "no.such.event"})),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some(codes::VALIDATION_INVALID_PARAMETER))
    );
    let (status, _) = control(
        &server,
        "POST",
        "/emit",
        Some(json!({"app": "NoSuchAp", "event": "verification.completed"})),
    );
    assert_eq!(status, 404);
    assert!(got.recv_timeout(Duration::from_millis(200)).is_err());
    assert!(server.deliveries().is_empty());
}

#[test]
fn controls_add_claims_complete_challenges_and_fail_requests() {
    let server = Server::start().unwrap();
    let (status, body) = control(
        &server,
        "POST",
        "/claims",
        Some(json!({"challengeId": SEED_CHALLENGE, "providerId": "bankidse"})),
    );
    assert_eq!((status, body["claims"].as_u64()), (200, Some(3)));
    // That third claim completed it.
    let (status, _) = control(
        &server,
        "POST",
        &format!("/challenges/{SEED_CHALLENGE}/complete"),
        None,
    );
    assert_eq!(status, 409);

    let (status, body) = control(
        &server,
        "POST",
        &format!("/production-tests/{SEED_REQUEST}/fail"),
        None,
    );
    assert_eq!((status, body["status"].as_str()), (200, Some("failed")));
    let items = client(&server)
        .app(SEED_APP)
        .production_tests()
        .list()
        .unwrap();
    let failed = items.iter().any(|i| match i {
        hopae::ProductionTestItem::Request(r) => {
            r.id == SEED_REQUEST && r.status.as_str() == "failed"
        }
        _ => false,
    });
    assert!(failed, "{items:?}");
    let (status, _) = control(&server, "POST", "/production-tests/req_nope/fail", None);
    assert_eq!(status, 404);
    let (status, _) = control(&server, "GET", "/emit", None);
    assert_eq!(status, 405);
}

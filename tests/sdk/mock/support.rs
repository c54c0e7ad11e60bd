//! Helpers of the tests of `hopae::mock` (`tests/mock.rs`, `tests/mock_sdk.rs`): SDK
//! clients of a fake, and raw HTTP calls through ureq, for what the SDK refuses to send.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use hopae::mock::Server;
use hopae::wait::WaitOptions;
use hopae::{Error, HopaeClient};
use serde_json::Value;

/// A client of `server` with `retries` retries and a backoff of a millisecond or two.
pub fn client_with(server: &Server, key: &str, retries: u32) -> HopaeClient {
    HopaeClient::builder(key)
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .max_retries(retries)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .expect("a loopback client builds")
}

pub fn client(server: &Server) -> HopaeClient {
    client_with(server, server.api_key(), 0)
}

pub fn api(e: &Error) -> (u16, &str, Option<&Value>) {
    match e {
        Error::Api(api) => (api.status(), api.code().unwrap_or(""), api.details()),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// One raw answer.
pub struct Raw {
    pub status: u16,
    pub body: Value,
    pub headers: ureq::http::HeaderMap,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `(code, details.parameter)` of an error envelope.
    pub fn error(&self) -> (&str, &str) {
        let e = &self.body["error"];
        (
            e["code"].as_str().unwrap_or(""),
            e["details"]["parameter"].as_str().unwrap_or(""),
        )
    }
}

pub fn send(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Raw {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = match body {
        Some((content_type, bytes)) => agent.run(
            request
                .header("Content-Type", content_type)
                .body(bytes)
                .unwrap(),
        ),
        None if matches!(method, "POST" | "PUT" | "PATCH") => {
            agent.run(request.body(Vec::new()).unwrap())
        }
        None => agent.run(request.body(()).unwrap()),
    }
    .expect("the fake answers");
    let text = response.body_mut().read_to_string().unwrap();
    Raw {
        status: response.status().as_u16(),
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers: response.headers().clone(),
    }
}

/// A raw call with the fake's own key and a JSON body.
pub fn raw(server: &Server, method: &str, path: &str, body: Option<Value>) -> Raw {
    let auth = format!("Bearer {}", server.api_key());
    let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
    send(server, method, path, &[("Authorization", &auth)], body)
}

pub fn wait(interval_ms: u64) -> WaitOptions {
    WaitOptions::new()
        .interval(Duration::from_millis(interval_ms))
        .timeout(Duration::from_secs(5))
}

//! A logger at TRACE level must never receive the API key: the HTTP layer hex-dumps raw
//! requests under `ureq_proto::util`, so the client refuses to send while that target is
//! enabled, and sends normally once the filter keeps it out.
//!
//! One test in its own binary: `log::set_logger` can be called once per process.

#[path = "sdk/support.rs"]
mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{KEY, LIST_PATH, SECRET, client};
use hopae::Error;

/// Records every line; whether `ureq_proto` TRACE is enabled is switchable.
struct Capture {
    lines: Mutex<Vec<String>>,
    dumps_enabled: AtomicBool,
}

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        !m.target().starts_with("ureq_proto") || self.dumps_enabled.load(Ordering::SeqCst)
    }
    fn log(&self, r: &log::Record<'_>) {
        // The test server's own lines (mockito logs what it received, key included) are
        // not the client's.
        let server = ["mockito", "hyper", "tokio"]
            .iter()
            .any(|t| r.target().starts_with(t));
        if self.enabled(r.metadata()) && !server {
            self.lines
                .lock()
                .unwrap()
                .push(format!("{} {}: {}", r.level(), r.target(), r.args()));
        }
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture {
    lines: Mutex::new(Vec::new()),
    dumps_enabled: AtomicBool::new(true),
};

#[test]
fn trace_logging_never_receives_the_api_key() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", LIST_PATH)
        .with_body("[]")
        .expect(1)
        .create();
    let c = client(&server);

    // Everything at TRACE, the raw dumps included: the call is refused before sending.
    let e = c.app("FK5b0KSM").production_tests().list().unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains("ureq_proto=debug"), "{e}");
    assert_eq!(e.attempts(), 0);

    // With the dumps filtered out (RUST_LOG=trace,ureq_proto=debug), calls go through and
    // the log holds no key.
    LOGGER.dumps_enabled.store(false, Ordering::SeqCst);
    c.app("FK5b0KSM").production_tests().list().unwrap();
    mock.assert();
    let lines = LOGGER.lines.lock().unwrap();
    assert!(!lines.is_empty(), "the logger saw the call");
    for line in lines.iter() {
        assert!(!line.contains(SECRET) && !line.contains(KEY), "{line}");
        // The hex dump splits the key across rows: no fragment of it either.
        assert!(!line.contains("S3CR3T"), "{line}");
    }
}

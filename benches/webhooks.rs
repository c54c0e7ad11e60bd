//! `cargo bench --bench webhooks`: the cost of checking an `X-Hopae-Signature` with many
//! `v1` values on a large body.
//!
//! A header may carry up to 16 `v1` values. [`Verifier`] computes the HMAC of the body
//! once and compares it in constant time with each value; the way it did before computed
//! one HMAC per value (`ring::hmac::verify` for each), which the second row measures on
//! the same data. The target: 16 values cost at most 1.5x one value, where one HMAC per
//! value costs about 16x.
//!
//! Plain `std::time::Instant` timing, median of several runs, rows interleaved. Run
//! without `--bench` (`cargo test --benches`) it only smoke-tests itself, small.

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use hopae::webhooks::{Verifier, sign};
use ring::hmac;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T: u64 = 1_765_000_000;

fn median(xs: &mut [Duration]) -> Duration {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

/// One HMAC per `v1`, as before: what the verifier no longer does.
fn one_hmac_per_value(key: &hmac::Key, tags: &[Vec<u8>], body: &[u8]) -> bool {
    let mut message = Vec::with_capacity(body.len() + 12);
    message.extend_from_slice(format!("{T}.").as_bytes());
    message.extend_from_slice(body);
    tags.iter()
        .any(|tag| hmac::verify(key, &message, tag).is_ok())
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (size, runs) = if full { (64 << 20, 7) } else { (64 << 10, 3) };
    println!("# webhook signature checks (`cargo bench --bench webhooks`)");
    if !full {
        println!("\nsmoke run (no --bench argument): small sizes, the numbers mean nothing");
    }
    // A JSON object of `size` bytes.
    let mut body = b"{\"event\":\"verification.completed\",\"pad\":\"".to_vec();
    body.resize(size - 2, b'a');
    body.extend_from_slice(b"\"}");
    let good = sign(SECRET, T, &body);
    let good_hex = good.rsplit_once("v1=").unwrap().1.to_owned();
    let wrong = vec![format!("v1={}", "ab".repeat(32)); 15].join(",");
    // The matching value last: every value is compared.
    let sixteen = format!("t={T},{wrong},v1={good_hex}");
    let now = UNIX_EPOCH + Duration::from_secs(T);
    let verifier = Verifier::new(SECRET);
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let mut tags: Vec<Vec<u8>> = vec![hex(&"ab".repeat(32)); 15];
    tags.push(hex(&good_hex));

    let mut rows: [(&str, Vec<Duration>); 3] = [
        ("Verifier, 1 v1", Vec::new()),
        ("Verifier, 16 v1 (the match last)", Vec::new()),
        ("one HMAC per v1 (before), 16 v1", Vec::new()),
    ];
    for _ in 0..runs {
        let start = Instant::now();
        assert!(black_box(verifier.verify_at(&good, &body, now)).is_ok());
        rows[0].1.push(start.elapsed());
        let start = Instant::now();
        assert!(black_box(verifier.verify_at(&sixteen, &body, now)).is_ok());
        rows[1].1.push(start.elapsed());
        let start = Instant::now();
        assert!(black_box(one_hmac_per_value(&key, &tags, &body)));
        rows[2].1.push(start.elapsed());
    }
    println!(
        "\n{} MiB body, median of {runs} runs\n",
        size as f64 / f64::from(1 << 20)
    );
    println!("| {:<36} | {:>9} |", "check", "ms");
    println!("|{:-<38}|{:->11}|", "", ":");
    let medians: Vec<Duration> = rows
        .iter_mut()
        .map(|(name, times)| {
            let m = median(times);
            println!("| {name:<36} | {:>9.1} |", m.as_secs_f64() * 1e3);
            m
        })
        .collect();
    let ratio = medians[1].as_secs_f64() / medians[0].as_secs_f64();
    let verdict = match (full, ratio <= 1.5) {
        (false, _) => "(smoke run: no verdict)",
        (true, true) => "PASS",
        (true, false) => "MISS",
    };
    println!("\ntarget: 16 v1 cost at most 1.5x one v1: {ratio:.2}x {verdict}");
}

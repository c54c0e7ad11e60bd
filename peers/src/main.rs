//! `cd peers && cargo run --release`: the same 20-item production-test list fetched and
//! decoded over one warm keep-alive connection to a local server, by `hopae`, by raw
//! `ureq` (no timeout, and with hopae's deadline) and by `reqwest::blocking`, in
//! interleaved blocks. Prints µs per call (the median over blocks) per run, then the
//! median of the runs' ratios to raw ureq.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use hopae::{HopaeClient, ProductionTestItem};

const RUNS: usize = 5;
const BLOCKS: usize = 10;
const PER_BLOCK: usize = 200;
const KEY: &str = "sk_workspace_test_peers";

fn item(i: usize) -> String {
    format!(
        r#"{{"type":"challenge","challenge":{{"id":"ch_7f0c2a1e-5b7d-4c1a-9f2e-{i:012}","title":"BankID SE Production Test #{i}","description":"Testing BankID SE integration in production before the spring release","expiresAt":"2026-05-08T10:00:00.000Z","createdAt":"2026-04-08T10:00:00.000Z","completedAt":null,"isActive":true,"challengeMode":"stamp","sponsor":null,"sources":["api","console"]}},"request":null}}"#
    )
}

fn start_server(body: &[u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         X-Request-Id: 228aaefb-3ce2-4dd0-a73b-b96f71c5779f\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let response = response.clone();
            thread::spawn(move || serve(stream, &response));
        }
    });
    port
}

fn serve(stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == b"\r\n" => break,
                Ok(_) => {}
            }
        }
        if writer.write_all(response).is_err() {
            return;
        }
    }
}

fn main() {
    let items: Vec<String> = (0..20).map(item).collect();
    let body = format!("[{}]", items.join(",")).into_bytes();
    let parsed: Vec<ProductionTestItem> = serde_json::from_slice(&body).expect("the body decodes");
    assert_eq!(parsed.len(), 20);
    let path = "/connect/v1/apps/FK5b0KSM/production-tests";
    let ports: Vec<u16> = (0..4).map(|_| start_server(&body)).collect();
    let url = |i: usize| format!("http://127.0.0.1:{}{path}", ports[i]);
    let authorization = format!("Bearer {KEY}");

    let client = HopaeClient::builder(KEY)
        .base_url(format!("http://127.0.0.1:{}/connect/v1", ports[0]))
        .build()
        .unwrap();
    let raw = ureq::Agent::new_with_config(
        ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build(),
    );
    let timed = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .timeout_connect(Some(Duration::from_secs(10)))
            .build(),
    );
    let reqwest = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let (u1, u2, u3) = (url(1), url(2), url(3));
    let ureq_call = |agent: &ureq::Agent, url: &str| {
        let mut r = agent
            .get(url)
            .header("Authorization", &authorization)
            .header("Accept", "application/json")
            .call()
            .unwrap();
        let bytes = r.body_mut().read_to_vec().unwrap();
        let v: Vec<ProductionTestItem> = serde_json::from_slice(&bytes).unwrap();
        black_box(v);
    };
    let calls: [(&str, Box<dyn Fn()>); 4] = [
        (
            "hopae",
            Box::new(|| {
                black_box(client.app("FK5b0KSM").production_tests().list().unwrap());
            }),
        ),
        ("raw ureq, no timeout", Box::new(|| ureq_call(&raw, &u1))),
        ("raw ureq, 30 s deadline", Box::new(|| ureq_call(&timed, &u2))),
        (
            "reqwest::blocking, 30 s timeout",
            Box::new(|| {
                let bytes = reqwest
                    .get(&u3)
                    .header("Authorization", &authorization)
                    .header("Accept", "application/json")
                    .send()
                    .unwrap()
                    .bytes()
                    .unwrap();
                let v: Vec<ProductionTestItem> = serde_json::from_slice(&bytes).unwrap();
                black_box(v);
            }),
        ),
    ];
    for _ in 0..100 {
        for (_, c) in &calls {
            c();
        }
    }
    let mut ratios = vec![Vec::new(); calls.len()];
    for run in 0..RUNS {
        let mut times = vec![Vec::new(); calls.len()];
        for block in 0..BLOCKS {
            for k in 0..calls.len() {
                let i = (k + block + run) % calls.len();
                let start = Instant::now();
                for _ in 0..PER_BLOCK {
                    (calls[i].1)();
                }
                times[i].push(start.elapsed().as_secs_f64() * 1e6 / PER_BLOCK as f64);
            }
        }
        let medians: Vec<f64> = times
            .iter_mut()
            .map(|t| {
                t.sort_by(f64::total_cmp);
                t[t.len() / 2]
            })
            .collect();
        let line: Vec<String> = calls
            .iter()
            .zip(&medians)
            .map(|((name, _), m)| format!("{name} {m:.1} µs"))
            .collect();
        println!("run {}: {}", run + 1, line.join(", "));
        for (i, m) in medians.iter().enumerate() {
            ratios[i].push(m / medians[1]);
        }
    }
    println!("\nmedian of {RUNS} runs, ratio to raw ureq without a timeout:");
    for ((name, _), r) in calls.iter().zip(&mut ratios) {
        r.sort_by(f64::total_cmp);
        println!("  {name}: {:.3}x (runs: {r:.3?})", r[RUNS / 2]);
    }
}

//! Seeded mutation testing of the list decoder: start from valid payloads, apply a large,
//! bounded number of random mutations (byte flips, truncations, deleted, duplicated and
//! renamed keys, swapped value types) and check that decoding never panics and that
//! whatever it accepts is consistent.
//!
//! Deterministic: a fixed-seed LCG, so a failure reproduces with the printed case number.

use crate::fault_server;

use fault_server::{FaultServer, response};
use hopae::{Error, HopaeClient, ProductionTestItem};
use serde_json::{Map, Value, json};

const CASES: u64 = 20_000;

/// A 64-bit LCG (Knuth's MMIX constants); the high bits are the usable ones.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Value> {
    let list: Value = serde_json::from_str(include_str!("../../fixtures/list.json")).unwrap();
    let report: Value = serde_json::from_str(include_str!("../../fixtures/report.json")).unwrap();
    let mut scheduled = list[1].clone();
    scheduled["request"]["status"] = json!("scheduled");
    scheduled["request"]["challengeId"] = json!("ch_1");
    let mut minimal = list[0].clone();
    minimal.as_object_mut().unwrap().remove("request");
    let completed = {
        let mut c = list[0].clone();
        c["challenge"]["completedAt"] = json!("2026-04-15T23:59:59.000Z");
        c["challenge"]["isActive"] = json!(false);
        c
    };
    vec![
        list.clone(),
        json!([list[0], list[1], scheduled, minimal, completed, list[0]]),
        json!([]),
        json!([report["challenge"]]),
    ]
}

/// Every object in the tree, by path of keys/indices, for structural mutations.
fn object_paths(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::Object(m) => {
            out.push(path.clone());
            for (k, child) in m {
                path.push(PathStep::Key(k.clone()));
                object_paths(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(PathStep::Index(i));
                object_paths(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

fn random_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1.5e300),
        4 => json!(""),
        5 => json!("challenge"),
        6 => json!("2026-13-45T99:99:99Z"),
        7 => json!([1, "x", null]),
        _ => json!({"type": "request"}),
    }
}

/// Applies one structural mutation to a random object of the tree.
fn mutate_structure(v: &mut Value, rng: &mut Rng) {
    let mut paths = Vec::new();
    object_paths(v, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        *v = random_value(rng);
        return;
    }
    let path = paths[rng.below(paths.len())].clone();
    let Value::Object(obj) = at(v, &path) else {
        return;
    };
    let keys: Vec<String> = obj.keys().cloned().collect();
    if keys.is_empty() {
        obj.insert("type".into(), random_value(rng));
        return;
    }
    let key = keys[rng.below(keys.len())].clone();
    match rng.below(4) {
        0 => {
            obj.remove(&key);
        }
        1 => {
            let value = random_value(rng);
            obj.insert(key, value);
        }
        2 => {
            let value = obj.remove(&key).unwrap();
            obj.insert(format!("{key}X"), value);
        }
        _ => {
            // Swap the values of two keys (types swap with them).
            let other = keys[rng.below(keys.len())].clone();
            let a = obj.get(&key).cloned().unwrap();
            let b = obj.get(&other).cloned().unwrap();
            obj.insert(key, b);
            obj.insert(other, a);
        }
    }
}

/// Text-level mutations that a `Value` cannot express.
fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut Rng) {
    if bytes.is_empty() {
        bytes.push(b'[');
        return;
    }
    let i = rng.below(bytes.len());
    match rng.below(5) {
        0 => bytes[i] ^= 1 << rng.below(8),
        1 => bytes.truncate(i),
        2 => bytes[i] = [b'"', b'{', b'}', b'[', b']', b',', b':', 0xff][rng.below(8)],
        3 => {
            // Duplicate a `"key":` occurrence: a duplicated key.
            let found = bytes[i..].windows(2).position(|w| w == b"\":");
            if let Some(pos) = found {
                let end = i + pos + 2;
                let start = bytes[..i + pos]
                    .iter()
                    .rposition(|&b| b == b'"')
                    .unwrap_or(0);
                let mut dup = bytes[start..end].to_vec();
                dup.extend_from_slice(b" null, ");
                bytes.splice(start..start, dup);
            }
        }
        _ => {
            let j = rng.below(bytes.len());
            bytes.swap(i, j);
        }
    }
}

/// One mutated payload: one to three structural mutations, then (one time in three)
/// one to three text-level ones.
fn mutated(seeds: &[Value], rng: &mut Rng) -> Vec<u8> {
    let mut value = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(3) {
        mutate_structure(&mut value, rng);
    }
    let mut bytes = serde_json::to_vec(&value).unwrap();
    if rng.below(3) == 0 {
        for _ in 0..=rng.below(3) {
            mutate_bytes(&mut bytes, rng);
        }
    }
    bytes
}

#[test]
fn mutated_lists_never_panic_and_accepted_items_are_consistent() {
    let seeds = seeds();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (mut accepted, mut rejected) = (0u64, 0u64);
    for case in 0..CASES {
        let bytes = mutated(&seeds, &mut rng);
        let decoded =
            std::panic::catch_unwind(|| serde_json::from_slice::<Vec<ProductionTestItem>>(&bytes));
        match decoded {
            Err(_) => panic!(
                "case {case}: the decoder panicked on {}",
                String::from_utf8_lossy(&bytes)
            ),
            Ok(Ok(items)) => {
                accepted += 1;
                // Whatever is accepted re-encodes to the wire shape and reads back equal.
                let again = serde_json::to_vec(&items).unwrap();
                let back: Vec<ProductionTestItem> = serde_json::from_slice(&again)
                    .unwrap_or_else(|e| panic!("case {case}: re-decode failed: {e}"));
                assert_eq!(back, items, "case {case}");
                for (item, wire) in items
                    .iter()
                    .zip(serde_json::from_slice::<Vec<Map<String, Value>>>(&again).unwrap())
                {
                    let kind = wire["type"].as_str().unwrap();
                    assert_eq!(kind, item.kind(), "case {case}");
                    let other = if kind == "challenge" {
                        "request"
                    } else {
                        "challenge"
                    };
                    assert!(
                        wire[kind].is_object() && wire[other].is_null(),
                        "case {case}"
                    );
                }
            }
            Ok(Err(e)) => {
                rejected += 1;
                let msg = e.to_string();
                assert!(
                    !msg.is_empty() && !msg.contains('\n'),
                    "case {case}: {msg:?}"
                );
            }
        }
    }
    eprintln!("{CASES} mutated payloads: {accepted} accepted, {rejected} rejected");
    // The mutations must exercise both outcomes, or the test proves little.
    assert!(accepted > CASES / 50, "accepted {accepted}");
    assert!(rejected > CASES / 2, "rejected {rejected}");
}

/// The client's own list decoder (which also tracks the failing item's index) must
/// decide exactly like the plain `Vec<ProductionTestItem>` decoder, through HTTP.
#[test]
fn the_client_list_decoder_agrees_with_the_plain_decoder_on_mutated_bodies() {
    const CALLS: usize = 300;
    let seeds = seeds();
    let mut rng = Rng(0x00c0_ffee_0000_0007);
    let bodies: Vec<Vec<u8>> = (0..CALLS).map(|_| mutated(&seeds, &mut rng)).collect();
    let script = bodies
        .iter()
        .map(|b| response(200, "", &String::from_utf8_lossy(b)))
        .collect();
    let server = FaultServer::start(script);
    let client = HopaeClient::builder("sk_workspace_test_mutation")
        .base_url(server.url())
        .max_retries(0)
        .build()
        .unwrap();
    for (case, body) in bodies.iter().enumerate() {
        // The server sends the body as (lossy) UTF-8 text: decode that same text.
        let sent = String::from_utf8_lossy(body).into_owned();
        let plain = serde_json::from_slice::<Vec<ProductionTestItem>>(sent.as_bytes());
        match (client.app("FK5b0KSM").production_tests().list(), plain) {
            (Ok(items), Ok(expected)) => assert_eq!(items, expected, "case {case}"),
            (Err(Error::Decode(d)), Err(e)) => {
                if let Some(i) = d.index() {
                    // An item's error is the item decoder's own, word for word, after the
                    // path of the failing field.
                    let plain = e.to_string();
                    let msg = d.message();
                    assert!(
                        msg == plain
                            || (msg.starts_with("at `") && msg.ends_with(&format!("`: {plain}"))),
                        "case {case}: {msg:?} vs {plain:?}"
                    );
                    if let Ok(items) = serde_json::from_str::<Vec<Value>>(&sent) {
                        assert!(i < items.len(), "case {case}: index {i}");
                    }
                }
            }
            (got, expected) => panic!("case {case}: client {got:?}, plain decoder {expected:?}"),
        }
    }
}

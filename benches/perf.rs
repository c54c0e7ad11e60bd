//! `cargo bench`: how fast and how lean `hopae` is, measured side by side with the
//! alternatives in the same run, on the same data, in the same process.
//!
//! 1. Decoding a generated production-test list (10,000 items) into
//!    `Vec<ProductionTestItem>` against (a) a naive derive, (b) a `#[serde(tag = "type")]`
//!    enum, (c) `serde_json::Value` (and, as c2, `Value` then `from_value` into `hopae`'s
//!    types) and (d) `serde::de::IgnoredAny`, the JSON syntax floor. Decode time alone
//!    and decode plus drop.
//! 2. 2,000 sequential `list_production_tests` calls against a local keep-alive server,
//!    against raw `ureq` GET + `serde_json` decode of the same body, and against raw
//!    `ureq` with `hopae`'s deadline; each server counts the connections it accepted.
//!    Then `localhost` answered by an injected lookup that takes 1 ms, for hopae and for
//!    raw `ureq` with the same deadline (ureq's own lookup per call, on a thread): µs and
//!    lookups per call.
//! 3. Peak heap while decoding a 10 MB list, with a counting global allocator, and the
//!    peak of a whole `list_production_tests` call on that body.
//! 4. 16 threads sharing one client for 4,000 list calls: the connections the server
//!    accepted, with the default pool and with the old pool of 3.
//!
//! Arguments that are not flags pick sections by name (`decode`, `client`, `memory`,
//! `concurrency`): `cargo bench --bench perf -- concurrency`.
//!
//! Plain `std::time::Instant` timing (no harness crate): every figure is the median of
//! repeated runs, and the contenders of a section run interleaved so that drift of a
//! shared machine hits them alike. Data comes from a fixed-seed LCG, so every run decodes
//! the same bytes. Each section ends with PASS/MISS against the targets of the issue.
//! Run without `--bench` (`cargo test --benches`) it only smoke-tests itself, small.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use hopae::{HopaeClient, ProductionTestItem};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use time::OffsetDateTime;

// ---------------------------------------------------------------------------------------
// Counting allocator (section 3)
// ---------------------------------------------------------------------------------------

/// `System`, plus a live-bytes delta and its maximum while `COUNTING` is on. Off, it
/// costs one relaxed load per call, so sections 1 and 2 time the plain allocator.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since counting was switched on (may go negative
/// when blocks from before are freed).
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn count_alloc(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn count_free(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_sub(
            isize::try_from(bytes).unwrap_or(isize::MAX),
            Ordering::Relaxed,
        );
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and
// returns its result; the counters never touch the memory. A `realloc` is counted as
// "new block allocated, then old block freed", the worst case of a moving realloc, so
// the peak errs high, never low.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        count_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count_alloc(new_size);
            count_free(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs `f` with counting on and returns its result and the peak of live bytes above
/// the level at the start.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let value = f();
    COUNTING.store(false, Ordering::SeqCst);
    let peak = PEAK.load(Ordering::SeqCst).max(0);
    (value, usize::try_from(peak).unwrap_or(0))
}

// ---------------------------------------------------------------------------------------
// Deterministic test data
// ---------------------------------------------------------------------------------------

/// A 64-bit LCG (Knuth's MMIX constants): deterministic, no `rand` crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 16
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

const PROVIDERS: &[(&str, &str)] = &[
    ("bankidse", "BankID SE"),
    ("mitid", "MitID"),
    ("smartid", "Smart-ID"),
    ("bankidno", "BankID NO"),
    ("itsme", "itsme"),
    ("ftn", "Finnish Trust Network"),
    ("frejaeid", "Freja eID"),
    ("idin", "iDIN"),
    ("spid", "SPID"),
    ("swisscom", "Swiss ID"),
];

fn uuid(rng: &mut Lcg, out: &mut String) {
    let (a, b) = (rng.next(), rng.next());
    let _ = write!(
        out,
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a & 0xffff_ffff,
        (a >> 32) & 0xffff,
        b & 0xfff,
        0x8000 | ((b >> 12) & 0x3fff),
        rng.next() & 0xffff_ffff_ffff
    );
}

/// An API-style timestamp (`2026-04-08T10:00:00.000Z`) in 2026.
fn timestamp(rng: &mut Lcg, out: &mut String) {
    let secs = 1_767_225_600 + i64::try_from(rng.below(365 * 86_400)).unwrap_or(0);
    let t = OffsetDateTime::from_unix_timestamp(secs).expect("2026 is in range");
    let _ = write!(
        out,
        "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        rng.below(1000)
    );
}

fn challenge_item(rng: &mut Lcg, n: usize, out: &mut String) {
    let (_, name) = PROVIDERS[usize::try_from(rng.below(PROVIDERS.len() as u64)).unwrap_or(0)];
    out.push_str(r#"{"type":"challenge","challenge":{"id":"ch_"#);
    uuid(rng, out);
    let _ = write!(
        out,
        r#"","title":"{name} Production Test #{n}","description":"#
    );
    if rng.chance(70) {
        let _ = write!(
            out,
            r#""Testing {name} integration in production before the spring release""#
        );
    } else {
        out.push_str("null");
    }
    out.push_str(r#","expiresAt":"#);
    timestamp(rng, out);
    out.push_str(r#","createdAt":"#);
    timestamp(rng, out);
    out.push_str(r#","completedAt":"#);
    let completed = rng.chance(30);
    if completed {
        timestamp(rng, out);
    } else {
        out.push_str("null");
    }
    let active = !completed && rng.chance(80);
    let _ = write!(
        out,
        r#","isActive":{active},"challengeMode":"stamp","sponsor":"#
    );
    if rng.chance(20) {
        out.push_str(r#"{"name":"Acme Bank","url":"https://acme.example/eid"}"#);
    } else {
        out.push_str("null");
    }
    out.push_str(r#","sources":"#);
    out.push_str(rng.pick(&["null", "null", r#"["console"]"#, r#"["api","console"]"#]));
    out.push('}');
    // The reference sends the inapplicable key as null; the OpenAPI document allows it
    // to be absent.
    if rng.chance(90) {
        out.push_str(r#","request":null"#);
    }
    out.push('}');
}

fn request_item(rng: &mut Lcg, n: usize, out: &mut String) {
    out.push('{');
    out.push_str(r#""type":"request","#);
    if rng.chance(90) {
        out.push_str(r#""challenge":null,"#);
    }
    out.push_str(r#""request":{"id":"req_"#);
    uuid(rng, out);
    let client = rng.next();
    let _ = write!(
        out,
        r#"","clientId":"FK{:06X}","status":"#,
        client & 0xff_ffff
    );
    let status = rng.pick(&["pending", "pending", "pending", "scheduled", "failed"]);
    let (first, name) = PROVIDERS[usize::try_from(rng.below(PROVIDERS.len() as u64)).unwrap_or(0)];
    let _ = write!(
        out,
        r#""{status}","payload":{{"title":"{name} Production Test #{n}","providerIds":["{first}""#
    );
    for _ in 0..rng.below(3) {
        let (id, _) = PROVIDERS[usize::try_from(rng.below(PROVIDERS.len() as u64)).unwrap_or(0)];
        let _ = write!(out, r#","{id}""#);
    }
    let _ = write!(out, r#"],"maxStampClaims":{}"#, 1 + rng.below(10));
    out.push_str(r#","targetPlatform":"#);
    out.push_str(rng.pick(&["null", "null", r#""ios""#, r#""android""#]));
    if rng.chance(40) {
        let _ = write!(
            out,
            r#","description":"Checks the {name} flow end to end","allowDuplicateParticipation":false"#
        );
    }
    out.push_str(r#"},"challengeId":"#);
    if status == "scheduled" {
        out.push_str("\"ch_");
        uuid(rng, out);
        out.push('"');
    } else {
        out.push_str("null");
    }
    out.push_str(r#","createdAt":"#);
    timestamp(rng, out);
    out.push_str("}}");
}

/// A JSON list body: `items` items (or, with `min_bytes`, as many as it takes to reach
/// that size), about 60% challenges and 40% requests.
fn list_body(seed: u64, items: usize, min_bytes: usize) -> Vec<u8> {
    let mut rng = Lcg(seed);
    let mut out = String::with_capacity(items.max(min_bytes / 400) * 450 + 16);
    out.push('[');
    let mut n = 0;
    while n < items || out.len() < min_bytes {
        if n > 0 {
            out.push(',');
        }
        if rng.chance(60) {
            challenge_item(&mut rng, n, &mut out);
        } else {
            request_item(&mut rng, n, &mut out);
        }
        n += 1;
    }
    out.push(']');
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------
// The alternatives: what a user might write instead of `hopae`'s decoder
// ---------------------------------------------------------------------------------------

/// Decodes RFC 3339 strings as `time::serde::rfc3339` does (a `visit_str` that calls
/// `OffsetDateTime::parse`), without enabling `time`'s `serde` feature for the bench.
mod rfc3339 {
    use serde::Deserializer;
    use serde::de::{self, Visitor};
    use std::fmt;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    struct V;
    impl Visitor<'_> for V {
        type Value = OffsetDateTime;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<OffsetDateTime, E> {
            OffsetDateTime::parse(v, &Rfc3339).map_err(E::custom)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        d.deserialize_str(V)
    }

    pub(crate) mod option {
        use serde::{Deserialize, Deserializer};
        use time::OffsetDateTime;

        struct Wrap(OffsetDateTime);
        impl<'de> Deserialize<'de> for Wrap {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                super::deserialize(d).map(Wrap)
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// (a) The naive derive: the same field types as `hopae` (so both do the same work per
/// field, timestamps parsed included), `Option` for `challenge`/`request`, and no check
/// that `type` agrees with them. The fields are decoded, never read.
#[allow(dead_code)]
mod naive {
    use super::rfc3339;
    use hopae::production_tests::{ChallengeMode, Platform, RequestStatus};
    use serde::Deserialize;
    use time::OffsetDateTime;

    #[derive(Deserialize)]
    pub(crate) struct Item {
        #[serde(rename = "type")]
        pub(crate) kind: Kind,
        pub(crate) challenge: Option<Challenge>,
        pub(crate) request: Option<Request>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum Kind {
        Challenge,
        Request,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Challenge {
        id: String,
        title: String,
        description: Option<String>,
        #[serde(with = "rfc3339")]
        expires_at: OffsetDateTime,
        #[serde(with = "rfc3339")]
        created_at: OffsetDateTime,
        #[serde(default, with = "rfc3339::option")]
        completed_at: Option<OffsetDateTime>,
        is_active: bool,
        challenge_mode: ChallengeMode,
        sponsor: Option<serde_json::Value>,
        sources: Option<Vec<String>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Request {
        id: String,
        client_id: String,
        status: RequestStatus,
        payload: Payload,
        challenge_id: Option<String>,
        #[serde(with = "rfc3339")]
        created_at: OffsetDateTime,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Payload {
        title: String,
        description: Option<String>,
        provider_ids: Option<Vec<String>>,
        max_stamp_claims: Option<u64>,
        target_platform: Option<Platform>,
        allow_duplicate_participation: Option<bool>,
    }
}

/// (b) The internally tagged enum serde offers for this shape: `type` picks the
/// variant, the inapplicable key is ignored as unknown. The fields are never read.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Tagged {
    Challenge { challenge: naive::Challenge },
    Request { request: naive::Request },
}

/// (c2) The typed result reached through `Value`: parse to a tree first (to inspect it,
/// say), then `serde_json::from_value` into `hopae`'s own types.
struct ViaValue(Vec<ProductionTestItem>);

impl<'de> Deserialize<'de> for ViaValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tree = serde_json::Value::deserialize(d)?;
        serde_json::from_value(tree)
            .map(ViaValue)
            .map_err(serde::de::Error::custom)
    }
}

impl Count for ViaValue {
    fn count(&self) -> usize {
        self.0.len()
    }
}

// ---------------------------------------------------------------------------------------
// Timing helpers and the report
// ---------------------------------------------------------------------------------------

fn median(xs: &mut [Duration]) -> Duration {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

fn verdict(scale: &Scale, pass: bool) -> &'static str {
    match (scale.smoke, pass) {
        (true, _) => "(smoke run: no verdict)",
        (false, true) => "PASS",
        (false, false) => "MISS",
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let kb: u64 = s
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!(", {:.0} GiB RAM", kb as f64 / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| format!(", {}", v.trim()))
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores{mem}, {} {}{rustc}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn today() -> String {
    let t = OffsetDateTime::now_utc();
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

// ---------------------------------------------------------------------------------------
// 1. Decode throughput
// ---------------------------------------------------------------------------------------

/// What a decoder produced, counted, so a run that decoded nothing cannot pass.
trait Count {
    fn count(&self) -> usize;
}

impl<T> Count for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }
}

impl Count for serde_json::Value {
    fn count(&self) -> usize {
        self.as_array().map_or(0, Vec::len)
    }
}

impl Count for IgnoredAny {
    fn count(&self) -> usize {
        0
    }
}

/// Times one decode into `T`: the decode alone, and the decode plus dropping the value
/// (a `Value` costs much more to free than typed structs).
fn timed<T: DeserializeOwned + Count>(body: &[u8]) -> Timing {
    let start = Instant::now();
    let value: T = serde_json::from_slice(black_box(body)).expect("the list decodes");
    let decode = start.elapsed();
    let items = black_box(&value).count();
    drop(value);
    Timing {
        decode,
        with_drop: start.elapsed(),
        items,
    }
}

struct Timing {
    decode: Duration,
    with_drop: Duration,
    items: usize,
}

/// Decodes into `T` with the allocator counting: the peak of live heap bytes above the
/// level before, and the item count.
fn peak_of<T: DeserializeOwned + Count>(body: &[u8]) -> (usize, usize) {
    let (value, peak) = peak_heap(|| serde_json::from_slice::<T>(body).expect("the list decodes"));
    let n = value.count();
    drop(value);
    (peak, n)
}

struct Contender {
    name: &'static str,
    time: fn(&[u8]) -> Timing,
    peak: fn(&[u8]) -> (usize, usize),
}

macro_rules! contender {
    ($name:expr, $ty:ty) => {
        Contender {
            name: $name,
            time: timed::<$ty>,
            peak: peak_of::<$ty>,
        }
    };
}

const CONTENDERS: [Contender; 6] = [
    contender!("hopae Vec<ProductionTestItem>", Vec<ProductionTestItem>),
    contender!("(a) naive derive, Option fields", Vec<naive::Item>),
    contender!("(b) #[serde(tag = \"type\")] enum", Vec<Tagged>),
    contender!("(c) serde_json::Value", serde_json::Value),
    contender!("(c2) Value, then from_value (typed)", ViaValue),
    contender!("(d) IgnoredAny (syntax floor)", IgnoredAny),
];
const HOPAE: usize = 0;
const NAIVE: usize = 1;
const VALUE: usize = 3;
const FLOOR: usize = 5;

fn bench_decode(scale: &Scale) -> bool {
    let body = list_body(0x5eed_0001, scale.decode_items, 0);
    let items: Vec<ProductionTestItem> = serde_json::from_slice(&body).expect("valid list");
    let challenges = items.iter().filter(|i| i.as_challenge().is_some()).count();
    drop(items);

    // Rounds rotate the order of the contenders. Within a round each contender decodes
    // once untimed, then `runs` times timed, so that every timed run starts from the heap
    // its own previous run left (the freed blocks of a `Value` change how fast the next
    // decoder allocates). Ratios are paired: each round's time of a contender over
    // hopae's in the same round, then the median over rounds, so that a burst of load
    // from elsewhere on a shared machine slows both sides of a ratio alike.
    let n = CONTENDERS.len();
    let mut decode = vec![Vec::new(); n];
    let mut with_drop = vec![Vec::new(); n];
    let mut round_decode = vec![vec![0.0; scale.rounds]; n];
    let mut round_with_drop = vec![vec![0.0; scale.rounds]; n];
    for round in 0..scale.rounds {
        for k in 0..n {
            let i = (k + round) % n;
            for run in 0..=scale.runs {
                let t = (CONTENDERS[i].time)(&body);
                assert!(
                    t.items == scale.decode_items || i == FLOOR,
                    "{} decoded {} items",
                    CONTENDERS[i].name,
                    t.items
                );
                if run > 0 {
                    decode[i].push(t.decode);
                    with_drop[i].push(t.with_drop);
                    round_decode[i][round] += t.decode.as_secs_f64();
                    round_with_drop[i][round] += t.with_drop.as_secs_f64();
                }
            }
        }
    }
    let decode: Vec<f64> = decode.iter_mut().map(|t| median(t).as_secs_f64()).collect();
    let with_drop: Vec<f64> = with_drop
        .iter_mut()
        .map(|t| median(t).as_secs_f64())
        .collect();
    let paired = |rounds: &[Vec<f64>], i: usize| {
        let mut r: Vec<f64> = (0..scale.rounds)
            .map(|k| rounds[i][k] / rounds[HOPAE][k])
            .collect();
        r.sort_unstable_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let ratio: Vec<f64> = (0..n).map(|i| paired(&round_decode, i)).collect();
    let ratio_drop: Vec<f64> = (0..n).map(|i| paired(&round_with_drop, i)).collect();

    println!(
        "\n## 1. Decode a production-test list: {} items ({} challenges, {} requests), {:.2} MB, median ms of {} runs\n",
        scale.decode_items,
        challenges,
        scale.decode_items - challenges,
        body.len() as f64 / 1e6,
        scale.rounds * scale.runs
    );
    println!(
        "| {:<37} | {:>9} | {:>7} | {:>8} | {:>12} | {:>8} |",
        "decoder", "decode ms", "MB/s", "hopae is", "+ drop ms", "hopae is"
    );
    println!(
        "|{:-<39}|{:->11}|{:->9}|{:->10}|{:->14}|{:->10}|",
        "", ":", ":", ":", ":", ":"
    );
    for (i, c) in CONTENDERS.iter().enumerate() {
        println!(
            "| {:<37} | {:>9.2} | {:>7.1} | {:>7.2}x | {:>12.2} | {:>7.2}x |",
            c.name,
            decode[i] * 1e3,
            body.len() as f64 / 1e6 / decode[i],
            ratio[i],
            with_drop[i] * 1e3,
            ratio_drop[i],
        );
    }
    println!(
        "\n\"hopae is\": how many times faster hopae is than that row (below 1: slower), the median of {} per-round ratios.",
        scale.rounds
    );
    let (vs_naive, vs_value, vs_value_drop) = (ratio[NAIVE], ratio[VALUE], ratio_drop[VALUE]);
    println!(
        "\ntarget: hopae at least 0.95x the naive derive: {vs_naive:.2}x {}",
        verdict(scale, vs_naive >= 0.95)
    );
    println!(
        "target: hopae at least 2.5x serde_json::Value: {vs_value:.2}x decoding {}, {vs_value_drop:.2}x decoding + dropping {}",
        verdict(scale, vs_value >= 2.5),
        verdict(scale, vs_value_drop >= 2.5)
    );
    vs_naive >= 0.95 && vs_value >= 2.5
}

// ---------------------------------------------------------------------------------------
// 2. Client round trips
// ---------------------------------------------------------------------------------------

const LIST_ITEMS: usize = 20;
const API_KEY: &str = "sk_workspace_test_bench";
const USER_AGENT: &str = concat!("hopae/", env!("CARGO_PKG_VERSION"), " (rust; ureq)");

/// A keep-alive HTTP/1.1 server on 127.0.0.1 answering every request with the same
/// 200 response; it counts accepted connections and requests. Its threads end with the
/// bench process.
struct Server {
    port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start(body: &[u8]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             X-Request-Id: 228aaefb-3ce2-4dd0-a73b-b96f71c5779f\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body);
        let response = Arc::new(response);
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (c, r) = (Arc::clone(&connections), Arc::clone(&requests));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let (response, requests) = (Arc::clone(&response), Arc::clone(&r));
                thread::spawn(move || serve(stream, &response, &requests));
            }
        });
        Server {
            port,
            connections,
            requests,
        }
    }
}

/// Answers each request on one connection until the client closes it. Requests here
/// are GETs without a body: the head ends at the first empty line.
fn serve(stream: TcpStream, response: &[u8], requests: &AtomicUsize) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::with_capacity(256);
    loop {
        let mut head_lines = 0;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            head_lines += 1;
            if line == b"\r\n" || line == b"\n" || head_lines > 100 {
                break;
            }
        }
        requests.fetch_add(1, Ordering::Relaxed);
        if writer.write_all(response).is_err() {
            return;
        }
    }
}

/// One way of fetching and decoding the list, with its own server (so that each
/// client's connections are counted apart).
struct RoundTrip<'a> {
    name: &'static str,
    server: Server,
    call: Box<dyn Fn() + 'a>,
}

/// Raw `ureq`: GET with the headers `hopae` sends, then `serde_json::from_slice`.
fn raw_call<'a>(agent: &'a ureq::Agent, url: &'a str, authorization: &'a str) -> impl Fn() + 'a {
    move || {
        let mut response = agent
            .get(url)
            .header("Authorization", authorization)
            .header("Accept", "application/json")
            .header("User-Agent", USER_AGENT)
            .call()
            .expect("raw GET succeeds");
        assert_eq!(response.status().as_u16(), 200);
        let bytes = response.body_mut().read_to_vec().expect("body reads");
        let items: Vec<ProductionTestItem> = serde_json::from_slice(&bytes).expect("decodes");
        assert_eq!(items.len(), LIST_ITEMS);
        black_box(items);
    }
}

/// How long the injected lookup of the DNS rows takes: a resolver one network hop away.
const SLOW_LOOKUP: Duration = Duration::from_millis(1);

/// A name lookup that takes [`SLOW_LOOKUP`] and answers 127.0.0.1 at `port`, counting
/// its calls.
fn slow_lookup(port: u16, count: &AtomicUsize) -> Vec<std::net::SocketAddr> {
    count.fetch_add(1, Ordering::Relaxed);
    thread::sleep(SLOW_LOOKUP);
    vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]
}

/// What ureq 3's own resolver does, with [`slow_lookup`] in place of `getaddrinfo`: a
/// lookup on every call, on a new thread whenever a deadline is set.
#[derive(Debug)]
struct PerCallResolver {
    port: u16,
    lookups: Arc<AtomicUsize>,
}

impl ureq::unversioned::resolver::Resolver for PerCallResolver {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let (port, lookups) = (self.port, Arc::clone(&self.lookups));
        let addrs = if timeout.after.is_not_happening() {
            slow_lookup(port, &lookups)
        } else {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            thread::spawn(move || tx.send(slow_lookup(port, &lookups)).ok());
            rx.recv_timeout(*timeout.after)
                .map_err(|_| ureq::Error::Timeout(timeout.reason))?
        };
        let mut out = self.empty();
        for a in addrs {
            out.push(a);
        }
        Ok(out)
    }
}

/// The agent settings `HopaeClient` uses by default, deadline included.
fn timed_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .build()
}

fn bench_client(scale: &Scale) -> bool {
    let body = list_body(0x5eed_0002, LIST_ITEMS, 0);
    let servers: Vec<Server> = (0..5).map(|_| Server::start(&body)).collect();
    let url = |host: &str, s: &Server| {
        format!(
            "http://{host}:{}/connect/v1/apps/FK5b0KSM/production-tests",
            s.port
        )
    };
    let raw_url = url("127.0.0.1", &servers[1]);
    let timed_url = url("127.0.0.1", &servers[2]);
    let slow_raw_url = url("localhost", &servers[4]);
    let authorization = format!("Bearer {API_KEY}");

    let client = HopaeClient::builder(API_KEY)
        .base_url(format!("http://127.0.0.1:{}/connect/v1", servers[0].port))
        .build()
        .expect("client builds");
    // `localhost`, answered by a lookup that takes 1 ms, counted.
    let hopae_lookups = Arc::new(AtomicUsize::new(0));
    let slow_client = {
        let (port, count) = (servers[3].port, Arc::clone(&hopae_lookups));
        HopaeClient::builder(API_KEY)
            .base_url(format!("http://localhost:{port}/connect/v1"))
            .dns_lookup(move |_, _| Ok(slow_lookup(port, &count)))
            .build()
            .expect("client builds")
    };
    let raw_agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let timed_agent = ureq::Agent::new_with_config(timed_config());
    let raw_lookups = Arc::new(AtomicUsize::new(0));
    let slow_raw_agent = ureq::Agent::with_parts(
        timed_config(),
        ureq::unversioned::transport::DefaultConnector::new(),
        PerCallResolver {
            port: servers[4].port,
            lookups: Arc::clone(&raw_lookups),
        },
    );

    let hopae_list = |client: &HopaeClient| {
        let items = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .expect("list succeeds");
        assert_eq!(items.len(), LIST_ITEMS);
        black_box(items);
    };
    let mut servers = servers.into_iter();
    let mut next = || servers.next().expect("five servers");
    let trips = [
        RoundTrip {
            name: "hopae list_production_tests",
            server: next(),
            call: Box::new(|| hopae_list(&client)),
        },
        RoundTrip {
            name: "raw ureq::Agent GET + serde_json",
            server: next(),
            call: Box::new(raw_call(&raw_agent, &raw_url, &authorization)),
        },
        RoundTrip {
            name: "raw ureq + timeout_global(30 s), as hopae",
            server: next(),
            call: Box::new(raw_call(&timed_agent, &timed_url, &authorization)),
        },
        RoundTrip {
            name: "hopae, `localhost` via a 1 ms lookup",
            server: next(),
            call: Box::new(|| hopae_list(&slow_client)),
        },
        RoundTrip {
            name: "raw ureq + deadline, 1 ms lookup",
            server: next(),
            call: Box::new(raw_call(&slow_raw_agent, &slow_raw_url, &authorization)),
        },
    ];
    let lookups = [None, None, None, Some(&hopae_lookups), Some(&raw_lookups)];

    // Warm up every connection, then time blocks of calls, rotating which client goes
    // first every block. Lookups are counted from the end of the warm-up.
    for _ in 0..scale.calls / 40 + 1 {
        for t in &trips {
            (t.call)();
        }
    }
    let warm: Vec<usize> = lookups
        .iter()
        .map(|l| l.map_or(0, |l| l.load(Ordering::SeqCst)))
        .collect();
    let per_block = scale.calls / scale.blocks;
    let mut times = vec![Vec::with_capacity(scale.blocks); trips.len()];
    for block in 0..scale.blocks {
        for k in 0..trips.len() {
            let i = (k + block) % trips.len();
            let start = Instant::now();
            for _ in 0..per_block {
                (trips[i].call)();
            }
            times[i].push(start.elapsed() / u32::try_from(per_block).unwrap_or(1));
        }
    }
    let timed_calls = per_block * scale.blocks;
    let per_call_lookups: Vec<Option<f64>> = lookups
        .iter()
        .zip(&warm)
        .map(|(l, w)| l.map(|l| (l.load(Ordering::SeqCst) - w) as f64 / timed_calls as f64))
        .collect();
    // Paired like section 1: block by block against the raw client, then the median.
    let paired = |i: usize, base: usize| {
        let mut r: Vec<f64> = (0..scale.blocks)
            .map(|b| times[i][b].as_secs_f64() / times[base][b].as_secs_f64())
            .collect();
        r.sort_unstable_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let vs_raw: Vec<f64> = (0..trips.len()).map(|i| paired(i, 1)).collect();
    let vs_same_deadline = paired(0, 2);
    let slow_vs_loopback = paired(3, 0);
    let per_call: Vec<f64> = times.iter_mut().map(|t| median(t).as_secs_f64()).collect();

    let decode_only = {
        let mut t: Vec<Duration> = (0..scale.calls / 4 + 1)
            .map(|_| {
                let start = Instant::now();
                let v: Vec<ProductionTestItem> =
                    serde_json::from_slice(black_box(&body)).expect("decodes");
                let e = start.elapsed();
                black_box(v);
                e
            })
            .collect();
        median(&mut t)
    };

    println!(
        "\n## 2. Client round trips: {} sequential list calls per client, {LIST_ITEMS}-item body ({} bytes), keep-alive server on 127.0.0.1, median of {} blocks of {per_block}\n",
        scale.calls,
        body.len(),
        scale.blocks
    );
    println!(
        "| {:<42} | {:>11} | {:>8} | {:>12} | {:>11} | {:>8} |",
        "client", "µs per call", "vs raw", "lookups/call", "connections", "requests"
    );
    println!(
        "|{:-<44}|{:->13}|{:->10}|{:->14}|{:->13}|{:->10}|",
        "", ":", ":", ":", ":", ":"
    );
    for (i, (t, secs)) in trips.iter().zip(&per_call).enumerate() {
        let lookups = per_call_lookups[i].map_or_else(|| "-".to_owned(), |l| format!("{l:.3}"));
        println!(
            "| {:<42} | {:>11.1} | {:>7.3}x | {:>12} | {:>11} | {:>8} |",
            t.name,
            secs * 1e6,
            vs_raw[i],
            lookups,
            t.server.connections.load(Ordering::SeqCst),
            t.server.requests.load(Ordering::SeqCst)
        );
    }
    println!(
        "\nDecoding the body alone takes {:.1} µs of each call. hopae vs raw ureq with the same deadline: {:.3}x.\n\
         ureq 3 resolves the host before it looks in its pool, on every call, and on a new thread\n\
         whenever a deadline is set; hopae's resolver keeps each host's addresses, so a warm call\n\
         makes no lookup and starts no thread (an IP literal is never looked up).",
        decode_only.as_secs_f64() * 1e6,
        vs_same_deadline
    );
    let ratio = vs_raw[0];
    let conns = trips[0].server.connections.load(Ordering::SeqCst);
    let warm_lookups = per_call_lookups[3].unwrap_or(f64::MAX);
    println!(
        "\ntarget: hopae at most 1.05x raw ureq without a timeout: {ratio:.3}x {}",
        verdict(scale, ratio <= 1.05)
    );
    println!(
        "target: the 1 ms lookup row within 10% of hopae's loopback row: {slow_vs_loopback:.3}x {}",
        verdict(scale, slow_vs_loopback <= 1.10)
    );
    println!(
        "target: no lookup per call after warm-up: {warm_lookups:.3} {}",
        verdict(scale, warm_lookups == 0.0)
    );
    println!(
        "target: one TCP connection for all calls: {conns} accepted {}",
        verdict(scale, conns == 1)
    );
    ratio <= 1.05 && slow_vs_loopback <= 1.10 && warm_lookups == 0.0 && conns == 1
}

/// `cargo bench --bench perf -- callgrind`: warm calls only, for counting instructions
/// per call under `valgrind --tool=callgrind`, where load on a shared machine changes
/// times but not counts. `HOPAE_CALLGRIND_CALLS` sets the number of calls (1000) and
/// `HOPAE_CALLGRIND_ONLY` (`hopae` or `raw`) which client makes them. The count covers
/// the whole process (the server's threads too, which do the same work per request for
/// both clients), so run it at two call counts and divide the difference by the
/// difference in calls: that removes start-up, warm-up and the first connection. Not
/// part of a plain `cargo bench`.
fn callgrind_calls() {
    let calls: usize = std::env::var("HOPAE_CALLGRIND_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let body = list_body(0x5eed_0002, LIST_ITEMS, 0);
    let (hopae_server, raw_server) = (Server::start(&body), Server::start(&body));
    let client = HopaeClient::builder(API_KEY)
        .base_url(format!("http://127.0.0.1:{}/connect/v1", hopae_server.port))
        .build()
        .expect("client builds");
    let raw_agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let url = format!(
        "http://127.0.0.1:{}/connect/v1/apps/FK5b0KSM/production-tests",
        raw_server.port
    );
    let authorization = format!("Bearer {API_KEY}");
    let raw = raw_call(&raw_agent, &url, &authorization);
    let hopae = || {
        let items = client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .expect("list succeeds");
        black_box(items);
    };
    for _ in 0..20 {
        hopae();
        raw();
    }
    let only = std::env::var("HOPAE_CALLGRIND_ONLY").unwrap_or_default();
    if only != "raw" {
        measured_hopae(calls, &hopae);
    }
    if only != "hopae" {
        measured_raw(calls, &raw);
    }
    println!("callgrind: {calls} warm calls of {only:?} (empty: both), after 20 of each");
}

#[inline(never)]
fn measured_hopae(calls: usize, call: &dyn Fn()) {
    for _ in 0..calls {
        call();
    }
}

#[inline(never)]
fn measured_raw(calls: usize, call: &dyn Fn()) {
    // Not the same body as `measured_hopae`, so that the two are never merged.
    black_box("raw");
    for _ in 0..calls {
        call();
    }
}

// ---------------------------------------------------------------------------------------
// 4. Connections under concurrency
// ---------------------------------------------------------------------------------------

/// `threads` threads share one client and make `calls` list calls in all; returns the
/// connections the server accepted and the wall time.
fn shared_client_run(threads: usize, calls: usize, idle: Option<usize>) -> (usize, Duration) {
    let body = list_body(0x5eed_0004, LIST_ITEMS, 0);
    let server = Server::start(&body);
    let mut builder = HopaeClient::builder(API_KEY)
        .base_url(format!("http://127.0.0.1:{}/connect/v1", server.port));
    if let Some(n) = idle {
        builder = builder.max_idle_connections(n);
    }
    let client = builder.build().expect("client builds");
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            let client = &client;
            scope.spawn(move || {
                for _ in 0..calls / threads {
                    let items = client
                        .app("FK5b0KSM")
                        .production_tests()
                        .list()
                        .expect("list succeeds");
                    assert_eq!(items.len(), LIST_ITEMS);
                    black_box(items);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        calls / threads * threads
    );
    (server.connections.load(Ordering::SeqCst), elapsed)
}

fn bench_concurrency(scale: &Scale) -> bool {
    let (threads, calls) = (scale.threads, scale.concurrent_calls);
    println!(
        "\n## 4. Connections under concurrency: {threads} threads share one client, {calls} list calls in all, keep-alive server on 127.0.0.1\n"
    );
    println!(
        "| {:<44} | {:>11} | {:>9} | {:>9} |",
        "pool", "connections", "calls", "wall ms"
    );
    println!("|{:-<46}|{:->13}|{:->11}|{:->11}|", "", ":", ":", ":");
    let mut default_conns = 0;
    for (name, idle) in [
        ("default (max_idle_connections 16)", None),
        ("max_idle_connections(3), the old pool size", Some(3)),
    ] {
        let (conns, wall) = shared_client_run(threads, calls, idle);
        if idle.is_none() {
            default_conns = conns;
        }
        println!(
            "| {:<44} | {:>11} | {:>9} | {:>9.0} |",
            name,
            conns,
            calls / threads * threads,
            wall.as_secs_f64() * 1e3
        );
    }
    let pass = default_conns <= 32;
    println!(
        "\ntarget: at most 32 connections for {calls} calls from {threads} threads: {default_conns} {}",
        verdict(scale, pass)
    );
    pass
}

// ---------------------------------------------------------------------------------------
// 3. Peak heap while decoding
// ---------------------------------------------------------------------------------------

fn bench_memory(scale: &Scale) -> bool {
    let body = list_body(0x5eed_0003, 0, scale.big_body);
    let rows: Vec<(&str, usize, usize)> = CONTENDERS
        .iter()
        .map(|c| {
            let (peak, n) = (c.peak)(&body);
            (c.name, peak, n)
        })
        .collect();
    let items = rows[0].2;
    assert!(rows.iter().all(|r| r.2 == items || r.2 == 0));
    println!(
        "\n## 3. Peak heap while decoding a {:.2} MB list ({items} items) already in memory\n",
        body.len() as f64 / 1e6
    );
    println!(
        "| {:<37} | {:>10} | {:>12} |",
        "decoder", "peak MB", "x body size"
    );
    println!("|{:-<39}|{:->12}|{:->14}|", "", ":", ":");
    for (name, peak, _) in &rows {
        println!(
            "| {:<37} | {:>10.2} | {:>11.2}x |",
            name,
            *peak as f64 / 1e6,
            *peak as f64 / body.len() as f64
        );
    }

    // For reference, not a target: the whole call, with the body read from a local
    // server into memory first (ureq's buffer, the server thread's few small buffers).
    let server = Server::start(&body);
    let client = HopaeClient::builder(API_KEY)
        .base_url(format!("http://127.0.0.1:{}/connect/v1", server.port))
        .max_response_size(64 << 20)
        .build()
        .expect("client builds");
    let (listed, call_peak) = peak_heap(|| client.app("FK5b0KSM").production_tests().list());
    let listed = listed.expect("list succeeds").len();
    assert_eq!(listed, items);
    println!(
        "\nThe whole `list_production_tests` call on this body (read from 127.0.0.1, then decoded): peak {:.2} MB, {:.2}x the body size.",
        call_peak as f64 / 1e6,
        call_peak as f64 / body.len() as f64
    );

    let ratio = rows[0].1 as f64 / body.len() as f64;
    println!(
        "\ntarget: hopae peak at most 3x the body size: {ratio:.2}x {}",
        verdict(scale, ratio <= 3.0)
    );
    ratio <= 3.0
}

/// How much work a run does: the issue's sizes under `cargo bench`, a quick smoke run
/// when the binary is run without `--bench` (`cargo test --benches`, debug builds).
struct Scale {
    smoke: bool,
    decode_items: usize,
    rounds: usize,
    runs: usize,
    calls: usize,
    blocks: usize,
    big_body: usize,
    threads: usize,
    concurrent_calls: usize,
}

const FULL: Scale = Scale {
    smoke: false,
    decode_items: 10_000,
    rounds: 8,
    runs: 2,
    calls: 2_000,
    blocks: 10,
    big_body: 10_000_000,
    threads: 16,
    concurrent_calls: 4_000,
};

const SMOKE: Scale = Scale {
    smoke: true,
    decode_items: 500,
    rounds: 1,
    runs: 1,
    calls: 40,
    blocks: 2,
    big_body: 500_000,
    threads: 4,
    concurrent_calls: 40,
};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // Other arguments pick sections by name: `cargo bench --bench perf -- concurrency`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if only.iter().any(|o| o == "callgrind") {
        callgrind_calls();
        return;
    }
    let scale = if full { &FULL } else { &SMOKE };
    let started = Instant::now();
    println!("# hopae benchmarks (`cargo bench`)");
    if !full {
        println!("\nsmoke run (no --bench argument): small sizes, the numbers mean nothing");
    }
    println!("\nmachine: {}", machine());
    println!("date: {} (UTC)", today());
    type Section = (&'static str, fn(&Scale) -> bool);
    let sections: [Section; 4] = [
        ("decode", bench_decode),
        ("client", bench_client),
        ("memory", bench_memory),
        ("concurrency", bench_concurrency),
    ];
    let results: Vec<bool> = sections
        .iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| name.contains(o.as_str())))
        .map(|(_, run)| run(scale))
        .collect();
    let passed = results.iter().filter(|&&p| p).count();
    let elapsed = started.elapsed().as_secs_f64();
    if scale.smoke {
        println!("\nsmoke run done ({elapsed:.1} s)");
    } else {
        println!(
            "\n{passed} of {} sections met all their targets ({elapsed:.1} s)",
            results.len()
        );
    }
}

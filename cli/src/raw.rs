//! `--json`: the JSON the API sent, byte for byte.
//!
//! The client's `on_response` hook keeps the body of every 2xx answer; a command prints
//! it only after the library's typed decoder accepted it, so a malformed body still
//! fails the command (exit 4) instead of being printed.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::failure::{EXIT_RESPONSE, Failure};

/// Which 2xx bodies a command keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Keep {
    /// None: the command does not print JSON.
    Nothing,
    /// The last one: the answer of the command's final call (a wait keeps only its
    /// latest poll, however long it runs).
    Last,
    /// Every one, in order: the pages of `apps list --all`.
    All,
}

/// The 2xx bodies the client received, shared with its `on_response` hook.
///
/// They are kept as sent and handed out with their secret fields redacted
/// ([`redact_secrets`]) unless `--show-secrets` was given; only
/// [`last_revealed`](Bodies::last_revealed), for the outputs that show a new secret
/// once, hands out the body as sent.
#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    keep: Keep,
    show_secrets: bool,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Bodies {
    pub(crate) fn new(keep: Keep) -> Bodies {
        Bodies {
            keep,
            show_secrets: false,
            bodies: Arc::default(),
        }
    }

    /// Hands out the bodies with their secrets when `show` (`--show-secrets`).
    pub(crate) fn show_secrets(mut self, show: bool) -> Bodies {
        self.show_secrets = show;
        self
    }

    /// A body as handed out: redacted unless `--show-secrets`.
    fn shown(&self, body: Vec<u8>) -> Vec<u8> {
        if self.show_secrets {
            body
        } else {
            redact_secrets(&body)
        }
    }

    /// Whether the client needs the hook at all.
    pub(crate) fn records(&self) -> bool {
        self.keep != Keep::Nothing
    }

    /// Called by the hook with every answer.
    pub(crate) fn record(&self, status: u16, body: &[u8]) {
        if !(200..300).contains(&status) || self.keep == Keep::Nothing {
            return;
        }
        let mut bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
        if self.keep == Keep::Last {
            bodies.clear();
        }
        bodies.push(body.to_vec());
    }

    /// The body of the last 2xx answer, its secrets redacted unless `--show-secrets`.
    pub(crate) fn last(&self) -> Result<Vec<u8>, Failure> {
        self.last_revealed().map(|body| self.shown(body))
    }

    /// The body of the last 2xx answer as sent, secrets included: only for an answer
    /// that shows a new secret for the only time (`apps create`, `rotate-secret`).
    pub(crate) fn last_revealed(&self) -> Result<Vec<u8>, Failure> {
        let bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
        bodies.last().cloned().ok_or_else(not_recorded)
    }

    /// Every 2xx body, in the order received, its secrets redacted unless
    /// `--show-secrets`.
    pub(crate) fn all(&self) -> Vec<Vec<u8>> {
        let bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
        bodies.iter().map(|b| self.shown(b.clone())).collect()
    }
}

/// What a secret field's value is replaced with.
const REDACTED: &[u8] = b"\"[redacted]\"";

/// `body` with the value of every secret field (`hopae::is_secret_field`, at any depth)
/// replaced by `"[redacted]"`, and every other byte as sent: spacing, order, escapes and
/// unknown fields stay. A `null` value stays `null` (there is no secret to hide). A body
/// that is not JSON, or is nested deeper than [`MAX_DEPTH`], is returned unchanged: the
/// commands print only bodies the library decoded (serde_json nests at most 128 deep).
pub(crate) fn redact_secrets(body: &[u8]) -> Vec<u8> {
    let mut scan = Scan {
        src: body,
        pos: 0,
        depth: 0,
        spans: Vec::new(),
    };
    if scan.value(None, false).is_none() || scan.spans.is_empty() {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut copied = 0;
    for (start, end) in scan.spans {
        out.extend_from_slice(&body[copied..start]);
        out.extend_from_slice(REDACTED);
        copied = end;
    }
    out.extend_from_slice(&body[copied..]);
    out
}

/// The deepest nesting [`redact_secrets`] scans (it recurses once per level).
const MAX_DEPTH: usize = 256;

/// A JSON scanner that records the byte ranges of secret fields' values.
struct Scan<'a> {
    src: &'a [u8],
    pos: usize,
    depth: usize,
    spans: Vec<(usize, usize)>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// One value; `parent` names the member whose value it is. Inside a secret value
    /// (`quiet`) nothing more is recorded.
    fn value(&mut self, parent: Option<&str>, quiet: bool) -> Option<()> {
        self.depth += 1;
        let scanned = self.value_at_depth(parent, quiet);
        self.depth -= 1;
        scanned
    }

    fn value_at_depth(&mut self, parent: Option<&str>, quiet: bool) -> Option<()> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.skip_whitespace();
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_whitespace();
                    let key = self.string()?;
                    self.eat(b':')?;
                    self.skip_whitespace();
                    let start = self.pos;
                    let secret = !quiet && hopae::is_secret_field(parent, &key);
                    self.value(Some(&key), quiet || secret)?;
                    if secret && &self.src[start..self.pos] != b"null" {
                        self.spans.push((start, self.pos));
                    }
                    if self.eat(b',').is_none() {
                        return self.eat(b'}');
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.value(None, quiet)?;
                    if self.eat(b',').is_none() {
                        return self.eat(b']');
                    }
                }
            }
            b'"' => self.skip_string().map(drop),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|b| !b",]} \t\r\n".contains(&b)) {
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }

    /// Moves past a string; returns its raw text, quotes included, and whether it holds
    /// an escape.
    fn skip_string(&mut self) -> Option<(&[u8], bool)> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'\\' => {
                    escaped = true;
                    self.pos += 2;
                }
                b'"' => {
                    self.pos += 1;
                    return Some((&self.src[start..self.pos], escaped));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// A key, decoded (it may be written with escapes: `"c\u006fde"` is `code`).
    fn string(&mut self) -> Option<String> {
        let (raw, escaped) = self.skip_string()?;
        if escaped {
            serde_json::from_slice(raw).ok()
        } else {
            std::str::from_utf8(&raw[1..raw.len() - 1])
                .ok()
                .map(str::to_owned)
        }
    }
}

fn not_recorded() -> Failure {
    Failure {
        code: EXIT_RESPONSE,
        ..Failure::usage("no response body was recorded for --json")
    }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure {
        code: EXIT_RESPONSE,
        ..Failure::usage(format!("malformed {what} response: {e}"))
    }
}

/// A body as printed: the bytes as sent, plus a newline if they lack one.
pub(crate) fn document(mut body: Vec<u8>) -> Vec<u8> {
    if body.last() != Some(&b'\n') {
        body.push(b'\n');
    }
    body
}

/// The `data` arrays of list pages (`{data, total, limit, offset}`), joined into one page
/// of the same shape whose `data` elements are the objects exactly as sent: `total` and
/// `limit` are the number of objects, `offset` 0. So `apps list --json` has one shape,
/// with or without `--all`.
pub(crate) fn joined_data(pages: &[Vec<u8>]) -> Result<Vec<u8>, Failure> {
    #[derive(Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        data: Vec<&'a RawValue>,
    }
    let mut out = b"{\"data\":[".to_vec();
    let mut first = true;
    let mut n: u64 = 0;
    for body in pages {
        let page: Page<'_> = serde_json::from_slice(body).map_err(|e| malformed("list apps", e))?;
        for item in page.data {
            out.extend_from_slice(if first { b"\n  " } else { b",\n  " });
            out.extend_from_slice(item.get().as_bytes());
            first = false;
            n += 1;
        }
    }
    out.extend_from_slice(if first { b"]" } else { b"\n]" });
    out.extend_from_slice(format!(",\"total\":{n},\"limit\":{n},\"offset\":0}}\n").as_bytes());
    Ok(out)
}

/// The challenge object with id `id`, as it appears in a production-test list body.
pub(crate) fn challenge_in_list(body: &[u8], id: &str) -> Result<Vec<u8>, Failure> {
    #[derive(Deserialize)]
    struct Item<'a> {
        #[serde(borrow, default)]
        challenge: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let items: Vec<Item<'_>> =
        serde_json::from_slice(body).map_err(|e| malformed("list production tests", e))?;
    items
        .into_iter()
        .filter_map(|item| item.challenge)
        .find(|raw| serde_json::from_str::<Id>(raw.get()).is_ok_and(|c| c.id == id))
        .map(|raw| document(raw.get().as_bytes().to_vec()))
        .ok_or_else(|| {
            malformed(
                "list production tests",
                format!("challenge {id} is not in the last list"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_or_every_2xx_body() {
        let last = Bodies::new(Keep::Last);
        assert!(last.last().is_err());
        last.record(200, b"a");
        last.record(500, b"err");
        last.record(201, b"b");
        assert_eq!(last.last().unwrap(), b"b");
        assert_eq!(last.all(), [b"b".to_vec()]);
        let all = Bodies::new(Keep::All);
        all.record(200, b"1");
        all.record(429, b"busy");
        all.record(200, b"2");
        assert_eq!(all.all(), [b"1".to_vec(), b"2".to_vec()]);
        let none = Bodies::new(Keep::Nothing);
        none.record(200, b"x");
        assert!(!none.records());
        assert!(none.last().is_err());
    }

    #[test]
    fn secrets_are_redacted_and_every_other_byte_kept() {
        let body = br#"{ "clientId" : "FK5b0KSM", "clientSecret":"cs_live_x\"y",
  "webhookConfig": {"secret": "whsec_****abc1", "url": null},
  "new": [1, {"access_token": {"a": [1, "b"]}}], "c\u006fde": "abc", "none": null,
  "error": {"code": "NOT_FOUND"}, "id_token": null, "n": -1.5e3}"#;
        let out = String::from_utf8(redact_secrets(body)).unwrap();
        assert_eq!(
            out,
            r#"{ "clientId" : "FK5b0KSM", "clientSecret":"[redacted]",
  "webhookConfig": {"secret": "[redacted]", "url": null},
  "new": [1, {"access_token": "[redacted]"}], "c\u006fde": "[redacted]", "none": null,
  "error": {"code": "NOT_FOUND"}, "id_token": null, "n": -1.5e3}"#
        );
        // Not JSON, or JSON without secrets: unchanged.
        for same in [
            &b"not json"[..],
            b"[]",
            b"{\"a\":1}",
            b"{\"secret\":",
            b"",
            b"\"\\",
        ] {
            assert_eq!(redact_secrets(same), same);
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(redact_secrets(deep.as_bytes()), deep.as_bytes());
        let nested = format!("{}{{\"secret\":\"s\"}}{}", "[".repeat(200), "]".repeat(200));
        assert!(
            !String::from_utf8(redact_secrets(nested.as_bytes()))
                .unwrap()
                .contains("\"s\"")
        );
        let bodies = Bodies::new(Keep::All);
        bodies.record(200, br#"{"secret":"whsec_abc"}"#);
        assert_eq!(bodies.last().unwrap(), br#"{"secret":"[redacted]"}"#);
        assert_eq!(bodies.all(), [br#"{"secret":"[redacted]"}"#.to_vec()]);
        assert_eq!(
            bodies.last_revealed().unwrap(),
            br#"{"secret":"whsec_abc"}"#
        );
        let shown = bodies.show_secrets(true);
        assert_eq!(shown.last().unwrap(), br#"{"secret":"whsec_abc"}"#);
    }

    #[test]
    fn document_adds_one_newline_only_when_missing() {
        assert_eq!(document(b"{}".to_vec()), b"{}\n");
        assert_eq!(document(b"{}\n".to_vec()), b"{}\n");
    }

    #[test]
    fn joined_data_keeps_every_element_as_sent() {
        let pages = [
            br#"{"data":[{"b":1, "a" :2},{"new":[1]}],"total":3,"limit":2,"offset":0}"#.to_vec(),
            br#"{"total":3,"data":[ {"x":null} ],"limit":2,"offset":2}"#.to_vec(),
        ];
        let out = String::from_utf8(joined_data(&pages).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"data\":[\n  {\"b\":1, \"a\" :2},\n  {\"new\":[1]},\n  {\"x\":null}\n],\
             \"total\":3,\"limit\":3,\"offset\":0}\n"
        );
        let none = b"{\"data\":[],\"total\":0,\"limit\":0,\"offset\":0}\n";
        assert_eq!(joined_data(&[]).unwrap(), none);
        let empty = [br#"{"data":[],"total":0,"limit":100,"offset":0}"#.to_vec()];
        assert_eq!(joined_data(&empty).unwrap(), none);
        assert_eq!(joined_data(&[b"[]".to_vec()]).unwrap_err().code, 4);
    }

    #[test]
    fn challenge_in_list_finds_the_object_by_id() {
        let body = br#"[{"type":"request","challenge":null,"request":{"id":"req_1"}},
            {"type":"challenge","challenge":{"id":"ch_1","new": true}},
            {"type":"challenge","challenge":{"id":"ch_2", "title":"T"}}]"#;
        assert_eq!(
            challenge_in_list(body, "ch_2").unwrap(),
            b"{\"id\":\"ch_2\", \"title\":\"T\"}\n"
        );
        let f = challenge_in_list(body, "ch_3").unwrap_err();
        assert_eq!(f.code, 4);
        assert!(f.message.contains("challenge ch_3 is not in the last list"));
    }
}

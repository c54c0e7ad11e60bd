//! `--json`: the JSON the API sent, byte for byte.
//!
//! The client's `on_response` hook keeps the body of every 2xx answer; a command prints
//! it only after the library's typed decoder accepted it, so a malformed body still
//! fails the command (exit 4) instead of being printed.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{EXIT_RESPONSE, Failure};

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
#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    keep: Keep,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Bodies {
    pub(crate) fn new(keep: Keep) -> Bodies {
        Bodies {
            keep,
            bodies: Arc::default(),
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

    /// The body of the last 2xx answer.
    pub(crate) fn last(&self) -> Result<Vec<u8>, Failure> {
        let bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
        bodies.last().cloned().ok_or_else(not_recorded)
    }

    /// Every 2xx body, in the order received.
    pub(crate) fn all(&self) -> Vec<Vec<u8>> {
        let bodies = self.bodies.lock().unwrap_or_else(|e| e.into_inner());
        bodies.clone()
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

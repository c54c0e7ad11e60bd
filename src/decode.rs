//! Decoding response bodies. Most models are read from one parsed tree by their
//! [`FromJson`] impls ([`object`], [`array`], [`page`]; see `crate::json`). The
//! production-test models keep derived, streaming decoders ([`streamed`], [`indexed`]):
//! on failure only, the field path (`data[3].challenge.isActive`) is read off the body at
//! the error's position ([`with_path`]). Also the field helpers those derives share:
//! strict objects ([`Obj`]) and RFC 3339 timestamps ([`ts`]).

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serializer};

use crate::json::{FromJson, Seg, scalar_end, skip_ws, string_end};

pub(crate) use crate::json::DecodeResult;

/// [`FromJson`] bodies: one object (or whatever `T` reads), and a JSON array of items
/// whose failure names the item's index and the field relative to it.
pub(crate) use crate::json::{array, object};

/// Decodes a page object (`{"data": [...], "total", ...}`): a failure inside `data[i]`
/// is reported as the failure of item `i`, with the field path relative to the item, as
/// every list of the crate reports it.
pub(crate) fn page<T: FromJson>(body: &[u8]) -> DecodeResult<T> {
    crate::json::listing(body, "data")
}

/// Decodes a body that must be one JSON object with `T`'s derived, streaming decoder
/// (the production-test models).
pub(crate) fn streamed<T: DeserializeOwned>(body: &[u8]) -> DecodeResult<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Obj::<T>::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value.0))
        .map_err(|e| (None, with_path(body, e, None)))
}

/// The one list decoder: a JSON array of `T`, single pass. When an item fails, the
/// index of that item comes back with the message, whose field path is relative to the
/// item (`item 3: at `webhookConfig.retryAttempts`: ...` once shown by [`DecodeError`]).
///
/// [`DecodeError`]: crate::DecodeError
pub(crate) fn indexed<T: DeserializeOwned>(body: &[u8]) -> DecodeResult<Vec<T>> {
    use std::cell::Cell;
    use std::marker::PhantomData;

    struct Items<'a, T>(&'a Cell<Option<usize>>, PhantomData<T>);
    struct Item<'a, T>(&'a Cell<Option<usize>>, usize, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for Item<'_, T> {
        type Value = T;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            self.0.set(Some(self.1));
            let item = T::deserialize(d)?;
            self.0.set(None);
            Ok(item)
        }
    }

    impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for Items<'_, T> {
        type Value = Vec<T>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<'_, T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            // Cap the pre-allocation: the hint comes from the peer.
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element_seed(Item(self.0, items.len(), PhantomData))? {
                items.push(item);
            }
            Ok(items)
        }
    }

    let failed_at = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    de::DeserializeSeed::deserialize(Items::<T>(&failed_at, PhantomData), &mut de)
        .and_then(|items| de.end().map(|()| items))
        .map_err(|e| match failed_at.get() {
            // Inside an item: decode again to name the field, relative to the item.
            Some(i) => (Some(i), with_path(body, e, Some(i))),
            // Not an array, a syntax error between items, or trailing characters.
            None => (None, e.to_string()),
        })
}

/// Decodes a body that must be a JSON object whose `field` is a boolean (other keys
/// are ignored), and returns that boolean.
pub(crate) fn confirmation(body: &[u8], field: &str) -> DecodeResult<bool> {
    let map: serde_json::Map<String, serde_json::Value> = object(body)?;
    match map.get(field) {
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(other) => Err((
            None,
            format!("at `{field}`: expected a boolean, got {}", kind(other)),
        )),
        None => Err((None, format!("missing field `{field}`"))),
    }
}

/// Which of `deleted` / `success` a body reports as `false`, when it is a JSON object
/// that does; `None` for any other body (an undocumented answer is not a failure).
pub(crate) fn refusal(body: &[u8]) -> Option<&'static str> {
    let serde_json::Value::Object(map) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    ["deleted", "success"]
        .into_iter()
        .find(|f| map.get(*f) == Some(&serde_json::Value::Bool(false)))
}

/// What kind of JSON value `v` is, for messages.
fn kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The message of a failed decode, with the path of the failing field. Not generic and
/// no second decode: the path is read off the body at the position `serde_json` reports
/// (the end of the value that failed, or the start of one refused on sight),
/// so the models' decoders are compiled once (issue 18, item 4). For an item list whose
/// failing item is known, the path is given relative to that item.
#[cold]
pub(crate) fn with_path(body: &[u8], first: serde_json::Error, item: Option<usize>) -> String {
    // A syntax error has a position, not a field.
    if first.is_syntax() || first.is_eof() || first.line() == 0 {
        return first.to_string();
    }
    let Some(at) = offset(body, first.line(), first.column()) else {
        return first.to_string();
    };
    let mut scan = Scan {
        body,
        at,
        path: Vec::new(),
        found: None,
    };
    // The body may be broken past the failure: only the part before it is needed.
    let _ = scan.value(skip_ws(body, 0), 0);
    let Some(segments) = scan.found else {
        return first.to_string();
    };
    let relative = match (item, segments.first()) {
        (Some(i), Some(Seg::Index(j))) if i == *j => &segments[1..],
        _ => &segments[..],
    };
    let path = crate::json::path_text(relative);
    if path.is_empty() {
        first.to_string()
    } else {
        format!("at `{path}`: {first}")
    }
}

/// The byte offset of a `serde_json` position (1-based line, column counted in bytes
/// from the start of the line).
fn offset(body: &[u8], line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += body.get(start..)?.iter().position(|&b| b == b'\n')? + 1;
    }
    let at = start + column;
    (at <= body.len()).then_some(at)
}

/// A walk over a JSON body that finds the value `serde_json`'s error position points at:
/// the one that ends at `at` (its last byte was the last read) or starts at `at`
/// (refused on sight), and keeps its path.
struct Scan<'a> {
    body: &'a [u8],
    at: usize,
    path: Vec<Seg>,
    found: Option<Vec<Seg>>,
}

impl Scan<'_> {
    /// Walks the value starting at `i`; returns the index just past it, or `None` when
    /// the body is broken there, nests too deep, or the walk has passed the position.
    fn value(&mut self, i: usize, depth: usize) -> Option<usize> {
        if depth > 256 || i > self.at {
            return None;
        }
        if i == self.at && self.found.is_none() {
            self.found = Some(self.path.clone());
            return None;
        }
        let end = match *self.body.get(i)? {
            b'{' => self.object(i + 1, depth)?,
            b'[' => self.array(i + 1, depth)?,
            b'"' => string_end(self.body, i)?,
            _ => scalar_end(self.body, i)?,
        };
        if self.found.is_none() && end == self.at {
            self.found = Some(self.path.clone());
        }
        Some(end)
    }

    fn object(&mut self, mut i: usize, depth: usize) -> Option<usize> {
        i = skip_ws(self.body, i);
        if self.body.get(i) == Some(&b'}') {
            return Some(i + 1);
        }
        loop {
            let key_end = string_end(self.body, i)?;
            let key: String = serde_json::from_slice(&self.body[i..key_end]).ok()?;
            i = skip_ws(self.body, key_end);
            if self.body.get(i) != Some(&b':') {
                return None;
            }
            self.path.push(Seg::Key(key));
            let end = self.value(skip_ws(self.body, i + 1), depth + 1);
            self.path.pop();
            i = skip_ws(self.body, end?);
            match self.body.get(i)? {
                b',' => i = skip_ws(self.body, i + 1),
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    fn array(&mut self, mut i: usize, depth: usize) -> Option<usize> {
        i = skip_ws(self.body, i);
        if self.body.get(i) == Some(&b']') {
            return Some(i + 1);
        }
        for index in 0.. {
            self.path.push(Seg::Index(index));
            let end = self.value(i, depth + 1);
            self.path.pop();
            i = skip_ws(self.body, end?);
            match self.body.get(i)? {
                b',' => i = skip_ws(self.body, i + 1),
                b']' => return Some(i + 1),
                _ => return None,
            }
        }
        None
    }
}

/// Decodes `T` from a JSON object only. Derived struct decoders also accept a positional
/// array (`["ch_1", "title", ...]`), which the API never sends and which would hide a
/// broken payload; response bodies and the production-test models' nested objects go
/// through this.
pub(crate) struct Obj<T>(pub(crate) T);

/// The visitor behind [`Obj`]: a map, handed to `T`'s own (derived) decoder.
struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// `null` (or a missing field, through `#[serde(default)]`) or an object.
struct OptionObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionObjVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a JSON object")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(ObjVisitor(std::marker::PhantomData))
            .map(Some)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjVisitor(std::marker::PhantomData))
            .map(Obj)
    }
}

/// `deserialize_with` helpers for nested objects that must be JSON objects.
pub(crate) mod obj {
    use super::*;

    /// A required nested object.
    pub(crate) fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        Obj::deserialize(d).map(|o| o.0)
    }

    /// A nullable (or absent, with `#[serde(default)]`) nested object.
    pub(crate) fn option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        d.deserialize_option(OptionObjVisitor(std::marker::PhantomData))
    }

    /// An array of nested objects.
    pub(crate) fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Ok(Vec::<Obj<T>>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

/// RFC 3339 timestamps: parsed strictly, written as the API writes them
/// (`2026-04-08T10:00:00.000Z`) when the value is UTC with millisecond precision. Used as
/// `#[serde(with = "crate::decode::ts")]` (and `ts::option` for nullable ones, with
/// `default`).
pub(crate) mod ts {
    use super::*;
    use time::format_description::well_known::Rfc3339;
    use time::{OffsetDateTime, UtcOffset};

    struct Timestamp(OffsetDateTime);

    impl<'de> Deserialize<'de> for Timestamp {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Timestamp;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(crate::json::TIMESTAMP)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                    crate::json::parse_timestamp(v)
                        .map(Timestamp)
                        .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// The API's own form when possible, else RFC 3339.
    pub(crate) fn format(t: &OffsetDateTime) -> String {
        if t.offset() == UtcOffset::UTC && t.nanosecond().is_multiple_of(1_000_000) {
            api_form(*t)
        } else {
            // Formatting an OffsetDateTime with RFC 3339 fails only for years outside
            // 0..=9999, which parsing never produces; fall back to Display all the same.
            t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
        }
    }

    /// `t` as the API writes timestamps: UTC, milliseconds (`2026-04-08T10:00:00.000Z`);
    /// finer precision is cut.
    pub(crate) fn api_form(t: OffsetDateTime) -> String {
        let t = t.to_offset(UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        Timestamp::deserialize(d).map(|t| t.0)
    }

    /// Nullable timestamps (`null` or absent is `None`).
    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(t)),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Ok(Option::<Timestamp>::deserialize(d)?.map(|t| t.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Hook {
        retry_attempts: u32,
    }
    crate::json::from_json!(Hook {
        retry_attempts: req("retryAttempts")
    });

    impl crate::json::Fallback for Hook {
        fn fallback() -> Self {
            Hook { retry_attempts: 0 }
        }
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct App {
        webhook_config: Hook,
    }
    crate::json::from_json!(App {
        webhook_config: req("webhookConfig")
    });

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<App>,
    }
    crate::json::from_json!(Page { data: req("data") });

    /// The same shapes with derived, streaming decoders: [`streamed`] and [`with_path`].
    mod derived {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        pub(super) struct Hook {
            retry_attempts: u32,
        }

        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        pub(super) struct App {
            webhook_config: Hook,
        }

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        pub(super) struct Page {
            pub(super) data: Vec<App>,
        }
    }

    #[test]
    fn both_decoders_give_the_same_messages() {
        for body in [
            &br#"{"data":[{"webhookConfig":{"retryAttempts":1}},{"webhookConfig":{"retryAttempts":"x"}}]}"#[..],
            b"{\n  \"data\": [\n    {\"webhookConfig\": {\"retryAttempts\": 1}},\n    {\"we\\u0062hookConfig\": {\"retryAttempts\": [2]}}\n  ]\n}",
            br#"{"data":[{"webhookConfig":{}}]}"#,
            br#"{"data":[{"webhookConfig":{"retryAttempts":-3}}]}"#,
            br#"{"data":{}}"#,
        ] {
            let streamed = streamed::<derived::Page>(body).unwrap_err();
            let ours = object::<Page>(body).unwrap_err();
            assert_eq!(ours, streamed, "{}", String::from_utf8_lossy(body));
        }
        // One wording for every model that is not an object (a derive names the struct).
        let (_, msg) = object::<Page>(br#"{"data":[1]}"#).unwrap_err();
        assert_eq!(
            msg,
            "at `data[0]`: invalid type: integer `1`, expected a JSON object at line 1 column 10"
        );
    }

    #[test]
    fn errors_name_the_field_path() {
        let body = br#"{"data":[{"webhookConfig":{"retryAttempts":1}},{"webhookConfig":{"retryAttempts":"x"}}]}"#;
        let (index, msg) = object::<Page>(body).unwrap_err();
        assert_eq!(index, None);
        assert!(
            msg.starts_with("at `data[1].webhookConfig.retryAttempts`: invalid type: string \"x\""),
            "{msg}"
        );
        assert!(msg.ends_with("column 84"), "{msg}");
    }

    #[test]
    fn paths_come_from_the_error_position_on_any_line() {
        // Pretty-printed, an escaped key, and the failing value refused on sight.
        let body = b"{\n  \"data\": [\n    {\"webhookConfig\": {\"retryAttempts\": 1}},\n    {\"we\\u0062hookConfig\": {\"retryAttempts\": [2]}}\n  ]\n}";
        let (_, msg) = object::<Page>(body).unwrap_err();
        assert!(
            msg.starts_with("at `data[1].webhookConfig.retryAttempts`: invalid type: sequence"),
            "{msg}"
        );
        assert!(msg.ends_with("line 4 column 45"), "{msg}");
        // A missing field names the object it is missing from.
        let (index, msg) =
            array::<App>(br#"[{"webhookConfig":{"retryAttempts":1}}, {"webhookConfig":{}}]"#)
                .unwrap_err();
        assert_eq!(index, Some(1));
        assert!(
            msg.starts_with("at `webhookConfig`: missing field `retryAttempts`"),
            "{msg}"
        );
        // A body broken past the failure, or nested past any limit, still gets a message.
        for body in [
            &br#"{"data":[{"webhookConfig":{"retryAttempts":"x"}}"#[..],
            &[b'['; 5000][..],
        ] {
            let (_, msg) = object::<Page>(body).unwrap_err();
            assert!(!msg.is_empty());
        }
    }

    #[test]
    fn null_arrays_are_empty() {
        struct Steps {
            documents: Vec<u32>,
        }
        crate::json::from_json!(Steps {
            documents: def_with("documents", crate::json::null_as_empty)
        });
        for body in [r#"{"documents":null}"#, "{}", r#"{"documents":[]}"#] {
            let steps: Steps = serde_json::from_str(body).unwrap();
            assert!(steps.documents.is_empty(), "{body}");
        }
        let steps: Steps = serde_json::from_str(r#"{"documents":[1]}"#).unwrap();
        assert_eq!(steps.documents, [1]);
    }

    #[test]
    fn refusal_is_only_an_explicit_false() {
        assert_eq!(refusal(br#"{"deleted":false}"#), Some("deleted"));
        assert_eq!(refusal(br#"{"success":false,"x":1}"#), Some("success"));
        for ok in [
            &br#"{"deleted":true}"#[..],
            b"App deleted successfully",
            b"",
            b"[]",
            br#"{}"#,
        ] {
            assert_eq!(refusal(ok), None, "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn bodies_must_be_objects_and_end_cleanly() {
        let (_, msg) = object::<Hook>(b"[1]").unwrap_err();
        assert!(
            msg.starts_with("invalid type: sequence, expected a JSON object"),
            "{msg}"
        );
        let (_, msg) = object::<Hook>(br#"{"retryAttempts":1} x"#).unwrap_err();
        assert!(msg.starts_with("trailing characters"), "{msg}");
        let (index, msg) = array::<Hook>(br#"[{"retryAttempts":1},{}]"#).unwrap_err();
        assert_eq!(index, Some(1));
        assert!(msg.starts_with("missing field `retryAttempts`"), "{msg}");
        let (index, msg) =
            array::<Hook>(br#"[{"retryAttempts":1},{"retryAttempts":"2"}]"#).unwrap_err();
        assert_eq!(index, Some(1));
        assert!(msg.starts_with("at `retryAttempts`: invalid type"), "{msg}");
        #[derive(Debug)]
        struct Page {
            #[allow(dead_code)]
            data: Vec<Hook>,
        }
        crate::json::from_json!(Page { data: req("data") });
        let (index, msg) =
            page::<Page>(br#"{"data":[{"retryAttempts":1},{"retryAttempts":"x"}]}"#).unwrap_err();
        assert_eq!(index, Some(1));
        assert!(msg.starts_with("at `retryAttempts`: invalid type"), "{msg}");
    }
}

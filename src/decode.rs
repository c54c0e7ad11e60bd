//! Decoding response bodies: derive on the fast path; on failure only, a second pass
//! through `serde_path_to_error` names the field (`data[3].webhookConfig.retryAttempts`).
//! Also the two field helpers the models share: strict objects ([`Obj`]) and RFC 3339
//! timestamps ([`ts`]).

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serializer};

/// A decode failure: the index of the failing list item (for item lists), and the
/// message with its field path and position.
pub(crate) type DecodeResult<T> = Result<T, (Option<usize>, String)>;

/// Decodes a body that must be one JSON object.
pub(crate) fn object<T: DeserializeOwned>(body: &[u8]) -> DecodeResult<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Obj::<T>::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value.0))
        .map_err(|e| (None, with_path::<Obj<T>>(body, e, None)))
}

/// Decodes a page object (`{"data": [...], "total", ...}`) as [`object`] does, except
/// that a failure inside `data[i]` is reported as the failure of item `i`, with the
/// field path relative to the item, as every list of the crate reports it.
pub(crate) fn page<T: DeserializeOwned>(body: &[u8]) -> DecodeResult<T> {
    object(body).map_err(|(_, message)| {
        let item = message.strip_prefix("at `data[").and_then(|rest| {
            let (n, rest) = rest.split_once(']')?;
            Some((n.parse::<usize>().ok()?, rest))
        });
        match item {
            // `at `data[3]`: msg` or `at `data[3].field`: msg`
            Some((i, rest)) => match rest.strip_prefix("`: ") {
                Some(inner) => (Some(i), inner.to_owned()),
                None => (
                    Some(i),
                    format!("at `{}", rest.strip_prefix('.').unwrap_or(rest)),
                ),
            },
            None => (None, message),
        }
    })
}

/// Decodes a body that must be a JSON array of `T`, each item a JSON object. A failure
/// inside an item names the item's index and the field relative to it.
pub(crate) fn array<T: DeserializeOwned>(body: &[u8]) -> DecodeResult<Vec<T>> {
    indexed::<Obj<T>>(body).map(|items| items.into_iter().map(|o| o.0).collect())
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
            Some(i) => (Some(i), with_path::<Vec<T>>(body, e, Some(i))),
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
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
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

/// The message of a failed decode, with the path of the failing field. Decodes `body`
/// a second time through `serde_path_to_error` (only failures pay for it). For an item
/// list whose failing item is known, the path is given relative to that item.
#[cold]
pub(crate) fn with_path<T: DeserializeOwned>(
    body: &[u8],
    first: serde_json::Error,
    item: Option<usize>,
) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => e,
        // The value itself decoded: the failure came after it (trailing characters).
        Ok(_) => return first.to_string(),
    };
    let path = err.path().to_string();
    let inner = err.into_inner();
    // A syntax error has a position, not a field.
    if inner.is_syntax() || inner.is_eof() {
        return inner.to_string();
    }
    let path = match item {
        Some(i) => {
            let own = format!("[{i}]");
            match path.strip_prefix(&own) {
                Some(rest) => rest.strip_prefix('.').unwrap_or(rest).to_owned(),
                None => path,
            }
        }
        None => path,
    };
    if path.is_empty() || path == "." {
        inner.to_string()
    } else {
        format!("at `{path}`: {inner}")
    }
}

/// An optional array where `null` means the same as absent: an empty `Vec`. Used as
/// `#[serde(default, deserialize_with = "crate::decode::null_as_empty")]`.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A field of a request body that is absent (`None`), `null` (`Some(None)`: clear it) or a
/// value: serde alone would read `null` as absent. Used as
/// `#[serde(default, deserialize_with = "crate::decode::nullable")]`.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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
                    f.write_str("an RFC 3339 timestamp such as \"2026-04-08T10:00:00.000Z\"")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                    OffsetDateTime::parse(v, &Rfc3339)
                        .map(Timestamp)
                        .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
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

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Hook {
        retry_attempts: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct App {
        webhook_config: Hook,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<App>,
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
    fn null_arrays_are_empty() {
        #[derive(Deserialize)]
        struct Steps {
            #[serde(default, deserialize_with = "null_as_empty")]
            documents: Vec<u32>,
        }
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
        #[derive(serde::Deserialize, Debug)]
        struct Page {
            #[allow(dead_code)]
            data: Vec<Hook>,
        }
        let (index, msg) =
            page::<Page>(br#"{"data":[{"retryAttempts":1},{"retryAttempts":"x"}]}"#).unwrap_err();
        assert_eq!(index, Some(1));
        assert!(msg.starts_with("at `retryAttempts`: invalid type"), "{msg}");
    }
}

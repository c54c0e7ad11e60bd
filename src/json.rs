//! Decoding the models from a parsed JSON tree with small, non-generic code.
//!
//! A derived `Deserialize` is a visitor generic over the deserializer: compiled once per
//! model, inlined into the parser, and the largest part of the crate's build (issue 18,
//! item 4). Here a body is parsed once into a [`serde_json::Value`] tree (one visitor,
//! [`Tree`], for the whole crate; it refuses a repeated key) and each model is read out
//! of it by a [`FromJson`] impl: a straight line of calls into the shared readers of
//! [`Obj`], which never return early. The production-test list, the one large body
//! (10,000 items in the benchmark), keeps its streaming, derived decoder.
//!
//! Failures name the field as the streaming decoders do (`at `webhookConfig.retryAttempts`:
//! invalid type: string "3", expected u32 at line 4 column 22`): the message is serde's
//! own, and the position is found afterwards, on the error path only, by walking the body
//! to the failing value ([`Bad::render`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::secret::Secret;

/// A decode failure: the index of the failing list item (for item lists), and the
/// message with its field path and position.
pub(crate) type DecodeResult<T> = Result<T, (Option<usize>, String)>;

/// A JSON object, as sent.
pub(crate) type JsonMap = Map<String, Value>;

/// Where a value sits in the body: a chain back to the root, on the stack.
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    /// The whole body.
    Root,
    /// A field of the object at the first position.
    Key(&'a At<'a>, &'a str),
    /// An item of the array at the first position.
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn segments(&self) -> Vec<Seg> {
        let mut out = Vec::new();
        let mut at = self;
        loop {
            match at {
                At::Root => break,
                At::Key(parent, key) => {
                    out.push(Seg::Key((*key).to_owned()));
                    at = parent;
                }
                At::Index(parent, i) => {
                    out.push(Seg::Index(*i));
                    at = parent;
                }
            }
        }
        out.reverse();
        out
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Why a value did not decode: serde's message, and the value it is about.
#[derive(Debug)]
pub(crate) struct Bad {
    /// The path of the value the position refers to (for a missing field, the object).
    path: Vec<Seg>,
    message: String,
    /// The parser would have refused the value on sight (an array or object where
    /// something else belongs): the position is just before it, not at its end.
    before: bool,
}

impl Bad {
    /// A failure of the value at `at`, with serde's wording.
    #[cold]
    pub(crate) fn new(at: At<'_>, message: impl Into<String>) -> Bad {
        Bad {
            path: at.segments(),
            message: message.into(),
            before: false,
        }
    }

    /// `invalid type: <what v is>, expected <expected>`, as serde says it.
    #[cold]
    pub(crate) fn invalid_type(v: &Value, expected: &str, at: At<'_>) -> Bad {
        let message =
            <serde_json::Error as de::Error>::invalid_type(unexpected(v), &expected).to_string();
        Bad {
            path: at.segments(),
            message,
            before: matches!(v, Value::Array(_) | Value::Object(_)),
        }
    }

    /// `invalid value: <what v is>, expected <expected>`, as serde says it.
    #[cold]
    pub(crate) fn invalid_value(v: &Value, expected: &str, at: At<'_>) -> Bad {
        let message =
            <serde_json::Error as de::Error>::invalid_value(unexpected(v), &expected).to_string();
        Bad {
            path: at.segments(),
            message,
            before: false,
        }
    }

    /// A failure of the value at `at` whose message says what it is and what was
    /// expected, as serde says it (positioned at the value's end).
    #[cold]
    pub(crate) fn unexpected(v: &Value, expected: &str, at: At<'_>) -> Bad {
        let message =
            <serde_json::Error as de::Error>::invalid_type(unexpected(v), &expected).to_string();
        Bad::new(at, message)
    }

    /// The message with its path, without a position (for a `Deserialize` impl, which
    /// has no body to find one in).
    pub(crate) fn without_position(&self) -> String {
        let path = path_text(&self.path);
        if path.is_empty() {
            self.message.clone()
        } else {
            format!("at `{path}`: {}", self.message)
        }
    }

    /// The message as the streaming decoders give it: the path (without its first
    /// `skip` steps, for a list item), serde's message, and the line and column in
    /// `body`.
    #[cold]
    fn render(&self, body: &[u8], skip: usize) -> String {
        let located = match locate(body, &self.path) {
            Some((start, end)) => {
                let offset = if self.before { start } else { end };
                let (line, column) = line_column(body, offset, self.before);
                format!("{} at line {line} column {column}", self.message)
            }
            None => self.message.clone(),
        };
        let path = path_text(self.path.get(skip..).unwrap_or_default());
        if path.is_empty() {
            located
        } else {
            format!("at `{path}`: {located}")
        }
    }
}

/// A path as messages show it: `data[3].webhookConfig.retryAttempts`.
pub(crate) fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    out
}

/// What serde calls `v` in a message.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Unexpected::Unsigned(u)
            } else if let Some(i) = n.as_i64() {
                Unexpected::Signed(i)
            } else {
                Unexpected::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A type read out of a parsed JSON value.
pub(crate) trait FromJson: Sized {
    /// Reads `v`, found at `at`.
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad>;
}

/// Decodes a response body: one object (or whatever `T` reads).
pub(crate) fn object<T: FromJson>(body: &[u8]) -> DecodeResult<T> {
    let v = parse(body)?;
    T::from_json(v, At::Root).map_err(|bad| failed(body, &bad, 0))
}

/// Decodes a response body that is a JSON array of `T`. A failure inside an item names
/// the item's index and the field relative to it.
pub(crate) fn array<T: FromJson>(body: &[u8]) -> DecodeResult<Vec<T>> {
    let items = match parse(body)? {
        Value::Array(items) => items,
        v => {
            return Err(failed(
                body,
                &Bad::invalid_type(&v, "a JSON array", At::Root),
                0,
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match T::from_json(item, At::Index(&At::Root, i)) {
            Ok(item) => out.push(item),
            Err(bad) => return Err(failed(body, &bad, 1)),
        }
    }
    Ok(out)
}

/// The failure of a body: the index of the list item it is in (when the path's first
/// `item_depth` steps lead to one), and the message with the path relative to that item.
#[cold]
fn failed(body: &[u8], bad: &Bad, item_depth: usize) -> (Option<usize>, String) {
    let item = item_depth
        .checked_sub(1)
        .and_then(|last| bad.path.get(last));
    match item {
        Some(Seg::Index(i)) => (Some(*i), bad.render(body, item_depth)),
        _ => (None, bad.render(body, 0)),
    }
}

/// Decodes a response body that is an object holding a list under `key` (a page's
/// `data`): a failure inside `key[i]` is the failure of item `i`, with the field path
/// relative to the item, as every list of the crate reports it.
pub(crate) fn listing<T: FromJson>(body: &[u8], key: &str) -> DecodeResult<T> {
    let v = parse(body)?;
    T::from_json(v, At::Root).map_err(|bad| match bad.path.first() {
        Some(Seg::Key(k)) if k == key => failed(body, &bad, 2),
        _ => failed(body, &bad, 0),
    })
}

/// The one parse of a body into a tree: not generic. A syntax error is serde_json's own;
/// so is a key repeated in an object (`duplicate field `secret``), which is refused
/// rather than guessed at (serde_json's own `Value` keeps the last one).
pub(crate) fn parse(body: &[u8]) -> Result<Value, (Option<usize>, String)> {
    let mut de = serde_json::Deserializer::from_slice(body);
    de.deserialize_any(Tree)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| (None, e.to_string()))
}

/// The `Deserialize` of a [`FromJson`] model: a tree, then the model, inside the
/// deserializer (so that serde_json places a failure where the value ends). Compiled
/// only where a deserializer uses it: the library itself decodes with [`object`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: FromJson>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(Then(std::marker::PhantomData))
}

/// The visitor that builds a [`Value`] tree, refusing a repeated key.
struct Tree;

impl<'de> DeserializeSeed<'de> for Tree {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(Tree)
    }
}

impl<'de> Visitor<'de> for Tree {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(Tree)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        // Cap the pre-allocation: the hint comes from the peer.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Tree)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = JsonMap::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(map.next_value_seed(Tree)?);
                }
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}`",
                        taken.key()
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// [`Tree`], then `T` read from the tree.
struct Then<T>(std::marker::PhantomData<T>);

impl<T: FromJson> Then<T> {
    fn read<E: de::Error>(v: Value) -> Result<T, E> {
        T::from_json(v, At::Root).map_err(|bad| E::custom(bad.without_position()))
    }
}

impl<'de, T: FromJson> Visitor<'de> for Then<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Self::read(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Self::read(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Self::read(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Self::read(Tree.visit_f64(v)?)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Self::read(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Self::read(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Self::read(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Self::read(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        Self::read(Tree.visit_seq(seq)?)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        Self::read(Tree.visit_map(map)?)
    }
}

/// The fields of an object being read: each reader takes its field out, so what is left
/// at the end is what the model does not know ([`Obj::rest`]).
///
/// A reader never returns early: a field that fails is recorded (the first failure
/// wins, in declaration order), a stand-in value takes its place, and [`Obj::finish`]
/// returns the failure. So a model's reader is a straight line of calls, with no drop
/// path per field, which keeps the code generated per model small (issue 18, item 4).
pub(crate) struct Obj<'a> {
    map: JsonMap,
    at: At<'a>,
    failed: Option<Bad>,
}

/// The stand-in for a required field that failed: never seen, since the model it
/// would go into is dropped and the failure returned instead.
pub(crate) trait Fallback {
    /// Any value of the type.
    fn fallback() -> Self;
}

impl<'a> Obj<'a> {
    /// `v` as an object; anything else is refused as serde refuses it for a struct.
    pub(crate) fn new(v: Value, at: At<'a>) -> Result<Obj<'a>, Bad> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                at,
                failed: None,
            }),
            other => Err(Bad::invalid_type(&other, "a JSON object", at)),
        }
    }

    /// `value` when every field was read, else the first failure.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Bad> {
        match self.failed {
            None => Ok(value),
            Some(bad) => Err(bad),
        }
    }

    /// Takes `key` out of the object (one copy of the map's code for every reader).
    #[inline(never)]
    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// Records a failure unless an earlier field failed.
    #[cold]
    fn fail(&mut self, bad: Bad) {
        if self.failed.is_none() {
            self.failed = Some(bad);
        }
    }

    /// Records that `key` is missing.
    #[cold]
    fn missing(&mut self, key: &str) {
        let bad = Bad::new(self.at, format!("missing field `{key}`"));
        self.fail(bad);
    }

    /// `read`'s answer, or `or` with the failure recorded.
    fn read<T>(&mut self, answer: Result<T, Bad>, or: fn() -> T) -> T {
        match answer {
            Ok(value) => value,
            Err(bad) => {
                self.fail(bad);
                or()
            }
        }
    }

    /// The key of `keys` present, refusing an object that holds more than one of a
    /// field's names (`providerId` and its older `id`): which one is meant cannot be
    /// told, as serde's aliases refuse it.
    fn one_of(&mut self, keys: &[&'static str]) -> Option<&'static str> {
        let mut present = keys.iter().filter(|k| self.map.contains_key(**k));
        let first = present.next().copied();
        if present.next().is_some() {
            let bad = Bad::new(self.at, format!("duplicate field `{}`", keys[0]));
            self.fail(bad);
        }
        first
    }

    /// A required field.
    pub(crate) fn req<T: FromJson + Fallback>(&mut self, key: &'static str) -> T {
        match self.take(key) {
            Some(v) => {
                let answer = T::from_json(v, At::Key(&self.at, key));
                self.read(answer, T::fallback)
            }
            None => {
                self.missing(key);
                T::fallback()
            }
        }
    }

    /// A required field under any of `keys`.
    pub(crate) fn req_any<T: FromJson + Fallback>(&mut self, keys: &[&'static str]) -> T {
        match self.one_of(keys) {
            Some(key) => self.req(key),
            None => {
                self.missing(keys[0]);
                T::fallback()
            }
        }
    }

    /// An optional field under any of `keys`.
    pub(crate) fn opt_any<T: FromJson>(&mut self, keys: &[&'static str]) -> Option<T> {
        self.one_of(keys).and_then(|key| self.opt(key))
    }

    /// An optional field: absent or `null` is `None`.
    pub(crate) fn opt<T: FromJson>(&mut self, key: &'static str) -> Option<T> {
        match self.take(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let answer = T::from_json(v, At::Key(&self.at, key)).map(Some);
                self.read(answer, || None)
            }
        }
    }

    /// A field with a default when absent (`null` is decoded, and refused unless `T`
    /// takes it).
    pub(crate) fn def<T: FromJson + Default>(&mut self, key: &'static str) -> T {
        match self.take(key) {
            None => T::default(),
            Some(v) => {
                let answer = T::from_json(v, At::Key(&self.at, key));
                self.read(answer, T::default)
            }
        }
    }

    /// A required field read by `read`.
    pub(crate) fn req_with<T: Fallback>(
        &mut self,
        key: &'static str,
        read: fn(Value, At<'_>) -> Result<T, Bad>,
    ) -> T {
        match self.take(key) {
            Some(v) => {
                let answer = read(v, At::Key(&self.at, key));
                self.read(answer, T::fallback)
            }
            None => {
                self.missing(key);
                T::fallback()
            }
        }
    }

    /// A field read by `read`, with a default when absent.
    pub(crate) fn def_with<T: Default>(
        &mut self,
        key: &'static str,
        read: fn(Value, At<'_>) -> Result<T, Bad>,
    ) -> T {
        match self.take(key) {
            None => T::default(),
            Some(v) => {
                let answer = read(v, At::Key(&self.at, key));
                self.read(answer, T::default)
            }
        }
    }

    /// Every field not taken yet, as sent.
    pub(crate) fn rest(&mut self) -> JsonMap {
        std::mem::take(&mut self.map)
    }
}

macro_rules! fallback_default {
    ($($t:ty),*) => {$(
        impl Fallback for $t {
            fn fallback() -> Self {
                <$t>::default()
            }
        }
    )*};
}
fallback_default!(
    String, bool, u8, u16, u32, u64, i32, i64, f64, Value, JsonMap
);

impl<T> Fallback for Option<T> {
    fn fallback() -> Self {
        None
    }
}

impl<T> Fallback for Vec<T> {
    fn fallback() -> Self {
        Vec::new()
    }
}

impl<T> Fallback for BTreeMap<String, T> {
    fn fallback() -> Self {
        BTreeMap::new()
    }
}

impl<T: Fallback> Fallback for Box<T> {
    fn fallback() -> Self {
        Box::new(T::fallback())
    }
}

impl<T: Fallback> Fallback for Secret<T> {
    fn fallback() -> Self {
        Secret::new(T::fallback())
    }
}

impl Fallback for OffsetDateTime {
    fn fallback() -> Self {
        OffsetDateTime::UNIX_EPOCH
    }
}

/// `impl FromJson` for a struct, field by field, and its `Deserialize` through it:
///
/// ```ignore
/// from_json!(App { client_id: req("clientId"), logo: opt("logo"), extra: rest() });
/// ```
///
/// Each field is `name: reader(args)`, a method of [`Obj`], in declaration order
/// (`rest()` last).
macro_rules! from_json {
    ($ty:ident { $($field:ident : $how:ident ( $($arg:expr),* ) ),* $(,)? }) => {
        impl $crate::json::FromJson for $ty {
            fn from_json(
                v: ::serde_json::Value,
                at: $crate::json::At<'_>,
            ) -> Result<Self, $crate::json::Bad> {
                let mut o = $crate::json::Obj::new(v, at)?;
                let value = $ty { $($field: o.$how($($arg),*),)* };
                o.finish(value)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::json::deserialize(d)
            }
        }
    };
}
pub(crate) use from_json;

/// `impl FromJson` (and `Deserialize`) for a type read as `$raw` and then converted
/// with its `TryFrom<$raw>` (whose error, shown, becomes the failure's message; a plain
/// `From` conversion cannot fail).
macro_rules! from_json_via {
    ($ty:ident, $raw:ty) => {
        impl $crate::json::FromJson for $ty {
            fn from_json(
                v: ::serde_json::Value,
                at: $crate::json::At<'_>,
            ) -> Result<Self, $crate::json::Bad> {
                let raw = <$raw as $crate::json::FromJson>::from_json(v, at)?;
                <$ty as ::std::convert::TryFrom<$raw>>::try_from(raw)
                    .map_err(|m| $crate::json::Bad::new(at, m.to_string()))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::json::deserialize(d)
            }
        }
    };
}
pub(crate) use from_json_via;

impl FromJson for Value {
    fn from_json(v: Value, _: At<'_>) -> Result<Self, Bad> {
        Ok(v)
    }
}

impl FromJson for JsonMap {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match v {
            Value::Object(map) => Ok(map),
            other => Err(Bad::invalid_type(&other, "a map", at)),
        }
    }
}

impl FromJson for String {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(Bad::invalid_type(&other, "a string", at)),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match v {
            Value::Bool(b) => Ok(b),
            other => Err(Bad::invalid_type(&other, "a boolean", at)),
        }
    }
}

impl FromJson for f64 {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match &v {
            Value::Number(n) => n.as_f64().ok_or_else(|| Bad::invalid_type(&v, "f64", at)),
            _ => Err(Bad::invalid_type(&v, "f64", at)),
        }
    }
}

/// An integer of the range `min..=max`, named `name` in messages as serde names it.
fn integer(v: &Value, name: &str, min: i128, max: i128, at: At<'_>) -> Result<i128, Bad> {
    let Value::Number(n) = v else {
        return Err(Bad::invalid_type(v, name, at));
    };
    let n = if let Some(u) = n.as_u64() {
        i128::from(u)
    } else if let Some(i) = n.as_i64() {
        i128::from(i)
    } else {
        return Err(Bad::invalid_type(v, name, at));
    };
    if n < min || n > max {
        return Err(Bad::invalid_value(v, name, at));
    }
    Ok(n)
}

macro_rules! integers {
    ($($t:ident),*) => {$(
        impl FromJson for $t {
            fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
                let n = integer(&v, stringify!($t), i128::from($t::MIN), i128::from($t::MAX), at)?;
                // In range: checked just above.
                Ok($t::try_from(n).unwrap_or_default())
            }
        }
    )*};
}
integers!(u8, u16, u32, u64, i32, i64);

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v, at).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        let Value::Array(items) = v else {
            return Err(Bad::invalid_type(&v, "a sequence", at));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            out.push(T::from_json(item, At::Index(&at, i))?);
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        let Value::Object(map) = v else {
            return Err(Bad::invalid_type(&v, "a map", at));
        };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let item = T::from_json(v, At::Key(&at, &k))?;
            out.insert(k, item);
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        T::from_json(v, at).map(Box::new)
    }
}

impl<T: FromJson> FromJson for Secret<T> {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        T::from_json(v, at).map(Secret::new)
    }
}

/// An optional array where `null` means the same as absent: empty.
pub(crate) fn null_as_empty<T: FromJson>(v: Value, at: At<'_>) -> Result<Vec<T>, Bad> {
    match v {
        Value::Null => Ok(Vec::new()),
        v => Vec::from_json(v, at),
    }
}

/// A field that is absent (`None`), `null` (`Some(None)`: clear it) or a value.
pub(crate) fn nullable<T: FromJson>(v: Value, at: At<'_>) -> Result<Option<Option<T>>, Bad> {
    Option::from_json(v, at).map(Some)
}

/// What an RFC 3339 timestamp is called in messages (here and in the production-test
/// models' derived decoders).
pub(crate) const TIMESTAMP: &str = "an RFC 3339 timestamp such as \"2026-04-08T10:00:00.000Z\"";

/// The one timestamp rule: RFC 3339, strictly.
pub(crate) fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

impl FromJson for OffsetDateTime {
    fn from_json(v: Value, at: At<'_>) -> Result<Self, Bad> {
        match &v {
            Value::String(s) => {
                parse_timestamp(s).ok_or_else(|| Bad::invalid_value(&v, TIMESTAMP, at))
            }
            _ => Err(Bad::invalid_type(&v, TIMESTAMP, at)),
        }
    }
}

/// The start and the end (its last byte) of the value at `path` in `body`, the last of
/// duplicate keys as the parse keeps it. `None` when the body does not hold it (it
/// always does for a body that parsed).
fn locate(body: &[u8], path: &[Seg]) -> Option<(usize, usize)> {
    let mut i = skip_ws(body, 0);
    for seg in path {
        i = match seg {
            Seg::Key(key) => find_key(body, i, key)?,
            Seg::Index(n) => find_index(body, i, *n)?,
        };
    }
    let end = value_end(body, i, 0)?;
    Some((i, end.checked_sub(1)?))
}

/// The 1-based line and column serde_json reports at `offset`: of the byte itself, or,
/// for a value refused on sight, of the last byte consumed before it (column 0 right
/// after a newline).
fn line_column(body: &[u8], offset: usize, before: bool) -> (usize, usize) {
    let consumed = if before { offset } else { offset + 1 };
    let head = &body[..consumed.min(body.len())];
    let line = 1 + head.iter().filter(|b| **b == b'\n').count();
    let column = match head.iter().rposition(|b| *b == b'\n') {
        Some(nl) => head.len() - nl - 1,
        None => head.len(),
    };
    (line, column)
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
pub(crate) fn skip_ws(body: &[u8], mut i: usize) -> usize {
    while i < body.len() && matches!(body[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// The start of the value of the last `key` of the object starting at `i`.
fn find_key(body: &[u8], i: usize, key: &str) -> Option<usize> {
    if body.get(i) != Some(&b'{') {
        return None;
    }
    let mut found = None;
    let mut i = skip_ws(body, i + 1);
    if body.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        let key_end = string_end(body, i)?;
        let name: String = serde_json::from_slice(&body[i..key_end]).ok()?;
        i = skip_ws(body, key_end);
        if body.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(body, i + 1);
        if name == key {
            found = Some(i);
        }
        i = skip_ws(body, value_end(body, i, 0)?);
        match body.get(i) {
            Some(b',') => i = skip_ws(body, i + 1),
            _ => return found,
        }
    }
}

/// The start of item `n` of the array starting at `i`.
fn find_index(body: &[u8], i: usize, n: usize) -> Option<usize> {
    if body.get(i) != Some(&b'[') {
        return None;
    }
    let mut i = skip_ws(body, i + 1);
    for _ in 0..n {
        i = skip_ws(body, value_end(body, i, 0)?);
        if body.get(i) != Some(&b',') {
            return None;
        }
        i = skip_ws(body, i + 1);
    }
    Some(i)
}

/// Just past the value starting at `i` (depth-capped like the parser).
fn value_end(body: &[u8], i: usize, depth: usize) -> Option<usize> {
    if depth > 128 {
        return None;
    }
    match body.get(i)? {
        b'"' => string_end(body, i),
        open @ (b'{' | b'[') => {
            let close = if *open == b'{' { b'}' } else { b']' };
            let mut i = skip_ws(body, i + 1);
            if body.get(i) == Some(&close) {
                return Some(i + 1);
            }
            loop {
                if *open == b'{' {
                    i = skip_ws(body, string_end(body, i)?);
                    if body.get(i) != Some(&b':') {
                        return None;
                    }
                    i = skip_ws(body, i + 1);
                }
                i = skip_ws(body, value_end(body, i, depth + 1)?);
                match body.get(i)? {
                    b',' => i = skip_ws(body, i + 1),
                    c if *c == close => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        _ => scalar_end(body, i),
    }
}

/// Just past the number or literal (`true`, `null`, ...) starting at `i`.
pub(crate) fn scalar_end(body: &[u8], i: usize) -> Option<usize> {
    let len = body
        .get(i..)?
        .iter()
        .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
        .unwrap_or(body.len() - i);
    (len > 0).then_some(i + len)
}

/// Just past the string starting (with its quote) at `i`.
pub(crate) fn string_end(body: &[u8], i: usize) -> Option<usize> {
    if body.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < body.len() {
        match body[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    struct Hook {
        retry_attempts: u32,
    }
    from_json!(Hook {
        retry_attempts: req("retryAttempts")
    });

    #[allow(dead_code)]
    struct App {
        hooks: Vec<Hook>,
        name: Option<String>,
    }
    from_json!(App {
        hooks: req("hooks"),
        name: opt("name")
    });

    /// The same shapes, decoded by serde's derive straight from the body.
    mod streamed {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        pub(super) struct Hook {
            retry_attempts: u32,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        pub(super) struct App {
            hooks: Vec<Hook>,
            name: Option<String>,
        }
    }

    #[test]
    fn errors_give_the_position_serde_json_gives() {
        let cases: [(&[u8], &str); 6] = [
            (
                b"{\"hooks\": [{\"retryAttempts\": 1},\n {\"retryAttempts\": \"3\"}]}",
                "hooks[1].retryAttempts",
            ),
            (b"{\"hooks\": [{}]}", "hooks[0]"),
            (b"{\"hooks\": {}}", "hooks"),
            (b"{\"name\": \"x\"\n}", ""),
            (
                b"{\"hooks\": [{\"retryAttempts\": -1}]}",
                "hooks[0].retryAttempts",
            ),
            (b"{\"hooks\": [], \"name\": [1]}", "name"),
        ];
        for (body, path) in cases {
            let streamed = serde_json::from_slice::<streamed::App>(body)
                .err()
                .unwrap()
                .to_string();
            let expected = if path.is_empty() {
                streamed
            } else {
                format!("at `{path}`: {streamed}")
            };
            assert_eq!(object::<App>(body).err().unwrap().1, expected);
        }
        assert_eq!(
            object::<App>(b"{\"hooks\": [], \"name\": null}")
                .unwrap()
                .name,
            None
        );
    }

    #[test]
    fn integers_are_range_checked_with_serde_wording() {
        let v = serde_json::json!(-1);
        assert_eq!(
            u32::from_json(v, At::Root).unwrap_err().message,
            "invalid value: integer `-1`, expected u32"
        );
        let v = serde_json::json!(1.5);
        assert_eq!(
            u8::from_json(v, At::Root).unwrap_err().message,
            "invalid type: floating point `1.5`, expected u8"
        );
    }

    /// Seeded byte mutations of valid bodies of the widest models: decoding never
    /// panics, and every failure has a message. Bounded: 4 bodies x 2,500 cases.
    #[test]
    fn mutated_bodies_never_panic_and_always_explain() {
        const APP: &str = r#"{"clientId":"FK5b0KSM","name":"Shop","clientSecret":"cs_x","redirectUris":["https://a/cb"],"providers":{"mitid":{"enabled":true,"config":{"loa":"high"}}},"defaultWorkflowId":"default","workflows":[{"workflowId":"default","name":"D","entryNodeId":"a","nodes":[{"id":"a","type":"request"}]}],"organizationId":"org_1","webhookConfig":{"url":"https://a/h","enabled":true,"retryAttempts":3,"timeoutSeconds":10,"events":[]},"createdAt":"2026-04-01T09:00:00.000Z","updatedAt":"2026-04-01T09:00:00.000Z"}"#;
        const VERIFICATION: &str = r#"{"verificationId":"ver_1","status":"awaiting_user_action","providerId":"bankid","flowType":"qr","flowDetails":{"qrData":"bankid.x"},"polling":{"recommendedInterval":2000,"maxDuration":300000},"expiresAt":"2026-04-01T09:05:00Z","hopae_loa":"3","action":{"type":"qr","url":"https://a"},"extra":{"a":[1,2.5,null,true]}}"#;
        const USERINFO: &str = r#"{"sub":"s","acr":"urn:hopae:loa3","amr":{"bankid":true},"missingAttributes":["email"],"user":{"given_name":"A","address":{"country":"SE"}},"hopae_provenance":{"c":[1]}}"#;
        const CLAIMS: &str = r#"{"iss":"https://i","sub":"s","aud":["c","d"],"exp":2.5,"iat":1,"auth_time":null,"hopae_loa":"4","nonce":"n"}"#;
        fn check<T: FromJson>(seed: &str, rng: &mut u64) {
            if let Err((_, e)) = object::<T>(seed.as_bytes()) {
                panic!("{e}: {seed}");
            }
            const BYTES: &[u8] = b"{}[]\":,0-9.eE+ntfa\\u ";
            for case in 0..2_500 {
                let mut body = seed.as_bytes().to_vec();
                for _ in 0..1 + next(rng) % 3 {
                    let at = (next(rng) as usize) % body.len().max(1);
                    match next(rng) % 4 {
                        0 => body[at] = BYTES[(next(rng) as usize) % BYTES.len()],
                        1 => body.truncate(at),
                        2 => {
                            let piece = body[at..(at + 8).min(body.len())].to_vec();
                            body.splice(at..at, piece);
                        }
                        _ => {
                            body.remove(at.min(body.len().saturating_sub(1)));
                        }
                    }
                    if body.is_empty() {
                        break;
                    }
                }
                if let Err((_, message)) = object::<T>(&body) {
                    assert!(!message.is_empty(), "case {case}");
                }
            }
        }
        fn next(rng: &mut u64) -> u64 {
            *rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *rng >> 33
        }
        let mut rng = 0x5eed_0018;
        check::<crate::apps::App>(APP, &mut rng);
        check::<crate::verifications::Verification>(VERIFICATION, &mut rng);
        check::<crate::verifications::UserInfo>(USERINFO, &mut rng);
        check::<crate::oidc::IdTokenClaims>(CLAIMS, &mut rng);
    }

    #[test]
    fn broken_bodies_never_panic_the_locator() {
        for body in [&b""[..], b"{", b"[\"", b"{\"a\":[1,", b"\"\\"] {
            let _ = locate(body, &[Seg::Key("a".into()), Seg::Index(3)]);
        }
    }
}

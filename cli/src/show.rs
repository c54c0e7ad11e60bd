//! The shape every API command shares: connect, make one library call, print.
//!
//! A command checks its arguments first; these helpers then read the key (`connect`),
//! ask for a confirmation where there is one (before anything is sent), call the
//! library, and print either the answer's body as sent (`--json`, the last 2xx body) or
//! the text made from the typed answer.

use hopae::HopaeClient;

use crate::confirm::{Confirmed, Typed, confirm};
use crate::connect::connect;
use crate::emit::{emit, emit_bytes, emit_secret};
use crate::failure::Failure;
use crate::options::{Global, check_id};
use crate::output::{clean, rotated_text};
use crate::raw::{self, Keep};

/// Connects, makes `call`, and prints the last 2xx body (`--json`) or `text` of the
/// answer.
pub(crate) fn show<T, E: Into<Failure>>(
    global: &Global,
    call: impl FnOnce(&HopaeClient) -> Result<T, E>,
    text: impl FnOnce(&T) -> String,
) -> Result<(), Failure> {
    let api = connect(global, Keep::Last)?;
    let answer = call(&api.client).map_err(Into::into)?;
    if global.json {
        return api.print_last();
    }
    emit(&text(&answer))
}

/// A change that cannot be undone: connects, asks (`ask`, a [`confirm`]), makes `call`,
/// and prints `json` of the last 2xx body (`--json`) or `done`.
pub(crate) fn show_deleted<T>(
    global: &Global,
    ask: impl FnOnce() -> Result<(), Failure>,
    call: impl FnOnce(&HopaeClient) -> Result<T, hopae::Error>,
    json: fn(Vec<u8>) -> Vec<u8>,
    done: &str,
) -> Result<(), Failure> {
    let api = connect(global, Keep::Last)?;
    ask()?;
    call(&api.client)?;
    if global.json {
        return emit_bytes(&json(api.bodies.last()?));
    }
    emit(done)
}

/// What a `rotate-secret` command replaces.
pub(crate) struct Rotation<'a> {
    /// `client secret`: names the secret in the prompt, the output and its errors.
    pub(crate) what: &'a str,
    /// What the confirmation prompt says happens.
    pub(crate) consequence: &'a str,
    /// The sentence after `Shown once: store it now.`.
    pub(crate) note: &'a str,
}

/// `rotate-secret`: checks the app id, connects, confirms, makes `call`, and prints the
/// new secret, once: the body as sent (`--json`) or as text. A closed pipe is a failure
/// that says the rotation happened.
pub(crate) fn show_rotated(
    global: &Global,
    a: &Confirmed,
    rotation: Rotation<'_>,
    call: impl FnOnce(&HopaeClient) -> Result<hopae::Secret, hopae::Error>,
) -> Result<(), Failure> {
    let Rotation {
        what,
        consequence,
        note,
    } = rotation;
    check_id("<APP>", &a.app)?;
    let api = connect(global, Keep::Last)?;
    confirm(
        a.yes,
        &format!("rotate the {what} of app {}", clean(&a.app)),
        consequence,
        Typed::app(&a.app),
    )?;
    let secret = call(&api.client)?;
    if global.json {
        // The new secret, shown this once: never redacted.
        return emit_secret(&raw::document(api.bodies.last_revealed()?), what);
    }
    emit_secret(
        rotated_text(&a.app, what, secret.expose(), note).as_bytes(),
        what,
    )
}

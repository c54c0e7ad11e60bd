//! `hopae::mock`, the fake: over the wire (`wire`) and driven by the SDK (`sdk`), with
//! their helpers in `support`.

mod app_api;
mod controls;
mod hostile;
mod sdk;
pub(crate) mod support;
mod wire;

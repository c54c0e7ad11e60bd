//! `hopae::mock`, the fake: over the wire (`wire`) and driven by the SDK (`sdk`), with
//! their helpers in `support`.

mod controls;
mod sdk;
mod support;
mod wire;

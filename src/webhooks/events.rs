//! The webhook event names the documentation lists, in one place: the CLI warns on other
//! names and lists these, and the fake emits them.

/// The event names of the current documentation, in the order of a verification's life.
///
/// The set is open: Hopae may send names not listed here, and a receiver should ignore
/// (and acknowledge) an event it does not know.
pub const EVENTS: &[&str] = &[
    "verification.created",
    "verification.completed",
    "verification.failed",
    "verification.session.timed_out",
    "verification.workflow.cancelled",
];

/// The event names older documentation pages list (the verification object's first
/// generation); still accepted in webhook settings.
pub const LEGACY_EVENTS: &[&str] = &[
    "verification.initiated",
    "verification.expired",
    "verification.cancelled",
    "verification.awaiting_user_action",
];

/// Whether `name` is a documented event name, of either generation ([`EVENTS`],
/// [`LEGACY_EVENTS`]).
///
/// An App whose webhook `events` list is empty is sent no delivery at all.
///
/// # Example
///
/// ```
/// assert!(hopae::webhooks::is_documented_event("verification.completed"));
/// assert!(hopae::webhooks::is_documented_event("verification.expired"));
/// assert!(!hopae::webhooks::is_documented_event("no.such.event"));
/// ```
pub fn is_documented_event(name: &str) -> bool {
    EVENTS.contains(&name) || LEGACY_EVENTS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_generations_are_disjoint_and_well_formed() {
        for name in EVENTS {
            assert!(!LEGACY_EVENTS.contains(name), "{name}");
        }
        for name in EVENTS.iter().chain(LEGACY_EVENTS) {
            assert!(name.starts_with("verification."), "{name}");
            assert!(is_documented_event(name));
        }
        assert!(!is_documented_event("Verification.completed"));
        assert!(!is_documented_event(""));
    }
}

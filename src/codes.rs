//! The documented `error.code` values, as constants, so that a match on
//! [`Error::code`](crate::Error::code) names a constant instead of a string literal.
//!
//! The lists are not closed: new codes appear, so a match keeps a `_` arm.
//!
//! # Example
//!
//! ```
//! use hopae::{Error, codes};
//!
//! fn describe(e: &Error) -> &'static str {
//!     match e.code() {
//!         Some(codes::RESOURCE_NOT_FOUND) => "no such app",
//!         Some(codes::AUTH_INVALID_CREDENTIALS) => "check HOPAE_API_KEY",
//!         _ => "something else",
//!     }
//! }
//! # let _ = describe;
//! ```

// ---- The Workspace API (and the codes the App API shares with it) ----

/// 401: the key (or the App's credentials) is missing, malformed, revoked or of the
/// other environment.
pub const AUTH_INVALID_CREDENTIALS: &str = "AUTH_INVALID_CREDENTIALS";
/// 403: the key may not do this.
pub const AUTH_FORBIDDEN: &str = "AUTH_FORBIDDEN";
/// 400: a required parameter is missing (`details.parameter` names it).
pub const VALIDATION_MISSING_PARAMETER: &str = "VALIDATION_MISSING_PARAMETER";
/// 400: a parameter is malformed or out of range (`details.parameter` names it).
pub const VALIDATION_INVALID_PARAMETER: &str = "VALIDATION_INVALID_PARAMETER";
/// 400: the activation step does not apply to this provider (e.g. a document upload).
pub const VALIDATION_STEP_NOT_APPLICABLE: &str = "VALIDATION_STEP_NOT_APPLICABLE";
/// 404: no such App, workflow, challenge, document, ...
pub const RESOURCE_NOT_FOUND: &str = "RESOURCE_NOT_FOUND";
/// 409: the resource exists already, or is in a state that forbids the change.
pub const RESOURCE_CONFLICT: &str = "RESOURCE_CONFLICT";
/// 409: the `Idempotency-Key` was used with another request.
pub const IDEMPOTENCY_KEY_CONFLICT: &str = "IDEMPOTENCY_KEY_CONFLICT";
/// 409: the first request with this `Idempotency-Key` is still running.
pub const IDEMPOTENCY_REQUEST_IN_PROGRESS: &str = "IDEMPOTENCY_REQUEST_IN_PROGRESS";
/// 500: an error on Hopae's side (retried with backoff).
pub const SYSTEM_INTERNAL_ERROR: &str = "SYSTEM_INTERNAL_ERROR";

// ---- The App API and the OIDC provider ----

/// 400: an authorization code expired, was used, or its PKCE verifier does not match.
pub const AUTH_INVALID_GRANT: &str = "AUTH_INVALID_GRANT";
/// 401: the App's client id or client secret is wrong.
pub const AUTH_INVALID_CLIENT: &str = "AUTH_INVALID_CLIENT";
/// 400: user data a provider needs is missing.
pub const VALIDATION_MISSING_USER_DATA: &str = "VALIDATION_MISSING_USER_DATA";
/// 400: user data is malformed.
pub const VALIDATION_INVALID_USER_DATA: &str = "VALIDATION_INVALID_USER_DATA";
/// 422: the request is well formed but cannot be processed (e.g. a `requestedLoa` the
/// provider cannot reach).
pub const VALIDATION_UNPROCESSABLE: &str = "VALIDATION_UNPROCESSABLE";
/// 404: no such verification session.
pub const SESSION_NOT_FOUND: &str = "SESSION_NOT_FOUND";
/// 409: the session cannot move to that state (e.g. cancelling a completed one).
pub const SESSION_INVALID_STATUS_TRANSITION: &str = "SESSION_INVALID_STATUS_TRANSITION";
/// 404: no such provider.
pub const PROVIDER_NOT_FOUND: &str = "PROVIDER_NOT_FOUND";
/// 403: the provider is not enabled on the App.
pub const PROVIDER_NOT_ENABLED: &str = "PROVIDER_NOT_ENABLED";
/// 502: the provider failed (retried with backoff).
pub const PROVIDER_ERROR: &str = "PROVIDER_ERROR";
/// 503: the provider is unavailable (retried with backoff).
pub const PROVIDER_UNAVAILABLE: &str = "PROVIDER_UNAVAILABLE";
/// The verification has not completed (lowercase, as the API writes it): its user info or
/// evidence is not there yet, or will never be.
pub const VERIFICATION_NOT_COMPLETED: &str = "verification_not_completed";
/// The verification's evidence is not available (lowercase, as the API writes it).
pub const EVIDENCE_NOT_AVAILABLE: &str = "evidence_not_available";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_its_own_name() {
        for (name, code) in [
            ("AUTH_INVALID_CREDENTIALS", AUTH_INVALID_CREDENTIALS),
            ("RESOURCE_NOT_FOUND", RESOURCE_NOT_FOUND),
            ("IDEMPOTENCY_KEY_CONFLICT", IDEMPOTENCY_KEY_CONFLICT),
            (
                "SESSION_INVALID_STATUS_TRANSITION",
                SESSION_INVALID_STATUS_TRANSITION,
            ),
            ("verification_not_completed", VERIFICATION_NOT_COMPLETED),
        ] {
            assert_eq!(name, code);
        }
    }
}

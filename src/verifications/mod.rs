//! The App API: what an App does with its own credentials to verify a person.
//!
//! An [`AppClient`](crate::AppClient) (client id and client secret, HTTP Basic) lists
//! the providers it may use, creates a verification session, shows the person what
//! [`Verification::next_action`] says (a QR code, a URL, a code to compare), polls until
//! the session ends, and reads the verified claims ([`UserInfo`]) and the upstream
//! evidence ([`Evidence`]).
//!
//! The vendor documents the verification object in two generations at once; every model
//! here decodes both: only the ids and the status are required, unknown fields are kept
//! in `extra` and unknown values in the open enums.

mod handles;
mod model;
mod userinfo;

pub use handles::{EXPIRY_GRACE, ProviderCatalog, VerificationHandle, Verifications};

pub use model::{
    Action, ActionType, DEFAULT_POLL_INTERVAL, DcRequest, FieldOption, FieldType, FlowDetails,
    FlowType, InitiationMethod, JsonMap, LoaStrategy, MAX_LOA, MIN_LOA, MIN_POLL_INTERVAL,
    NewVerification, NextAction, Polling, Provider, ProviderConfiguration, ReturnContext,
    UiCustomization, UserDataField, Verification, VerificationError, VerificationModel,
    VerificationStatus,
};
pub use userinfo::{
    Address, Evidence, FieldMatch, MatchGranularity, MatchResult, UserClaims, UserInfo,
    loa_from_acr,
};

#[cfg(test)]
mod tests;

//! Sign people in with Hopae's OpenID Connect provider.

mod authorization;
mod claims;
mod jose;

pub use crate::error::{IdTokenError, IdTokenErrorKind};
pub use authorization::{
    Authorization, AuthorizationRequest, Callback, DEFAULT_SCOPE, MAX_CALLBACK_BYTES,
};
pub use claims::IdTokenClaims;
pub use jose::MAX_TOKEN_BYTES;

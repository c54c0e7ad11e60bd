//! Fuzzes the ID-token verifier: any token, with any JWKS (`jwks` + 0xff + `token`, or a
//! token alone), must verify or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hopae::oidc::fuzz::verify_id_token(data);
});

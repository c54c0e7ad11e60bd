//! Connecting: the client a command uses, built from the global options and the
//! environment (`HOPAE_API_KEY`, `HOPAE_BASE_URL`; for the App API `HOPAE_CLIENT_ID`,
//! `HOPAE_CLIENT_SECRET`, `HOPAE_ENVIRONMENT`), with one set of settings for both.

use hopae::{AppClient, ClientBuilder, ConfigErrorKind, Error, HopaeClient};

use crate::emit::emit_bytes;
use crate::failure::Failure;
use crate::options::Global;
use crate::raw::{self, Bodies, Keep};

/// A client, and the 2xx bodies it received for `--json`.
pub(crate) struct Api {
    pub(crate) client: HopaeClient,
    pub(crate) bodies: Bodies,
}

impl Api {
    /// Prints the body of the last 2xx answer as sent (`--json`).
    pub(crate) fn print_last(&self) -> Result<(), Failure> {
        emit_bytes(&raw::document(self.bodies.last()?))
    }
}

/// Builds the client: the key from `HOPAE_API_KEY`, the base URL from `--base-url`, else
/// `HOPAE_BASE_URL`, else the key's environment. With `--json`, the client keeps the 2xx
/// bodies that `keep` asks for.
pub(crate) fn connect(global: &Global, keep: Keep) -> Result<Api, Failure> {
    const KEYS: &str = "your workspace API key (sk_workspace_test_... or sk_workspace_prod_...)";
    let key = match std::env::var("HOPAE_API_KEY") {
        Ok(k) if !k.is_empty() => k,
        Ok(_) => {
            return Err(Failure::usage(format!(
                "HOPAE_API_KEY is empty: set it to {KEYS}"
            )));
        }
        Err(std::env::VarError::NotPresent) => {
            return Err(Failure::usage(format!(
                "HOPAE_API_KEY is not set: set it to {KEYS}"
            )));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Failure::usage("HOPAE_API_KEY is not valid unicode"));
        }
    };
    let env_url = std::env::var("HOPAE_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let base_url = global.base_url.clone().or(env_url);
    let mut builder = HopaeClient::builder(key);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    let (builder, bodies) = configure(builder, global, keep);
    // The library checks the key; its two key messages are reworded with the names the
    // user set (the CLI has no environment flag).
    let client = builder.build().map_err(|e| match &e {
        Error::Config(c) if c.kind() == ConfigErrorKind::ApiKeyInvalid => {
            Failure::usage(c.message().replacen("the API key", "HOPAE_API_KEY", 1))
        }
        // The key is at fault, not the base URL (the library says which prefix it has).
        Error::Config(c) if c.kind() == ConfigErrorKind::UnknownKeyPrefix => {
            Failure::usage(c.message().replacen("the API key", "HOPAE_API_KEY", 1))
        }
        _ => Failure::from(e),
    })?;
    Ok(Api { client, bodies })
}

/// Builds the App API client: the credentials from `HOPAE_CLIENT_ID` and
/// `HOPAE_CLIENT_SECRET`, the base URL from `--base-url`, else `HOPAE_BASE_URL`, else the
/// environment `HOPAE_ENVIRONMENT` names (and `HOPAE_OIDC_ISSUER` for `hopae oidc`), with
/// the same settings as [`connect`].
pub(crate) fn connect_app(global: &Global, keep: Keep) -> Result<(AppClient, Bodies), Failure> {
    let mut builder = AppClient::builder_from_env()?;
    if let Some(url) = &global.base_url {
        builder = builder.base_url(url.clone());
    }
    let (builder, bodies) = configure(builder, global, keep);
    Ok((builder.build()?, bodies))
}

/// The settings every command's client shares: the user agent, `--retries`,
/// `--http-timeout`, `-v -v` (the HTTP trace), `--ca-file` (else `SSL_CERT_FILE` /
/// `SSL_CERT_DIR`), and, with `--json`, the 2xx bodies `keep` asks for.
fn configure<C>(
    builder: ClientBuilder<C>,
    global: &Global,
    keep: Keep,
) -> (ClientBuilder<C>, Bodies) {
    let mut builder = builder.user_agent_prefix(concat!("hopae-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(n) = global.retries {
        builder = builder.max_retries(n);
    }
    if let Some(t) = &global.http_timeout {
        builder = builder.timeout(t.value);
    }
    // `-v -v` traces HTTP like HOPAE_DEBUG=http (which the library reads itself).
    if global.verbose >= 2 {
        builder = builder.http_trace(true);
    }
    // `--ca-file`, else the roots SSL_CERT_FILE/SSL_CERT_DIR name, else the built-in ones.
    builder = match &global.ca_file {
        Some(path) => builder.root_certificates_file(path),
        None => builder.root_certificates_from_env(),
    };
    let bodies = Bodies::new(if global.json { keep } else { Keep::Nothing })
        .show_secrets(global.show_secrets);
    if bodies.records() {
        let hook = bodies.clone();
        builder = builder.on_response(move |r| hook.record(r.status, r.body));
    }
    (builder, bodies)
}

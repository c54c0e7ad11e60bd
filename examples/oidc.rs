//! Sign a person in with Hopae's OpenID Connect provider, as a web application does: a
//! `start` handler that redirects the browser to the provider, and a `callback` handler
//! that checks the answer, exchanges the code, verifies the ID token and reads the
//! person's attributes.
//!
//! Run it against the library's fake (`hopae::mock`), which also plays the browser:
//!
//! ```sh
//! cargo run --example oidc
//! ```
//!
//! The handlers take a session (any store that keeps a string per visitor, server-side)
//! and return what a web framework would send; they are the same in a real
//! application, with an `AppClient` built from `HOPAE_CLIENT_ID`, `HOPAE_CLIENT_SECRET`
//! and `HOPAE_ENVIRONMENT` (`AppClient::from_env()`).

use std::collections::HashMap;
use std::process::ExitCode;

use hopae::oidc::{Authorization, AuthorizationRequest, OidcClient};
use hopae::{AppClient, Error};

/// Where the provider sends the browser back; registered on the App.
const REDIRECT_URI: &str = "http://127.0.0.1:3000/callback";
/// The session key the authorization is kept under between the two handlers.
const SESSION_KEY: &str = "hopae_oidc";

/// A visitor's server-side session (a framework's session store in a real app).
type Session = HashMap<String, String>;

/// `GET /login`: starts an authorization, keeps it in the session, and answers with the
/// URL to redirect the browser to (a 302's `Location`).
fn start(oidc: &OidcClient, session: &mut Session) -> Result<String, Error> {
    let auth = oidc.authorization_url(&AuthorizationRequest::new(REDIRECT_URI).min_loa(2))?;
    let kept = serde_json::to_string(&auth).expect("an Authorization serializes");
    session.insert(SESSION_KEY.into(), kept);
    Ok(auth.url().to_owned())
}

/// `GET /callback?code=...&state=...`: the person is back. Takes the authorization out of
/// the session (one use), checks the callback, exchanges the code, verifies the ID token
/// and reads the userinfo. Answers the page's text.
fn callback(oidc: &OidcClient, session: &mut Session, url: &str) -> Result<String, Error> {
    let Some(kept) = session.remove(SESSION_KEY) else {
        return Ok("no sign-in in progress: start again at /login".into());
    };
    let auth: Authorization = serde_json::from_str(&kept).expect("the session holds what we wrote");
    let callback = auth.parse_callback(url)?; // state checked; `error=...` is an Err
    let tokens = oidc.exchange_code(&auth, &callback)?;
    let claims = oidc.verify_id_token(tokens.id_token.expose(), &auth)?;
    let name = match &tokens.access_token {
        Some(access) => oidc
            .userinfo(access)?
            .user
            .and_then(|u| u.name)
            .unwrap_or_else(|| "(no name)".into()),
        None => "(no userinfo)".into(),
    };
    Ok(format!(
        "signed in: {name} (subject {}, level {})",
        claims.sub,
        claims.loa().map_or("?".into(), |l| l.to_string())
    ))
}

fn main() -> ExitCode {
    match run() {
        Ok(page) => {
            println!("{page}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole flow against the fake, the fake's HTTP answers standing in for the browser.
fn run() -> Result<String, Box<dyn std::error::Error>> {
    let server = hopae::mock::Server::start()?;
    let app = fake_app(&server)?;
    let oidc = app.oidc().issuer(server.oidc_issuer());

    let mut session = Session::new();
    let to_provider = start(&oidc, &mut session)?;
    // The browser: the provider signs the test person in at once and redirects back.
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .build(),
    );
    let answer = agent.get(&to_provider).call()?;
    let back = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("the provider did not redirect")?
        .to_owned();
    Ok(callback(&oidc, &mut session, &back)?)
}

/// An App on the fake with `REDIRECT_URI` registered, and its App client.
fn fake_app(server: &hopae::mock::Server) -> Result<AppClient, Box<dyn std::error::Error>> {
    let workspace = hopae::HopaeClient::builder(server.api_key())
        .base_url(server.url())
        .build()?;
    let created = workspace
        .apps()
        .create(&hopae::apps::NewApp::new("OIDC example"))?;
    workspace
        .app(&created.client_id)
        .set_redirect_uris([REDIRECT_URI])?;
    let secret = created.client_secret.ok_or("the fake returns the secret")?;
    Ok(AppClient::builder(created.client_id, secret)
        .base_url(server.url())
        .build()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_signs_the_test_person_in() {
        let page = super::run().unwrap();
        assert!(
            page.starts_with("signed in: Test User (subject pw_"),
            "{page}"
        );
        assert!(page.ends_with("level 3)"), "{page}");
    }
}

//! Verify a person with the App API: create a session, show what the person must do,
//! wait until it ends, read the verified claims.
//!
//! ```text
//! cargo run --example verify                         # offline, against hopae::mock
//! HOPAE_CLIENT_ID=... HOPAE_CLIENT_SECRET=... HOPAE_ENVIRONMENT=sandbox \
//!   cargo run --example verify -- smartid registrationId=PNOEE-38001085718   # the real API
//! ```
//!
//! Without `HOPAE_CLIENT_ID` (or with `--offline`) the program starts `hopae::mock`,
//! which holds the example App and its client secret, and verifies a Smart-ID user
//! there: the fake answers `awaiting_user_action` to the first polls and completes the
//! session on the third, as a default person. Nothing leaves the machine. With App
//! credentials, the first argument is the provider and the others its user data as
//! `FIELD=VALUE` (`hopae verifications requirements PROVIDER` lists them); a real person
//! must then scan the QR code (printed here as its payload), open the link or confirm
//! the code.

use std::process::ExitCode;
use std::time::Duration;

use hopae::mock::{SEED_APP, SEED_CLIENT_SECRET, Server};
use hopae::verifications::{NewVerification, NextAction, UserInfo, VerificationStatus};
use hopae::wait::WaitOptions;
use hopae::{AppClient, Error};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let offline = args.iter().any(|a| a == "--offline")
        || std::env::var("HOPAE_CLIENT_ID").map_or(true, |id| id.is_empty());
    let rest: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--offline")
        .collect();
    let (provider, fields) = match rest.split_first() {
        Some((provider, fields)) => (*provider, fields.to_vec()),
        None => ("smartid", vec!["registrationId=PNOEE-38001085718"]),
    };
    let mut user_data = Vec::new();
    for field in fields {
        let Some((name, value)) = field.split_once('=') else {
            return Err(format!("user data is FIELD=VALUE, got `{field}`").into());
        };
        user_data.push((name, value));
    }
    // Held until the end: the fake stops when dropped.
    let mut fake = None;
    let app = if offline {
        let server = Server::builder()
            .poll_interval(Duration::from_millis(500))
            .start()?;
        let app = AppClient::builder(SEED_APP, SEED_CLIENT_SECRET)
            .base_url(server.url())
            .build()?;
        println!("Offline: verifying against hopae::mock on {}", server.url());
        fake = Some(server);
        app
    } else {
        AppClient::from_env()?
    };
    let info = verify(&app, provider, &user_data)?;
    let user = info.user.unwrap_or_default();
    println!(
        "Verified at level {}: {} {}, born {}",
        info.hopae_loa.map_or("?".into(), |l| l.to_string()),
        user.given_name.as_deref().unwrap_or("?"),
        user.family_name.as_deref().unwrap_or("?"),
        user.birthdate.as_deref().unwrap_or("?"),
    );
    drop(fake);
    Ok(())
}

/// The ten lines of the README: create, show, wait, read.
fn verify(app: &AppClient, provider: &str, user_data: &[(&str, &str)]) -> Result<UserInfo, Error> {
    let mut new =
        NewVerification::new(provider).requested_claims(["given_name", "family_name", "birthdate"]);
    for (name, value) in user_data {
        new = new.user_data(*name, *value);
    }
    let created = app.verifications().create(&new)?;
    println!("Session {} ({})", created.id, created.status);
    let mut shown = String::new();
    let options = WaitOptions::new().timeout(Duration::from_secs(300));
    let done = app.verification_from(&created).wait_with(&options, |v| {
        let now = match v.next_action() {
            NextAction::ShowQr { data } => format!("Scan the QR code of: {data}"),
            NextAction::OpenUrl { url } => format!("Open: {url}"),
            NextAction::ConfirmCode { code } => format!("Check that the app shows {code}"),
            _ => format!("Status: {}", v.status),
        };
        if now != shown {
            println!("{now}");
            shown = now;
        }
    })?;
    if done.status != VerificationStatus::Completed {
        println!("The session ended {}", done.status);
    }
    app.verification(&created.id).userinfo()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hopae::AppClient;
    use hopae::mock::{SEED_APP, SEED_CLIENT_SECRET, Server};

    #[test]
    fn the_offline_flow_verifies_the_fakes_person() {
        let server = Server::builder()
            .complete_after(2)
            .poll_interval(Duration::from_millis(500))
            .start()
            .unwrap();
        let app = AppClient::builder(SEED_APP, SEED_CLIENT_SECRET)
            .base_url(server.url())
            .build()
            .unwrap();
        let info =
            super::verify(&app, "smartid", &[("registrationId", "PNOEE-38001085718")]).unwrap();
        let user = info.user.unwrap();
        assert_eq!(user.given_name.as_deref(), Some("Jaak-Kristjan"));
        assert_eq!(user.birthdate.as_deref(), Some("1980-01-08"));
        assert_eq!(server.verifications()[0].polls, 2);
    }
}

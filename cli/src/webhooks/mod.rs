//! `hopae webhooks`: an app's webhook settings (`config`, `rotate-secret`, through the
//! API), and signed deliveries on this machine (`verify`, `trigger`, `listen`, in
//! [`local`], which never call the API).

mod local;

use hopae::HopaeClient;
use hopae::webhooks::WebhookConfigUpdate;

use crate::confirm::{CONFIRM_NOTES, Confirmed};
use crate::failure::Failure;
use crate::options::{Global, check_id, count};
use crate::output::webhook_config_text;
use crate::show::{Rotation, show, show_rotated};

/// The arguments of `hopae webhooks`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Show an app's webhook settings, or change the ones given as options
    #[command(after_help = CONFIG_NOTES)]
    Config(Config),
    /// Replace an app's webhook signing secret and print the new one, once
    #[command(after_help = CONFIRM_NOTES)]
    RotateSecret(Confirmed),
    /// Check a delivery's X-Hopae-Signature against its raw body
    #[command(after_help = local::VERIFY_NOTES)]
    Verify(local::Verify),
    /// Send a signed sample delivery to your webhook receiver
    #[command(after_help = local::TRIGGER_NOTES)]
    Trigger(local::Trigger),
    /// Receive deliveries on 127.0.0.1 and check their signatures, until Ctrl-C
    #[command(after_help = local::LISTEN_NOTES)]
    Listen(local::Listen),
}

const CONFIG_NOTES: &str = "\
Without a setting, prints the current settings. With one or more, changes only those and
prints the settings as stored. --event replaces the whole list (repeat it for several).
The secret is shown as its last four characters; it cannot be set, only rotated.

With --json: the API's answer as sent (to an update, Hopae may answer the whole app).";

#[derive(clap::Args, Debug)]
struct Config {
    /// The app's client id
    app: String,

    /// Your receiver's URL
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// Send deliveries
    #[arg(long, conflicts_with = "disable")]
    enable: bool,

    /// Stop sending deliveries
    #[arg(long)]
    disable: bool,

    /// Deliver this event, e.g. verification.completed; repeat for several
    #[arg(long = "event", value_name = "E")]
    events: Vec<String>,

    /// Retries of a failed delivery
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    retry_attempts: Option<u32>,

    /// How long Hopae waits for your receiver, in seconds (at least 1)
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    timeout_seconds: Option<u32>,
}

impl Config {
    /// The settings to change, checked with messages naming the options; empty for a read.
    fn update(&self) -> Result<WebhookConfigUpdate, Failure> {
        check_id("<APP>", &self.app)?;
        let mut update = WebhookConfigUpdate::new();
        if let Some(url) = &self.url {
            if url.trim().is_empty() {
                return Err(Failure::usage("--url must not be empty"));
            }
            update = update.url(url);
        }
        if self.enable || self.disable {
            update = update.enabled(self.enable);
        }
        if !self.events.is_empty() {
            if self.events.iter().any(|e| e.trim().is_empty()) {
                return Err(Failure::usage("--event must not be empty"));
            }
            update = update.events(&self.events);
        }
        if let Some(n) = self.retry_attempts {
            update = update.retry_attempts(n);
        }
        match self.timeout_seconds {
            Some(0) => {
                return Err(Failure::usage(
                    "--timeout-seconds must be at least 1, got 0",
                ));
            }
            Some(n) => update = update.timeout_seconds(n),
            None => {}
        }
        Ok(update)
    }
}

/// Runs a `webhooks` command.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::Config(a) => {
            let update = a.update()?;
            let call = |c: &HopaeClient| {
                let handle = c.app(&a.app);
                if update.is_empty() {
                    handle.webhook_config()
                } else {
                    handle.update_webhook_config(&update)
                }
            };
            show(global, call, |config| webhook_config_text(&a.app, config))
        }
        Command::RotateSecret(a) => {
            let rotation = Rotation {
                what: "webhook secret",
                consequence: "signatures made with the current secret stop verifying at once",
                note: "Deliveries are signed with it from now on:\nset it as HOPAE_WEBHOOK_SECRET \
                       where you verify them.",
            };
            show_rotated(global, &a, rotation, |c| {
                c.app(&a.app).rotate_webhook_secret()
            })
        }
        Command::Verify(a) => local::verify(&a),
        Command::Trigger(a) => local::trigger(&a, global),
        Command::Listen(a) => local::listen(&a, global),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(app: &str) -> Config {
        Config {
            app: app.into(),
            url: None,
            enable: false,
            disable: false,
            events: Vec::new(),
            retry_attempts: None,
            timeout_seconds: None,
        }
    }

    #[test]
    fn config_without_a_setting_reads() {
        assert!(config("FK5b0KSM").update().unwrap().is_empty());
    }

    #[test]
    fn config_update_takes_every_option() {
        let a = Config {
            url: Some("https://shop.example/hooks".into()),
            disable: true,
            events: vec![
                "verification.completed".into(),
                "verification.failed".into(),
            ],
            retry_attempts: Some(0),
            timeout_seconds: Some(5),
            ..config("A")
        };
        let expected = WebhookConfigUpdate::new()
            .url("https://shop.example/hooks")
            .enabled(false)
            .events(["verification.completed", "verification.failed"])
            .retry_attempts(0)
            .timeout_seconds(5);
        assert_eq!(a.update(), Ok(expected));
        let on = Config {
            enable: true,
            ..config("A")
        };
        assert_eq!(on.update(), Ok(WebhookConfigUpdate::new().enabled(true)));
    }

    #[test]
    fn config_update_names_the_option_at_fault() {
        for (a, message) in [
            (
                Config {
                    url: Some(" ".into()),
                    ..config("A")
                },
                "--url must not be empty",
            ),
            (
                Config {
                    events: vec!["".into()],
                    ..config("A")
                },
                "--event must not be empty",
            ),
            (
                Config {
                    timeout_seconds: Some(0),
                    ..config("A")
                },
                "--timeout-seconds must be at least 1, got 0",
            ),
            (config(".."), "<APP> must not be `.` or `..`"),
        ] {
            let f = a.update().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
    }
}

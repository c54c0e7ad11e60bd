//! `hopae webhooks`: an app's webhook settings (`config`, `rotate-secret`, through the
//! API), and signed deliveries on this machine (`verify`, `trigger`, `listen`, in
//! [`local`], which never call the API).

mod local;

use std::io::Write;

use hopae::HopaeClient;
use hopae::webhooks::{
    EVENTS, LEGACY_EVENTS, WebhookConfig, WebhookConfigUpdate, is_documented_event,
};

use crate::confirm::{CONFIRM_NOTES, Confirmed};
use crate::emit::emit;
use crate::failure::Failure;
use crate::list_edit::Edit;
use crate::options::{DurationArg, Global, check_id, count};
use crate::output::{clean, webhook_config_text};
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
    /// List the webhook events the documentation names
    #[command(after_help = EVENTS_NOTES)]
    Events,
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
prints the settings as stored. --event replaces the whole list (repeat it for several);
--add-event and --remove-event read the list, change it and write it back, and say what
changed. An empty list (--clear-events) stops every delivery. An event the documentation
does not name is sent anyway, with a warning (`hopae webhooks events` lists them). The
secret is shown as its last four characters; it cannot be set, only rotated.

With --json: the API's answer as sent (to an update, Hopae may answer the whole app).";

const EVENTS_NOTES: &str = "\
The current names first, then those older documentation pages list (still accepted).
The set is open: Hopae may send others. An app whose event list is empty gets no
delivery at all.

With --json: {\"events\": [...], \"legacy\": [...]}.";

#[derive(clap::Args, Debug)]
struct Config {
    /// The app's client id
    app: String,

    /// Your receiver's URL
    #[arg(long, value_name = "URL", conflicts_with = "clear_url")]
    url: Option<String>,

    /// Remove the receiver's URL (sends null)
    #[arg(long)]
    clear_url: bool,

    /// Send deliveries
    #[arg(long, conflicts_with = "disable")]
    enable: bool,

    /// Stop sending deliveries
    #[arg(long)]
    disable: bool,

    /// The complete new list of events, e.g. verification.completed; repeat for several
    #[arg(long = "event", value_name = "E", conflicts_with_all = ["add_events", "remove_events", "clear_events"])]
    events: Vec<String>,

    /// Add an event to the list; repeat for several
    #[arg(long = "add-event", value_name = "E", conflicts_with = "clear_events")]
    add_events: Vec<String>,

    /// Remove an event from the list; repeat for several
    #[arg(
        long = "remove-event",
        value_name = "E",
        conflicts_with = "clear_events"
    )]
    remove_events: Vec<String>,

    /// Empty the list of events: no delivery is sent until events are added
    #[arg(long)]
    clear_events: bool,

    /// Retries of a failed delivery
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    retry_attempts: Option<u32>,

    /// How long Hopae waits for your receiver, whole seconds from 1s (e.g. 10s)
    #[arg(long = "timeout", alias = "timeout-seconds", value_name = "DURATION")]
    timeout: Option<DurationArg>,
}

impl Config {
    /// The settings to change, checked with messages naming the options; empty for a read
    /// (unless events are added or removed, which [`Config::edits_events`] says).
    fn update(&self) -> Result<WebhookConfigUpdate, Failure> {
        check_id("<APP>", &self.app)?;
        let mut update = WebhookConfigUpdate::new();
        if let Some(url) = &self.url {
            if url.trim().is_empty() {
                return Err(Failure::usage(
                    "--url must not be empty (--clear-url removes it)",
                ));
            }
            update = update.url(url);
        }
        if self.clear_url {
            update = update.clear_url();
        }
        if self.enable || self.disable {
            update = update.enabled(self.enable);
        }
        for (flag, names) in [
            ("--event", &self.events),
            ("--add-event", &self.add_events),
            ("--remove-event", &self.remove_events),
        ] {
            if names.iter().any(|e| e.trim().is_empty()) {
                return Err(Failure::usage(format!("{flag} must not be empty")));
            }
        }
        if !self.events.is_empty() {
            update = update.events(&self.events);
        }
        if self.clear_events {
            update = update.events(Vec::<String>::new());
        }
        if let Some(n) = self.retry_attempts {
            update = update.retry_attempts(n);
        }
        if let Some(t) = &self.timeout {
            let secs = t.value.as_secs();
            if t.value.subsec_nanos() != 0 || secs == 0 {
                return Err(Failure::usage(format!(
                    "--timeout must be a whole number of seconds, at least 1s, got `{t}`"
                )));
            }
            let secs = u32::try_from(secs).map_err(|_| {
                Failure::usage(format!(
                    "--timeout must be at most {}s, got `{t}`",
                    u32::MAX
                ))
            })?;
            update = update.timeout_seconds(secs);
        }
        Ok(update)
    }

    /// Whether the events are read, changed and written back.
    fn edits_events(&self) -> bool {
        !self.add_events.is_empty() || !self.remove_events.is_empty()
    }

    /// Event names the documentation does not list, among those to be written.
    fn undocumented(&self) -> Vec<&str> {
        self.events
            .iter()
            .chain(&self.add_events)
            .map(String::as_str)
            .filter(|e| !is_documented_event(e))
            .collect()
    }
}

/// Runs a `webhooks` command.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::Config(a) => config(&a, global),
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
        Command::Events => events(global),
        Command::Verify(a) => local::verify(&a, global),
        Command::Trigger(a) => local::trigger(&a, global),
        Command::Listen(a) => local::listen(&a, global),
    }
}

fn config(a: &Config, global: &Global) -> Result<(), Failure> {
    let mut update = a.update()?;
    for name in a.undocumented() {
        warn(&format!(
            "`{}` is not a documented webhook event (`hopae webhooks events` lists them); \
             set anyway",
            clean(name)
        ));
    }
    if a.clear_events {
        warn("the event list will be empty: no delivery is sent until events are added");
    }
    let edits = a.edits_events();
    let call = |c: &HopaeClient| -> Result<(WebhookConfig, Edit), hopae::Error> {
        let handle = c.app(&a.app);
        let mut edit = Edit::default();
        if edits {
            let current = handle.webhook_config()?;
            let (list, done) = Edit::apply(&current.events, &a.add_events, &a.remove_events);
            edit = done;
            if list != current.events {
                update = update.clone().events(list);
            }
        }
        let config = if update.is_empty() {
            handle.webhook_config()?
        } else {
            handle.update_webhook_config(&update)?
        };
        Ok((config, edit))
    };
    show(global, call, |(config, edit)| {
        let mut text = edit.line("events");
        if edits && config.events.is_empty() {
            text.push_str("the event list is now empty: no delivery is sent\n");
        }
        text + &webhook_config_text(&a.app, config)
    })
}

/// `hopae webhooks events`.
fn events(global: &Global) -> Result<(), Failure> {
    if global.json {
        let out = serde_json::json!({"events": EVENTS, "legacy": LEGACY_EVENTS});
        return emit(&format!("{out}\n"));
    }
    let mut text = String::new();
    for e in EVENTS {
        text.push_str(&format!("{e}\n"));
    }
    for e in LEGACY_EVENTS {
        text.push_str(&format!("{e}  (older pages)\n"));
    }
    emit(&text)
}

/// A warning on stderr; nobody to tell if stderr is gone.
fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(app: &str) -> Config {
        Config {
            app: app.into(),
            url: None,
            clear_url: false,
            enable: false,
            disable: false,
            events: Vec::new(),
            add_events: Vec::new(),
            remove_events: Vec::new(),
            clear_events: false,
            retry_attempts: None,
            timeout: None,
        }
    }

    fn secs(s: &str) -> Option<DurationArg> {
        Some(s.parse().unwrap())
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
            timeout: secs("5s"),
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
        let cleared = Config {
            clear_url: true,
            clear_events: true,
            timeout: secs("1m"),
            ..config("A")
        };
        assert_eq!(
            cleared.update(),
            Ok(WebhookConfigUpdate::new()
                .clear_url()
                .events(Vec::<String>::new())
                .timeout_seconds(60))
        );
    }

    #[test]
    fn config_update_names_the_option_at_fault() {
        for (a, message) in [
            (
                Config {
                    url: Some(" ".into()),
                    ..config("A")
                },
                "--url must not be empty (--clear-url removes it)",
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
                    add_events: vec!["".into()],
                    ..config("A")
                },
                "--add-event must not be empty",
            ),
            (
                Config {
                    timeout: secs("0"),
                    ..config("A")
                },
                "--timeout must be a whole number of seconds, at least 1s, got `0`",
            ),
            (
                Config {
                    timeout: secs("1500ms"),
                    ..config("A")
                },
                "--timeout must be a whole number of seconds, at least 1s, got `1500ms`",
            ),
            (config(".."), "<APP> must not be `.` or `..`"),
        ] {
            let f = a.update().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
    }

    #[test]
    fn undocumented_events_are_named() {
        let a = Config {
            events: vec!["verification.completed".into(), "no.such.event".into()],
            add_events: vec!["verification.expired".into()],
            ..config("A")
        };
        assert_eq!(a.undocumented(), ["no.such.event"]);
    }
}

//! `hopae apps`: list, get, create, update, delete, rotate-secret and redirect-uris.

use std::io::Write as _;

use hopae::apps::{App, AppUpdate, ListApps, MAX_PAGE_SIZE, NewApp};
use hopae::{Error, HopaeClient, Page};

use crate::confirm::{CONFIRM_NOTES, Confirmed, Typed, confirm};
use crate::connect::connect;
use crate::emit::{emit, emit_bytes, write_stdout};
use crate::failure::Failure;
use crate::options::{
    AppArg, Global, check_id, check_idempotency_key, check_redirect_uris, count, whole,
};
use crate::output::{app_text, apps_table, clean, created_app_text};
use crate::raw::{self, Keep};
use crate::show::{Rotation, show, show_deleted, show_rotated};

/// The arguments of `hopae apps`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the workspace's apps, one page at a time or all of them
    #[command(after_help = LIST_NOTES)]
    List(List),
    /// Show an app
    Get(AppArg),
    /// Create an app (Hopae adds a default workflow with the passport provider)
    #[command(after_help = CREATE_NOTES)]
    Create(Create),
    /// Change an app's name, redirect URIs or landing pages
    #[command(after_help = UPDATE_NOTES)]
    Update(Update),
    /// Delete an app; its client id stops working
    #[command(after_help = CONFIRM_NOTES)]
    Delete(Confirmed),
    /// Replace an app's client secret and print the new one, once
    #[command(after_help = CONFIRM_NOTES)]
    RotateSecret(Confirmed),
    /// Show an app's redirect URIs, or replace them with --set or --clear
    RedirectUris(RedirectUris),
}

const LIST_NOTES: &str = "\
With --json: the page as the API sent it; with --all, a JSON array of every app object as
sent. Client secrets are never shown in the table.";

const CREATE_NOTES: &str = "\
The API's answer carries the new app's client secret, shown this once: the text output
ends with it (and a reminder on stderr), --json prints the answer as sent, secret
included, with or without --show-secrets. `hopae apps rotate-secret` makes a new one.";

const UPDATE_NOTES: &str = "\
Only the options given are changed. --redirect-uri replaces the whole list (repeat it for
several URIs; `hopae apps redirect-uris APP --clear` empties it).";

#[derive(clap::Args, Debug)]
struct List {
    /// Apps per page, 1 to 100 [default: 20]
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true, conflicts_with = "all")]
    limit: Option<u32>,

    /// Apps to skip [default: 0]
    #[arg(long, value_name = "N", value_parser = whole, allow_negative_numbers = true, conflicts_with = "all")]
    offset: Option<u64>,

    /// Every app, fetched page by page
    #[arg(long)]
    all: bool,
}

#[derive(clap::Args, Debug)]
struct Create {
    /// The app's display name
    #[arg(long, value_name = "NAME")]
    name: String,

    /// Reuse K so that a re-run returns the same app [default: a new key]
    #[arg(long, value_name = "K")]
    idempotency_key: Option<String>,
}

#[derive(clap::Args, Debug)]
struct Update {
    /// The app's client id
    app: String,

    /// A new display name
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// The complete new list of redirect URIs; repeat for several
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,

    /// Where users land after a successful verification
    #[arg(long, value_name = "URI")]
    success_redirect: Option<String>,

    /// Where users land after a failed verification
    #[arg(long, value_name = "URI")]
    failure_redirect: Option<String>,
}

#[derive(clap::Args, Debug)]
struct RedirectUris {
    /// The app's client id
    app: String,

    /// Replace the list with these URIs; repeat for several
    #[arg(long = "set", value_name = "URI", conflicts_with = "clear")]
    set: Vec<String>,

    /// Remove every redirect URI
    #[arg(long)]
    clear: bool,
}

/// Runs an `apps` command. With `--json`, the output is the API's body as sent.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::List(a) => list(&a, global),
        Command::Get(a) => {
            check_id("<APP>", &a.app)?;
            show(global, |c| c.app(&a.app).get(), app_text)
        }
        Command::Create(a) => {
            if a.name.trim().is_empty() {
                return Err(Failure::usage("--name must not be empty"));
            }
            if let Some(k) = &a.idempotency_key {
                check_idempotency_key(k)?;
            }
            created(global, &a)
        }
        Command::Update(a) => {
            let update = a.check()?;
            show(global, |c| c.app(&a.app).update(&update), app_text)
        }
        Command::Delete(a) => {
            check_id("<APP>", &a.app)?;
            let app = clean(&a.app);
            let ask = || {
                confirm(
                    a.yes,
                    &format!("delete app {app}"),
                    "its client id and secret stop working",
                    Typed::app(&a.app),
                )
            };
            let done = format!("deleted app {app}\n");
            show_deleted(global, ask, |c| c.app(&a.app).delete(), deleted_json, &done)
        }
        Command::RotateSecret(a) => {
            let rotation = Rotation {
                what: "client secret",
                consequence: "the current secret stops working at once",
                note: "The old secret no longer works.",
            };
            show_rotated(global, &a, rotation, |c| {
                c.app(&a.app).rotate_client_secret()
            })
        }
        Command::RedirectUris(a) => {
            check_id("<APP>", &a.app)?;
            check_redirect_uris("--set", &a.set)?;
            let call = |c: &HopaeClient| {
                let handle = c.app(&a.app);
                if a.clear || !a.set.is_empty() {
                    handle.set_redirect_uris(&a.set)
                } else {
                    handle.redirect_uris()
                }
            };
            show(global, call, |uris| redirect_uris_text(&a.app, uris))
        }
    }
}

fn list(a: &List, global: &Global) -> Result<(), Failure> {
    if a.all {
        let api = connect(global, Keep::All)?;
        let apps = api
            .client
            .apps()
            .iter()
            .collect::<Result<Vec<App>, Error>>()?;
        if global.json {
            return emit_bytes(&raw::joined_data(&api.bodies.all())?);
        }
        return emit(&match apps.len() {
            0 => "no apps in this workspace\n".to_owned(),
            1 => format!("{}\n1 app\n", apps_table(&apps)),
            n => format!("{}\n{n} apps\n", apps_table(&apps)),
        });
    }
    let limit = a.limit.unwrap_or(ListApps::new().limit);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(Failure::usage(format!(
            "--limit must be 1 to {MAX_PAGE_SIZE}, got {limit}"
        )));
    }
    let query = ListApps::new()
        .limit(limit)
        .offset(a.offset.unwrap_or_default());
    show(global, |c| c.apps().list(&query), page_text)
}

fn redirect_uris_text(app: &str, uris: &[String]) -> String {
    if uris.is_empty() {
        format!("no redirect URIs for app {}\n", clean(app))
    } else {
        uris.iter().map(|u| format!("{}\n", clean(u))).collect()
    }
}

/// A page of apps: the table, then which apps of how many, and the next page's offset.
fn page_text(page: &Page<App>) -> String {
    let len = page.data.len() as u64;
    if len == 0 {
        return if page.total == 0 {
            "no apps in this workspace\n".to_owned()
        } else {
            format!(
                "no apps at offset {} ({} in all)\n",
                page.offset, page.total
            )
        };
    }
    let end = page.offset.saturating_add(len);
    let mut out = format!(
        "{}\napps {} to {end} of {}",
        apps_table(&page.data),
        page.offset.saturating_add(1),
        page.total
    );
    if end < page.total {
        out.push_str(&format!("; next page: --offset {end}"));
    }
    out.push('\n');
    out
}

/// `apps create`: the new app and its client secret, shown this once (never redacted).
/// The reminder to store it goes to stderr, so stdout holds only the output.
fn created(global: &Global, a: &Create) -> Result<(), Failure> {
    let api = connect(global, Keep::Last)?;
    let app = create(&api.client, a)?;
    let output = if global.json {
        raw::document(api.bodies.last_revealed()?)
    } else {
        created_app_text(&app).into_bytes()
    };
    let app_id = clean(&app.client_id);
    if let Err(e) = write_stdout(&output) {
        return Err(Failure {
            code: crate::failure::EXIT_API,
            ..Failure::usage(format!(
                "app {app_id} was created but could not be written to stdout ({e}): its \
                 client secret was shown nowhere; `hopae apps rotate-secret {app_id}` makes \
                 a new one"
            ))
        });
    }
    if global.json {
        return Ok(());
    }
    let note = if app.client_secret.is_some() {
        format!(
            "note: the client secret is shown once: store it now (`hopae apps rotate-secret \
             {app_id}` makes a new one)"
        )
    } else {
        format!(
            "note: the answer carried no client secret: `hopae apps rotate-secret {app_id}` \
             makes one"
        )
    };
    let _ = writeln!(std::io::stderr().lock(), "{note}");
    Ok(())
}

fn create(client: &HopaeClient, a: &Create) -> Result<App, Error> {
    let app = NewApp::new(&a.name);
    match &a.idempotency_key {
        Some(key) => client.apps().with_idempotency_key(key).create(&app),
        None => client.apps().create(&app),
    }
}

impl Update {
    /// The update to send, checked with messages naming the options.
    fn check(&self) -> Result<AppUpdate, Failure> {
        check_id("<APP>", &self.app)?;
        let mut update = AppUpdate::new();
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                return Err(Failure::usage("--name must not be empty"));
            }
            update = update.name(name);
        }
        if !self.redirect_uris.is_empty() {
            check_redirect_uris("--redirect-uri", &self.redirect_uris)?;
            update = update.redirect_uris(&self.redirect_uris);
        }
        for (option, value) in [
            ("--success-redirect", &self.success_redirect),
            ("--failure-redirect", &self.failure_redirect),
        ] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Failure::usage(format!("{option} must not be empty")));
            }
        }
        if let Some(uri) = &self.success_redirect {
            update = update.default_success_redirect_uri(uri);
        }
        if let Some(uri) = &self.failure_redirect {
            update = update.default_failure_redirect_uri(uri);
        }
        if update == AppUpdate::new() {
            return Err(Failure::usage(
                "nothing to change: give --name, --redirect-uri, --success-redirect or \
                 --failure-redirect",
            ));
        }
        Ok(update)
    }
}

/// `apps delete --json`: the API's body when it is JSON (its shape is undocumented),
/// else `{}`.
fn deleted_json(body: Vec<u8>) -> Vec<u8> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        raw::document(body)
    } else {
        b"{}\n".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(app: &str) -> Update {
        Update {
            app: app.into(),
            name: None,
            redirect_uris: Vec::new(),
            success_redirect: None,
            failure_redirect: None,
        }
    }

    #[test]
    fn update_check_builds_the_update_from_every_option() {
        let a = Update {
            name: Some("Shop 2".into()),
            redirect_uris: vec!["https://a/cb".into(), "https://b/cb".into()],
            success_redirect: Some("https://a/ok".into()),
            failure_redirect: Some("https://a/ko".into()),
            ..update("FK5b0KSM")
        };
        let expected = AppUpdate::new()
            .name("Shop 2")
            .redirect_uris(["https://a/cb", "https://b/cb"])
            .default_success_redirect_uri("https://a/ok")
            .default_failure_redirect_uri("https://a/ko");
        assert_eq!(a.check(), Ok(expected));
    }

    #[test]
    fn update_check_names_the_option_at_fault() {
        for (a, message) in [
            (
                update("FK5b0KSM"),
                "nothing to change: give --name, --redirect-uri, --success-redirect or --failure-redirect",
            ),
            (update(""), "<APP> must not be empty"),
            (
                Update {
                    name: Some(" ".into()),
                    ..update("A")
                },
                "--name must not be empty",
            ),
            (
                Update {
                    redirect_uris: vec!["https://a/#x".into()],
                    ..update("A")
                },
                "--redirect-uri #1 must not have a fragment (`#...`)",
            ),
            (
                Update {
                    failure_redirect: Some(String::new()),
                    ..update("A")
                },
                "--failure-redirect must not be empty",
            ),
        ] {
            let f = a.check().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
    }

    #[test]
    fn deleted_json_is_the_body_when_json_else_an_empty_object() {
        assert_eq!(
            deleted_json(br#"{"deleted":true}"#.to_vec()),
            b"{\"deleted\":true}\n"
        );
        assert_eq!(deleted_json(Vec::new()), b"{}\n");
        assert_eq!(deleted_json(b"App deleted successfully".to_vec()), b"{}\n");
    }
}

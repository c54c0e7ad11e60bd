//! `hopae apps`: list, get, create, batch-create, update, delete, rotate-secret and
//! redirect-uris.

use std::io::Write as _;

use hopae::apps::{
    App, AppUpdate, BatchCreate, BatchItem, BatchItemResult, BatchResult, ListApps,
    MAX_BATCH_ITEMS, MAX_PAGE_SIZE, NewApp,
};
use hopae::{Error, HopaeClient, Page};

use crate::confirm::{CONFIRM_NOTES, Confirmed, Typed, confirm};
use crate::connect::connect;
use crate::emit::{emit, emit_bytes, write_stdout};
use crate::failure::Failure;
use crate::list_edit::Edit;
use crate::options::{
    AppArg, Global, check_id, check_idempotency_key, check_redirect_uris, count, read_input, whole,
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
    /// Create up to 100 apps in one call
    #[command(after_help = BATCH_NOTES)]
    BatchCreate(Batch),
    /// Change an app's name, logo, redirect URIs or landing pages
    #[command(after_help = UPDATE_NOTES)]
    Update(Update),
    /// Delete an app; its client id stops working
    #[command(after_help = CONFIRM_NOTES)]
    Delete(Confirmed),
    /// Replace an app's client secret and print the new one, once
    #[command(after_help = CONFIRM_NOTES)]
    RotateSecret(Confirmed),
    /// Show an app's redirect URIs, or change them
    #[command(after_help = REDIRECT_NOTES)]
    RedirectUris(RedirectUris),
}

const LIST_NOTES: &str = "\
With --json: one shape, {\"data\": [...], \"total\", \"limit\", \"offset\"}: the page as the API
sent it, or with --all every app object as sent in data (total and limit the number of
apps, offset 0). Client secrets are never shown in the table.";

const BATCH_NOTES: &str = "\
Each --name is one app, in order (at most 100). Without --continue-on-error the API stops
at the first item that fails. Prints one line per item (the new client id, or the error);
exits 1 when any item failed. The client secrets are not shown: --json prints the API's
answer with them redacted, --show-secrets as sent.";

const REDIRECT_NOTES: &str = "\
Without an option, prints the list. --redirect-uri replaces the whole list (repeat it for
several); --add-redirect-uri and --remove-redirect-uri read the list, change it and write
it back, and say what changed; --clear-redirect-uris empties it.";

const CREATE_NOTES: &str = "\
The API's answer carries the new app's client secret, shown this once: the text output
ends with it (and a reminder on stderr), --json prints the answer as sent, secret
included, with or without --show-secrets. `hopae apps rotate-secret` makes a new one.";

const UPDATE_NOTES: &str = "\
Only the options given are changed. --redirect-uri replaces the whole list (repeat it for
several URIs); --add-redirect-uri and --remove-redirect-uri read the list, change it and
write it back, and say what changed. Each --clear-... option removes a value (the landing
pages are sent as null, the logo as \"\", the redirect URIs as []).

--logo takes a PNG, JPEG, GIF, WebP or SVG file (at most 1 MiB), sent as a base64 data
URL, or a data: URL as is.";

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
struct Batch {
    /// An app's display name; repeat for several apps
    #[arg(long = "name", value_name = "NAME", required = true)]
    names: Vec<String>,

    /// Create the other apps when one fails
    #[arg(long)]
    continue_on_error: bool,
}

/// The redirect-URI options `update` and `redirect-uris` share: one name per thing.
#[derive(clap::Args, Debug, Default)]
struct RedirectEdit {
    /// The complete new list of redirect URIs; repeat for several
    #[arg(long = "redirect-uri", alias = "set", value_name = "URI", conflicts_with_all = ["add_redirect_uris", "remove_redirect_uris", "clear_redirect_uris"])]
    redirect_uris: Vec<String>,

    /// Add a redirect URI to the list; repeat for several
    #[arg(
        long = "add-redirect-uri",
        value_name = "URI",
        conflicts_with = "clear_redirect_uris"
    )]
    add_redirect_uris: Vec<String>,

    /// Remove a redirect URI from the list; repeat for several
    #[arg(
        long = "remove-redirect-uri",
        value_name = "URI",
        conflicts_with = "clear_redirect_uris"
    )]
    remove_redirect_uris: Vec<String>,

    /// Remove every redirect URI
    #[arg(long, alias = "clear")]
    clear_redirect_uris: bool,
}

impl RedirectEdit {
    /// Checks the URIs, naming the option at fault.
    fn check(&self) -> Result<(), Failure> {
        check_redirect_uris("--redirect-uri", &self.redirect_uris)?;
        check_redirect_uris("--add-redirect-uri", &self.add_redirect_uris)?;
        if self
            .remove_redirect_uris
            .iter()
            .any(|u| u.trim().is_empty())
        {
            return Err(Failure::usage("--remove-redirect-uri must not be empty"));
        }
        Ok(())
    }

    /// The new list when it is replaced or cleared (no read needed).
    fn replacement(&self) -> Option<Vec<String>> {
        if self.clear_redirect_uris {
            Some(Vec::new())
        } else if !self.redirect_uris.is_empty() {
            Some(self.redirect_uris.clone())
        } else {
            None
        }
    }

    /// Whether the list is read, changed and written back.
    fn edits(&self) -> bool {
        !self.add_redirect_uris.is_empty() || !self.remove_redirect_uris.is_empty()
    }

    /// The list after the additions and removals, and what changed.
    fn apply(&self, current: &[String]) -> (Vec<String>, Edit) {
        Edit::apply(current, &self.add_redirect_uris, &self.remove_redirect_uris)
    }
}

#[derive(clap::Args, Debug)]
struct Update {
    /// The app's client id
    app: String,

    /// A new display name
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// A new logo: an image file, or a data: URL
    #[arg(long, value_name = "FILE|DATA_URL", conflicts_with = "clear_logo")]
    logo: Option<String>,

    /// Remove the logo
    #[arg(long)]
    clear_logo: bool,

    #[command(flatten)]
    redirects: RedirectEdit,

    /// Where users land after a successful verification
    #[arg(long, value_name = "URI", conflicts_with = "clear_success_redirect")]
    success_redirect: Option<String>,

    /// Remove the landing page after a successful verification (sends null)
    #[arg(long)]
    clear_success_redirect: bool,

    /// Where users land after a failed verification
    #[arg(long, value_name = "URI", conflicts_with = "clear_failure_redirect")]
    failure_redirect: Option<String>,

    /// Remove the landing page after a failed verification (sends null)
    #[arg(long)]
    clear_failure_redirect: bool,
}

#[derive(clap::Args, Debug)]
struct RedirectUris {
    /// The app's client id
    app: String,

    #[command(flatten)]
    edit: RedirectEdit,
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
        Command::BatchCreate(a) => batch_create(&a, global),
        Command::Update(a) => {
            let update = a.check()?;
            let call = |c: &HopaeClient| -> Result<(App, Edit), Error> {
                let handle = c.app(&a.app);
                let mut update = update.clone();
                let mut edit = Edit::default();
                if a.redirects.edits() {
                    let (list, done) = a.redirects.apply(&handle.redirect_uris()?);
                    update = update.redirect_uris(list);
                    edit = done;
                }
                Ok((handle.update(&update)?, edit))
            };
            show(global, call, |(app, edit)| {
                edit.line("redirect uris") + &app_text(app)
            })
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
            a.edit.check()?;
            let call = |c: &HopaeClient| -> Result<(Vec<String>, Edit), Error> {
                let handle = c.app(&a.app);
                if let Some(list) = a.edit.replacement() {
                    return Ok((handle.set_redirect_uris(list)?, Edit::default()));
                }
                let current = handle.redirect_uris()?;
                if !a.edit.edits() {
                    return Ok((current, Edit::default()));
                }
                let (list, edit) = a.edit.apply(&current);
                Ok((handle.set_redirect_uris(list)?, edit))
            };
            show(global, call, |(uris, edit)| {
                edit.line("redirect uris") + &redirect_uris_text(&a.app, uris)
            })
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

/// `apps batch-create`: one line per item; exit 1 when any failed.
fn batch_create(a: &Batch, global: &Global) -> Result<(), Failure> {
    if a.names.len() > MAX_BATCH_ITEMS {
        return Err(Failure::usage(format!(
            "--name given {} times, a batch has at most {MAX_BATCH_ITEMS} apps",
            a.names.len()
        )));
    }
    if a.names.iter().any(|n| n.trim().is_empty()) {
        return Err(Failure::usage("--name must not be empty"));
    }
    let batch =
        BatchCreate::new(a.names.iter().map(BatchItem::new)).continue_on_error(a.continue_on_error);
    let api = connect(global, Keep::Last)?;
    let result = api.client.apps().batch_create(&batch)?;
    if global.json {
        api.print_last()?;
    } else {
        emit(&batch_text(&a.names, &result))?;
    }
    if result.error_count > 0 {
        return Err(Failure {
            code: 1,
            ..Failure::usage(format!(
                "{} of {} apps were not created",
                result.error_count,
                a.names.len()
            ))
        });
    }
    Ok(())
}

/// `created FK5b0KSM  Shop` or `failed  CODE: message  Shop`, then a count.
fn batch_text(names: &[String], result: &BatchResult) -> String {
    let mut out = String::new();
    for (i, r) in result.results.iter().enumerate() {
        let name = names.get(i).map_or("?".to_owned(), |n| clean(n));
        match r {
            BatchItemResult::Created { app, .. } => {
                out.push_str(&format!("created {}  {name}\n", clean(&app.client_id)));
            }
            BatchItemResult::Failed(e) => {
                out.push_str(&format!(
                    "failed  {}: {}  {name}\n",
                    clean(&e.code),
                    clean(e.message.as_deref().unwrap_or("no message"))
                ));
            }
            _ => out.push_str(&format!("unknown result  {name}\n")),
        }
    }
    let skipped = names.len().saturating_sub(result.results.len());
    out.push_str(&format!(
        "{} created, {} failed",
        result.success_count, result.error_count
    ));
    if skipped > 0 {
        out.push_str(&format!(", {skipped} not attempted"));
    }
    out.push('\n');
    out
}

/// The logo to send: a `data:` URL as given, or an image file as a base64 `data:` URL.
fn logo_value(value: &str) -> Result<String, Failure> {
    const MAX_LOGO: u64 = 1024 * 1024;
    if value.starts_with("data:") {
        return Ok(value.to_owned());
    }
    let lower = value.to_ascii_lowercase();
    let mime = match lower.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => {
            return Err(Failure::usage(format!(
                "--logo must be a .png, .jpg, .gif, .webp or .svg file, or a data: URL, got {}",
                clean(value)
            )));
        }
    };
    let bytes = read_input("--logo", value, MAX_LOGO)?;
    Ok(format!("data:{mime};base64,{}", base64(&bytes)))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
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
        if let Some(logo) = &self.logo {
            update = update.logo(logo_value(logo)?);
        }
        if self.clear_logo {
            update = update.clear_logo();
        }
        self.redirects.check()?;
        if let Some(list) = self.redirects.replacement() {
            update = update.redirect_uris(list);
        }
        for (option, value) in [
            ("--success-redirect", &self.success_redirect),
            ("--failure-redirect", &self.failure_redirect),
        ] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Failure::usage(format!(
                    "{option} must not be empty (--clear-{} removes it)",
                    &option[2..]
                )));
            }
        }
        if let Some(uri) = &self.success_redirect {
            update = update.default_success_redirect_uri(uri);
        }
        if let Some(uri) = &self.failure_redirect {
            update = update.default_failure_redirect_uri(uri);
        }
        if self.clear_success_redirect {
            update = update.clear_default_success_redirect_uri();
        }
        if self.clear_failure_redirect {
            update = update.clear_default_failure_redirect_uri();
        }
        if update == AppUpdate::new() && !self.redirects.edits() {
            return Err(Failure::usage(
                "nothing to change: give --name, --logo, a redirect-uri option, \
                 --success-redirect, --failure-redirect or a --clear-... option",
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
            logo: None,
            clear_logo: false,
            redirects: RedirectEdit::default(),
            success_redirect: None,
            clear_success_redirect: false,
            failure_redirect: None,
            clear_failure_redirect: false,
        }
    }

    #[test]
    fn update_check_builds_the_update_from_every_option() {
        let a = Update {
            name: Some("Shop 2".into()),
            redirects: RedirectEdit {
                redirect_uris: vec!["https://a/cb".into(), "https://b/cb".into()],
                ..RedirectEdit::default()
            },
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
                "nothing to change: give --name, --logo, a redirect-uri option, --success-redirect, \
                 --failure-redirect or a --clear-... option",
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
                    redirects: RedirectEdit {
                        redirect_uris: vec!["https://a/#x".into()],
                        ..RedirectEdit::default()
                    },
                    ..update("A")
                },
                "--redirect-uri #1 must not have a fragment (`#...`)",
            ),
            (
                Update {
                    failure_redirect: Some(String::new()),
                    ..update("A")
                },
                "--failure-redirect must not be empty (--clear-failure-redirect removes it)",
            ),
        ] {
            let f = a.check().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
    }

    #[test]
    fn clear_options_send_null_or_empty_and_logos_are_data_urls() {
        let a = Update {
            clear_logo: true,
            clear_success_redirect: true,
            clear_failure_redirect: true,
            redirects: RedirectEdit {
                clear_redirect_uris: true,
                ..RedirectEdit::default()
            },
            ..update("A")
        };
        let sent = serde_json::to_value(a.check().unwrap()).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({"logo": "", "redirectUris": [],
                "defaultSuccessRedirectUri": null, "defaultFailureRedirectUri": null})
        );
        let adding = Update {
            redirects: RedirectEdit {
                add_redirect_uris: vec!["https://a/cb".into()],
                ..RedirectEdit::default()
            },
            ..update("A")
        };
        assert_eq!(adding.check(), Ok(AppUpdate::new()));
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            logo_value("data:image/png;base64,AA==").unwrap(),
            "data:image/png;base64,AA=="
        );
        assert!(
            logo_value("logo.bmp")
                .unwrap_err()
                .message
                .contains("--logo must be")
        );
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

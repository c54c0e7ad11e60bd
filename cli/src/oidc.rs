//! `hopae oidc`: check an App's OpenID Connect set-up from a terminal: the whole sign-in
//! flow on a loopback redirect (RFC 8252), the provider's discovery document, and the
//! verification of an ID token.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use hopae::oidc::{
    Authorization, AuthorizationRequest, Callback, IdTokenClaims, MAX_TOKEN_BYTES, OidcClient,
};
use hopae::{AppClient, Error};
use serde_json::{Value, json};

use crate::emit::{emit, emit_bytes};
use crate::failure::{EXIT_WAIT, Failure};
use crate::options::{DurationArg, Global, io_message};
use crate::output::{clean, fields, format_duration};
use crate::raw::{Bodies, Keep};

/// The loopback port `authorize` listens on by default: a redirect URI must match a
/// registered one exactly, so the port is fixed unless `--port` says otherwise.
pub(crate) const DEFAULT_PORT: u16 = 8765;
/// The path of the loopback redirect URI.
const CALLBACK_PATH: &str = "/callback";
/// How long `authorize` waits for the redirect unless `--timeout` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest request head the loopback server reads.
const MAX_HEAD_BYTES: u64 = 16 * 1024;

/// The arguments of `hopae oidc`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,

    /// The OIDC issuer [default: $HOPAE_OIDC_ISSUER, else HOPAE_ENVIRONMENT's]
    #[arg(long, global = true, value_name = "URL")]
    issuer: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Sign in through the provider in a browser, on a loopback redirect, and print the
    /// verified ID token's claims and the userinfo
    #[command(after_help = AUTHORIZE_NOTES)]
    Authorize(AuthorizeArgs),
    /// Print the provider's discovery document (issuer and endpoints)
    Discovery,
    /// Verify an ID token (signature, issuer, audience, times) and print its claims
    VerifyToken {
        /// The ID token, or - to read it from stdin
        #[arg(value_name = "JWT|-")]
        token: String,
    },
}

const AUTHORIZE_NOTES: &str = "\
Listens on http://127.0.0.1:PORT/callback (8765 unless --port), prints the authorization
URL on stderr (and opens it with --open), waits for the browser to come back (--timeout),
exchanges the code, verifies the ID token and prints its claims and the userinfo. The
redirect URI must be registered on the app exactly; when HOPAE_API_KEY is also set, it is
checked first. An ID token that fails verification exits with code 6.

App credentials: HOPAE_CLIENT_ID, HOPAE_CLIENT_SECRET, and HOPAE_ENVIRONMENT or
HOPAE_BASE_URL (with HOPAE_OIDC_ISSUER or --issuer).";

#[derive(clap::Args, Debug)]
struct AuthorizeArgs {
    /// The loopback port of the redirect URI http://127.0.0.1:PORT/callback
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,

    /// Open the authorization URL in the default browser
    #[arg(long)]
    open: bool,

    /// How long to wait for the browser to come back [default: 5m]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<DurationArg>,

    /// Ask for, and require, at least this level of assurance
    #[arg(long, value_name = "N")]
    min_loa: Option<u8>,

    /// The scope [default: openid idv]
    #[arg(long)]
    scope: Option<String>,

    /// prompt: login, consent or select_account
    #[arg(long)]
    prompt: Option<String>,

    /// The workflow to run (the app's default when not given)
    #[arg(long, value_name = "ID")]
    workflow_id: Option<String>,
}

/// The App client and its OIDC client, from the environment and the flags.
struct Oidc {
    app: AppClient,
    oidc: OidcClient,
    bodies: Bodies,
}

fn connect(group: &Group, global: &Global, keep: Keep) -> Result<Oidc, Failure> {
    let (app, bodies) = crate::connect::connect_app(global, keep)?;
    let mut oidc = app.oidc();
    if let Some(issuer) = &group.issuer {
        oidc = oidc.issuer(issuer);
    }
    Ok(Oidc { app, oidc, bodies })
}

/// Runs `hopae oidc ...`.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match &group.command {
        Command::Discovery => {
            let c = connect(&group, global, Keep::Last)?;
            let d = c.oidc.discovery()?;
            if global.json {
                return emit_bytes(&crate::raw::document(c.bodies.last()?));
            }
            emit(&fields(&[
                ("issuer", clean(&d.issuer)),
                ("authorization", clean(&d.authorization_endpoint)),
                ("token", clean(&d.token_endpoint)),
                (
                    "userinfo",
                    d.userinfo_endpoint.as_deref().map_or("-".into(), clean),
                ),
                ("jwks", clean(&d.jwks_uri)),
                ("scopes", clean(&d.scopes_supported.join(" "))),
                ("pkce", clean(&d.code_challenge_methods_supported.join(" "))),
                (
                    "algorithms",
                    clean(&d.id_token_signing_alg_values_supported.join(" ")),
                ),
            ]))
        }
        Command::VerifyToken { token } => {
            let c = connect(&group, global, Keep::Nothing)?;
            let jwt = read_token(token)?;
            let claims = c.oidc.verify_id_token_without_nonce(&jwt)?;
            if global.json {
                return emit(&format!("{}\n", json!(claims)));
            }
            emit(&format!(
                "{}note: the nonce and the minimum level are checked only in the flow \
                 (hopae oidc authorize, OidcClient::verify_id_token)\n",
                claims_text(&claims)
            ))
        }
        Command::Authorize(a) => authorize(&group, global, a),
    }
}

/// The token from the argument, or from stdin for `-`, without surrounding whitespace.
fn read_token(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.trim().to_owned());
    }
    let mut text = String::new();
    io::stdin()
        .lock()
        .take(MAX_TOKEN_BYTES as u64 * 2)
        .read_to_string(&mut text)
        .map_err(|e| {
            Failure::usage(format!(
                "could not read the token from stdin: {}",
                io_message(&e)
            ))
        })?;
    Ok(text.trim().to_owned())
}

fn claims_text(c: &IdTokenClaims) -> String {
    let time = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(crate::output::rfc3339)
            .unwrap_or_else(|_| t.to_string())
    };
    fields(&[
        ("subject", clean(&c.sub)),
        ("issuer", clean(&c.iss)),
        ("audience", clean(&c.aud.join(" "))),
        ("level", c.loa().map_or("-".into(), |l| l.to_string())),
        ("acr", c.acr.as_deref().map_or("-".into(), clean)),
        ("amr", clean(&c.amr_values().join(" "))),
        ("issued", time(c.iat)),
        ("expires", time(c.exp)),
    ])
}

fn authorize(group: &Group, global: &Global, a: &AuthorizeArgs) -> Result<(), Failure> {
    let redirect_uri = format!("http://127.0.0.1:{}{CALLBACK_PATH}", a.port);
    let c = connect(group, global, Keep::All)?;
    check_registered(global, c.app.client_id(), &redirect_uri)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, a.port)).map_err(|e| {
        Failure::usage(format!(
            "could not listen on {}: {}; pick another --port (and register its redirect URI)",
            SocketAddr::from((Ipv4Addr::LOCALHOST, a.port)),
            io_message(&e)
        ))
    })?;
    let mut request = AuthorizationRequest::new(&redirect_uri);
    if let Some(n) = a.min_loa {
        request = request.min_loa(n);
    }
    if let Some(s) = &a.scope {
        request = request.scope(s);
    }
    if let Some(p) = &a.prompt {
        request = request.prompt(p);
    }
    if let Some(w) = &a.workflow_id {
        request = request.workflow_id(w);
    }
    let auth = c.oidc.authorization_url(&request)?;
    let timeout = a.timeout.as_ref().map_or(DEFAULT_TIMEOUT, |t| t.value);
    note(&format!(
        "open this URL in a browser to sign in (waiting {} for the redirect to {redirect_uri}):\n\n  {}\n",
        format_duration(timeout),
        auth.url()
    ));
    if a.open && crate::browser::open_browser(auth.url()).is_err() {
        note("could not open a browser: open the URL above by hand");
    }
    let callback = wait_for_callback(&listener, Instant::now() + timeout, &auth)?;
    let tokens = c.oidc.exchange_code(&auth, &callback)?;
    let claims = c.oidc.verify_id_token(tokens.id_token.expose(), &auth)?;
    let userinfo = match &tokens.access_token {
        Some(access) => Some(c.oidc.userinfo(access)?),
        None => None,
    };
    if global.json {
        let shown = |s: &hopae::Secret| {
            if global.show_secrets {
                json!(s.expose())
            } else {
                json!("[redacted]")
            }
        };
        let raw_userinfo = userinfo
            .as_ref()
            .and_then(|_| c.bodies.all().last().cloned())
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        let out = json!({
            "claims": claims,
            "userinfo": raw_userinfo,
            "tokens": {
                "id_token": shown(&tokens.id_token),
                "access_token": tokens.access_token.as_ref().map(shown),
                "token_type": tokens.token_type,
                "expires_in": tokens.expires_in.map(|d| d.as_secs()),
            },
        });
        return emit(&format!("{out}\n"));
    }
    let mut text = format!("signed in: the ID token verified\n{}", claims_text(&claims));
    if let Some(info) = &userinfo {
        let user = info.user.as_ref();
        let name = user
            .and_then(|u| u.name.as_deref())
            .map_or("-".into(), clean);
        let birthdate = user
            .and_then(|u| u.birthdate.as_deref())
            .map_or("-".into(), clean);
        text.push_str(&format!(
            "\nuserinfo\n{}",
            fields(&[
                ("subject", clean(&info.sub)),
                ("name", name),
                ("birthdate", birthdate),
                (
                    "provider",
                    info.provider_id.as_deref().map_or("-".into(), clean)
                ),
            ])
        ));
    }
    emit(&text)
}

/// With a workspace key too, checks that `uri` is registered on the App, and says how
/// to add it when it is not.
fn check_registered(global: &Global, client_id: &str, uri: &str) -> Result<(), Failure> {
    if std::env::var("HOPAE_API_KEY").map_or(true, |k| k.is_empty()) {
        return Ok(());
    }
    let api = crate::connect::connect(global, Keep::Nothing)?;
    let registered = api.client.app(client_id).redirect_uris()?;
    if registered.iter().any(|r| r == uri) {
        return Ok(());
    }
    let mut fix = format!("hopae apps update {}", clean(client_id));
    for r in registered.iter().map(String::as_str).chain([uri]) {
        fix.push_str(&format!(" --redirect-uri {}", clean(r)));
    }
    Err(Failure::usage(format!(
        "the redirect URI {uri} is not registered on app {}: add it with `{fix}`",
        clean(client_id)
    )))
}

fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Serves the loopback redirect until the callback arrives or `deadline` passes: other
/// paths (a browser's favicon) get a 404, and the callback a short page.
fn wait_for_callback(
    listener: &TcpListener,
    deadline: Instant,
    auth: &Authorization,
) -> Result<Callback, Failure> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Failure::usage(format!("could not listen: {}", io_message(&e))))?;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Failure {
                code: EXIT_WAIT,
                ..Failure::usage(
                    "no redirect came back from the provider in time (--timeout): was the URL \
                     opened and the sign-in finished?",
                )
            });
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let remaining = deadline.saturating_duration_since(now);
                if let Some(result) = serve(stream, remaining.min(Duration::from_secs(5)), auth) {
                    return result.map_err(Failure::from);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) => {
                return Err(Failure::usage(format!(
                    "the loopback listener failed: {}",
                    io_message(&e)
                )));
            }
        }
    }
}

/// Answers one connection; `Some` when it was the callback.
fn serve(
    stream: TcpStream,
    read_timeout: Duration,
    auth: &Authorization,
) -> Option<Result<Callback, Error>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(read_timeout.max(Duration::from_millis(1))));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new((&stream).take(MAX_HEAD_BYTES));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    // The rest of the head, so that the browser sees a complete exchange.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let mut parts = line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let path = target.split('?').next().unwrap_or_default();
    if method != "GET" || path != CALLBACK_PATH {
        respond(
            &stream,
            404,
            "Not found",
            "This is hopae's sign-in redirect; nothing here.",
        );
        return None;
    }
    let result = auth.parse_callback(target);
    match &result {
        Ok(_) => respond(
            &stream,
            200,
            "Signed in",
            "The sign-in came back to hopae. You can close this tab and return to the terminal.",
        ),
        Err(e) => respond(&stream, 400, "Sign-in failed", &e.to_string()),
    }
    Some(result)
}

fn respond(mut stream: &TcpStream, status: u16, title: &str, message: &str) {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head>\
         <body><h1>{0}</h1><p>{1}</p></body></html>\n",
        escape(title),
        escape(message)
    );
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

//! `hopae api <METHOD> <PATH>`: any endpoint, as `gh api` does, through the library's
//! `HopaeClient::request` (the same key, retries, redaction and errors as every command).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::connect::connect;
use crate::emit::emit_bytes;
use crate::failure::{EXIT_RESPONSE, Failure};
use crate::options::{Global, read_input};
use crate::raw::{Keep, document, redact_secrets};

/// The largest `--data` body read: the API takes JSON bodies of at most 1 MiB.
const MAX_DATA_BYTES: u64 = 10 * 1024 * 1024;
/// The most pages `--paginate` follows.
const MAX_PAGES: u32 = 10_000;

/// `hopae api`'s arguments.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The body is printed as the API sent it, except that the values of secret fields \
(clientSecret, secret, tokens, evidence: hopae::SECRET_FIELDS) are printed as \
\"[redacted]\" unless --show-secrets is given. A POST's answer is printed as sent: \
creating an app or rotating a secret shows the new secret only then.

Examples:
  hopae api GET /workspace
  hopae api GET /apps --paginate
  hopae api POST /apps --data @app.json
  echo '{\"name\":\"New\"}' | hopae api PATCH /apps/FK5b0KSM --data -")]
pub(crate) struct Args {
    /// The HTTP method: GET, POST, PUT, PATCH or DELETE
    method: String,

    /// The path after the base URL, starting with / (e.g. /apps?limit=5)
    path: String,

    /// The JSON request body: @FILE, - (or @-) for stdin, or the JSON text itself
    #[arg(long, value_name = "@FILE|-|JSON")]
    data: Option<String>,

    /// Follow the pages of a {data,total,limit,offset} list and print one array of
    /// every item (GET only)
    #[arg(long)]
    paginate: bool,
}

/// Runs `hopae api`.
pub(crate) fn run(args: &Args, global: &Global) -> Result<(), Failure> {
    if args.paginate && !args.method.eq_ignore_ascii_case("GET") {
        return Err(Failure::usage("--paginate follows the pages of a GET only"));
    }
    let body = match &args.data {
        None => None,
        Some(data) => {
            let bytes = match data.as_str() {
                "-" | "@-" => read_input("--data", "-", MAX_DATA_BYTES)?,
                _ if data.starts_with('@') => read_input("--data", &data[1..], MAX_DATA_BYTES)?,
                _ => data.clone().into_bytes(),
            };
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                return Err(Failure::usage(format!("--data is not JSON: {e}")));
            }
            Some(bytes)
        }
    };
    let client = connect(global, Keep::Nothing)?.client;
    // `--show-secrets`, the CLI's one reveal flag, applies here as to `--json`.
    let redact = |body: Vec<u8>| {
        if global.show_secrets {
            body
        } else {
            redact_secrets(&body)
        }
    };
    let send = |path: &str| {
        let mut request = client.request(&args.method, path);
        if let Some(bytes) = &body {
            request = request.body("application/json", bytes.clone());
        }
        request.send().map_err(Failure::from)
    };
    let first = send(&args.path)?.into_body();
    if !args.paginate {
        if first.is_empty() {
            return Ok(());
        }
        // A POST's answer may be the only time a new secret is shown (apps create,
        // rotate-secret): printed as sent.
        if args.method.eq_ignore_ascii_case("POST") {
            return emit_bytes(&document(first));
        }
        return emit_bytes(&document(redact(first)));
    }
    let Ok(mut page) = serde_json::from_slice::<Page<'_>>(&first) else {
        // Not a list: printed as it came.
        return emit_bytes(&document(redact(first)));
    };
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut bodies = vec![];
    let mut pages = 1;
    loop {
        let got = page.data.len() as u64;
        items.extend(
            page.data
                .iter()
                .map(|item| redact(item.get().as_bytes().to_vec())),
        );
        let next = page.offset.saturating_add(got);
        if got == 0 || got < page.limit || next >= page.total {
            break;
        }
        if pages >= MAX_PAGES {
            return Err(Failure {
                code: EXIT_RESPONSE,
                ..Failure::usage(format!("--paginate stopped after {MAX_PAGES} pages"))
            });
        }
        pages += 1;
        bodies.push(send(&page_path(&args.path, page.limit, next))?.into_body());
        let body = bodies.last().map(Vec::as_slice).unwrap_or_default();
        page = serde_json::from_slice(body).map_err(|e| Failure {
            code: EXIT_RESPONSE,
            ..Failure::usage(format!(
                "page {pages} is not a {{data,total,limit,offset}} list: {e}"
            ))
        })?;
    }
    let mut out = b"[".to_vec();
    for (i, item) in items.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
        out.extend_from_slice(item);
    }
    out.extend_from_slice(if items.is_empty() { b"]\n" } else { b"\n]\n" });
    emit_bytes(&out)
}

/// A list page as the API pages them.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    total: u64,
    limit: u64,
    offset: u64,
}

/// `path` with its `limit` and `offset` parameters replaced.
fn page_path(path: &str, limit: u64, offset: u64) -> String {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let mut out = route.to_owned();
    let kept = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("limit=") && !p.starts_with("offset="));
    let mut sep = '?';
    for param in kept {
        out.push(sep);
        out.push_str(param);
        sep = '&';
    }
    out.push(sep);
    out.push_str(&format!("limit={limit}&offset={offset}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_replace_limit_and_offset_only() {
        assert_eq!(page_path("/apps", 20, 40), "/apps?limit=20&offset=40");
        assert_eq!(
            page_path("/apps?limit=5&q=x&offset=0", 5, 5),
            "/apps?q=x&limit=5&offset=5"
        );
    }
}

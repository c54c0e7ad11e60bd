//! The escape hatch: [`HopaeClient::request`](crate::HopaeClient::request) calls any endpoint under the base URL,
//! for one this crate does not cover yet, through the same funnel as every other call
//! (key, retries, idempotency key on POST, deadlines, redaction, errors).

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, InputErrorKind};
use crate::http::{Call, Method, Transport, encode_into};

/// The longest path (query included) a raw request accepts, in bytes.
const MAX_PATH_BYTES: usize = 8 * 1024;

/// A request to any endpoint, made by [`HopaeClient::request`](crate::HopaeClient::request); nothing is sent before
/// [`Request::send`] or [`Request::send_json`].
///
/// # Example
///
/// ```no_run
/// use hopae::serde_json::json;
///
/// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
/// let page = client.request("GET", "/apps").query("limit", 5).send_json()?;
/// println!("{} apps", page["total"]);
/// let created = client
///     .request("POST", "/apps")
///     .json(&json!({"name": "Demo", "redirectUris": ["https://example.com/cb"]}))
///     .send()?;
/// assert_eq!(created.status(), 201);
/// # Ok::<(), hopae::Error>(())
/// ```
#[must_use = "nothing is sent before `send` or `send_json`"]
pub struct Request<'a> {
    transport: &'a Transport,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<(Cow<'static, str>, Vec<u8>)>,
    idempotency_key: Option<String>,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.transport.redact(&self.path))
            .field("query", &self.query.len())
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|(t, b)| format!("{t} [{} bytes]", b.len())),
            )
            .finish()
    }
}

impl<'a> Request<'a> {
    pub(crate) fn new(transport: &'a Transport, method: &str, path: &str) -> Request<'a> {
        Request {
            transport,
            method: method.to_owned(),
            path: path.to_owned(),
            query: Vec::new(),
            body: None,
            idempotency_key: None,
        }
    }

    /// Adds a query parameter; name and value are percent-encoded.
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some((
            Cow::Borrowed("application/json"),
            body.to_string().into_bytes(),
        ));
        self
    }

    /// Sends `bytes` as the body, with `content_type` (1 to 200 visible ASCII
    /// characters or spaces, checked at [`Request::send`]). Every attempt sends exactly
    /// these bytes.
    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((Cow::Owned(content_type.to_owned()), bytes.into()));
        self
    }

    /// The `Idempotency-Key` of a POST (by default one is generated, as for every POST
    /// of this client, and reused by its retries).
    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_owned());
        self
    }

    /// Sends the request and returns the 2xx answer as received.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (kind [`InputErrorKind::Request`]) before sending when the
    /// method is not GET, POST, PUT, PATCH or DELETE, or the path does not start with
    /// one `/`: absolute URLs (`https://...`) and `//host/...` are refused, so the key
    /// never leaves for another origin; also for a path over 8 KiB, with characters
    /// other than visible ASCII (percent-encode them), a fragment, or `.`/`..`
    /// segments. Then every error of the other calls: [`Error::Api`] for a non-2xx
    /// answer, [`Error::Transport`], [`Error::ResponseTooLarge`].
    pub fn send(self) -> Result<Response, Error> {
        let transport = self.transport;
        let call = self.into_call()?;
        let (status, request_id, body) = transport.send_raw(call)?;
        Ok(Response {
            status,
            request_id,
            body,
        })
    }

    /// Sends the request and decodes the 2xx answer as JSON (an empty body is `null`).
    ///
    /// # Errors
    ///
    /// As [`Request::send`], and [`Error::Decode`] when the body is not JSON.
    pub fn send_json(self) -> Result<serde_json::Value, Error> {
        let transport = self.transport;
        let call = self.into_call()?;
        transport.execute(call, |body| {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(serde_json::Value::Null);
            }
            serde_json::from_slice(body).map_err(|e| (None, e.to_string()))
        })
    }

    /// The funnel's call, after the checks.
    fn into_call(self) -> Result<Call, Error> {
        let method = Method::parse(&self.method).ok_or_else(|| {
            Error::input(
                InputErrorKind::Request,
                "the method must be GET, POST, PUT, PATCH or DELETE",
            )
        })?;
        check_path(&self.path)?;
        let mut path = self.path;
        for (name, value) in &self.query {
            path.push(if path.contains('?') { '&' } else { '?' });
            encode_into(&mut path, name);
            path.push('=');
            encode_into(&mut path, value);
        }
        let mut call = Call::new(method, "request", path);
        if let Some((content_type, bytes)) = self.body {
            if content_type.is_empty()
                || content_type.len() > 200
                || !content_type
                    .bytes()
                    .all(|b| b.is_ascii_graphic() || b == b' ')
            {
                return Err(Error::input(
                    InputErrorKind::Request,
                    "the content type must be 1 to 200 visible ASCII characters or spaces",
                ));
            }
            call = call.body(content_type, bytes);
        }
        if let Some(key) = &self.idempotency_key {
            crate::http::validate_idempotency_key(key)?;
            call = call.keyed(Some(key));
        }
        Ok(call)
    }
}

/// Checks a raw request's path: one leading `/`, then only what stays under the base
/// URL.
fn check_path(path: &str) -> Result<(), Error> {
    let refuse = |why: &str| Err(Error::input(InputErrorKind::Request, why.to_owned()));
    if !path.starts_with('/') {
        return refuse(
            "the path must start with `/` and is appended to the base URL (absolute URLs are refused: the key never leaves for another host)",
        );
    }
    if path.starts_with("//") {
        return refuse("the path must not start with `//` (a URL of another host)");
    }
    if path.len() > MAX_PATH_BYTES {
        return refuse("the path is longer than 8 KiB");
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) || path.contains('\\') {
        return refuse(
            "the path may only hold visible ASCII characters other than `\\` (percent-encode the rest)",
        );
    }
    if path.contains('#') {
        return refuse("the path must not have a fragment (`#`)");
    }
    let route = path.split('?').next().unwrap_or_default();
    // Servers resolve dot segments, encoded ones too: they would leave the base path.
    let dots = |s: &str| {
        let s = s.replace("%2e", ".").replace("%2E", ".");
        s == "." || s == ".."
    };
    if route.split('/').any(dots) {
        return refuse("the path must not have `.` or `..` segments");
    }
    Ok(())
}

/// A 2xx answer of a [`Request`], as received. `Debug` shows the body's length only.
#[derive(Clone)]
pub struct Response {
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl Response {
    /// The status code (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `X-Request-Id` header, when sent (with the key redacted).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body decoded as JSON (an empty body is `null`).
    ///
    /// # Errors
    ///
    /// The `serde_json` error when the body is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_base_url() {
        for ok in [
            "/apps",
            "/apps?limit=5&offset=0",
            "/apps/FK5b0KSM/production-tests",
            "/a%20b",
            "/",
            "/a/.../b",
        ] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "apps",
            "https://evil.example/apps",
            "//evil.example/apps",
            "/apps/../../x",
            "/apps/%2e%2E/x",
            "/./apps",
            "/a b",
            "/a\r\nX-Evil: 1",
            "/a#frag",
            "/a\\..\\b",
            "/é",
            "",
        ] {
            let e = check_path(bad).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput(i) if i.kind() == InputErrorKind::Request),
                "{bad}: {e}"
            );
        }
        assert!(check_path(&format!("/{}", "a".repeat(9000))).is_err());
    }

    #[test]
    fn methods_are_the_five_the_client_sends() {
        assert_eq!(Method::parse("get"), Some(Method::Get));
        assert_eq!(Method::parse("DELETE"), Some(Method::Delete));
        assert_eq!(Method::parse("HEAD"), None);
        assert_eq!(Method::parse("GET "), None);
    }
}

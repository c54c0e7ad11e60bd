//! The one workspace the mock holds: its Apps and everything under them, the
//! idempotency store, the request log and the fault switches; the JSON each resource is
//! answered as; the seed data of the API reference.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::LoggedRequest;
use super::deliveries;

/// The most requests the log keeps (the oldest go first).
const LOG_CAPACITY: usize = 10_000;
/// The most bytes of methods, paths and queries the log keeps (the oldest go first):
/// 10,000 requests of 16 KiB heads would otherwise hold 160 MiB.
const LOG_BYTES: usize = 8 * 1024 * 1024;
/// The most idempotency keys remembered (the oldest are forgotten first).
const KEYS_CAPACITY: usize = 10_000;
/// The most bytes of keys and stored answers the idempotency records keep (the oldest
/// are forgotten first).
const KEYS_BYTES: usize = 64 * 1024 * 1024;
/// The most per-item keys of batch creates remembered (the oldest are forgotten first).
const BATCH_KEYS_CAPACITY: usize = 10_000;

/// The seeded App of the API reference.
pub const SEED_APP: &str = "FK5b0KSM";
/// The client secret of [`SEED_APP`], for the App API's Basic credentials (64 hex
/// characters, like the API's).
pub const SEED_CLIENT_SECRET: &str =
    "6f1c0a9e3b7d45f2a8c19e0d7b3f6a2c5e8d1b4f7a0c3e6d9b2f5a8c1e4d7b0a";
/// Its scheduled BankID SE challenge: 2 claims of 3, through `bankidse` only.
pub const SEED_CHALLENGE: &str = "ch_9a1b2c3d-4e5f-6789-abcd-ef0123456789";
/// Its pending MitID request.
pub const SEED_REQUEST: &str = "req_7f3a9c1e-4b2d-4f88-9e1a-0c3d5b6e7f8a";

/// A provider the mock knows.
pub(super) struct CatalogEntry {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    /// Read from an identity document's chip: not allowed in production tests.
    pub(super) chip_reader: bool,
    /// Has an `upload` activation step (documents).
    pub(super) upload: bool,
    /// Bulk activation answers `contract_activation_required`.
    pub(super) contract: bool,
}

const fn entry(id: &'static str, name: &'static str) -> CatalogEntry {
    CatalogEntry {
        id,
        name,
        chip_reader: false,
        upload: false,
        contract: false,
    }
}

/// The providers of the mock. The documented facts: `ftn`, `spid-ig` and `idin` have an
/// upload step. The rest (which is a chip reader, which needs a contract) is the
/// mock's own choice.
pub(super) const CATALOG: &[CatalogEntry] = &[
    CatalogEntry {
        chip_reader: true,
        ..entry("passport", "Passport (NFC)")
    },
    entry("bankidse", "BankID SE"),
    entry("bankidno", "BankID NO"),
    entry("mitid", "MitID"),
    entry("smartid", "Smart-ID"),
    entry("itsme", "itsme"),
    entry("freja", "Freja eID"),
    CatalogEntry {
        upload: true,
        ..entry("ftn", "Finnish Trust Network")
    },
    CatalogEntry {
        upload: true,
        ..entry("spid-ig", "SPID")
    },
    CatalogEntry {
        upload: true,
        contract: true,
        ..entry("idin", "iDIN")
    }, // App API providers (see `sessions.rs`) that the Workspace API can enable too.
    entry("frejaid", "Freja eID"),
    entry("skmobileid", "Mobile-ID"),
    entry("audkenni", "Auðkenni"),
];

pub(super) fn catalog(id: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.id == id)
}

/// The fields of every provider's activation form: `(name, label, example)`.
pub(super) const FORM_FIELDS: &[(&str, &str, &str)] = &[
    ("companyName", "Company name", "Example AB"),
    (
        "registrationNumber",
        "Company registration number",
        "556000-0000",
    ),
    ("contactEmail", "Contact email", "ops@example.com"),
];

/// The whole mutable state, behind the server's one mutex.
pub(super) struct State {
    pub(super) schedule_after: u32,
    pub(super) org_id: String,
    pub(super) created_at: OffsetDateTime,
    /// In creation order, which is also the list order.
    pub(super) apps: Vec<App>,
    /// Idempotency keys of POSTs: see [`State::remember`].
    pub(super) idempotency: HashMap<String, Idempotent>,
    /// The keys of `idempotency`, oldest first.
    key_order: VecDeque<String>,
    /// Bytes of `idempotency`'s keys and stored answers.
    key_bytes: usize,
    /// Per-item keys of batch creates: a fingerprint of the item as sent (not the item:
    /// it may be large) and the App it created. See [`State::remember_batch_key`].
    pub(super) batch_keys: HashMap<String, (u64, String)>,
    /// The keys of `batch_keys`, oldest first.
    batch_order: VecDeque<String>,
    /// The last requests answered, oldest first: a ring of at most [`LOG_CAPACITY`]
    /// entries and [`LOG_BYTES`] bytes.
    pub(super) log: VecDeque<LoggedRequest>,
    /// The bytes of `log`'s methods, paths and queries.
    log_bytes: usize,
    /// How many requests were ever logged: the number the next one gets (the first is
    /// number 0).
    pub(super) logged: u64,
    rng: Rng,
    pub(super) fault_rng: Rng,
    pub(super) fail_rate: f64,
    pub(super) fail_next: u64,
    /// The App API's verification sessions.
    pub(super) sessions: super::sessions::Sessions,
    /// Keys revoked by a test: answered 401 from then on.
    pub(super) revoked: HashSet<String>,
    /// Webhook deliveries, shared with the threads that send them.
    pub(super) deliveries: deliveries::Log,
    /// The first retry's delay of a delivery (later ones are 5x and 30x it).
    pub(super) delivery_backoff: std::time::Duration,
}

/// What an idempotency key stands for.
pub(super) enum Idempotent {
    /// The first request with the key is still running.
    InProgress,
    /// The first request's fingerprint and answer.
    Done(u64, Stored),
}

/// A response kept for replay.
#[derive(Clone)]
pub(super) struct Stored {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
}

pub(super) struct App {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) name: String,
    pub(super) logo: Option<String>,
    pub(super) redirect_uris: Vec<String>,
    pub(super) success_uri: Option<String>,
    pub(super) failure_uri: Option<String>,
    pub(super) webhook: Webhook,
    pub(super) default_workflow_id: String,
    pub(super) workflows: Vec<Workflow>,
    /// Providers ever enabled on the App.
    pub(super) providers: BTreeMap<String, Provider>,
    pub(super) domain: Option<Domain>,
    pub(super) requests: Vec<TestRequest>,
    pub(super) challenges: Vec<Challenge>,
    pub(super) created_at: OffsetDateTime,
    pub(super) updated_at: OffsetDateTime,
}

#[derive(Clone)]
pub(super) struct Webhook {
    pub(super) url: Option<String>,
    pub(super) enabled: bool,
    pub(super) retry_attempts: u64,
    pub(super) timeout_seconds: u64,
    pub(super) secret: String,
    pub(super) events: Vec<String>,
}

#[derive(Clone)]
pub(super) struct Workflow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) entry_node_id: String,
    pub(super) nodes: Vec<Value>,
    pub(super) created_at: OffsetDateTime,
    pub(super) updated_at: OffsetDateTime,
}

#[derive(Clone, Default)]
pub(super) struct Provider {
    pub(super) enabled: bool,
    /// Enabled at least once: the App lists it from then on, enabled or not (an entry
    /// made by a form or an upload alone is not listed).
    pub(super) listed: bool,
    /// Activated without going through the steps (seeded, or by a bulk activation).
    pub(super) activated: bool,
    /// The submitted activation form (the whole answer of the form call).
    pub(super) form: Option<Value>,
    pub(super) documents: Vec<Document>,
    /// The last bulk activation of the provider.
    pub(super) activation: Option<Value>,
}

#[derive(Clone)]
pub(super) struct Document {
    pub(super) id: String,
    pub(super) file_name: String,
    pub(super) size: usize,
    pub(super) content_type: String,
    pub(super) uploaded_at: OffsetDateTime,
    /// `pending` until a bulk activation sends it for review (`processed`).
    pub(super) state: &'static str,
}

#[derive(Clone)]
pub(super) struct Domain {
    pub(super) web: String,
    pub(super) oidc: String,
    /// `awaiting_dns`, `verifying` or `active`.
    pub(super) status: &'static str,
    pub(super) last_checked: Option<OffsetDateTime>,
}

pub(super) struct TestRequest {
    pub(super) id: String,
    pub(super) payload: Value,
    pub(super) status: &'static str,
    pub(super) challenge_id: Option<String>,
    pub(super) created_at: OffsetDateTime,
    /// List calls that saw it pending.
    pub(super) polls: u32,
    /// The seeded request stays pending.
    pub(super) schedulable: bool,
}

pub(super) struct Challenge {
    /// The Challenge object, as listed.
    pub(super) json: Value,
    pub(super) stats: Value,
    /// The claims that complete it: the request's `maxStampClaims`.
    pub(super) max_claims: u64,
    /// The providers a claim may come through: the request's `providerIds`, or `None`
    /// for any.
    pub(super) providers: Option<Vec<String>>,
}

impl State {
    pub(super) fn new(seeded: bool, schedule_after: u32, seed: u64) -> State {
        let mut state = State {
            schedule_after,
            org_id: String::new(),
            created_at: at("2026-01-05T08:00:00.000Z"),
            apps: Vec::new(),
            idempotency: HashMap::new(),
            key_order: VecDeque::new(),
            key_bytes: 0,
            batch_keys: HashMap::new(),
            batch_order: VecDeque::new(),
            log: VecDeque::new(),
            log_bytes: 0,
            logged: 0,
            rng: Rng(seed ^ 0x6d6f_636b_2d69_6473),
            fault_rng: Rng(seed),
            fail_rate: 0.0,
            fail_next: 0,
            sessions: super::sessions::Sessions::default(),
            revoked: HashSet::new(),
            deliveries: deliveries::Log::default(),
            delivery_backoff: std::time::Duration::from_secs(1),
        };
        state.org_id = format!("org_{}", state.alnum(24));
        if seeded {
            state.seed();
        }
        state
    }

    /// The reference's example App, challenge (with its report) and pending request.
    fn seed(&mut self) {
        let created = at("2026-03-02T12:00:00.000Z");
        let mut app = self.new_app("Demo Shop".into(), created);
        app.client_id = SEED_APP.into();
        app.client_secret = SEED_CLIENT_SECRET.into();
        app.redirect_uris = vec!["https://shop.example/callback".into()];
        for id in ["bankidse", "mitid", "smartid"] {
            app.providers.insert(id.into(), Provider::activated());
        }
        app.challenges.push(Challenge {
            json: json!({
                "id": SEED_CHALLENGE,
                "title": "BankID SE Production Test",
                "description": "Testing BankID SE integration in production",
                "expiresAt": "2026-04-15T23:59:59.000Z",
                "createdAt": "2026-04-08T09:00:00.000Z",
                "completedAt": null, "isActive": true, "challengeMode": "stamp",
                "sponsor": null, "sources": null
            }),
            stats: json!({
                "totalParticipations": 4, "totalClaims": 2,
                "providerBreakdown": [
                    {"providerId": "bankidse", "providerName": "BankID SE", "claimCount": 2}
                ]
            }),
            max_claims: 3,
            providers: Some(vec!["bankidse".into()]),
        });
        app.requests.push(TestRequest {
            id: SEED_REQUEST.into(),
            payload: json!({"title": "MitID Production Test", "providerIds": ["mitid"],
                            "maxStampClaims": 3, "targetPlatform": null}),
            status: "pending",
            challenge_id: None,
            created_at: at("2026-04-08T10:00:00.000Z"),
            polls: 0,
            schedulable: false,
        });
        self.apps.push(app);
    }

    /// A new App as `POST /apps` makes it: fresh id and secrets, the default workflow
    /// with the `passport` provider.
    pub(super) fn new_app(&mut self, name: String, now: OffsetDateTime) -> App {
        let client_id = loop {
            let id = self.alnum(8);
            if !self.apps.iter().any(|a| a.client_id == id) {
                break id;
            }
        };
        let mut providers = BTreeMap::new();
        providers.insert("passport".to_owned(), Provider::activated());
        App {
            client_id,
            client_secret: self.client_secret(),
            name,
            logo: None,
            redirect_uris: Vec::new(),
            success_uri: None,
            failure_uri: None,
            webhook: Webhook {
                url: None,
                enabled: true,
                retry_attempts: 3,
                timeout_seconds: 10,
                secret: self.webhook_secret(),
                events: Vec::new(),
            },
            default_workflow_id: "default".into(),
            workflows: vec![Workflow {
                id: "default".into(),
                name: "Default".into(),
                entry_node_id: "request".into(),
                nodes: vec![
                    json!({"id": "request", "type": "request", "next": "verify"}),
                    json!({"id": "verify", "type": "verification", "next": "response",
                           "config": {"providers": ["passport"]}}),
                    json!({"id": "response", "type": "response"}),
                ],
                created_at: now,
                updated_at: now,
            }],
            providers,
            domain: None,
            requests: Vec::new(),
            challenges: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// One stamp claim through `provider_id` on the challenge `challenge_id` of any App:
    /// the claim count after it, or `None` (nothing changed) for an unknown or completed
    /// challenge or a provider the test does not take. See `Server::claim`.
    pub(super) fn claim(
        &mut self,
        challenge_id: &str,
        provider_id: &str,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let challenge = self
            .apps
            .iter_mut()
            .flat_map(|a| a.challenges.iter_mut())
            .find(|c| c.json["id"] == challenge_id)?;
        let open = challenge.json["isActive"] == true && challenge.json["completedAt"].is_null();
        let allowed = challenge
            .providers
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == provider_id));
        if !open || !allowed {
            return None;
        }
        let stats = &mut challenge.stats;
        let bump = |n: &mut Value| *n = json!(n.as_u64().unwrap_or(0) + 1);
        bump(&mut stats["totalParticipations"]);
        bump(&mut stats["totalClaims"]);
        let total = stats["totalClaims"].as_u64().unwrap_or(0);
        if let Some(breakdown) = stats["providerBreakdown"].as_array_mut() {
            match breakdown
                .iter_mut()
                .find(|p| p["providerId"] == provider_id)
            {
                Some(entry) => bump(&mut entry["claimCount"]),
                None => breakdown.push(json!({
                    "providerId": provider_id,
                    "providerName": catalog(provider_id).map_or(provider_id, |e| e.name),
                    "claimCount": 1,
                })),
            }
        }
        if total >= challenge.max_claims {
            challenge.json["completedAt"] = json!(ts(now));
            challenge.json["isActive"] = json!(false);
        }
        Some(total)
    }

    /// Delivers `event` with `data` to the App `client_id`, when its webhook settings are
    /// enabled, have a URL and list the event ([`deliveries::send`] sends it). Returns the
    /// event id, or why nothing was sent.
    pub(crate) fn deliver(
        &mut self,
        client_id: &str,
        event: &str,
        data: serde_json::Value,
    ) -> Result<String, deliveries::Skipped> {
        use deliveries::Skipped;
        let app = self.app(client_id).ok_or(Skipped::NoApp)?;
        let webhook = &app.webhook;
        if !webhook.enabled {
            return Err(Skipped::Disabled);
        }
        let url = webhook.url.clone().ok_or(Skipped::NoUrl)?;
        if !webhook.events.iter().any(|e| e == event) {
            return Err(Skipped::NotSubscribed);
        }
        let secret = webhook.secret.clone();
        let retry_attempts = webhook.retry_attempts;
        let timeout_seconds = webhook.timeout_seconds;
        let event_id = format!("evt_{}", self.alnum(24));
        Ok(deliveries::send(deliveries::Outgoing {
            client_id,
            event,
            data,
            event_id,
            url,
            secret,
            retry_attempts,
            timeout_seconds,
            log: std::sync::Arc::clone(&self.deliveries),
            backoff: self.delivery_backoff,
        }))
    }

    pub(super) fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// `n` random ASCII letters and digits.
    pub(super) fn alnum(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| char::from(CHARS[(self.rng.next() % CHARS.len() as u64) as usize]))
            .collect()
    }

    /// A random UUID (version 4 layout).
    pub(super) fn uuid(&mut self) -> String {
        let (a, b) = (self.rng.next(), self.rng.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// A client secret as the API makes them: 64 lowercase hex characters.
    pub(super) fn client_secret(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.rng.next()))
            .collect()
    }

    pub(super) fn webhook_secret(&mut self) -> String {
        format!("whsec_{}", self.alnum(32))
    }

    /// Stores what an idempotency key stands for, forgetting the oldest keys past
    /// 10,000 keys or 64 MiB of stored answers (the API remembers keys for 24 hours;
    /// the mock, by count and size).
    pub(super) fn remember(&mut self, key: &str, value: Idempotent) {
        fn size(key: &str, value: &Idempotent) -> usize {
            key.len()
                + match value {
                    Idempotent::InProgress => 0,
                    Idempotent::Done(_, stored) => {
                        stored.body.len()
                            + stored
                                .headers
                                .iter()
                                .map(|(n, v)| n.len() + v.len())
                                .sum::<usize>()
                    }
                }
        }
        self.key_bytes += size(key, &value);
        match self.idempotency.insert(key.to_owned(), value) {
            Some(old) => self.key_bytes -= size(key, &old),
            None => self.key_order.push_back(key.to_owned()),
        }
        while (self.key_order.len() > KEYS_CAPACITY || self.key_bytes > KEYS_BYTES)
            && self.key_order.len() > 1
            && let Some(oldest) = self.key_order.pop_front()
        {
            if let Some(old) = self.idempotency.remove(&oldest) {
                self.key_bytes -= size(&oldest, &old);
            }
        }
    }

    /// Remembers that the batch item with this `idempotencyKey` (and this fingerprint)
    /// created the App `client_id`, forgetting the oldest key past 10,000.
    pub(super) fn remember_batch_key(&mut self, key: &str, fingerprint: u64, client_id: &str) {
        let entry = (fingerprint, client_id.to_owned());
        if self.batch_keys.insert(key.to_owned(), entry).is_none() {
            self.batch_order.push_back(key.to_owned());
            if self.batch_order.len() > BATCH_KEYS_CAPACITY
                && let Some(oldest) = self.batch_order.pop_front()
            {
                self.batch_keys.remove(&oldest);
            }
        }
    }

    /// Adds an answered request to the log, dropping the oldest past 10,000 entries or
    /// 8 MiB of methods, paths and queries.
    pub(super) fn log(&mut self, entry: LoggedRequest) {
        fn size(entry: &LoggedRequest) -> usize {
            entry.method.len() + entry.path.len() + entry.query.as_ref().map_or(0, String::len)
        }
        self.log_bytes += size(&entry);
        self.log.push_back(entry);
        self.logged += 1;
        while (self.log.len() > LOG_CAPACITY || self.log_bytes > LOG_BYTES) && self.log.len() > 1 {
            if let Some(old) = self.log.pop_front() {
                self.log_bytes -= size(&old);
            }
        }
    }

    /// The logged requests numbered `from` and later that the log still holds.
    pub(super) fn logged_since(&self, from: u64) -> impl Iterator<Item = &LoggedRequest> {
        let first = self.logged - self.log.len() as u64;
        let skip = usize::try_from(from.saturating_sub(first))
            .map_or(self.log.len(), |n| n.min(self.log.len()));
        self.log.range(skip..)
    }

    /// Whether this call fails with an injected 503: the `fail_next` count first, then
    /// the seeded failure rate.
    pub(super) fn take_fault(&mut self) -> bool {
        if self.fail_next > 0 {
            self.fail_next -= 1;
            return true;
        }
        self.fail_rate > 0.0 && self.fault_rng.unit() < self.fail_rate
    }

    pub(super) fn workspace_json(&self) -> Value {
        json!({
            "id": self.org_id,
            "apps_count": self.apps.len(),
            "createdAt": ts(self.created_at),
            "created_at": self.created_at.unix_timestamp(),
        })
    }

    pub(super) fn app_json(&self, app: &App) -> Value {
        let providers: Map<String, Value> = app
            .providers
            .iter()
            .filter(|(_, p)| p.listed)
            .map(|(id, p)| (id.clone(), json!({"enabled": p.enabled})))
            .collect();
        json!({
            "clientId": app.client_id,
            "clientSecret": app.client_secret,
            "name": app.name,
            "logo": app.logo,
            "redirectUris": app.redirect_uris,
            "providers": providers,
            "defaultWorkflowId": app.default_workflow_id,
            "workflows": app.workflows.iter().map(Workflow::json).collect::<Vec<_>>(),
            "organizationId": self.org_id,
            "webhookConfig": app.webhook.json(),
            "defaultSuccessRedirectUri": app.success_uri,
            "defaultFailureRedirectUri": app.failure_uri,
            "createdAt": ts(app.created_at),
            "updatedAt": ts(app.updated_at),
        })
    }
}

impl Provider {
    /// Enabled and activated, as seeded.
    fn activated() -> Provider {
        Provider {
            enabled: true,
            listed: true,
            activated: true,
            ..Provider::default()
        }
    }

    /// Turns the provider on or off; once on, it is listed for good.
    pub(super) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.listed |= enabled;
    }
}

impl Webhook {
    /// As read: the secret only as a preview.
    pub(super) fn json(&self) -> Value {
        let tail = &self.secret[self.secret.len().saturating_sub(4)..];
        json!({
            "url": self.url,
            "enabled": self.enabled,
            "retryAttempts": self.retry_attempts,
            "timeoutSeconds": self.timeout_seconds,
            "secret": format!("whsec_****{tail}"),
            "events": self.events,
        })
    }
}

impl Workflow {
    pub(super) fn json(&self) -> Value {
        json!({
            "workflowId": self.id,
            "name": self.name,
            "entryNodeId": self.entry_node_id,
            "nodes": self.nodes,
            "createdAt": ts(self.created_at),
            "updatedAt": ts(self.updated_at),
        })
    }
}

impl Document {
    pub(super) fn json(&self) -> Value {
        json!({
            "documentId": self.id,
            "fileName": self.file_name,
            "fileSize": self.size,
            "contentType": self.content_type,
            "uploadedAt": ts(self.uploaded_at),
            "state": self.state,
        })
    }
}

impl Domain {
    pub(super) fn json(domain: Option<&Domain>, client_id: &str) -> Value {
        let Some(d) = domain else {
            return json!({
                "webDomain": null, "oidcDomain": null, "status": "unconfigured",
                "requiredAction": "none", "statusMessage": "No custom domain is configured",
                "dnsRecords": [], "lastCheckedAt": null,
            });
        };
        let (action, message) = match d.status {
            "awaiting_dns" => (
                "add_cname",
                "Create the DNS records below, then call verify",
            ),
            "verifying" => (
                "waiting",
                "DNS records found; the certificates are being issued",
            ),
            _ => ("none", "The custom domain is active"),
        };
        let base = base_domain(&d.web);
        let record = |id: &str, host: &str, kind: &str| {
            let name = match host.strip_suffix(base).map(|n| n.trim_end_matches('.')) {
                Some("") => "@",
                Some(label) => label,
                None => host,
            };
            json!({
                "id": id, "type": "CNAME", "host": host, "name": name,
                "value": format!("{}.{kind}.custom-domains.mock.invalid", client_id.to_ascii_lowercase()),
                "required": true,
                "description": format!("Points the {kind} domain at Hopae"),
            })
        };
        json!({
            "webDomain": d.web, "oidcDomain": d.oidc, "status": d.status,
            "requiredAction": action, "statusMessage": message,
            "dnsRecords": [record("web-cname", &d.web, "web"), record("oidc-cname", &d.oidc, "oidc")],
            "lastCheckedAt": d.last_checked.map(ts),
        })
    }
}

impl TestRequest {
    pub(super) fn json(&self, client_id: &str) -> Value {
        json!({
            "id": self.id,
            "clientId": client_id,
            "status": self.status,
            "payload": self.payload,
            "challengeId": self.challenge_id,
            "createdAt": ts(self.created_at),
        })
    }
}

/// The last two labels of a host: `shop.example` of `login.shop.example`.
pub(super) fn base_domain(host: &str) -> &str {
    let mut dots = host.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &host[i + 1..],
        _ => host,
    }
}

/// The test controls on the state, for [`Server`]'s methods and any HTTP control route
/// (`/_mock/...`) that plays the person.
impl State {
    /// See [`Server::complete_verification`].
    pub(super) fn complete_verification(
        &mut self,
        id: &str,
        completion: &super::sessions::Completion,
    ) -> Result<(), super::sessions::ControlError> {
        self.control(id, |s, now| s.complete(completion, now))
    }

    /// See [`Server::fail_verification`].
    pub(super) fn fail_verification(
        &mut self,
        id: &str,
        code: &str,
        message: &str,
    ) -> Result<(), super::sessions::ControlError> {
        self.control(id, |s, now| s.fail(code, message, now))
    }

    /// See [`Server::expire_verification`] (`status` `expired`) and
    /// [`Server::cancel_verification`] (`cancelled`).
    pub(super) fn end_verification(
        &mut self,
        id: &str,
        status: &'static str,
    ) -> Result<(), super::sessions::ControlError> {
        self.control(id, |s, now| s.end(status, now))
    }

    /// Applies a test control to a live session.
    fn control(
        &mut self,
        id: &str,
        apply: impl FnOnce(&mut super::sessions::Session, OffsetDateTime),
    ) -> Result<(), super::sessions::ControlError> {
        let now = OffsetDateTime::now_utc();
        let session = self
            .sessions
            .get_mut(id, None)
            .ok_or(super::sessions::ControlError::NotFound)?;
        session.tick(now);
        if session.is_terminal() {
            return Err(super::sessions::ControlError::Ended(
                session.status.to_owned(),
            ));
        }
        apply(session, now);
        Ok(())
    }
}

/// A timestamp as the API writes them: RFC 3339, UTC, milliseconds.
pub(super) fn ts(t: OffsetDateTime) -> String {
    crate::decode::ts::api_form(t)
}

/// A seed timestamp.
fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// splitmix64: small, seedable, good enough for ids and fault decisions.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(
            ts(at("2026-04-08T10:00:00.123456Z")),
            "2026-04-08T10:00:00.123Z"
        );
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        let mut s = State::new(true, 2, 7);
        let id = s.uuid();
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{id}");
        assert_eq!(&id[14..15], "4");
        assert_eq!(s.alnum(8).len(), 8);
        assert!(s.webhook_secret().starts_with("whsec_"));
        let secret = s.client_secret();
        assert_eq!(secret.len(), 64, "{secret}");
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(s.apps[0].client_id, SEED_APP);
        let preview = s.apps[0].webhook.json()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            preview.starts_with("whsec_****") && preview.len() == 14,
            "{preview}"
        );
        assert_eq!(base_domain("login.shop.example"), "shop.example");
        assert_eq!(base_domain("example"), "example");
    }

    #[test]
    fn the_log_is_a_ring_bounded_in_entries_and_bytes() {
        let mut s = State::new(false, 2, 1);
        let entry = |i: usize, path: String| LoggedRequest {
            method: "GET".into(),
            path,
            query: None,
            status: 404,
            request_id: format!("r{i}"),
            replayed: false,
        };
        // 12,000 requests with 15 KB paths: 180 MB if all were kept.
        for i in 0..12_000 {
            s.log(entry(i, format!("/{}", "a".repeat(15_000))));
        }
        let bytes: usize = s.log.iter().map(|r| r.path.len() + r.method.len()).sum();
        assert!(bytes <= LOG_BYTES, "{bytes}");
        assert!(s.log.len() > 500, "{}", s.log.len());
        assert_eq!(s.log.back().map(|r| r.request_id.as_str()), Some("r11999"));
        assert_eq!(s.logged, 12_000);
        // Short paths: the last 10,000 are kept.
        for i in 0..12_000 {
            s.log(entry(i, "/apps".into()));
        }
        assert_eq!(s.log.len(), LOG_CAPACITY);
        assert_eq!(s.logged_since(23_998).count(), 2);
        assert_eq!(s.logged_since(0).count(), LOG_CAPACITY);
        assert_eq!(s.logged_since(99_999).count(), 0);
    }

    #[test]
    fn idempotency_records_are_bounded_in_bytes() {
        let mut s = State::new(false, 2, 1);
        let stored = || Stored {
            status: 201,
            headers: Vec::new(),
            body: vec![b'x'; 1024 * 1024],
        };
        for i in 0..200 {
            let key = format!("key-{i}");
            s.remember(&key, Idempotent::InProgress);
            s.remember(&key, Idempotent::Done(1, stored()));
        }
        assert!(s.key_bytes <= KEYS_BYTES, "{}", s.key_bytes);
        assert_eq!(s.idempotency.len(), s.key_order.len());
        assert!(s.idempotency.contains_key("key-199"));
        assert!(!s.idempotency.contains_key("key-0"));
        let held: usize = s
            .idempotency
            .iter()
            .map(|(k, v)| match v {
                Idempotent::Done(_, d) => k.len() + d.body.len(),
                Idempotent::InProgress => k.len(),
            })
            .sum();
        assert_eq!(held, s.key_bytes);
    }

    #[test]
    fn batch_item_keys_are_bounded() {
        let mut s = State::new(false, 2, 1);
        for i in 0..BATCH_KEYS_CAPACITY + 5 {
            s.remember_batch_key(&format!("item-{i}"), 7, "AbCdEfGh");
        }
        assert_eq!(s.batch_keys.len(), BATCH_KEYS_CAPACITY);
        assert!(!s.batch_keys.contains_key("item-4"));
        assert!(s.batch_keys.contains_key("item-5"));
    }

    #[test]
    fn fault_rate_is_deterministic_per_seed() {
        let draws = |seed| {
            let mut s = State::new(false, 2, seed);
            s.fail_rate = 0.5;
            (0..64).map(|_| s.take_fault()).collect::<Vec<_>>()
        };
        assert_eq!(draws(1), draws(1));
        assert_ne!(draws(1), draws(2));
        let hits = draws(3).iter().filter(|f| **f).count();
        assert!((16..48).contains(&hits), "{hits}");
    }
}

//! Name resolution for the client's agent: a host is looked up when a new connection
//! needs it, not on every call.
//!
//! ureq 3 asks its resolver for the host's addresses before it looks in its connection
//! pool, on every call, and (with any deadline set, which this crate always sets) on a
//! new thread. So a call on a warm keep-alive connection still paid a lookup and a thread
//! spawn: 1 to 8 DNS queries a call, milliseconds each where the resolver is a network
//! hop away. [`agent`] builds the agent with [`Cached`] instead, which keeps each host's
//! addresses:
//!
//! - a hit costs a mutex and a copy of the addresses: no lookup, no thread;
//! - a miss looks up once, on a thread bounded by the call's deadline as ureq's own
//!   resolver does, and every call that misses on the same host meanwhile waits for
//!   that one lookup (each within its own deadline);
//! - an entry lives [`DNS_TTL`], and is dropped at once when a connection to its
//!   addresses fails, so that a host that moved is looked up again on the next call;
//! - an IP literal is never looked up nor cached.
//!
//! Whether a host is resolved at all is still ureq's decision: through a proxy that
//! resolves the target itself (an HTTP `CONNECT` proxy), ureq asks only for the proxy's
//! address, so the target is never looked up here.
//!
//! This builds on ureq's `unversioned` resolver and connector traits, which are exempt
//! from semver: `Cargo.toml` pins ureq to the minor version these were written against,
//! and a change of either trait is a compile error here, not a silent fallback to
//! ureq's per-call lookups. `tests/dns.rs` counts the lookups, so a ureq that stopped
//! calling this resolver fails it too.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

/// How long a host's addresses are reused before they are looked up again.
///
/// `getaddrinfo` does not say how long the records may be kept, so this is a choice:
/// 30 s is the JVM's default for the same problem (`networkaddress.cache.ttl`) and half
/// the 60 s TTL that cloud load balancers give their records (AWS ELB), so an address
/// is never kept much past the time its record would have been. It costs little: the
/// cache is read only when a new connection is opened (a warm keep-alive connection
/// needs no address), so a busy client makes at most one lookup every 30 s per host,
/// and a failed connection drops the entry at once, whatever its age.
pub(crate) const DNS_TTL: Duration = Duration::from_secs(30);

/// The most hosts one client keeps: the API's host and a proxy in practice. Past it, the
/// oldest entry makes room.
const MAX_HOSTS: usize = 32;

/// A lookup function: the addresses of `host` (a name, never an IP literal) at `port`.
pub(crate) type Lookup = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// How a client resolves names: the lookup function and the TTL (the system resolver
/// and [`DNS_TTL`] unless a test or a benchmark injects its own).
#[derive(Clone)]
pub(crate) struct DnsOptions {
    pub(crate) lookup: Option<Arc<Lookup>>,
    pub(crate) ttl: Duration,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            lookup: None,
            ttl: DNS_TTL,
        }
    }
}

impl fmt::Debug for DnsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsOptions")
            .field(
                "lookup",
                &self.lookup.as_ref().map_or("system", |_| "custom"),
            )
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// The system resolver (`getaddrinfo`), as ureq's own resolver calls it.
fn system_lookup(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(Iterator::collect)
}

/// An agent with `config` whose names are resolved through one shared cache.
pub(crate) fn agent(config: Config, dns: DnsOptions) -> ureq::Agent {
    let cache = Arc::new(Cache {
        lookup: dns.lookup.unwrap_or_else(|| Arc::new(system_lookup)),
        ttl: dns.ttl,
        hosts: Mutex::new(Vec::new()),
    });
    let connector = ForgetOnFailure {
        inner: DefaultConnector::new(),
        cache: Arc::clone(&cache),
    };
    ureq::Agent::with_parts(config, connector, Cached(cache))
}

/// The addresses of the hosts a client talks to.
struct Cache {
    lookup: Arc<Lookup>,
    ttl: Duration,
    /// A handful of hosts: a linear scan beats hashing the name.
    hosts: Mutex<Vec<Entry>>,
}

struct Entry {
    host: Box<str>,
    port: u16,
    state: State,
}

enum State {
    /// Looked up; reused until `until`.
    Ready {
        addrs: Arc<[SocketAddr]>,
        until: Instant,
    },
    /// Being looked up: callers wait on the flight.
    Pending(Arc<Flight>),
}

/// One lookup in progress, and its outcome once known.
struct Flight {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

/// The outcome of a lookup, shareable by every caller that waited for it.
#[derive(Clone)]
enum Outcome {
    Found(Arc<[SocketAddr]>),
    /// The lookup succeeded with no address.
    NotFound,
    /// The lookup failed: the error's kind and text, rebuilt for each caller.
    Failed(io::ErrorKind, Arc<str>),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a panic elsewhere while the
    // lock was held does not make it wrong.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cache {
    /// The addresses of `host:port`: cached, or looked up once within `timeout`.
    fn addrs(
        self: &Arc<Self>,
        host: &str,
        port: u16,
        timeout: NextTimeout,
    ) -> Result<Arc<[SocketAddr]>, ureq::Error> {
        let (flight, lead) = {
            let mut hosts = lock(&self.hosts);
            let found = hosts
                .iter()
                .position(|e| e.port == port && e.host.eq_ignore_ascii_case(host));
            match found.map(|i| (i, &hosts[i].state)) {
                Some((_, State::Ready { addrs, until })) if Instant::now() < *until => {
                    return Ok(Arc::clone(addrs));
                }
                Some((_, State::Pending(flight))) => (Arc::clone(flight), false),
                Some((i, State::Ready { .. })) => {
                    let flight = Flight::new();
                    hosts[i].state = State::Pending(Arc::clone(&flight));
                    (flight, true)
                }
                None => {
                    if hosts.len() >= MAX_HOSTS {
                        let now = Instant::now();
                        hosts.retain(
                            |e| !matches!(e.state, State::Ready { until, .. } if until <= now),
                        );
                        if hosts.len() >= MAX_HOSTS {
                            hosts.remove(0);
                        }
                    }
                    let flight = Flight::new();
                    hosts.push(Entry {
                        host: host.into(),
                        port,
                        state: State::Pending(Arc::clone(&flight)),
                    });
                    (flight, true)
                }
            }
        };
        if lead {
            self.look_up(&flight, host, port, timeout);
        }
        flight.wait(timeout)
    }

    /// Runs the lookup for `flight`: inline when the call has no deadline, otherwise on
    /// a thread, so that the caller can stop waiting at its deadline (the thread then
    /// still fills the cache for the next call).
    fn look_up(
        self: &Arc<Self>,
        flight: &Arc<Flight>,
        host: &str,
        port: u16,
        timeout: NextTimeout,
    ) {
        if timeout.after.is_not_happening() {
            let outcome = Outcome::of((self.lookup)(host, port));
            self.settle(flight, outcome);
            return;
        }
        let cache = Arc::clone(self);
        let theirs = Arc::clone(flight);
        let name = host.to_owned();
        let spawned = std::thread::Builder::new()
            .name("hopae-dns".into())
            .spawn(move || {
                // A lookup function that panics fails the lookup instead of leaving the
                // waiters to their deadlines.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (cache.lookup)(&name, port)
                }))
                .unwrap_or_else(|_| Err(io::Error::other("the name lookup panicked")));
                cache.settle(&theirs, Outcome::of(result));
            });
        if let Err(e) = spawned {
            self.settle(flight, Outcome::of(Err(e)));
        }
    }

    /// Records the outcome of `flight` in the cache (a failure or an empty answer is
    /// not kept) and wakes everyone waiting for it.
    fn settle(&self, flight: &Arc<Flight>, outcome: Outcome) {
        {
            let mut hosts = lock(&self.hosts);
            let mine = hosts
                .iter()
                .position(|e| matches!(&e.state, State::Pending(f) if Arc::ptr_eq(f, flight)));
            if let Some(i) = mine {
                match &outcome {
                    Outcome::Found(addrs) => {
                        hosts[i].state = State::Ready {
                            addrs: Arc::clone(addrs),
                            until: Instant::now() + self.ttl,
                        };
                    }
                    Outcome::NotFound | Outcome::Failed(..) => {
                        hosts.remove(i);
                    }
                }
            }
        }
        *lock(&flight.outcome) = Some(outcome);
        flight.done.notify_all();
    }

    /// Drops the addresses of `host:port`: a connection to them just failed.
    fn forget(&self, host: &str, port: u16) {
        lock(&self.hosts).retain(|e| {
            !(e.port == port
                && e.host.eq_ignore_ascii_case(host)
                && matches!(e.state, State::Ready { .. }))
        });
    }
}

impl Flight {
    fn new() -> Arc<Flight> {
        Arc::new(Flight {
            outcome: Mutex::new(None),
            done: Condvar::new(),
        })
    }

    /// Waits for the outcome, at most until the timeout.
    fn wait(&self, timeout: NextTimeout) -> Result<Arc<[SocketAddr]>, ureq::Error> {
        let end = (!timeout.after.is_not_happening())
            .then(|| Instant::now().checked_add(*timeout.after))
            .flatten();
        let mut outcome = lock(&self.outcome);
        loop {
            match &*outcome {
                Some(Outcome::Found(addrs)) => return Ok(Arc::clone(addrs)),
                Some(Outcome::NotFound) => return Err(ureq::Error::HostNotFound),
                Some(Outcome::Failed(kind, text)) => {
                    return Err(ureq::Error::Io(io::Error::new(*kind, &**text)));
                }
                None => {}
            }
            outcome = match end {
                None => self
                    .done
                    .wait(outcome)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(end) => {
                    let left = end.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                    self.done
                        .wait_timeout(outcome, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

impl Outcome {
    fn of(result: io::Result<Vec<SocketAddr>>) -> Outcome {
        match result {
            Ok(addrs) if addrs.is_empty() => Outcome::NotFound,
            Ok(addrs) => Outcome::Found(addrs.into()),
            Err(e) => Outcome::Failed(e.kind(), e.to_string().into()),
        }
    }
}

/// The host (brackets kept around IPv6) and port a URI connects to.
fn host_port(uri: &Uri) -> Result<(&str, u16), ureq::Error> {
    let bad = |why: &str| ureq::Error::BadUri(format!("{why}: {uri}"));
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    let port = match (authority.port_u16(), uri.scheme_str()) {
        (Some(port), _) => port,
        (None, Some("https")) => 443,
        (None, Some("http")) => 80,
        _ => return Err(bad("unknown scheme")),
    };
    Ok((authority.host(), port))
}

/// The IP address of a host that is an IP literal (`127.0.0.1`, `[::1]`).
fn ip_literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// The resolver of the agent: [`Cache`] behind ureq's `Resolver` trait.
struct Cached(Arc<Cache>);

impl fmt::Debug for Cached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hopae::resolve::Cached")
    }
}

impl Resolver for Cached {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (host, port) = host_port(uri)?;
        let mut out = self.empty();
        let family = config.ip_family();
        let mut keep = |addrs: &mut dyn Iterator<Item = SocketAddr>| {
            for addr in family.keep_wanted(addrs) {
                if out.try_push(addr).is_err() {
                    break;
                }
            }
        };
        if let Some(ip) = ip_literal(host) {
            keep(&mut std::iter::once(SocketAddr::new(ip, port)));
        } else {
            let addrs = self.0.addrs(host, port, timeout)?;
            keep(&mut addrs.iter().copied());
        }
        if out.is_empty() {
            Err(ureq::Error::HostNotFound)
        } else {
            Ok(out)
        }
    }
}

/// ureq's own connector chain (TCP, CONNECT proxy, TLS), which also drops the cached
/// addresses of a host when a new connection to it fails: refused, unreachable, timed
/// out or failed in the handshake. A host that moved is looked up again on the next
/// call instead of failing until the entry expires. Pooled connections never reach
/// here, so a warm call pays nothing for it.
struct ForgetOnFailure {
    inner: DefaultConnector,
    cache: Arc<Cache>,
}

impl fmt::Debug for ForgetOnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForgetOnFailure")
            .field("inner", &self.inner)
            .finish()
    }
}

impl Connector<()> for ForgetOnFailure {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let result = self.inner.connect(details, chained);
        if result.is_err()
            && let Ok((host, port)) = host_port(details.uri)
        {
            self.cache.forget(host, port);
        }
        result
    }
}

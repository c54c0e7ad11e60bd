//! A host is looked up when a new connection needs it, not on every call: the client
//! keeps each host's addresses (src/resolve.rs). Every test injects a lookup function
//! through the hidden `ClientBuilder::dns_lookup` and counts its calls; the base URL
//! names `localhost`, which the injected lookup answers with a 127.0.0.1 address.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use hopae::{Error, HopaeClient, TransportErrorKind};

const KEY: &str = "sk_workspace_test_dns";
const WORKSPACE: &str =
    r#"{"id":"org_dns","apps_count":1,"createdAt":"2026-01-15T08:30:00.000Z","created_at":1}"#;

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request with the
/// workspace and counts the connections it accepted. Its threads end with the process.
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                thread::spawn(move || serve(stream));
            }
        });
        Server { addr, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Answers each GET on one connection until the client closes it.
fn serve(stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{WORKSPACE}",
        WORKSPACE.len()
    );
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        for _ in 0..100 {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A lookup function answering with `answer` after `delay`, and how often it ran.
#[derive(Clone)]
struct Lookups {
    count: Arc<AtomicUsize>,
    answer: Arc<Mutex<SocketAddr>>,
    delay: Duration,
}

impl Lookups {
    fn new(answer: SocketAddr) -> Lookups {
        Lookups::slow(answer, Duration::ZERO)
    }

    fn slow(answer: SocketAddr, delay: Duration) -> Lookups {
        Lookups {
            count: Arc::new(AtomicUsize::new(0)),
            answer: Arc::new(Mutex::new(answer)),
            delay,
        }
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn client(&self, port: u16) -> hopae::ClientBuilder {
        let me = self.clone();
        HopaeClient::builder(KEY)
            .base_url(format!("http://localhost:{port}/connect/v1"))
            .max_retries(0)
            .dns_lookup(move |host, _port| {
                assert_eq!(host, "localhost");
                me.count.fetch_add(1, Ordering::SeqCst);
                thread::sleep(me.delay);
                Ok(vec![*me.answer.lock().unwrap()])
            })
    }
}

#[test]
fn a_thousand_sequential_calls_look_up_once() {
    let server = Server::start();
    let lookups = Lookups::new(server.addr);
    let client = lookups.client(server.addr.port()).build().unwrap();
    for _ in 0..1000 {
        assert_eq!(client.workspace().unwrap().id, "org_dns");
    }
    assert_eq!(lookups.count(), 1);
    assert_eq!(server.connections(), 1);
}

#[test]
fn sixteen_threads_share_one_lookup() {
    let server = Server::start();
    // The lookup takes long enough that all 16 first calls miss together: they must
    // wait for the one lookup rather than start their own.
    let lookups = Lookups::slow(server.addr, Duration::from_millis(100));
    let client = lookups.client(server.addr.port()).build().unwrap();
    let start = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (client, start) = (client.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for _ in 0..250 {
                    assert_eq!(client.workspace().unwrap().id, "org_dns");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(lookups.count(), 1);
    assert!(server.connections() <= 16, "{}", server.connections());
}

#[test]
fn an_expired_entry_is_looked_up_once_more() {
    let server = Server::start();
    let lookups = Lookups::new(server.addr);
    let client = lookups
        .client(server.addr.port())
        .dns_ttl(Duration::from_millis(200))
        .build()
        .unwrap();
    for _ in 0..20 {
        client.workspace().unwrap();
    }
    assert_eq!(lookups.count(), 1);
    thread::sleep(Duration::from_millis(300));
    for _ in 0..20 {
        client.workspace().unwrap();
    }
    assert_eq!(lookups.count(), 2);
}

#[test]
fn addresses_that_failed_to_connect_are_looked_up_again() {
    // The host "moved": its first answer is a port nothing listens on.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = Server::start();
    let lookups = Lookups::new(dead);
    let client = lookups.client(server.addr.port()).build().unwrap();
    let Error::Transport(t) = client.workspace().unwrap_err() else {
        panic!("a refused connection is a transport error");
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert_eq!(lookups.count(), 1);

    *lookups.answer.lock().unwrap() = server.addr;
    for _ in 0..100 {
        assert_eq!(client.workspace().unwrap().id, "org_dns");
    }
    assert_eq!(lookups.count(), 2);
    assert_eq!(server.connections(), 1);
}

#[test]
fn ip_literals_are_never_looked_up() {
    let server = Server::start();
    let lookups = Lookups::new(server.addr);
    let client = lookups
        .client(server.addr.port())
        .base_url(format!("http://{}/connect/v1", server.addr))
        .build()
        .unwrap();
    for _ in 0..10 {
        client.workspace().unwrap();
    }
    assert_eq!(lookups.count(), 0);
}

#[test]
fn a_failed_lookup_is_not_kept() {
    let server = Server::start();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    let addr = server.addr;
    let client = HopaeClient::builder(KEY)
        .base_url(format!("http://localhost:{}/connect/v1", addr.port()))
        .max_retries(0)
        .dns_lookup(move |_, _| {
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(std::io::Error::other("no such host (test)"))
            } else {
                Ok(vec![addr])
            }
        })
        .build()
        .unwrap();
    assert!(matches!(client.workspace(), Err(Error::Transport(_))));
    client.workspace().unwrap();
    client.workspace().unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn the_deadline_bounds_the_lookup_and_its_answer_is_kept() {
    let server = Server::start();
    let (done, finished) = mpsc::channel();
    let done = Mutex::new(done);
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    let addr = server.addr;
    let client = HopaeClient::builder(KEY)
        .base_url(format!("http://localhost:{}/connect/v1", addr.port()))
        .max_retries(0)
        .timeout(Duration::from_millis(200))
        .dns_lookup(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            // Far longer than the call's deadline.
            thread::sleep(Duration::from_secs(2));
            let _ = done.lock().unwrap().send(());
            Ok(vec![addr])
        })
        .build()
        .unwrap();
    let Error::Transport(t) = client.workspace().unwrap_err() else {
        panic!("a lookup past the deadline is a transport error");
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    // The abandoned lookup still fills the cache: the next call needs none.
    finished.recv_timeout(Duration::from_secs(30)).unwrap();
    client.workspace().unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

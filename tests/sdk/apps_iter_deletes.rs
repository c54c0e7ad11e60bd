//! `client.apps().iter()` while Apps are deleted: by the loop itself (a bulk delete) or
//! by someone else between two pages. Offset paging moves back under deletes; the
//! iterator steps back with it and skips no App. Against a stateful mockito server and
//! against `hopae::mock`.

use crate::mock::support as mock_support;
use crate::support as common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use hopae::HopaeClient;
use hopae::apps::{BatchCreate, BatchItem, ListApps};
use hopae::mock::Server as Fake;
use mockito::{Matcher, Mock, ServerGuard};
use serde_json::{Value, json};

fn app_value(id: &str) -> Value {
    json!({
        "name": format!("App {id}"),
        "redirectUris": [],
        "clientId": id,
        "clientSecret": "cs_live_not_a_real_secret",
        "providers": {"passport": {"enabled": true}},
        "defaultWorkflowId": "default",
        "workflows": [],
        "organizationId": "org_2b7c9d1e",
        "createdAt": "2026-04-01T09:00:00.000Z",
        "updatedAt": "2026-04-01T09:00:00.000Z"
    })
}

/// The value of `name` in a query string.
fn query_value(path_and_query: &str, name: &str) -> usize {
    path_and_query
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A mockito server whose `GET /apps` pages through `live` and whose
/// `DELETE /apps/{id}` removes from it: what offset paging looks like under deletes.
struct Workspace {
    server: ServerGuard,
    live: Arc<Mutex<Vec<String>>>,
}

impl Workspace {
    fn with_apps(n: usize) -> Workspace {
        let live = (0..n).map(|i| format!("app{i:05}")).collect();
        Workspace {
            server: mockito::Server::new(),
            live: Arc::new(Mutex::new(live)),
        }
    }

    fn list_mock(&mut self, calls: usize) -> Mock {
        let live = Arc::clone(&self.live);
        self.server
            .mock("GET", "/apps")
            .match_query(Matcher::Any)
            .with_header("content-type", "application/json")
            .with_body_from_request(move |request| {
                let (limit, offset) = (
                    query_value(request.path_and_query(), "limit"),
                    query_value(request.path_and_query(), "offset"),
                );
                let live = live.lock().unwrap();
                let data: Vec<Value> = live
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|id| app_value(id))
                    .collect();
                json!({"data": data, "total": live.len(), "limit": limit, "offset": offset})
                    .to_string()
                    .into_bytes()
            })
            .expect(calls)
            .create()
    }

    fn delete_mock(&mut self, calls: usize) -> Mock {
        let live = Arc::clone(&self.live);
        self.server
            .mock("DELETE", Matcher::Regex(r"^/apps/app\d{5}$".into()))
            .with_header("content-type", "application/json")
            .with_body_from_request(move |request| {
                let id = request.path().trim_start_matches("/apps/");
                live.lock().unwrap().retain(|a| a != id);
                br#"{"message": "App deleted successfully"}"#.to_vec()
            })
            .expect(calls)
            .create()
    }

    fn live(&self) -> Vec<String> {
        self.live.lock().unwrap().clone()
    }
}

/// Deletes every App the iterator yields; returns how many it deleted.
fn delete_while_iterating(client: &HopaeClient) -> usize {
    let mut deleted = 0;
    for app in client.apps().iter() {
        client.app(&app.unwrap().client_id).delete().unwrap();
        deleted += 1;
    }
    deleted
}

/// Iterates, and after the first App (the first page read) deletes `victims`
/// through another call; returns the ids yielded.
fn iterate_with_a_concurrent_delete(client: &HopaeClient, victims: &[String]) -> HashSet<String> {
    let mut iter = client.apps().iter();
    let first = iter.next().unwrap().unwrap();
    for id in victims {
        client.app(id).delete().unwrap();
    }
    let mut yielded: HashSet<String> = iter.map(|a| a.unwrap().client_id).collect();
    assert!(yielded.insert(first.client_id), "an App came twice");
    yielded
}

#[test]
fn deleting_every_app_while_iterating_deletes_all_250() {
    let mut ws = Workspace::with_apps(250);
    // Page 1 (100 Apps, then deleted), page 2 at offset 100 sees `total` drop by 100
    // and steps back to 0, where the last 100 are.
    let list = ws.list_mock(3);
    let delete = ws.delete_mock(250);
    let client = common::client(&ws.server);
    assert_eq!(delete_while_iterating(&client), 250);
    assert!(ws.live().is_empty(), "left: {:?}", ws.live());
    list.assert();
    delete.assert();
}

#[test]
fn a_concurrent_delete_after_the_first_page_hides_no_app() {
    let mut ws = Workspace::with_apps(250);
    let list = ws.list_mock(4);
    let delete = ws.delete_mock(10);
    let client = common::client(&ws.server);
    let victims: Vec<String> = ws.live()[1..11].to_vec();
    let yielded = iterate_with_a_concurrent_delete(&client, &victims);
    for id in ws.live() {
        assert!(yielded.contains(&id), "{id} was skipped");
    }
    assert_eq!(yielded.len(), 250);
    list.assert();
    delete.assert();
}

#[test]
fn deletes_past_the_page_read_lead_to_an_all_seen_page_that_is_read_past() {
    let mut ws = Workspace::with_apps(250);
    // Page 2 steps back by 10 to offset 90, where every App was seen: not an error.
    let list = ws.list_mock(4);
    let delete = ws.delete_mock(10);
    let client = common::client(&ws.server);
    let victims: Vec<String> = ws.live()[150..160].to_vec();
    let yielded = iterate_with_a_concurrent_delete(&client, &victims);
    assert_eq!(yielded.len(), 240);
    for id in ws.live() {
        assert!(yielded.contains(&id), "{id} was skipped");
    }
    list.assert();
    delete.assert();
}

/// A fake with 250 Apps of its own (no seed).
fn fake_with_250_apps() -> (Fake, HopaeClient) {
    let fake = Fake::builder().empty().start().unwrap();
    let client = mock_support::client(&fake);
    for (from, to) in [(0, 100), (100, 200), (200, 250)] {
        let batch = BatchCreate::new((from..to).map(|i| BatchItem::new(format!("app {i}"))));
        client.apps().batch_create(&batch).unwrap();
    }
    assert_eq!(client.apps().list(&ListApps::new()).unwrap().total, 250);
    (fake, client)
}

#[test]
fn deleting_every_app_while_iterating_deletes_all_250_on_the_fake() {
    let (_fake, client) = fake_with_250_apps();
    assert_eq!(delete_while_iterating(&client), 250);
    assert_eq!(client.apps().list(&ListApps::new()).unwrap().total, 0);
}

#[test]
fn a_concurrent_delete_after_the_first_page_hides_no_app_on_the_fake() {
    let (_fake, client) = fake_with_250_apps();
    let all: Vec<String> = client
        .apps()
        .list(&ListApps::new().limit(100))
        .unwrap()
        .data
        .into_iter()
        .map(|a| a.client_id)
        .collect();
    let yielded = iterate_with_a_concurrent_delete(&client, &all[1..11]);
    let live: Vec<String> = client.apps().iter().map(|a| a.unwrap().client_id).collect();
    assert_eq!(live.len(), 240);
    for id in &live {
        assert!(yielded.contains(id), "{id} was skipped");
    }
}

#[test]
fn a_list_that_keeps_moving_without_new_apps_ends_with_an_error_not_a_loop() {
    let mut server = mockito::Server::new();
    // Every page holds the same 100 Apps, and `total` swings between 1000 and 900: a
    // drop at every other page, each a step back, and nothing new ever.
    let calls = Arc::new(Mutex::new(0_usize));
    let counter = Arc::clone(&calls);
    let list = server
        .mock("GET", "/apps")
        .match_query(Matcher::Any)
        .with_header("content-type", "application/json")
        .with_body_from_request(move |request| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            let total = if n.is_multiple_of(2) { 900 } else { 1000 };
            let data: Vec<Value> = (0..100).map(|i| app_value(&format!("app{i:05}"))).collect();
            let offset = query_value(request.path_and_query(), "offset");
            json!({"data": data, "total": total, "limit": 100, "offset": offset})
                .to_string()
                .into_bytes()
        })
        .expect(8)
        .create();
    let results: Vec<_> = common::client(&server).apps().iter().take(1000).collect();
    assert_eq!(results.len(), 101);
    let e = results[100].as_ref().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot page through list apps: 7 pages in a row brought no new item while the list kept moving; stopping"
    );
    list.assert();
}

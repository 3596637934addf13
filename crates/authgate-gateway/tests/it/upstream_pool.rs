//! The per-thread upstream connection pool against raw TCP upstreams that count connections
//! and requests: keep-alive reuse, a connection busy with a response skipped and reused after
//! it, a connection the upstream closed while idle, and a request the upstream received never
//! being sent twice.

use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// What the raw upstream does after reading a request head.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers 200 and keeps the connection open.
    KeepAlive,
    /// Answers 200 (without `Connection: close`) and closes the connection.
    AnswerThenClose,
    /// Closes the connection without answering.
    CloseWithoutAnswer,
    /// Answers 200 with a four-byte body: two bytes at once, two when the test releases them
    /// ([`Counts::release`]).
    HeldBody,
}

/// Connections accepted and request heads read.
struct Counts {
    connections: AtomicUsize,
    requests: AtomicUsize,
    /// One permit per held body to finish.
    release: Semaphore,
}

async fn raw_upstream(behaviour: Behaviour) -> (String, Arc<Counts>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts {
        connections: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        release: Semaphore::new(0),
    });
    let shared = Arc::clone(&counts);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            shared.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, behaviour, Arc::clone(&shared)));
        }
    });
    (url, counts)
}

/// Reads request heads (these tests send no bodies) and answers per `behaviour`.
async fn serve(mut stream: TcpStream, behaviour: Behaviour, counts: Arc<Counts>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let end = buffer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        buffer.drain(..end);
        counts.requests.fetch_add(1, Ordering::SeqCst);
        if let Behaviour::CloseWithoutAnswer = behaviour {
            return;
        }
        let length = if let Behaviour::HeldBody = behaviour {
            4
        } else {
            2
        };
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n\r\nok");
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        if let Behaviour::HeldBody = behaviour {
            counts.release.acquire().await.unwrap().forget();
            if stream.write_all(b"ok").await.is_err() {
                return;
            }
        }
        if let Behaviour::AnswerThenClose = behaviour {
            return;
        }
    }
}

async fn gateway_to(upstream: &str) -> (RunningGateway, authgate_devidp::RunningIdp) {
    let idp = start_idp().await;
    let toml = format!(
        r#"{base}
[[routes]]
path = "/{{*rest}}"
upstream = "{upstream}"
auth = "none"
"#,
        base = base_toml(&idp, &[])
    );
    (start_gateway(config(&toml)).await, idp)
}

#[tokio::test]
async fn keep_alive_connections_to_the_upstream_are_reused() {
    let (upstream, counts) = raw_upstream(Behaviour::KeepAlive).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let client = client();
    for _ in 0..20 {
        let response = client.get(gw.url("/x")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }
    assert_eq!(counts.requests.load(Ordering::SeqCst), 20);
    // One client connection is served by one thread, which reuses its upstream connection (a
    // second one only if the next request overtook the return of the first to the pool).
    assert!(counts.connections.load(Ordering::SeqCst) <= 2);
}

/// Two requests whose bodies the upstream holds, so that both are in flight at once; then
/// their bodies released and checked whole. Returns how many upstream connections had been
/// opened while both were in flight.
async fn two_held_at_once(gw: &RunningGateway, client: &reqwest::Client, counts: &Counts) -> usize {
    let first = client.get(gw.url("/first")).send().await.unwrap();
    let second = client.get(gw.url("/second")).send().await.unwrap();
    let opened = counts.connections.load(Ordering::SeqCst);
    counts.release.add_permits(2);
    for response in [first, second] {
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "okok");
    }
    opened
}

#[tokio::test]
async fn a_connection_busy_with_a_response_is_skipped_and_reused_once_it_ends() {
    let (upstream, counts) = raw_upstream(Behaviour::HeldBody).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let client = client();
    // Each held response keeps its upstream connection busy, so the second request gets a
    // connection of its own (the first is skipped, not taken). Twice: the second pair finds
    // both connections of the first idle again and reuses both (a busy connection dropped
    // from the pool instead would make a third).
    for round in 1..=2 {
        let opened = two_held_at_once(&gw, &client, &counts).await;
        assert_eq!(opened, 2, "round {round}");
    }
    assert_eq!(counts.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_connection_busy_for_long_waits_off_the_pool_and_comes_back_when_its_response_ends() {
    let (upstream, counts) = raw_upstream(Behaviour::HeldBody).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let client = client();
    let long = client.get(gw.url("/long")).send().await.unwrap();
    // Real time, not a paused clock: the pool's threshold (one second) against the gateway's
    // real sockets and timers.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // The long one is moved out of the way; this request gets a connection of its own.
    let next = client.get(gw.url("/next")).send().await.unwrap();
    assert_eq!(counts.connections.load(Ordering::SeqCst), 2);
    counts.release.add_permits(2);
    assert_eq!(next.text().await.unwrap(), "okok");
    assert_eq!(long.text().await.unwrap(), "okok");
    // Both are back: two responses at once use both.
    assert_eq!(two_held_at_once(&gw, &client, &counts).await, 2);
    assert_eq!(counts.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_connection_the_upstream_closed_while_idle_is_replaced() {
    let (upstream, counts) = raw_upstream(Behaviour::AnswerThenClose).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let client = client();
    for _ in 0..5 {
        let response = client.get(gw.url("/x")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counts.requests.load(Ordering::SeqCst), 5);
    assert_eq!(counts.connections.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_request_the_upstream_received_is_never_sent_twice() {
    let (upstream, counts) = raw_upstream(Behaviour::CloseWithoutAnswer).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let response = client().post(gw.url("/orders")).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.text().await.unwrap(), r#"{"error":"bad_gateway"}"#);
    assert_eq!(counts.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_new_gateway_does_not_reuse_the_connections_of_the_one_it_replaces() {
    let (upstream, counts) = raw_upstream(Behaviour::KeepAlive).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let client = client();
    let get = || async { client.get(gw.url("/x")).send().await.unwrap().status() };
    assert_eq!(get().await, 200);
    assert_eq!(get().await, 200);
    assert_eq!(counts.connections.load(Ordering::SeqCst), 1);
    // A reload builds a new gateway from the configuration and swaps it in.
    let config = (*gw.state.load().config).clone();
    let rebuilt = authgate_gateway::app::Gateway::build(config).await.unwrap();
    gw.state.store(std::sync::Arc::new(rebuilt));
    assert_eq!(get().await, 200);
    assert_eq!(counts.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connect_and_trace_are_never_proxied() {
    let (upstream, counts) = raw_upstream(Behaviour::KeepAlive).await;
    let (gw, _idp) = gateway_to(&upstream).await;
    let trace = client()
        .request(reqwest::Method::TRACE, gw.url("/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(trace.status(), 405);
    assert_eq!(
        trace.text().await.unwrap(),
        r#"{"error":"method_not_allowed"}"#
    );
    let mut raw = TcpStream::connect(gw.addr).await.unwrap();
    raw.write_all(b"CONNECT upstream.example:443 HTTP/1.1\r\nHost: upstream.example:443\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let n = raw.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert_eq!(counts.requests.load(Ordering::SeqCst), 0);
}

//! The HTTP layer against a local axum server: each test asserts what came back and
//! what the layer recorded (requests sent, hits on the server, counters).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use marketlens_core::ErrorType;
use marketlens_core::ports::SourceError;

use super::*;

#[derive(Default)]
struct Hits {
    flaky: AtomicU32,
    limited: AtomicU32,
    private: AtomicU32,
    down: AtomicU32,
    ok: AtomicU32,
}

async fn serve() -> (String, Arc<Hits>) {
    let hits = Arc::new(Hits::default());
    let app = Router::new()
        .route(
            "/robots.txt",
            get(|| async {
                "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n"
            }),
        )
        .route(
            "/ok",
            get(|State(h): State<Arc<Hits>>| async move {
                h.ok.fetch_add(1, Ordering::SeqCst);
                ([(header::CONTENT_TYPE, "text/html")], "<h1>ok</h1>")
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")],
                    b"caf\xe9".to_vec(),
                )
            }),
        )
        .route(
            "/flaky",
            get(|State(h): State<Arc<Hits>>| async move {
                if h.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                } else {
                    "recovered".into_response()
                }
            }),
        )
        .route(
            "/limited",
            get(|State(h): State<Arc<Hits>>| async move {
                if h.limited.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "slow down",
                    )
                        .into_response()
                } else {
                    "welcome back".into_response()
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route("/big", get(|| async { "x".repeat(200_000) }))
        .route(
            "/gzip",
            get(|| async { gzipped("compressed café".as_bytes()) }),
        )
        .route(
            "/br",
            get(|| async {
                let mut out = Vec::new();
                let params = brotli::enc::BrotliEncoderParams::default();
                brotli::BrotliCompress(&mut "brotli body".as_bytes(), &mut out, &params).unwrap();
                ([(header::CONTENT_ENCODING, "br")], out).into_response()
            }),
        )
        // 200 kB of text in about 200 bytes: the cap must hold after decompression.
        .route(
            "/bomb",
            get(|| async { gzipped("x".repeat(200_000).as_bytes()) }),
        )
        .route(
            "/redirect-metadata",
            get(|| async { redirect("http://169.254.169.254/latest/meta-data/") }),
        )
        .route(
            "/redirect-name",
            get(|headers: HeaderMap| async move {
                // Same server, reached by a name that resolves to loopback: refused
                // because only the literal 127.0.0.1 is allow-listed.
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("");
                let port = host.rsplit(':').next().unwrap_or("80");
                redirect(&format!("http://localhost:{port}/ok"))
            }),
        )
        .route("/redirect-ok", get(|| async { redirect("/ok") }))
        .route("/loop", get(|| async { redirect("/loop") }))
        .route(
            "/private/page",
            get(|State(h): State<Arc<Hits>>| async move {
                h.private.fetch_add(1, Ordering::SeqCst);
                "secret"
            }),
        )
        .route(
            "/down",
            get(|State(h): State<Arc<Hits>>| async move {
                h.down.fetch_add(1, Ordering::SeqCst);
                StatusCode::BAD_GATEWAY
            }),
        )
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits)
}

fn gzipped(body: &[u8]) -> Response {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body).unwrap();
    (
        [
            (header::CONTENT_ENCODING, "gzip"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        enc.finish().unwrap(),
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response()
}

fn config() -> HttpConfig {
    HttpConfig {
        contact: Some("https://marketlens.example/contact".into()),
        request_timeout_ms: 500,
        retry_base_delay_ms: 10,
        retry_max_delay_ms: 50,
        retry_budget_ms: 5_000,
        min_interval_ms: 0,
        max_body_bytes: 64 * 1024,
        allow_private_hosts: vec!["127.0.0.1".into()],
        ..HttpConfig::default()
    }
}

#[tokio::test]
async fn normal_page_charset_and_redirect() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let page = client.get(&format!("{base}/ok")).await.unwrap();
    assert_eq!((page.status, page.text.as_str()), (200, "<h1>ok</h1>"));
    let page = client.get(&format!("{base}/latin1")).await.unwrap();
    assert_eq!((page.text.as_str(), page.charset), ("café", "windows-1252"));
    let page = client.get(&format!("{base}/redirect-ok")).await.unwrap();
    assert_eq!(page.url.path(), "/ok");
    assert_eq!(page.attempts, 2);
    assert_eq!(hits.ok.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded_and_capped_after_decompression() {
    let (base, _) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let page = client.get(&format!("{base}/gzip")).await.unwrap();
    assert_eq!(page.text, "compressed café");
    let page = client.get(&format!("{base}/br")).await.unwrap();
    assert_eq!(page.text, "brotli body");
    let err = client.get(&format!("{base}/bomb")).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::TooLarge);
}

#[tokio::test]
async fn per_host_spacing_and_concurrency_are_enforced() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(HttpConfig {
        per_host_concurrency: 1,
        min_interval_ms: 100,
        respect_robots: false,
        ..config()
    })
    .unwrap();
    let started = Instant::now();
    let url = format!("{base}/ok");
    let (a, b, c) = tokio::join!(client.get(&url), client.get(&url), client.get(&url));
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    // Three starts spaced 100 ms apart: the last one at least 200 ms after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.ok.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let page = client.get(&format!("{base}/flaky")).await.unwrap();
    assert_eq!(page.text, "recovered");
    assert_eq!(page.attempts, 2);
    assert_eq!(hits.flaky.load(Ordering::SeqCst), 2);
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_and_slows_down() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let started = Instant::now();
    let page = client.get(&format!("{base}/limited")).await.unwrap();
    assert_eq!(page.text, "welcome back");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.limited.load(Ordering::SeqCst), 2);
    let stats = client.stats();
    assert_eq!((stats.retries, stats.slowdowns), (1, 1));

    // A Retry-After longer than the whole retry budget ends the fetch instead.
    let (base, _) = serve().await;
    let short = HttpClient::new(HttpConfig {
        retry_budget_ms: 300,
        ..config()
    })
    .unwrap();
    let err = short.get(&format!("{base}/limited")).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Status(429));
    assert!(err.message.contains("budget"), "{err}");
}

#[tokio::test]
async fn slow_response_times_out_within_bounds() {
    let (base, _) = serve().await;
    let client = HttpClient::new(HttpConfig {
        max_retries: 1,
        ..config()
    })
    .unwrap();
    let started = Instant::now();
    let err = client.get(&format!("{base}/slow")).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Timeout);
    assert_eq!(err.attempts, 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let source_error: SourceError = err.into();
    assert_eq!(source_error.error_type, ErrorType::SourceTimeout);
}

#[tokio::test]
async fn body_over_the_cap_is_refused_without_retry() {
    let (base, _) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let err = client.get(&format!("{base}/big")).await.unwrap_err();
    assert_eq!((err.kind, err.attempts), (FetchErrorKind::TooLarge, 1));
}

#[tokio::test]
async fn redirects_to_private_addresses_are_refused() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let err = client
        .get(&format!("{base}/redirect-metadata"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Blocked, "{err}");
    assert!(err.url.contains("169.254.169.254"));
    // A host name resolving to loopback is refused after resolution.
    let err = client
        .get(&format!("{base}/redirect-name"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Blocked, "{err}");
    assert!(
        err.message.contains("127.0.0.1") || err.message.contains("::1"),
        "{err}"
    );
    assert_eq!(hits.ok.load(Ordering::SeqCst), 0);
    // Without the allow-list even the first request is refused, before any traffic.
    let strict = HttpClient::new(HttpConfig {
        allow_private_hosts: vec![],
        ..config()
    })
    .unwrap();
    let err = strict.get(&format!("{base}/ok")).await.unwrap_err();
    assert_eq!((err.kind, err.attempts), (FetchErrorKind::Blocked, 0));
    assert_eq!(client.stats().blocked, 2);
    let err = client.get(&format!("{base}/loop")).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::TooManyRedirects);
}

#[tokio::test]
async fn a_redirect_to_another_port_of_an_allowed_host_is_not_followed() {
    // A second local service, standing for Redis on another port of the same host.
    let other_hits = Arc::new(AtomicU32::new(0));
    let counted = other_hits.clone();
    let other = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { "+PONG" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, other).await;
    });
    let target = format!("http://127.0.0.1:{other_port}/");
    let shop = Router::new()
        .route("/robots.txt", get(|| async { "" }))
        .route("/go", get(move || async move { redirect(&target) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, shop).await;
    });
    let go = format!("http://127.0.0.1:{shop_port}/go");

    let client = HttpClient::new(config()).unwrap();
    let err = client.get(&go).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Blocked, "{err}");
    assert!(err.message.contains(&format!("port {other_port}")), "{err}");
    assert_eq!(
        other_hits.load(Ordering::SeqCst),
        0,
        "no request reached it"
    );

    // Listing both ports allows the hop; listing only the shop's keeps it refused.
    let listed = |ports: &[u16]| {
        HttpClient::new(HttpConfig {
            allow_private_hosts: ports.iter().map(|p| format!("127.0.0.1:{p}")).collect(),
            ..config()
        })
        .unwrap()
    };
    let err = listed(&[shop_port]).get(&go).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Blocked, "{err}");
    let page = listed(&[shop_port, other_port]).get(&go).await.unwrap();
    assert_eq!(page.text, "+PONG");
    assert!(other_hits.load(Ordering::SeqCst) >= 1);

    let bad = HttpClient::new(HttpConfig {
        allow_private_hosts: vec!["127.0.0.1:redis".into()],
        ..config()
    });
    assert!(bad.is_err());
}

#[tokio::test]
async fn robots_disallow_is_obeyed_unless_turned_off() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(config()).unwrap();
    let err = client
        .get(&format!("{base}/private/page"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.attempts),
        (FetchErrorKind::RobotsDisallowed, 0)
    );
    assert_eq!(hits.private.load(Ordering::SeqCst), 0);
    assert!(client.get(&format!("{base}/ok")).await.is_ok());
    // robots.txt was fetched once and cached: 1 robots + 1 page request.
    assert_eq!(client.stats().requests, 2);
    let ignoring = HttpClient::new(HttpConfig {
        respect_robots: false,
        ..config()
    })
    .unwrap();
    assert!(ignoring.get(&format!("{base}/private/page")).await.is_ok());
    assert_eq!(hits.private.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_robots_txt_fails_the_fetch_with_its_own_cause() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = HttpClient::new(HttpConfig {
        max_retries: 0,
        ..config()
    })
    .unwrap();
    let err = client.get(&format!("http://{addr}/ok")).await.unwrap_err();
    assert_eq!(err.kind, FetchErrorKind::Transport, "{err}");
    assert!(err.message.contains("robots.txt unavailable"), "{err}");
}

#[tokio::test]
async fn circuit_opens_after_repeated_failures_and_closes_after_cooldown() {
    let (base, hits) = serve().await;
    let client = HttpClient::new(HttpConfig {
        max_retries: 0,
        respect_robots: false,
        circuit_failure_threshold: 2,
        circuit_cooldown_secs: 1,
        ..config()
    })
    .unwrap();
    for _ in 0..2 {
        let err = client.get(&format!("{base}/down")).await.unwrap_err();
        assert_eq!(err.kind, FetchErrorKind::Status(502));
    }
    let err = client.get(&format!("{base}/ok")).await.unwrap_err();
    assert_eq!((err.kind, err.attempts), (FetchErrorKind::CircuitOpen, 0));
    assert_eq!(hits.down.load(Ordering::SeqCst), 2);
    assert_eq!(hits.ok.load(Ordering::SeqCst), 0);
    assert_eq!(client.stats().circuit_rejections, 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // Half-open: one trial goes through and, succeeding, closes the circuit.
    assert!(client.get(&format!("{base}/ok")).await.is_ok());
    assert!(client.get(&format!("{base}/ok")).await.is_ok());
    assert_eq!(hits.ok.load(Ordering::SeqCst), 2);
}

#[test]
fn config_is_validated_and_user_agent_is_honest() {
    assert!(HttpConfig::default().validate().is_ok());
    let bad = HttpConfig {
        max_retries: 99,
        ..HttpConfig::default()
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("http.max_retries")
    );
    let cfg: HttpConfig = toml::from_str("contact = \"ops@example.com\"").unwrap();
    assert!(
        cfg.user_agent().contains("marketlens/") && cfg.user_agent().contains("ops@example.com")
    );
    assert!(toml::from_str::<HttpConfig>("bogus = 1").is_err());
}

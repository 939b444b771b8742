//! What the crate's unit tests share: a parsed query, and the demo shop on a random
//! local port with an HTTP configuration that may reach it.

use marketlens_core::config::RequestDefaults;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::SourceQuery;

use crate::http::HttpConfig;

/// `q` parsed as an API request with the default parameters.
pub(crate) fn query(q: &str) -> SourceQuery {
    let (query, params) = AnalysisRequest {
        query: q.into(),
        ..Default::default()
    }
    .parse(&RequestDefaults::default(), &[], &[])
    .unwrap();
    SourceQuery { query, params }
}

/// Starts the demo shop on a random port; returns its base URL.
pub(crate) async fn start_demo_shop() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(crate::demo_shop::serve(listener, std::future::pending()));
    format!("http://{addr}")
}

/// HTTP settings that may reach a server on 127.0.0.1, without pacing.
pub(crate) fn local_http() -> HttpConfig {
    HttpConfig {
        allow_private_hosts: vec!["127.0.0.1".into()],
        min_interval_ms: 0,
        per_host_concurrency: 8,
        ..HttpConfig::default()
    }
}

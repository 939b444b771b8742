//! One source's answer, by a fixed policy (the `fetch_source` span):
//!
//! 1. **cache** — a fresh entry of the collected-products cache (its TTL:
//!    `cache.collected_products_ttl_secs`); an entry that no longer parses is a miss;
//! 2. **live** — the source itself, within its timeout; the answer is cached and kept
//!    in the store as this source's last answer to the question;
//! 3. **stale** — when the source fails: its last stored answer to the same question,
//!    however old, marked with its age;
//! 4. **fallback** — else the source's configured fallback, asked the same question
//!    within its own timeout (its products keep their own source name; the batch says
//!    which source answered);
//! 5. **failed** — else nothing, with the source's error.
//!
//! Every step records the outcome on the span and in the metrics; none of them fails
//! the analysis, which decides from all the outcomes together. A live or fallback
//! answer is stamped with the time it was fetched (`SourceBatch::fetched_at`), which
//! every cached or stored copy keeps: price history records only the prices an
//! analysis fetched itself, at that time.

use std::time::{Duration, Instant};

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::domain::{Fingerprint, strip_control_characters};
use marketlens_core::ports::{Cache, CacheLevel, Source, SourceBatch, SourceQuery, Store};
use marketlens_core::report::{SourceOutcome, SourceStatus};

/// A source with the time it is given to answer.
pub(super) struct TimedSource<'a> {
    pub(super) source: &'a dyn Source,
    pub(super) timeout: Duration,
}

impl TimedSource<'_> {
    /// The source's answer, or its error (a timeout is `source_timeout`). This is the
    /// one way every source's answer enters the pipeline, so it is where collected text
    /// loses its control characters: a NUL in one shop's JSON-LD would otherwise fail
    /// every analysis stored on PostgreSQL, and an escape would reach the terminal.
    async fn search(&self, query: &SourceQuery) -> Result<SourceBatch, (ErrorType, String)> {
        match tokio::time::timeout(self.timeout, self.source.search(query)).await {
            Ok(Ok(mut batch)) => {
                batch.strip_control_characters();
                Ok(batch)
            }
            // A shop's error text can quote its own data.
            Ok(Err(e)) => Err((
                e.error_type,
                strip_control_characters(&e.message).into_owned(),
            )),
            Err(_) => Err((
                ErrorType::SourceTimeout,
                format!("no answer within {}s", self.timeout.as_secs()),
            )),
        }
    }
}

/// Where the policy keeps and finds earlier answers.
pub(super) struct SourceFetcher<'a> {
    pub(super) cache: &'a dyn Cache,
    pub(super) store: &'a dyn Store,
    /// How long a live answer stays fresh in the cache.
    pub(super) cache_ttl: Duration,
}

impl SourceFetcher<'_> {
    /// Fresh cache → live (then cached) → stale copy → fallback → failed.
    pub(super) async fn fetch(
        &self,
        source: TimedSource<'_>,
        fallback: Option<TimedSource<'_>>,
        query: &SourceQuery,
        fingerprint: &Fingerprint,
    ) -> (SourceBatch, SourceOutcome) {
        let started = Instant::now();
        let name = source.source.name();
        let outcome = |status, batch: &SourceBatch, age_secs, error| {
            record_outcome(source.source, started, status, batch, age_secs, error)
        };
        let cache_key = format!("{name}:{fingerprint}");

        let cached = self
            .cache
            .get(CacheLevel::CollectedProducts, &cache_key)
            .await
            .and_then(|bytes| serde_json::from_slice::<SourceBatch>(&bytes).ok());
        crate::metrics::cache_lookup(CacheLevel::CollectedProducts, cached.is_some());
        if let Some(batch) = cached {
            let o = outcome(SourceStatus::Cache, &batch, None, None);
            return (batch, o);
        }

        let (error_type, message) = match source.search(query).await {
            Ok(mut batch) => {
                // Stamped before it is kept: every copy says when it was fetched.
                batch.fetched_at = Some(Utc::now());
                self.keep(name, fingerprint, &cache_key, &batch).await;
                let o = outcome(SourceStatus::Live, &batch, None, None);
                return (batch, o);
            }
            Err(error) => error,
        };
        tracing::warn!(source = %name, %error_type, %message, "source failed");
        let error = Some((error_type, message));

        // Stale: the last batch this source returned for the same question, however
        // old, clearly marked with its age.
        if let Ok(Some((json, stored_at))) = self.store.get_collected(name, fingerprint).await
            && let Ok(mut batch) = serde_json::from_value::<SourceBatch>(json)
        {
            // A copy stored before fetches were stamped was fetched when it was stored.
            batch.fetched_at.get_or_insert(stored_at);
            let age = (Utc::now() - stored_at).num_seconds().max(0) as u64;
            let o = outcome(SourceStatus::Stale, &batch, Some(age), error);
            return (batch, o);
        }

        if let Some(fallback) = fallback {
            // Asked the same question, so its answer is about the same products; each
            // product keeps the fallback's name as its source.
            match fallback.search(query).await {
                Ok(mut batch) => {
                    batch.fetched_at = Some(Utc::now());
                    let from = format!("Answered by fallback source {:?}", fallback.source.name());
                    batch.notice = Some(match batch.notice.take() {
                        Some(n) => format!("{from}. {n}"),
                        None => from,
                    });
                    let o = outcome(SourceStatus::Fallback, &batch, None, error);
                    return (batch, o);
                }
                Err((fallback_error, fallback_message)) => {
                    tracing::warn!(
                        source = %name,
                        fallback = fallback.source.name(),
                        error_type = %fallback_error,
                        message = %fallback_message,
                        "fallback failed"
                    );
                }
            }
        }

        let empty = SourceBatch::default();
        let o = outcome(SourceStatus::Failed, &empty, None, error);
        (empty, o)
    }

    /// Caches a live answer and stores it as the source's last answer (for the stale
    /// step of a later failure), best effort: a cache or store outage costs only the
    /// copy.
    async fn keep(
        &self,
        name: &str,
        fingerprint: &Fingerprint,
        cache_key: &str,
        batch: &SourceBatch,
    ) {
        let Ok(json) = serde_json::to_value(batch) else {
            return;
        };
        if let Ok(bytes) = serde_json::to_vec(&json) {
            self.cache
                .put(
                    CacheLevel::CollectedProducts,
                    cache_key,
                    bytes,
                    self.cache_ttl,
                )
                .await;
        }
        if let Err(e) = self
            .store
            .put_collected(name, fingerprint, &json, Utc::now())
            .await
        {
            tracing::warn!(source = %name, error = %e, "could not store collected products");
        }
    }
}

/// The outcome of one source, recorded on the current (`fetch_source`) span and in
/// the metrics.
fn record_outcome(
    source: &dyn Source,
    started: Instant,
    status: SourceStatus,
    batch: &SourceBatch,
    age_secs: Option<u64>,
    error: Option<(ErrorType, String)>,
) -> SourceOutcome {
    let span = tracing::Span::current();
    let product_count = batch.products.len() as u32;
    span.record("product_count", product_count);
    span.record(
        "cache_hit",
        matches!(status, SourceStatus::Cache | SourceStatus::Stale),
    );
    if let Some((t, _)) = &error {
        span.record("error_type", t.as_str());
    }
    crate::metrics::source_fetched(source.name(), status, started.elapsed());
    SourceOutcome {
        source: source.name().to_owned(),
        kind: source.kind().to_owned(),
        status,
        product_count,
        offer_count: batch.products.iter().map(|p| p.offers.len() as u32).sum(),
        duration_ms: started.elapsed().as_millis() as u64,
        age_secs,
        fetched_at: batch.fetched_at,
        error_type: error.as_ref().map(|(t, _)| t.as_str().to_owned()),
        error_message: error.map(|(_, m)| m),
        notice: batch.notice.clone(),
    }
}

#[cfg(test)]
mod tests {
    //! The policy against the real in-process cache and a real SQLite store, with
    //! sources written here: each answers with products, an error, or not at all.

    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use marketlens_adapters::{MemoryCache, SqliteDb, SqliteStore};
    use marketlens_core::config::AgentConfig;
    use marketlens_core::domain::{AnalysisRequest, CollectedProduct};
    use marketlens_core::ports::SourceError;

    use super::*;

    /// How a test source answers its next search.
    #[derive(Clone, Copy)]
    enum Answer {
        Products(usize),
        /// One product whose text holds NUL, a terminal escape and a C1 control.
        ControlCharacters,
        Fails(ErrorType),
        Hangs,
    }

    struct TestSource {
        name: &'static str,
        answer: Mutex<Answer>,
        searches: AtomicUsize,
    }

    impl TestSource {
        fn new(name: &'static str, answer: Answer) -> Self {
            Self {
                name,
                answer: Mutex::new(answer),
                searches: AtomicUsize::new(0),
            }
        }

        fn answer(&self, answer: Answer) {
            *self.answer.lock().unwrap() = answer;
        }

        fn timed(&self) -> TimedSource<'_> {
            TimedSource {
                source: self,
                timeout: Duration::from_millis(200),
            }
        }
    }

    #[async_trait::async_trait]
    impl Source for TestSource {
        fn name(&self) -> &str {
            self.name
        }
        fn kind(&self) -> &str {
            "test"
        }
        async fn search(&self, _: &SourceQuery) -> Result<SourceBatch, SourceError> {
            self.searches.fetch_add(1, Ordering::SeqCst);
            let answer = *self.answer.lock().unwrap();
            match answer {
                Answer::Products(n) => Ok(SourceBatch {
                    products: (0..n).map(|i| product(self.name, i)).collect(),
                    notice: None,
                    fetched_at: None,
                }),
                Answer::ControlCharacters => {
                    let mut dirty = product(self.name, 0);
                    dirty.title = "Kettle\u{0}Pro".into();
                    dirty.brand = Some("Acme\u{1b}]0;owned\u{7}".into());
                    dirty.category = Some("kitchen\u{9b}".into());
                    Ok(SourceBatch {
                        products: vec![dirty],
                        notice: Some("sample\u{0}".into()),
                        fetched_at: None,
                    })
                }
                Answer::Fails(error_type) => {
                    Err(SourceError::new(error_type, "shop is down\u{0}\u{1b}[2J"))
                }
                Answer::Hangs => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(SourceBatch::default())
                }
            }
        }
    }

    fn product(source: &str, i: usize) -> CollectedProduct {
        CollectedProduct {
            source: source.to_owned(),
            source_product_id: format!("{source}-{i}"),
            title: format!("Kettle {i}"),
            brand: None,
            model: None,
            category: None,
            gtin: None,
            mpn: None,
            url: None,
            offers: Vec::new(),
            reviews: Vec::new(),
        }
    }

    /// The real in-process cache and a SQLite store in a temporary directory.
    struct Backends {
        _dir: tempfile::TempDir,
        cache: MemoryCache,
        store: SqliteStore,
    }

    impl Backends {
        async fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let db = SqliteDb::open(&dir.path().join("marketlens.db"))
                .await
                .unwrap();
            Self {
                _dir: dir,
                cache: MemoryCache::new(1 << 20),
                store: SqliteStore::new(db),
            }
        }

        /// `source`, with `fallback`, asked `text` through the policy.
        async fn fetch(
            &self,
            source: &TestSource,
            fallback: Option<&TestSource>,
            text: &str,
        ) -> (SourceBatch, SourceOutcome) {
            let (query, fingerprint) = question(text);
            let fetcher = SourceFetcher {
                cache: &self.cache,
                store: &self.store,
                cache_ttl: Duration::from_secs(600),
            };
            fetcher
                .fetch(
                    source.timed(),
                    fallback.map(TestSource::timed),
                    &query,
                    &fingerprint,
                )
                .await
        }
    }

    fn question(text: &str) -> (SourceQuery, Fingerprint) {
        let request = AnalysisRequest {
            query: text.into(),
            ..Default::default()
        };
        let (query, params) = request
            .parse(&AgentConfig::builtin().defaults, &[], &[])
            .unwrap();
        let fingerprint = Fingerprint::compute(&query, &params);
        (SourceQuery { query, params }, fingerprint)
    }

    #[tokio::test]
    async fn a_live_answer_is_cached_and_then_served_from_the_cache() {
        let b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::Products(3));

        let (batch, o) = b.fetch(&shop, None, "kettle").await;
        assert_eq!(o.status, SourceStatus::Live);
        assert_eq!((batch.products.len(), o.product_count), (3, 3));
        assert_eq!((o.source.as_str(), o.kind.as_str()), ("shop", "test"));
        assert_eq!(o.error_type, None);

        let (batch, o) = b.fetch(&shop, None, "kettle").await;
        assert_eq!(o.status, SourceStatus::Cache);
        assert_eq!(batch.products.len(), 3);
        assert_eq!(
            shop.searches.load(Ordering::SeqCst),
            1,
            "the cache answered"
        );

        // Another question is another cache entry.
        let (_, o) = b.fetch(&shop, None, "toaster").await;
        assert_eq!(o.status, SourceStatus::Live);
    }

    #[tokio::test]
    async fn control_characters_never_leave_the_source_boundary() {
        let b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::ControlCharacters);

        let (batch, o) = b.fetch(&shop, None, "kettle").await;
        assert_eq!(o.status, SourceStatus::Live);
        let product = &batch.products[0];
        assert_eq!(product.title, "KettlePro");
        assert_eq!(product.brand.as_deref(), Some("Acme]0;owned"));
        assert_eq!(product.category.as_deref(), Some("kitchen"));
        assert_eq!(batch.notice.as_deref(), Some("sample"));

        // The copy kept for a later failure is the cleaned one.
        let (_, fingerprint) = question("kettle");
        let (stored, _) = b
            .store
            .get_collected("shop", &fingerprint)
            .await
            .unwrap()
            .expect("stored");
        let stored = stored.to_string();
        assert!(
            !stored.contains("\\u0000") && !stored.contains("\\u001b"),
            "{stored}"
        );
    }

    #[tokio::test]
    async fn a_failing_source_serves_its_last_stored_answer_marked_stale() {
        let mut b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::Products(2));
        b.fetch(&shop, None, "kettle").await;

        // The cached copy is gone (expired, or another process's cache); the store
        // still holds the last answer.
        b.cache = MemoryCache::new(1 << 20);
        shop.answer(Answer::Fails(ErrorType::SourceFailed));
        let fallback = TestSource::new("catalog", Answer::Products(5));
        let (batch, o) = b.fetch(&shop, Some(&fallback), "kettle").await;
        assert_eq!(o.status, SourceStatus::Stale);
        assert_eq!(batch.products.len(), 2);
        assert!(o.age_secs.is_some());
        assert_eq!(o.error_type.as_deref(), Some("source_failed"));
        assert_eq!(o.error_message.as_deref(), Some("shop is down[2J"));
        assert_eq!(
            fallback.searches.load(Ordering::SeqCst),
            0,
            "a stale copy comes before the fallback"
        );
    }

    #[tokio::test]
    async fn without_a_stored_answer_the_fallback_answers_and_says_so() {
        let b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::Fails(ErrorType::SourceFailed));
        let fallback = TestSource::new("catalog", Answer::Products(4));

        let (batch, o) = b.fetch(&shop, Some(&fallback), "kettle").await;
        assert_eq!(o.status, SourceStatus::Fallback);
        assert_eq!(o.source, "shop");
        assert_eq!(o.error_type.as_deref(), Some("source_failed"));
        assert_eq!(batch.products.len(), 4);
        assert!(batch.products.iter().all(|p| p.source == "catalog"));
        assert_eq!(
            batch.notice.as_deref(),
            Some("Answered by fallback source \"catalog\"")
        );
    }

    #[tokio::test]
    async fn a_timeout_with_nothing_to_fall_back_on_fails_with_source_timeout() {
        let b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::Hangs);
        let fallback = TestSource::new("catalog", Answer::Fails(ErrorType::SourceFailed));

        let (batch, o) = b.fetch(&shop, Some(&fallback), "kettle").await;
        assert_eq!(o.status, SourceStatus::Failed);
        assert!(batch.products.is_empty());
        assert_eq!(o.product_count, 0);
        assert_eq!(o.error_type.as_deref(), Some("source_timeout"));
        assert_eq!(fallback.searches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_cache_entry_that_no_longer_parses_is_a_miss() {
        let b = Backends::new().await;
        let shop = TestSource::new("shop", Answer::Products(1));
        let (_, fingerprint) = question("kettle");
        b.cache
            .put(
                CacheLevel::CollectedProducts,
                &format!("shop:{fingerprint}"),
                b"not a batch".to_vec(),
                Duration::from_secs(600),
            )
            .await;

        let (batch, o) = b.fetch(&shop, None, "kettle").await;
        assert_eq!(o.status, SourceStatus::Live);
        assert_eq!(batch.products.len(), 1);
    }
}

//! Contract tests: the behaviour every backend of a port must show, one rule a function.
//!
//! [`store`], [`queue`], [`intake`], [`cache`] and [`blob`] hold the rules of one port each: async
//! functions that drive a backend through the port and panic with a message naming the
//! broken rule. A backend's test file proves itself by invoking its port's macro
//! ([`store_contract_tests!`](crate::store_contract_tests),
//! [`queue_contract_tests!`](crate::queue_contract_tests),
//! [`cache_contract_tests!`](crate::cache_contract_tests),
//! [`blob_contract_tests!`](crate::blob_contract_tests)) inside a module named after
//! the backend, with a runner: an async function that builds a fresh backend, hands it
//! to the rule it is given and cleans up.
//!
//! ```text
//! async fn with_memory_cache(rule: contract::Rule<dyn Cache>) {
//!     rule(&MemoryCache::new(1 << 20)).await;
//! }
//!
//! mod memory {
//!     marketlens_adapters::cache_contract_tests!(crate::with_memory_cache);
//! }
//! ```
//!
//! A file testing several backends lists them in one [`contract_suites!`](crate::contract_suites)
//! table instead: a module per backend, with the suites it runs.
//!
//! The macro writes one `#[test]` per rule, so a failure names the backend, the port
//! and the rule: `memory::cache::a_put_overwrites`. A new rule is a function in its
//! port's file plus its name in that port's macro; every backend then runs it.
//!
//! Every test gets a fresh backend (a new database, key prefix or bucket), so queue
//! rules may count what they see (store rules assume nothing: see [`store`]). A runner that needs a service skips the test when the
//! service is unreachable, or fails it under `MARKETLENS_REQUIRE_SERVICES=1` (CI): see
//! [`service_available`]; [`postgres`] makes a fresh PostgreSQL database. Timestamps are compared at microsecond precision, the
//! coarsest a backend may keep.

pub mod blob;
pub mod cache;
pub mod intake;
pub mod postgres;
pub mod queue;
pub mod store;

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
pub use futures::future::BoxFuture;
/// The ports whose backends the macros' tests receive.
#[doc(hidden)]
pub use marketlens_core::ports::{BlobStore, Cache};

/// One rule, as a runner receives it: a function of the backend under test (`P` is the
/// port, or the port's fixture where rules need more than the port).
pub type Rule<P> = for<'a> fn(&'a P) -> BoxFuture<'a, ()>;

/// Runs one generated test: a multi-threaded runtime, so rules that race two
/// operations really run them at the same time.
pub fn run(test: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime for the test")
        .block_on(test);
}

/// Whether a test that needs an external service (`name`, e.g. "PostgreSQL at
/// 127.0.0.1:5432") may run. When the service is unreachable the test is skipped with
/// a clear message — unless `MARKETLENS_REQUIRE_SERVICES=1` (CI), where a missing
/// service is a failure.
pub fn service_available<E: std::fmt::Display>(name: &str, reachable: Result<(), E>) -> bool {
    match reachable {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("MARKETLENS_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{name} is required (MARKETLENS_REQUIRE_SERVICES=1) but unreachable: {why}");
            }
            eprintln!(
                "skipped: {name} unreachable ({why}); set MARKETLENS_REQUIRE_SERVICES=1 to fail instead"
            );
            false
        }
    }
}

/// A TCP port on the loopback that nothing listens on (the system picked it free and
/// the listener is closed again): for a server a test starts, or a service "down".
pub fn free_port() -> u16 {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free loopback port");
    listener.local_addr().expect("the bound address").port()
}

/// Now, at the precision every backend keeps.
fn now_us() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("truncating now to microseconds")
}

async fn sleep(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// The contract suites of several backends, one module per backend:
///
/// ```text
/// marketlens_adapters::contract_suites! {
///     sqlite: store_contract_tests(crate::with_sqlite_store),
///         queue_contract_tests(crate::with_sqlite_queue);
///     memory: cache_contract_tests(crate::with_memory_cache);
/// }
/// ```
///
/// is `mod sqlite { store_contract_tests!(…); queue_contract_tests!(…); }` and
/// `mod memory { cache_contract_tests!(…); }`.
#[macro_export]
macro_rules! contract_suites {
    ($($backend:ident: $($suite:ident($runner:path)),+;)+) => {
        $(
            mod $backend {
                $( $crate::$suite!($runner); )+
            }
        )+
    };
}

/// One test per rule of `$module`, each running its rule against a fresh backend from
/// `$runner`: rules that take what the runner gives (`&$given`), or rules that take
/// the port the runner's fixture holds in field `$port`, then rules that take the
/// fixture.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_tests {
    ($runner:path, $module:ident, $given:ty; $($rule:ident),+ $(,)?) => {
        $(
            $crate::__contract_test!($rule, $runner,
                |f: $given| $crate::contract::$module::$rule(f));
        )+
    };
    ($runner:path, $module:ident, $given:ty, $port:ident;
     $($rule:ident),+; $($fixture_rule:ident),+ $(,)?) => {
        $(
            $crate::__contract_test!($rule, $runner,
                |f: $given| $crate::contract::$module::$rule(&*f.$port));
        )+
        $crate::__contract_tests!($runner, $module, $given; $($fixture_rule),+);
    };
}

/// One test: `$test` runs `$body`, an expression over the backend `$p` (of type
/// `&$port`), against a fresh backend from `$runner`.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_test {
    ($test:ident, $runner:path, |$p:ident: $port:ty| $body:expr) => {
        #[test]
        fn $test() {
            fn rule($p: &$port) -> $crate::contract::BoxFuture<'_, ()> {
                ::std::boxed::Box::pin($body)
            }
            $crate::contract::run($runner(rule));
        }
    };
}

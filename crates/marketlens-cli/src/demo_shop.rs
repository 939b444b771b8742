//! `marketlens demo-shop`: serves the sample catalogue as a small web shop on
//! localhost (see `marketlens_sources::demo_shop`), for trying the live sources offline.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use marketlens_sources::demo_shop::faults::Faults;

#[derive(Args)]
pub struct DemoShopArgs {
    /// Port to listen on (127.0.0.1 only).
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Delay added to every answer (but /robots.txt), in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A further delay drawn per answer from 0 to this, in milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Share of answers (0 to 1) that are `503 Service Unavailable`.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of answers (0 to 1) delayed by a further --slow-ms.
    #[arg(long, default_value_t = 0.0)]
    slow_rate: f64,
    /// The extra delay of a slow answer, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    slow_ms: u64,
    /// Seed of the per-request draws: the same seed, the same fates in the same order.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub async fn run(args: DemoShopArgs) -> ExitCode {
    let faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        error_rate: args.error_rate,
        slow_rate: args.slow_rate,
        slow: Duration::from_millis(args.slow_ms),
        seed: args.seed,
    };
    if let Err(e) = faults.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    eprintln!(
        "marketlens demo shop (sample data) on http://{bound}\n  search:   http://{bound}/search?q=headphones\n  shopify:  http://{bound}/products.json\n  Ctrl-C to stop"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if faults.is_active() {
        eprintln!("  injecting: {faults:?}");
    }
    match marketlens_sources::demo_shop::serve_with(listener, faults, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

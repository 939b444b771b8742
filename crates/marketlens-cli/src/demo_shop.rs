//! `marketlens demo-shop`: serves the sample catalogue as a small web shop on
//! localhost (see `marketlens_sources::demo_shop`), for trying the live sources offline.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct DemoShopArgs {
    /// Port to listen on (127.0.0.1 only).
    #[arg(long, default_value_t = 8090)]
    port: u16,
}

pub async fn run(args: DemoShopArgs) -> ExitCode {
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
    match marketlens_sources::demo_shop::serve(listener, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

//! `marketlens config activate <FILE|VERSION>` and `marketlens config history`: the
//! agent configuration versions in the store. Activation checks the configuration as
//! `config validate` does (same messages) and writes nothing when it is invalid; every
//! API and worker sharing the store uses the new version from its next analysis on
//! (see `marketlens_service::live_config`).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use marketlens_service::live_config::{ActivateError, Activation, activate as activate_version};
use marketlens_service::startup::{Settings, StartupError, open_store};

use crate::stdout::outln;
use crate::terminal::{Shown, shown};
use crate::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Args)]
pub struct ActivateArgs {
    /// A configuration file (TOML), or the number of an earlier version to go back to.
    target: String,
    /// Who activates it, recorded with the version.
    #[arg(long, env = "MARKETLENS_USER_ID")]
    by: Option<String>,
    #[command(flatten)]
    pub store: crate::StoreArgs,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// How many versions, newest first.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[command(flatten)]
    pub store: crate::StoreArgs,
}

/// A file when one exists at `target`, else a version number.
fn activation(target: &str) -> Result<Activation, StartupError> {
    let path = Path::new(target);
    if !path.exists()
        && let Ok(version) = target.parse::<i64>()
    {
        return Ok(Activation::Version(version));
    }
    std::fs::read_to_string(path)
        .map(Activation::Toml)
        .map_err(|source| StartupError::ConfigRead {
            path: path.to_owned(),
            source,
        })
}

pub async fn activate(settings: &Settings, args: ActivateArgs) -> ExitCode {
    let what = match activation(&args.target) {
        Ok(what) => what,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let store = match open_store(settings).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match activate_version(store.as_ref(), &what, args.by.as_deref()).await {
        Ok(done) if done.already_active => {
            outln!(
                "agent config version {} is already active (content hash {})",
                done.version,
                done.content_hash
            );
            ExitCode::SUCCESS
        }
        Ok(done) => {
            outln!(
                "activated agent config version {} (content hash {})",
                done.version,
                done.content_hash
            );
            ExitCode::SUCCESS
        }
        Err(e @ ActivateError::Store(_)) => {
            eprintln!("error: {}", shown(&e));
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

pub async fn history(settings: &Settings, args: HistoryArgs) -> ExitCode {
    let listed = match open_store(settings).await {
        Ok(store) => store.list_agent_configs(args.limit).await,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let versions = match listed {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    // `*` marks the active version.
    outln!("version  activated at          by                    content hash");
    for v in versions {
        outln!(
            "{:>7}{} {:<21} {:<21} {}",
            v.version,
            if v.active { "*" } else { " " },
            v.activated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Shown(v.activated_by.as_deref().unwrap_or("-")),
            v.content_hash
        );
    }
    ExitCode::SUCCESS
}

//! `marketlens experiments`: the CLI of `marketlens_service::experiments`, on the same
//! store as the server (so an experiment started here assigns the server's queries).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use marketlens_core::ErrorType;
use marketlens_core::experiment::Variant;
use marketlens_core::ports::ExperimentRecord;
use marketlens_service::experiments::{self as service, CreateExperiment, ExperimentError};
use uuid::Uuid;

use crate::stdout::outln;
use crate::{AppArgs, EXIT_BAD_INPUT, EXIT_FAILED, TenantArg, open};

#[derive(Subcommand)]
pub enum ExperimentsAction {
    /// Create an experiment (a draft: `start` makes it assign queries).
    Create {
        name: String,
        /// A variant as NAME:WEIGHT[:config=VERSION][:prompt=PROMPT_VERSION]; the first
        /// is the control. At least two.
        #[arg(long = "variant", required = true)]
        variants: Vec<String>,
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        app: AppArgs,
    },
    /// List every experiment of the tenant, newest first.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        app: AppArgs,
    },
    /// Start assigning new queries to the experiment's variants.
    Start(IdArgs),
    /// Stop the experiment for good (its results stay readable).
    Stop(IdArgs),
    /// Print the experiment's results as JSON (the same document as the API).
    Results(IdArgs),
}

#[derive(Args)]
pub struct IdArgs {
    id: Uuid,
    #[command(flatten)]
    tenant: TenantArg,
    #[command(flatten)]
    app: AppArgs,
}

pub async fn run(action: ExperimentsAction) -> ExitCode {
    let settings = match &action {
        ExperimentsAction::Create { app, .. } | ExperimentsAction::List { app, .. } => {
            app.settings()
        }
        ExperimentsAction::Start(a)
        | ExperimentsAction::Stop(a)
        | ExperimentsAction::Results(a) => a.app.settings(),
    };
    let app = match open(&settings).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    let outcome =
        match action {
            ExperimentsAction::Create {
                name,
                variants,
                tenant,
                ..
            } => {
                let variants = match variants.iter().map(|v| parse_variant(v)).collect() {
                    Ok(v) => v,
                    Err(message) => {
                        eprintln!("error: {message}");
                        return ExitCode::from(EXIT_BAD_INPUT);
                    }
                };
                service::create(&app, &tenant.tenant, CreateExperiment { name, variants })
                    .await
                    .map(|e| print_one(&e))
            }
            ExperimentsAction::List { tenant, .. } => service::list(&app, &tenant.tenant)
                .await
                .map(|all| all.iter().for_each(print_one)),
            ExperimentsAction::Start(a) => service::start(&app, &a.tenant.tenant, a.id)
                .await
                .map(|e| print_one(&e)),
            ExperimentsAction::Stop(a) => service::stop(&app, &a.tenant.tenant, a.id)
                .await
                .map(|e| print_one(&e)),
            ExperimentsAction::Results(a) => service::results(&app, &a.tenant.tenant, a.id)
                .await
                .map(|r| match serde_json::to_string_pretty(&r) {
                    Ok(json) => outln!("{json}"),
                    Err(e) => eprintln!("error: cannot encode the results: {e}"),
                }),
        };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

fn report(e: &ExperimentError) -> ExitCode {
    match e.error_type() {
        ErrorType::Unavailable => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILED)
        }
        kind => {
            eprintln!("error ({kind}): {e}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// One line per experiment: id, status, name, and its variants with their weights.
fn print_one(e: &ExperimentRecord) {
    let variants: Vec<String> = e
        .variants
        .as_slice()
        .iter()
        .map(|v| format!("{}:{}", v.name, v.weight))
        .collect();
    outln!(
        "{}  {:<8} {}  [{}]",
        e.id,
        e.status.as_str(),
        e.name,
        variants.join(", ")
    );
}

/// `NAME:WEIGHT[:config=VERSION][:prompt=PROMPT_VERSION]`; the rest of the checks are
/// `Variants::parse`'s, the same as the API's.
fn parse_variant(spec: &str) -> Result<Variant, String> {
    let usage = || format!("variant {spec:?}: expected NAME:WEIGHT[:config=VERSION][:prompt=P]");
    let mut parts = spec.split(':');
    let name = parts.next().filter(|n| !n.is_empty()).ok_or_else(usage)?;
    let weight = parts
        .next()
        .and_then(|w| w.parse::<u32>().ok())
        .ok_or_else(usage)?;
    let mut variant = Variant {
        name: name.to_owned(),
        weight,
        agent_config_version: None,
        prompt_version: None,
    };
    for part in parts {
        match part.split_once('=') {
            Some(("config", v)) => {
                variant.agent_config_version = Some(v.parse().map_err(|_| usage())?);
            }
            Some(("prompt", p)) => variant.prompt_version = Some(p.to_owned()),
            _ => return Err(usage()),
        }
    }
    Ok(variant)
}

#[cfg(test)]
mod tests {
    use super::parse_variant;

    #[test]
    fn variant_specs_parse_or_say_the_expected_form() {
        let v = parse_variant("treatment:3:config=2:prompt=v2").unwrap();
        assert_eq!(
            (
                v.name.as_str(),
                v.weight,
                v.agent_config_version,
                v.prompt_version.as_deref()
            ),
            ("treatment", 3, Some(2), Some("v2"))
        );
        let v = parse_variant("control:1").unwrap();
        assert_eq!((v.agent_config_version, v.prompt_version), (None, None));
        for bad in ["control", ":1", "a:x", "a:1:colour=red", "a:1:config=x"] {
            let err = parse_variant(bad).unwrap_err();
            assert!(err.contains("NAME:WEIGHT"), "{bad}: {err}");
        }
    }
}

//! `marketlens tenants create|list` and `marketlens keys create|list|revoke`: who may
//! call the API, in the configured store (the same one `serve` reads); `marketlens
//! audit`: the audit log. A key is shown
//! once, when created; the store keeps only its hash. Every creation and revocation is
//! written to the audit log with the operator named by `--by` (default `cli`).

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use marketlens_core::domain::{Scopes, TenantId};
use marketlens_core::ports::{ApiKeyRecord, Store, StoreError};
use marketlens_service::access::keys::{self, KeyError};
use marketlens_service::startup::open_store;
use serde_json::json;
use uuid::Uuid;

use crate::stdout::outln;
use crate::terminal::{Shown, json_text, shown};
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, StoreArgs};

#[derive(Subcommand)]
pub enum TenantsAction {
    /// Record a tenant: a slug of lowercase letters, digits, '-' and '_' (`acme`).
    Create {
        tenant: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// List the tenants.
    List {
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Subcommand)]
pub enum KeysAction {
    /// Create an API key and print it (once: only its hash is stored).
    Create(CreateKeyArgs),
    /// List the keys (never the keys themselves: their first characters).
    List {
        /// Only this tenant's keys.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Revoke a key: every request with it is refused from now on.
    Revoke {
        /// The key's id (from `keys list` or `keys create`).
        id: Uuid,
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Args)]
pub struct AuditArgs {
    /// Rows, newest first.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    #[command(flatten)]
    common: CommonArgs,
}

/// The newest audit rows: tenant and key creation, revocation and use, config
/// activations.
pub async fn audit(args: AuditArgs) -> ExitCode {
    let store = match store(&args.common).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    match store.list_audit(args.limit).await {
        Ok(rows) if args.common.json => {
            outln!("{}", json_text(&json!(rows).to_string()));
            ExitCode::SUCCESS
        }
        Ok(rows) => {
            for e in &rows {
                outln!(
                    "{}\t{}\t{}\t{}\tby {}{}",
                    e.at.to_rfc3339(),
                    e.action.as_str(),
                    Shown(&e.subject),
                    e.tenant.as_ref().map_or("-", |t| t.as_str()),
                    Shown(e.actor.as_deref().unwrap_or("-")),
                    e.detail
                        .as_deref()
                        .map(|d| format!("\t{}", Shown(d)))
                        .unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => store_failed(&e),
    }
}

/// What every command here takes: the store, JSON output, and who acts.
#[derive(Args)]
pub struct CommonArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Who does it, written to the audit log.
    #[arg(long, env = "MARKETLENS_USER_ID", default_value = "cli")]
    by: String,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct CreateKeyArgs {
    /// The tenant the key acts for (created with `tenants create`; `local` exists).
    #[arg(long)]
    tenant: String,
    /// The user the key belongs to, recorded on each analysis it submits.
    #[arg(long)]
    user: String,
    /// What the key may do: read, write, admin (comma- or space-separated).
    #[arg(long, default_value = "read,write")]
    scopes: String,
    /// When the key stops working: an RFC 3339 time (`2027-01-31T00:00:00Z`).
    #[arg(long, conflicts_with = "expires_in_days")]
    expires_at: Option<DateTime<Utc>>,
    /// When the key stops working, in days from now.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    expires_in_days: Option<u32>,
    #[command(flatten)]
    common: CommonArgs,
}

fn failed(e: &impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("error: {}", shown(e));
    ExitCode::from(code)
}

/// A store error: the caller's input when it names something unknown or taken.
fn store_failed(e: &StoreError) -> ExitCode {
    match e {
        StoreError::NotFound(_) | StoreError::Conflict(_) => failed(e, EXIT_BAD_INPUT),
        _ => failed(e, EXIT_FAILED),
    }
}

async fn store(common: &CommonArgs) -> Result<std::sync::Arc<dyn Store>, ExitCode> {
    open_store(&common.store.settings())
        .await
        .map_err(|e| failed(&e, EXIT_FAILED))
}

fn tenant(text: &str) -> Result<TenantId, ExitCode> {
    TenantId::parse(text).map_err(|e| failed(&e.message, EXIT_BAD_INPUT))
}

pub async fn tenants(action: TenantsAction) -> ExitCode {
    match action {
        TenantsAction::Create { tenant: id, common } => {
            let id = match tenant(&id) {
                Ok(id) => id,
                Err(code) => return code,
            };
            let store = match store(&common).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            match keys::create_tenant(store.as_ref(), &id, &common.by).await {
                Ok(record) if common.json => {
                    outln!("{}", json_text(&json!(record).to_string()));
                    ExitCode::SUCCESS
                }
                Ok(record) => {
                    outln!("tenant {} created", record.id);
                    ExitCode::SUCCESS
                }
                Err(e) => store_failed(&e),
            }
        }
        TenantsAction::List { common } => {
            let store = match store(&common).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            match store.list_tenants().await {
                Ok(all) if common.json => {
                    outln!("{}", json_text(&json!(all).to_string()));
                    ExitCode::SUCCESS
                }
                Ok(all) => {
                    for t in all {
                        outln!("{}\tcreated {}", t.id, t.created_at.to_rfc3339());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => store_failed(&e),
            }
        }
    }
}

fn key_line(k: &ApiKeyRecord) -> String {
    let state = match k.refusal(Utc::now()) {
        Some(_) if k.revoked_at.is_some() => "revoked",
        Some(_) => "expired",
        None => "active",
    };
    format!(
        "{}\t{}…\t{}\t{}\t{}\t{}\texpires {}\tlast used {}",
        k.id,
        k.prefix,
        k.tenant,
        Shown(&k.user_id),
        k.scopes.to_string().replace(' ', ","),
        state,
        k.expires_at.map_or("never".into(), |t| t.to_rfc3339()),
        k.last_used_at.map_or("never".into(), |t| t.to_rfc3339()),
    )
}

pub async fn keys(action: KeysAction) -> ExitCode {
    match action {
        KeysAction::Create(args) => create_key(args).await,
        KeysAction::List {
            tenant: only,
            common,
        } => {
            let only = match only.as_deref().map(tenant).transpose() {
                Ok(t) => t,
                Err(code) => return code,
            };
            let store = match store(&common).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            match store.list_api_keys(only.as_ref()).await {
                Ok(all) if common.json => {
                    outln!("{}", json_text(&json!(all).to_string()));
                    ExitCode::SUCCESS
                }
                Ok(all) => {
                    for k in &all {
                        outln!("{}", key_line(k));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => store_failed(&e),
            }
        }
        KeysAction::Revoke { id, common } => {
            let store = match store(&common).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            match keys::revoke_key(store.as_ref(), id, &common.by).await {
                Ok(record) if common.json => {
                    outln!("{}", json_text(&json!(record).to_string()));
                    ExitCode::SUCCESS
                }
                Ok(record) => {
                    outln!("key {} of tenant {} revoked", record.id, record.tenant);
                    ExitCode::SUCCESS
                }
                Err(e) => store_failed(&e),
            }
        }
    }
}

async fn create_key(args: CreateKeyArgs) -> ExitCode {
    let tenant_id = match tenant(&args.tenant) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let scopes = match Scopes::parse(&args.scopes) {
        Ok(s) => s,
        Err(e) => return failed(&e.message, EXIT_BAD_INPUT),
    };
    let user = args.user.trim();
    if user.is_empty() || user.chars().any(char::is_control) {
        return failed(&"--user must be printable and not empty", EXIT_BAD_INPUT);
    }
    let expires_at = args.expires_at.or_else(|| {
        args.expires_in_days
            .map(|d| Utc::now() + chrono::Duration::days(i64::from(d)))
    });
    let store = match store(&args.common).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let created = match keys::create_key(
        store.as_ref(),
        &tenant_id,
        user,
        scopes,
        expires_at,
        &args.common.by,
    )
    .await
    {
        Ok(created) => created,
        Err(KeyError::Store(e)) => return store_failed(&e),
        Err(e @ KeyError::ExpiryInPast(_)) => return failed(&e, EXIT_BAD_INPUT),
        Err(e) => return failed(&e, EXIT_FAILED),
    };
    if args.common.json {
        let mut view = json!(created.record);
        view["key"] = json!(created.key);
        outln!("{}", json_text(&view.to_string()));
    } else {
        eprintln!(
            "key {} for {} of tenant {} (scopes {}); it is shown only now:",
            created.record.id,
            Shown(&created.record.user_id),
            created.record.tenant,
            created.record.scopes
        );
        outln!("{}", created.key);
    }
    ExitCode::SUCCESS
}

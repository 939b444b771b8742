//! `marketlens feedback <ID> --rating N [--useful true|false] [--comment TEXT]
//! [--user-id USER]`: records a user's feedback on an analysis, validated and stored
//! exactly as `POST /v1/analyses/{id}/feedback` does (same rules, same messages).

use std::process::ExitCode;

use clap::Args;
use marketlens_core::domain::FeedbackRequest;
use marketlens_service::feedback::{FeedbackError, record_feedback};
use marketlens_service::startup::App;
use uuid::Uuid;

use crate::stdout::outln;
use crate::terminal::shown;
use crate::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Args)]
pub struct FeedbackArgs {
    /// The analysis (its id, as `analyze --json` or the API gives it).
    analysis: Uuid,
    /// 1 (poor) to 5 (excellent).
    #[arg(long, allow_negative_numbers = true)]
    rating: i64,
    /// Whether the analysis was useful: true or false.
    #[arg(long)]
    useful: Option<bool>,
    /// A comment (at most 2,000 characters).
    #[arg(long)]
    comment: Option<String>,
    /// Who gives the feedback: one feedback per user per analysis (a second replaces
    /// the first). Anonymous when absent.
    #[arg(long, env = "MARKETLENS_USER_ID")]
    user_id: Option<String>,
    #[command(flatten)]
    tenant: crate::TenantArg,
    #[command(flatten)]
    pub app: crate::AppArgs,
}

pub async fn run(app: &App, args: FeedbackArgs) -> ExitCode {
    let request = FeedbackRequest {
        rating: args.rating.into(),
        useful: args.useful,
        comment: args.comment,
        user_id: args.user_id,
    };
    match record_feedback(app, &args.tenant.tenant, args.analysis, &request).await {
        Ok(recorded) => {
            let action = if recorded.created {
                "recorded"
            } else {
                "updated (replaces this user's earlier feedback)"
            };
            outln!(
                "feedback {} {action}: rating {} on analysis {}",
                recorded.record.id,
                recorded.record.feedback.rating.get(),
                recorded.record.query_id
            );
            ExitCode::SUCCESS
        }
        Err(FeedbackError::Invalid(e)) => {
            eprintln!("error: {} ({}): {}", e.field, e.error_type, e.message);
            ExitCode::from(EXIT_BAD_INPUT)
        }
        Err(e @ FeedbackError::Store(_)) => {
            eprintln!("error: {}", shown(&e));
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("error ({}): {}", e.error_type(), shown(&e));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

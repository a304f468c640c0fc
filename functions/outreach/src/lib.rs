//! sarafan-outreach: what customers and staff see: the NPS question, follow-ups, referral links, staff alerts.

pub mod config;
pub mod handler;
pub mod messages;
pub mod templates;
pub mod worker;

pub use config::{ChatClients, ConfigError, OutreachConfig, Settings, WorkerTuning};
pub use handler::{handle, handle_entry, Handled, Outreach, OutreachError, OutreachStore};
pub use templates::{Key, Templates};
pub use worker::{handle_stream_batch, run_feed_worker};

use std::sync::Arc;

/// Builds outreach from the environment on the configured store (`SARAFAN_STORE`, Lambda's
/// default `dynamodb`) and runs it until interrupted.
pub async fn run_from_env() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let store: Arc<dyn OutreachStore> = match std::env::var("SARAFAN_STORE").as_deref() {
        Ok("sqlite") => {
            let path = std::env::var("SARAFAN_DB").unwrap_or_else(|_| "./sarafan.db".into());
            Arc::new(sarafan_core::store::sqlite::SqliteStore::open(path)?)
        }
        Ok("dynamodb") | Err(_) => anyhow::bail!(
            "SARAFAN_STORE=dynamodb: the DynamoDB store and its stream decoding are not built yet; \
             run with SARAFAN_STORE=sqlite (or `sarafan serve`) meanwhile"
        ),
        Ok(other) => anyhow::bail!("SARAFAN_STORE: unknown store {other:?} (sqlite or dynamodb)"),
    };
    let deps = Outreach {
        store,
        chat: settings.chat,
        templates: settings.templates,
        config: settings.config,
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run_feed_worker(&deps, "outreach", shutdown).await;
    Ok(())
}

//! Lambda entry point of sarafan-ingest: build the config and the store once, then serve the router.

use sarafan_core::store::sqlite::SqliteStore;
use sarafan_ingest::{app, AppState, Config, StoreConfig};
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .without_time()
        .init();
    let config = Config::from_env().map_err(|e| format!("sarafan-ingest configuration: {e}"))?;
    let store = match &config.store {
        StoreConfig::Sqlite { path } => Arc::new(SqliteStore::open(path)?),
        StoreConfig::Dynamodb { .. } => {
            return Err("SARAFAN_STORE=dynamodb: the DynamoDB store is not built yet".into())
        }
    };
    lambda_http::run(app(AppState::new(store, config))).await
}

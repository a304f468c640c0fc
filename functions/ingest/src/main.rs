//! Lambda entry point of sarafan-ingest: build the config and the store once, then serve the router.

use sarafan_core::store::sqlite::SqliteStore;
use sarafan_ingest::{app, AppState, Config, StoreConfig};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let config = Config::from_env().map_err(|e| format!("configuration: {e}"))?;
    let store = match &config.store {
        StoreConfig::Sqlite { path } => Arc::new(SqliteStore::open(path)?),
        StoreConfig::Dynamodb { .. } => {
            return Err("SARAFAN_STORE=dynamodb: the DynamoDB store is not built yet; use SARAFAN_STORE=sqlite".into())
        }
    };
    lambda_http::run(app(AppState::new(store, config))).await
}

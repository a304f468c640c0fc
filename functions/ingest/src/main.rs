//! Lambda entry point of sarafan-ingest: read settings and secrets, open the store once, serve the router.

use sarafan_core::secrets::Settings;
use sarafan_core::store::StoreChoice;
use sarafan_ingest::{app, AppState, Config};
use tracing_subscriber::EnvFilter;

// mimalloc, not the system's malloc: a webhook's write is dozens of small strings and maps
// (the SDK's attribute maps), and mimalloc's thread-local free lists make them about a
// third cheaper (benches/warm_path.rs, docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .without_time()
        .init();
    // One AWS config (and so one HTTP client, one TLS root store) for the secret and the store.
    // Loading it reads the environment only: no network call before the first event.
    let aws = sarafan_core::aws::sdk_config().await;
    // Display, not Debug: a start-up failure shows in the log as one line naming the variable.
    let settings = Settings::load_with(&aws).await.map_err(|e| e.to_string())?;
    let config = Config::from_vars(settings.vars()).map_err(|e| format!("sarafan-ingest configuration: {e}"))?;
    // Lambda's store is DynamoDB unless SARAFAN_STORE says otherwise.
    let choice = StoreChoice::from_lookup(|name| settings.get(name), "dynamodb")?;
    let store = choice.open_with(&aws).await.map_err(|e| e.to_string())?;
    lambda_http::run(app(AppState::new(store, config))).await
}

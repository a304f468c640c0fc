//! Lambda entry point of sarafan-ingest: the shared start-up, then the router on the store.

use sarafan_core::lambda::{start, StartError};
use sarafan_ingest::{app, AppState, Config};

// mimalloc, not the system's malloc: a webhook's write is dozens of small strings and maps
// (the SDK's attribute maps), and mimalloc's thread-local free lists make them about a
// third cheaper (benches/warm_path.rs, docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FUNCTION: &str = "sarafan-ingest";

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let started = start(FUNCTION, "dynamodb").await?;
    let config = Config::from_vars(&started.vars).map_err(StartError::config(FUNCTION))?;
    lambda_http::run(app(AppState::new(started.store, config))).await
}

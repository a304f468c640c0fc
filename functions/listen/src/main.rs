//! Lambda entry point of sarafan-listen: settings, secrets and the store once, then one listening
//! run per scheduled event (EventBridge Scheduler, every 10 minutes by default).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::store::StoreChoice;
use sarafan_listen::{Config, Listener};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    let aws = sarafan_core::aws::sdk_config().await;
    // Display, not Debug: a start-up failure shows in the log as one line naming the variable.
    let env = sarafan_core::secrets::Settings::load_with(&aws)
        .await
        .map_err(|e| e.to_string())?;
    let config = Config::from_lookup(|name| env.get(name)).map_err(|e| format!("sarafan-listen configuration: {e}"))?;
    for line in &config.described {
        tracing::info!("{line}");
    }
    let store = StoreChoice::from_lookup(|name| env.get(name), "dynamodb")?
        .open_with(&aws)
        .await
        .map_err(|e| e.to_string())?;
    let listener = Listener::new(config);
    let (listener, store) = (&listener, &*store);
    let handler = move |_: LambdaEvent<serde_json::Value>| async move {
        let runs = listener.run_once(store, chrono::Utc::now()).await?;
        let summary: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| serde_json::json!({"source": r.source, "fetched": r.fetched, "new": r.new, "stored": r.stored, "failed": r.failed}))
            .collect();
        Ok::<_, Error>(serde_json::json!({ "sources": summary }))
    };
    lambda_runtime::run(service_fn(handler)).await
}

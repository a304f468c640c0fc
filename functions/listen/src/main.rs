//! Lambda entry point of sarafan-listen: the shared start-up, then one listening run per
//! scheduled event (EventBridge Scheduler, every 10 minutes by default).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::lambda::{start, StartError};
use sarafan_listen::{Config, Listener};

const FUNCTION: &str = "sarafan-listen";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let started = start(FUNCTION, "dynamodb").await?;
    let config = Config::from_vars(&started.vars).map_err(StartError::config(FUNCTION))?;
    for line in &config.described {
        tracing::info!("{line}");
    }
    let listener = Listener::new(config);
    let (listener, store) = (&listener, &*started.store);
    let handler = move |_: LambdaEvent<serde_json::Value>| async move {
        let runs = listener.run_once(store, listener.clock().now()).await?;
        let summary: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| serde_json::json!({"source": r.source, "fetched": r.fetched, "new": r.new, "stored": r.stored, "failed": r.failed}))
            .collect();
        Ok::<_, Error>(serde_json::json!({ "sources": summary }))
    };
    lambda_runtime::run(service_fn(handler)).await
}

//! Entry point of sarafan-outreach: in Lambda, DynamoDB Streams batches; elsewhere, the store's feed worker.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_outreach::{handle_invocation, outreach_from, Invocation, Invoked, SystemClock};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .without_time()
        .with_writer(std::io::stderr)
        .init();
    // Lambda's runtime sets this; without it there is no stream, so poll the store's feed.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return sarafan_outreach::run_from_env()
            .await
            .map_err(|e| format!("{e:#}").into());
    }
    // Display, not Debug: a start-up failure shows in the log as one line naming the variable.
    let settings = sarafan_core::secrets::Settings::load()
        .await
        .map_err(|e| e.to_string())?;
    let mut deps = outreach_from(|name| settings.get(name), "dynamodb")
        .await
        .map_err(|e| format!("sarafan-outreach configuration: {e:#}"))?;
    // Waits are scheduled per recipient against the invocation's deadline (see stream.rs).
    deps.chat = deps.chat.with_retry(sarafan_core::chat::RetryPolicy::none());
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = chrono::DateTime::from_timestamp_millis(event.context.deadline as i64)
            .ok_or("the invocation has no deadline")?;
        let invocation = Invocation {
            clock: &SystemClock,
            deadline,
        };
        let invoked = Invoked::from_payload(event.payload)?;
        handle_invocation(deps, &invoked, invocation)
            .await
            .map_err(|e| Error::from(e.to_string()))
    }))
    .await
}

//! Entry point of sarafan-outreach: the shared start-up, then in Lambda DynamoDB Streams batches
//! and the parked-event sweep; elsewhere, the store's feed worker.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::lambda::{start, StartError};
use sarafan_outreach::{handle_invocation, outreach_on, Invocation, Invoked};

const FUNCTION: &str = "sarafan-outreach";

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Lambda's runtime sets this; without it there is no stream, so poll the store's feed (on
    // the CLI's default store, which needs the `sqlite` feature; `sarafan serve` runs this worker too).
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let started = start(FUNCTION, if in_lambda { "dynamodb" } else { "sqlite" }).await?;
    let mut deps = outreach_on(&started).map_err(StartError::config(FUNCTION))?;
    if !in_lambda {
        sarafan_outreach::run_worker(deps).await;
        return Ok(());
    }
    // Waits are scheduled per recipient against the invocation's deadline (see stream.rs).
    deps.chat = deps.chat.with_retry(sarafan_core::chat::RetryPolicy::none());
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = chrono::DateTime::from_timestamp_millis(event.context.deadline as i64)
            .ok_or("the invocation has no deadline")?;
        let invocation = Invocation {
            clock: deps.config.clock.as_ref(),
            deadline,
        };
        let invoked = Invoked::from_payload(event.payload)?;
        handle_invocation(deps, &invoked, invocation)
            .await
            .map_err(|e| Error::from(e.to_string()))
    }))
    .await
}

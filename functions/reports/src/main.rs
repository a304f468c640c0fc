//! Lambda entry point of sarafan-reports: wires settings, store and SES once, then serves events.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::store::StoreChoice;
use sarafan_reports::{job::Settings, lambda, ses::SesMailer};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    // Display, not Debug: the reason shows in the function's log as one readable line.
    let env = sarafan_core::secrets::Settings::load()
        .await
        .map_err(|e| e.to_string())?;
    let settings = Settings::from_lookup(|name| env.get(name)).map_err(|e| e.to_string())?;
    let store = StoreChoice::from_lookup(|name| env.get(name), "dynamodb")?
        .open()
        .await
        .map_err(|e| e.to_string())?;
    let mailer = SesMailer::from_env().await;
    let (store, mailer, settings) = (&*store, &mailer, &settings);
    let handler = move |event: LambdaEvent<serde_json::Value>| async move {
        let now = chrono::Utc::now();
        lambda::handle(store, mailer, settings, event.payload, now)
            .await
            .map_err(Error::from)
    };
    lambda_runtime::run(service_fn(handler)).await
}

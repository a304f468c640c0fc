//! Lambda entry point of sarafan-reports: wires settings, store and SES once, then serves events.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::store::StoreChoice;
use sarafan_reports::{digest::DigestSettings, job::Settings, lambda, ses::SesMailer};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    // One AWS config (and so one HTTP client, one TLS root store) for the secret, the store and
    // SES. Loading it reads the environment only: no network call before the first event.
    let aws = sarafan_core::aws::sdk_config().await;
    // Display, not Debug: the reason shows in the function's log as one readable line.
    let env = sarafan_core::secrets::Settings::load_with(&aws)
        .await
        .map_err(|e| e.to_string())?;
    let settings = Settings::from_lookup(|name| env.get(name)).map_err(|e| e.to_string())?;
    let digest = DigestSettings::from_lookup(|name| env.get(name)).map_err(|e| e.to_string())?;
    let store = StoreChoice::from_lookup(|name| env.get(name), "dynamodb")?
        .open_with(&aws)
        .await
        .map_err(|e| e.to_string())?;
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&aws));
    let (store, mailer, settings, digest) = (&*store, &mailer, &settings, &digest);
    let handler = move |event: LambdaEvent<serde_json::Value>| async move {
        let now = chrono::Utc::now();
        if lambda::is_digest(&event.payload) {
            return lambda::handle_digest(store, digest, event.payload, now)
                .await
                .map_err(Error::from);
        }
        lambda::handle(store, mailer, settings, event.payload, now)
            .await
            .map_err(Error::from)
    };
    lambda_runtime::run(service_fn(handler)).await
}

//! Lambda entry point of sarafan-reports: the shared start-up, then the report and digest settings
//! and SES once, then one event at a time.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use sarafan_core::clock::SystemClock;
use sarafan_core::lambda::{start, StartError};
use sarafan_reports::{digest::DigestSettings, job::Settings, lambda, ses::SesMailer};

const FUNCTION: &str = "sarafan-reports";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let started = start(FUNCTION, "dynamodb").await?;
    let settings = Settings::from_vars(&started.vars).map_err(StartError::config(FUNCTION))?;
    let digest = DigestSettings::from_vars(&started.vars).map_err(StartError::config(FUNCTION))?;
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&started.aws));
    let (store, mailer, settings, digest) = (&*started.store, &mailer, &settings, &digest);
    let handler = move |event: LambdaEvent<serde_json::Value>| async move {
        if lambda::is_digest(&event.payload) {
            return lambda::handle_digest(store, digest, event.payload, &SystemClock)
                .await
                .map_err(Error::from);
        }
        lambda::handle(store, mailer, settings, event.payload, &SystemClock)
            .await
            .map_err(Error::from)
    };
    lambda_runtime::run(service_fn(handler)).await
}

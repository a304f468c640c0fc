//! One start-up path for every Lambda (and the outreach worker outside one): JSON logs at the
//! level `RUST_LOG` sets, the AWS config once, the variables and secrets once, the store once.
//!
//! A function's `main` calls [`start`], builds its own settings from [`Started::vars`] with its
//! crate's `from_vars`, and runs. Nothing here makes a network call except reading the secret
//! named by `SARAFAN_SECRETS_ARN` when it is set.

use crate::settings::{ConfigError, Vars};
use crate::store::{Store, StoreChoice, StoreError};
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// What every function starts with.
pub struct Started {
    /// One AWS config (one HTTP client, one TLS root store) for the secret, the store, SES.
    pub aws: aws_config::SdkConfig,
    /// The environment with the secret's variables merged in.
    pub vars: Vars,
    /// Which store, from `SARAFAN_STORE`, `SARAFAN_DB`, `SARAFAN_TABLE`.
    pub choice: StoreChoice,
    pub store: Arc<dyn Store>,
}

/// Why a function could not start. Display is one line naming the variable or the cause, which
/// is what shows in the function's log.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error("{function} configuration: {source}")]
    Config {
        function: &'static str,
        #[source]
        source: ConfigError,
    },
    #[error("opening the store: {0}")]
    Store(#[from] StoreError),
}

impl StartError {
    /// A function's own settings refused: the error names the function and the variable.
    pub fn config(function: &'static str) -> impl FnOnce(ConfigError) -> StartError {
        move |source| StartError::Config { function, source }
    }
}

/// Logs as JSON lines (what CloudWatch indexes), at the level `RUST_LOG` sets (default `info`),
/// without timestamps (Lambda adds its own), to standard error.
pub fn init_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // `try_init`: a second call (a test, a host that set logs up itself) keeps the first.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .without_time()
        .with_writer(std::io::stderr)
        .try_init();
}

/// Starts `function`: logs, the AWS config, the variables and secrets, and the store
/// (`default_store` when `SARAFAN_STORE` is unset: `dynamodb` in Lambda).
pub async fn start(function: &'static str, default_store: &str) -> Result<Started, StartError> {
    init_logs();
    // Loading the config reads the environment only: no network call before the first event.
    let aws = crate::aws::sdk_config().await;
    let vars = crate::secrets::load_with(&aws).await?;
    let choice = StoreChoice::from_vars(&vars, default_store).map_err(StartError::config(function))?;
    let store = choice.open_with(&aws).await?;
    Ok(Started {
        aws,
        vars,
        choice,
        store,
    })
}

//! The configured store for a command (`SARAFAN_STORE`, default `sqlite`, the CLI's default).

use crate::error::CliError;
use anyhow::{anyhow, Context};
use sarafan_core::settings::Vars;
use sarafan_core::store::{Store, StoreChoice, StoreError};
use std::sync::Arc;

/// The configured store for commands that write (serve, ask, import, listen): SQLite creates its
/// file when missing.
pub async fn open_store(vars: &Vars) -> Result<Arc<dyn Store>, CliError> {
    let choice = StoreChoice::from_vars(vars, "sqlite").map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(choice.open().await.context("opening the store")?)
}

/// The configured store (`SARAFAN_STORE`, default `sqlite`), for commands that read or change
/// what is already there (export, report, forget): a missing SQLite file is an error, not a fresh
/// database, and a file that is not a Sarafan database (an empty one included) is refused.
pub async fn open_existing_store(vars: &Vars) -> Result<Arc<dyn Store>, CliError> {
    let choice = StoreChoice::from_vars(vars, "sqlite").map_err(|e| CliError::Usage(e.to_string()))?;
    match choice.open_existing().await {
        Ok(store) => Ok(store),
        Err(StoreError::Missing { path }) => Err(CliError::Failure(anyhow!(
            "no database at {path} (set SARAFAN_DB, or create one with `sarafan demo` or `sarafan serve`)"
        ))),
        Err(e) => Err(CliError::Failure(e.into())),
    }
}

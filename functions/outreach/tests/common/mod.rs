//! What the outreach handler tests share: a store of each kind and the failures a stream batch
//! reports.
#![allow(dead_code)]

use chrono::Utc;
use sarafan_core::chat::{Pacer, RetryPolicy, TelegramClient};
use sarafan_core::ledger::Change;
use sarafan_core::model::{Customer, Identity, Platform};
use sarafan_core::store::dynamodb::fresh_table;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::Store;
use sarafan_outreach::{ChatClients, Outreach, OutreachConfig, Templates};
use secrecy::SecretString;
use std::sync::Arc;

/// A fresh SQLite store, with the directory that holds it.
pub async fn sqlite() -> (Option<tempfile::TempDir>, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    (Some(dir), Arc::new(store))
}

/// A store on a fresh table `{prefix}-…` of the local DynamoDB server scripts/test starts.
pub async fn dynamodb(prefix: &str) -> (Option<tempfile::TempDir>, Arc<dyn Store>) {
    (None, Arc::new(fresh_table(prefix).await))
}

/// The record ids a stream batch's answer reports failed (Lambda retries from the first).
pub fn failed_ids(response: &aws_lambda_events::event::streams::DynamoDbEventResponse) -> Vec<String> {
    let value = serde_json::to_value(response).unwrap();
    value["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_string())
        .collect()
}

/// Outreach on `store` sending through the recording Telegram API at `telegram_uri` as bot
/// `token`, unpaced, retrying by `retry`, with the built-in templates and `config`.
pub fn telegram_outreach(
    store: &Arc<dyn Store>,
    (telegram_uri, token): (String, &str),
    retry: RetryPolicy,
    config: OutreachConfig,
) -> Outreach {
    Outreach {
        store: store.clone(),
        chat: ChatClients {
            telegram: Some(
                TelegramClient::new(
                    sarafan_core::chat::http_client(),
                    telegram_uri,
                    SecretString::from(token),
                )
                .with_retry(retry)
                .with_pacer(Pacer::unpaced()),
            ),
            ..ChatClients::default()
        },
        templates: Templates::builtin(),
        config,
    }
}

/// Stores a request to ask Telegram chat `chat` under delivery `delivery`, as ingest stores it.
pub async fn request_survey(store: &Arc<dyn Store>, chat: &str, delivery: &str) {
    let identity = Identity::new(Platform::Telegram, chat.to_string());
    let mut customer = Customer::new(identity.customer_id(), Utc::now());
    customer.identities.push(identity.clone());
    let change = Change::SurveyRequested {
        customer,
        identity,
        brand: None,
    };
    store.apply(delivery, change).await.unwrap();
}

//! A fresh table for the tests and benches of other crates, on the local DynamoDB-compatible
//! server they run against (scripts/test starts DynamoDB Local).

use super::{create_table, DynamoStore};

/// A store on a new table `{prefix}-{16 random hex digits}`, configured from the environment:
/// each test its own table, so tests run in parallel. Panics naming the variable to set when no
/// local server is configured.
pub async fn fresh_table(prefix: &str) -> DynamoStore {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "this test needs a local DynamoDB-compatible server: run scripts/test (it starts DynamoDB Local and \
         sets AWS_ENDPOINT_URL_DYNAMODB), or start one and set AWS_ENDPOINT_URL_DYNAMODB yourself"
    );
    let store = DynamoStore::from_env(format!("{prefix}-{:016x}", rand::random::<u64>())).await;
    create_table(store.client(), store.table()).await.unwrap();
    store
}

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

/// The operation of every request a store's client sends (its `x-amz-target`), in order: for
/// tests that count round trips.
#[derive(Debug, Clone, Default)]
pub struct Requests(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Requests {
    /// The operations sent since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl aws_sdk_dynamodb::config::Intercept for Requests {
    fn name(&self) -> &'static str {
        "Requests"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_string();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(operation);
        Ok(())
    }
}

/// `store`'s table through a client that records every request it sends.
pub fn counted(store: DynamoStore) -> (DynamoStore, Requests) {
    let requests = Requests::default();
    let config = store
        .client()
        .config()
        .to_builder()
        .interceptor(requests.clone())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    (DynamoStore::new(client, store.table()), requests)
}

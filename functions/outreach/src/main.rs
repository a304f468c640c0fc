//! Entry point of sarafan-outreach: wires configuration and the store, then runs the handler.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    sarafan_outreach::run_from_env().await
}

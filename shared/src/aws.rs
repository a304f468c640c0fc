//! AWS SDK configuration for every AWS client Sarafan builds: rustls (no OpenSSL), bounded
//! timeouts and standard retries, read from the environment without a network call.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use std::time::Duration;

/// The loader: region, credentials and `AWS_ENDPOINT_URL` (or a service's own endpoint
/// variable, e.g. `AWS_ENDPOINT_URL_DYNAMODB`) come from the environment when it loads.
pub fn config_loader() -> aws_config::ConfigLoader {
    // Lambda's image guarantees no OpenSSL: TLS is rustls with ring.
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        // Standard mode retries throttling and transient errors with jittered backoff.
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(15))
                .build(),
        )
}

/// The loaded SDK config.
pub async fn sdk_config() -> aws_config::SdkConfig {
    config_loader().load().await
}

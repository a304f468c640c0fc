//! Amazon SES v2: one raw MIME message sent with `SendEmail`, for the monthly report (reports)
//! and the survey email (outreach); each wraps it in its own mailer port and error messages.

use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

/// Why SES did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SesError {
    /// SES answered and refused (unverified sender, sandbox recipient, throttling...): its
    /// error code and message.
    #[error("{code}: {reason}")]
    Rejected { code: String, reason: String },
    /// SES could not be asked (network, credentials, endpoint).
    #[error("{0}")]
    Unreachable(String),
    /// The request could not be built from the message.
    #[error("{0}")]
    Unbuildable(String),
}

/// The SES v2 client, built once: given (a function's start-up, sharing its AWS config) or on
/// the first email (region, credentials and `AWS_ENDPOINT_URL` from the environment), so a host
/// that never sends one makes no AWS lookup at start.
#[derive(Debug, Default)]
pub struct Ses {
    client: tokio::sync::OnceCell<aws_sdk_sesv2::Client>,
}

impl Ses {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        Ses {
            client: tokio::sync::OnceCell::new_with(Some(client)),
        }
    }

    /// On an AWS config already loaded: no second config, one HTTP client.
    pub fn on(aws: &crate::aws::SdkConfig) -> Self {
        Ses::new(aws_sdk_sesv2::Client::new(aws))
    }

    /// The client, built from the environment on first use unless it was given.
    pub async fn client(&self) -> &aws_sdk_sesv2::Client {
        self.client
            .get_or_init(|| async { aws_sdk_sesv2::Client::new(&crate::aws::sdk_config().await) })
            .await
    }

    /// Sends `raw` (a whole MIME message) from `from` to `to`; answers SES's message id.
    pub async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, SesError> {
        let message = RawMessage::builder()
            .data(Blob::new(raw))
            .build()
            .map_err(|e| SesError::Unbuildable(e.to_string()))?;
        let sent = self
            .client()
            .await
            .send_email()
            .from_email_address(from)
            .destination(Destination::builder().set_to_addresses(Some(to.to_vec())).build())
            .content(EmailContent::builder().raw(message).build())
            .send()
            .await;
        match sent {
            Ok(out) => Ok(out.message_id().unwrap_or_default().to_string()),
            Err(SdkError::ServiceError(e)) => {
                let err = e.err();
                Err(SesError::Rejected {
                    code: err.code().unwrap_or("Unknown").to_string(),
                    reason: err.message().map(str::to_string).unwrap_or_else(|| err.to_string()),
                })
            }
            Err(other) => Err(SesError::Unreachable(DisplayErrorContext(&other).to_string())),
        }
    }
}

//! Sending the report: the mailer port, and its Amazon SES v2 adapter (raw content).

use async_trait::async_trait;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// SES answered and refused (unverified sender, sandbox recipient, throttling...).
    #[error("SES refused the report: {code}: {reason}")]
    Rejected { code: String, reason: String },
    /// SES could not be asked (network, credentials, endpoint).
    #[error("SES could not be reached: {0}")]
    Unreachable(String),
    #[error("the email is not set up: {0}")]
    NotConfigured(String),
}

/// Sends one raw MIME message; answers the provider's message id.
#[async_trait]
pub trait ReportMailer: Send + Sync {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError>;
}

/// SES v2 `SendEmail` with raw content. Built once per process and lent to handlers.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        SesMailer { client }
    }

    /// Region, credentials and `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_SESV2`) from the environment.
    pub async fn from_env() -> Self {
        let config = sarafan_core::aws::sdk_config().await;
        SesMailer::new(aws_sdk_sesv2::Client::new(&config))
    }

    pub fn client(&self) -> &aws_sdk_sesv2::Client {
        &self.client
    }
}

/// SES built on its first email: a host that may never send one (`sarafan serve` without
/// `REPORT_FROM`) makes no AWS lookup at start, so a laptop without AWS stays quiet.
#[derive(Debug, Default)]
pub struct LazySesMailer {
    ses: tokio::sync::OnceCell<SesMailer>,
}

#[async_trait]
impl ReportMailer for LazySesMailer {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError> {
        self.ses
            .get_or_init(SesMailer::from_env)
            .await
            .send_raw(from, to, raw)
            .await
    }
}

#[async_trait]
impl ReportMailer for SesMailer {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError> {
        let message = RawMessage::builder()
            .data(Blob::new(raw))
            .build()
            .map_err(|e| MailError::NotConfigured(e.to_string()))?;
        let sent = self
            .client
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
                Err(MailError::Rejected {
                    code: err.code().unwrap_or("Unknown").to_string(),
                    reason: err.message().map(str::to_string).unwrap_or_else(|| err.to_string()),
                })
            }
            Err(other) => Err(MailError::Unreachable(DisplayErrorContext(&other).to_string())),
        }
    }
}

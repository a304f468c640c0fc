//! Sending the report: the mailer port, and its Amazon SES v2 adapter (sarafan-core's [`Ses`]).

use async_trait::async_trait;
use sarafan_core::ses::{Ses, SesError};

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

impl From<SesError> for MailError {
    fn from(e: SesError) -> Self {
        match e {
            SesError::Rejected { code, reason } => MailError::Rejected { code, reason },
            SesError::Unreachable(why) => MailError::Unreachable(why),
            SesError::Unbuildable(why) => MailError::NotConfigured(why),
        }
    }
}

/// Sends one raw MIME message; answers the provider's message id.
#[async_trait]
pub trait ReportMailer: Send + Sync {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError>;
}

/// SES v2 `SendEmail` with raw content. Built once per process and lent to handlers.
#[derive(Debug)]
pub struct SesMailer {
    ses: Ses,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        SesMailer { ses: Ses::new(client) }
    }

    /// Region, credentials and `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_SESV2`) from the environment.
    pub async fn from_env() -> Self {
        SesMailer::new(aws_sdk_sesv2::Client::new(&sarafan_core::aws::sdk_config().await))
    }

    pub async fn client(&self) -> &aws_sdk_sesv2::Client {
        self.ses.client().await
    }
}

/// SES built on its first email: a host that may never send one (`sarafan serve` without
/// `REPORT_FROM`) makes no AWS lookup at start, so a laptop without AWS stays quiet.
#[derive(Debug, Default)]
pub struct LazySesMailer {
    ses: Ses,
}

#[async_trait]
impl ReportMailer for LazySesMailer {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError> {
        Ok(self.ses.send_raw(from, to, raw).await?)
    }
}

#[async_trait]
impl ReportMailer for SesMailer {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError> {
        Ok(self.ses.send_raw(from, to, raw).await?)
    }
}

//! The records Sarafan stores and the domain events its change feed carries.

use crate::compounding::PurchaseKind;
use crate::month::YearMonth;
use crate::nps::{Category, Score};
use crate::referral::ReferralCode;
use crate::survey::Survey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a customer or a mention came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Slack,
    Telegram,
    Whatsapp,
    Facebook,
    Instagram,
    X,
    Typeform,
    Web,
    Api,
    /// A survey asked by email (the link's page answers it).
    Email,
}

impl Platform {
    pub const ALL: [Platform; 10] = [
        Platform::Slack,
        Platform::Telegram,
        Platform::Whatsapp,
        Platform::Facebook,
        Platform::Instagram,
        Platform::X,
        Platform::Typeform,
        Platform::Web,
        Platform::Api,
        Platform::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Slack => "slack",
            Platform::Telegram => "telegram",
            Platform::Whatsapp => "whatsapp",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::X => "x",
            Platform::Typeform => "typeform",
            Platform::Web => "web",
            Platform::Api => "api",
            Platform::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Platforms where we can ask the NPS question in a chat.
    pub fn is_chat(self) -> bool {
        matches!(self, Platform::Slack | Platform::Telegram | Platform::Whatsapp)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A customer's address on a chat platform: Slack user id, Telegram chat id, WhatsApp phone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub platform: Platform,
    pub address: String,
}

impl Identity {
    pub fn new(platform: Platform, address: impl Into<String>) -> Self {
        Identity {
            platform,
            address: address.into(),
        }
    }

    /// The customer id given to someone first met on a chat platform.
    pub fn customer_id(&self) -> String {
        format!("{}:{}", self.platform, self.address)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub identities: Vec<Identity>,
    pub opted_out: bool,
    pub last_asked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Customer {
    pub fn new(id: impl Into<String>, created_at: DateTime<Utc>) -> Self {
        Customer {
            id: id.into(),
            name: None,
            email: None,
            locale: None,
            identities: Vec::new(),
            opted_out: false,
            last_asked_at: None,
            created_at,
        }
    }
}

/// An answer to the NPS question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: String,
    pub customer_id: String,
    pub platform: Platform,
    pub score: Score,
    pub comment: Option<String>,
    pub locale: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub brand: Option<String>,
}

impl Response {
    pub fn category(&self) -> Category {
        self.score.category()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

impl Sentiment {
    pub const ALL: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative];

    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Neutral => "neutral",
            Sentiment::Negative => "negative",
        }
    }
}

/// Something said about the brand (or a competitor) somewhere we listen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub id: String,
    pub source: String,
    pub text: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub lang: Option<String>,
    pub sentiment: Sentiment,
    pub matched_terms: Vec<String>,
    pub competitor: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: String,
    pub customer_id: String,
    pub kind: PurchaseKind,
    pub referral_code: Option<ReferralCode>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub purchased_at: DateTime<Utc>,
}

/// A promoter's referral link and what it brought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub code: ReferralCode,
    pub customer_id: String,
    pub clicks: u64,
    pub conversions: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Detractor,
    NegativeMention,
    Spike,
    Kudos,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        AlertKind::Detractor,
        AlertKind::NegativeMention,
        AlertKind::Spike,
        AlertKind::Kudos,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Detractor => "detractor",
            AlertKind::NegativeMention => "negative_mention",
            AlertKind::Spike => "spike",
            AlertKind::Kudos => "kudos",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Claimed,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Claimed => "claimed",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// Where an alert's chat message lives, so it can be updated in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub channel: String,
    pub ts: String,
}

/// Something staff should act on (or, for kudos, see).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    pub kind: AlertKind,
    pub subject_id: String,
    pub status: AlertStatus,
    pub claimed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub message: Option<MessageRef>,
}

/// A stored monthly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub month: YearMonth,
    pub brand: Option<String>,
    pub created_at: DateTime<Utc>,
    pub emailed_at: Option<DateTime<Utc>>,
    pub body: serde_json::Value,
}

/// A survey conversation with one customer on one chat platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyState {
    pub id: String,
    pub customer_id: String,
    pub identity: Identity,
    pub locale: Option<String>,
    pub brand: Option<String>,
    pub survey: Survey,
    pub response_id: Option<String>,
    pub error: Option<String>,
}

/// What happened, as the change feed tells it to the outreach worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    SurveyRequested {
        customer_id: String,
        identity: Identity,
        brand: Option<String>,
    },
    ResponseRecorded {
        response_id: String,
        customer_id: String,
        platform: Platform,
        score: Score,
    },
    CommentRecorded {
        response_id: String,
        customer_id: String,
    },
    ScoreNotUnderstood {
        customer_id: String,
        identity: Identity,
        reason: String,
    },
    OptedOut {
        customer_id: String,
        identity: Option<Identity>,
    },
    MentionRecorded {
        mention_id: String,
        sentiment: Sentiment,
    },
    PurchaseRecorded {
        purchase_id: String,
        customer_id: String,
        referral_code: Option<ReferralCode>,
    },
    ReferralClicked {
        code: ReferralCode,
    },
    AlertChanged {
        alert_id: String,
        status: AlertStatus,
    },
}

impl DomainEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::SurveyRequested { .. } => "survey_requested",
            DomainEvent::ResponseRecorded { .. } => "response_recorded",
            DomainEvent::CommentRecorded { .. } => "comment_recorded",
            DomainEvent::ScoreNotUnderstood { .. } => "score_not_understood",
            DomainEvent::OptedOut { .. } => "opted_out",
            DomainEvent::MentionRecorded { .. } => "mention_recorded",
            DomainEvent::PurchaseRecorded { .. } => "purchase_recorded",
            DomainEvent::ReferralClicked { .. } => "referral_clicked",
            DomainEvent::AlertChanged { .. } => "alert_changed",
        }
    }

    /// Events about one subject are delivered in order: this is that subject.
    pub fn ordering_key(&self) -> String {
        match self {
            DomainEvent::SurveyRequested { customer_id, .. }
            | DomainEvent::ResponseRecorded { customer_id, .. }
            | DomainEvent::CommentRecorded { customer_id, .. }
            | DomainEvent::ScoreNotUnderstood { customer_id, .. }
            | DomainEvent::OptedOut { customer_id, .. }
            | DomainEvent::PurchaseRecorded { customer_id, .. } => {
                format!("customer#{customer_id}")
            }
            DomainEvent::MentionRecorded { mention_id, .. } => format!("mention#{mention_id}"),
            DomainEvent::ReferralClicked { code } => format!("referral#{code}"),
            DomainEvent::AlertChanged { alert_id, .. } => format!("alert#{alert_id}"),
        }
    }
}

/// An event as the feed holds it: its place in the log and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    pub seq: u64,
    pub recorded_at: DateTime<Utc>,
    pub event: DomainEvent,
}

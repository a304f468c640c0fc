//! Meta: the subscription check (GET) and notifications (POST) for Facebook Pages (`feed` and
//! `mention` changes: posts and comments), Instagram (`comments`, `mentions`) and the WhatsApp
//! Cloud API (`messages`: text, and interactive `list_reply` / `button_reply` scores).
//!
//! - Page and Instagram content is a mention whether or not it names a term: it was said to the
//!   brand. What the Page or the Instagram account itself wrote is ignored.
//! - Instagram `mentions` carry only ids (the text needs a Graph API call, which never happens on
//!   the request path): they are stored with empty text.
//! - WhatsApp messages are chat replies, from a phone number (`from`) or, for a user known by a
//!   username, a business-scoped user id (`from_user_id`); `statuses` (sent/delivered/read) are
//!   ignored.
//! - Meta has no delivery id: keys come from the content's own ids (`meta:whatsapp:{wamid}`, ...),
//!   so a redelivery is stored once.

use super::flex::{FlexId, FlexTime};
use crate::body::RawBody;
use crate::error::{acknowledge_unreadable, missing, parse_json, value_as, AppError};
use crate::inbound::{store_all, ChatReply, Inbound, ReplyContent};
use crate::mentions::MentionClassifier;
use crate::{configured, verify, AppState};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sarafan_core::chat_ids::parse_nps_button;
use sarafan_core::ledger::Change;
use sarafan_core::model::{Identity, Mention, Platform};
use sarafan_core::whatsapp_user;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Notification {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    id: Option<FlexId>,
    #[serde(default)]
    changes: Vec<FieldChange>,
}

#[derive(Debug, Deserialize)]
struct FieldChange {
    field: String,
    /// Absent in some changes (`permissions`, for one): nothing to read, nothing refused.
    #[serde(default)]
    value: serde_json::Value,
}

/// A Page `feed` or `mention` change.
#[derive(Debug, Deserialize)]
struct FeedChange {
    item: Option<String>,
    verb: Option<String>,
    post_id: Option<FlexId>,
    comment_id: Option<FlexId>,
    message: Option<String>,
    from: Option<FacebookUser>,
    sender_id: Option<FlexId>,
    sender_name: Option<String>,
    created_time: Option<FlexTime>,
}

#[derive(Debug, Deserialize)]
struct FacebookUser {
    id: Option<FlexId>,
    name: Option<String>,
}

/// An Instagram `comments` change.
#[derive(Debug, Deserialize)]
struct InstagramComment {
    id: FlexId,
    text: Option<String>,
    from: Option<InstagramUser>,
}

#[derive(Debug, Deserialize)]
struct InstagramUser {
    id: Option<FlexId>,
    username: Option<String>,
}

/// An Instagram `mentions` change: only ids.
#[derive(Debug, Deserialize)]
struct InstagramMention {
    media_id: Option<FlexId>,
    comment_id: Option<FlexId>,
}

/// A WhatsApp `messages` change.
#[derive(Debug, Deserialize)]
struct WhatsappValue {
    /// Read one by one: a message Sarafan cannot read must not lose the others batched with it.
    #[serde(default)]
    messages: Vec<serde_json::Value>,
    #[serde(default)]
    statuses: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct WhatsappMessage {
    /// The sender's phone number (`wa_id`); absent for a user known only by a username.
    from: Option<String>,
    /// The sender's business-scoped user id (BSUID), sent with usernames; the only address
    /// when `from` is absent.
    from_user_id: Option<String>,
    id: String,
    timestamp: Option<FlexTime>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WhatsappText>,
    interactive: Option<Interactive>,
    /// A template's quick-reply button.
    button: Option<TemplateButton>,
}

#[derive(Debug, Deserialize)]
struct WhatsappText {
    body: String,
}

#[derive(Debug, Deserialize)]
struct Interactive {
    list_reply: Option<ReplyId>,
    button_reply: Option<ReplyId>,
}

#[derive(Debug, Deserialize)]
struct ReplyId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct TemplateButton {
    payload: Option<String>,
}

/// Normalises a notification (already verified). A change or message Sarafan cannot read is
/// logged and skipped; everything else in the delivery is still stored.
pub fn normalise(raw: &[u8], classifier: &dyn MentionClassifier, now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let notification: Notification = parse_json(raw)?;
    let mut items = Vec::new();
    for (i, entry) in notification.entry.into_iter().enumerate() {
        let owner = entry.id.map(|id| id.0);
        for (j, change) in entry.changes.into_iter().enumerate() {
            let at = format!("entry[{i}].changes[{j}].value");
            let read = change_items(&notification.object, change, owner.as_deref(), &at, classifier, now);
            match read {
                Ok(found) => items.extend(found),
                Err(e) => {
                    tracing::warn!(object = %notification.object, error = %e, "Meta change Sarafan cannot read: skipped")
                }
            }
        }
    }
    Ok(items)
}

/// What one change carries.
fn change_items(
    object: &str,
    change: FieldChange,
    owner: Option<&str>,
    at: &str,
    classifier: &dyn MentionClassifier,
    now: DateTime<Utc>,
) -> Result<Vec<Inbound>, AppError> {
    Ok(match (object, change.field.as_str()) {
        ("page", "feed" | "mention") => {
            let feed: FeedChange = value_as(change.value, at)?;
            facebook(feed, owner, classifier, now).into_iter().collect()
        }
        ("instagram", "comments" | "live_comments") => {
            let comment: InstagramComment = value_as(change.value, at)?;
            instagram_comment(comment, owner, classifier, now).into_iter().collect()
        }
        ("instagram", "mentions") => {
            let mention: InstagramMention = value_as(change.value, at)?;
            instagram_mention(mention, now).into_iter().collect()
        }
        ("whatsapp_business_account", "messages") => {
            let value: WhatsappValue = value_as(change.value, at)?;
            if !value.statuses.is_empty() {
                tracing::debug!(count = value.statuses.len(), "WhatsApp status updates: ignored");
            }
            let mut items = Vec::new();
            for (k, message) in value.messages.into_iter().enumerate() {
                let at = format!("{at}.messages[{k}]");
                match value_as(message, &at).and_then(|message| whatsapp(message, &at, now)) {
                    Ok(item) => items.extend(item),
                    Err(e) => tracing::warn!(error = %e, "WhatsApp message Sarafan cannot read: skipped"),
                }
            }
            items
        }
        (object, field) => {
            tracing::info!(object, field, "Meta change Sarafan does not use: ignored");
            vec![]
        }
    })
}

fn mention(
    id: String,
    source: Platform,
    text: String,
    url: Option<String>,
    author: Option<String>,
    at: DateTime<Utc>,
    classifier: &dyn MentionClassifier,
) -> Inbound {
    let found = classifier.classify(&text, None);
    Inbound::Store {
        delivery: format!("meta:{id}"),
        change: Change::Mention(Mention {
            id,
            source: source.to_string(),
            text,
            url,
            author,
            lang: found.lang,
            sentiment: found.sentiment,
            matched_terms: found.matched_terms,
            competitor: found.competitor,
            created_at: at,
        }),
    }
}

fn facebook(
    feed: FeedChange,
    page: Option<&str>,
    classifier: &dyn MentionClassifier,
    now: DateTime<Utc>,
) -> Option<Inbound> {
    let item = feed.item.as_deref().unwrap_or("");
    if !matches!(item, "comment" | "post" | "status" | "photo" | "video" | "share")
        || feed.verb.as_deref() != Some("add")
    {
        tracing::debug!(item, verb = ?feed.verb, "Facebook feed change that is not new content: ignored");
        return None;
    }
    let author_id = feed
        .from
        .as_ref()
        .and_then(|f| f.id.clone())
        .or(feed.sender_id)
        .map(|id| id.0);
    if author_id.is_some() && author_id.as_deref() == page {
        tracing::debug!("the Page's own post or comment: ignored");
        return None;
    }
    let id = feed.comment_id.or(feed.post_id.clone())?.0;
    let url = feed.post_id.map(|p| format!("https://www.facebook.com/{}", p.0));
    let author = feed.from.and_then(|f| f.name).or(feed.sender_name);
    let at = feed.created_time.map_or(now, |t| t.0);
    Some(mention(
        format!("facebook:{id}"),
        Platform::Facebook,
        feed.message.unwrap_or_default(),
        url,
        author,
        at,
        classifier,
    ))
}

fn instagram_comment(
    comment: InstagramComment,
    account: Option<&str>,
    classifier: &dyn MentionClassifier,
    now: DateTime<Utc>,
) -> Option<Inbound> {
    let from = comment.from;
    if from
        .as_ref()
        .and_then(|f| f.id.as_ref())
        .is_some_and(|id| Some(id.0.as_str()) == account)
    {
        tracing::debug!("the Instagram account's own comment: ignored");
        return None;
    }
    let author = from.and_then(|f| f.username);
    let text = comment.text.unwrap_or_default();
    Some(mention(
        format!("instagram:{}", comment.id.0),
        Platform::Instagram,
        text,
        None,
        author,
        now,
        classifier,
    ))
}

fn instagram_mention(m: InstagramMention, now: DateTime<Utc>) -> Option<Inbound> {
    let id = m.comment_id.or(m.media_id)?.0;
    let id = format!("instagram:mention:{id}");
    Some(Inbound::Store {
        delivery: format!("meta:{id}"),
        change: Change::Mention(Mention {
            id,
            source: Platform::Instagram.to_string(),
            text: String::new(),
            url: None,
            author: None,
            lang: None,
            sentiment: sarafan_core::model::Sentiment::Neutral,
            matched_terms: vec![],
            competitor: false,
            created_at: now,
        }),
    })
}

fn whatsapp(message: WhatsappMessage, at: &str, now: DateTime<Utc>) -> Result<Option<Inbound>, AppError> {
    let content = match message.kind.as_str() {
        "text" => ReplyContent::Text(message.text.ok_or_else(|| missing(&format!("{at}.text")))?.body),
        "interactive" => {
            let interactive = message
                .interactive
                .ok_or_else(|| missing(&format!("{at}.interactive")))?;
            let id = interactive.list_reply.or(interactive.button_reply).map(|r| r.id);
            match id.as_deref().and_then(parse_nps_button) {
                Some(score) => ReplyContent::Button(score),
                None => {
                    tracing::debug!(id = ?id, "unknown WhatsApp reply id: ignored");
                    return Ok(None);
                }
            }
        }
        "button" => match message
            .button
            .and_then(|b| b.payload)
            .as_deref()
            .and_then(parse_nps_button)
        {
            Some(score) => ReplyContent::Button(score),
            None => return Ok(None),
        },
        other => {
            tracing::debug!(kind = other, "unhandled WhatsApp message type: ignored");
            return Ok(None);
        }
    };
    let Some(address) = whatsapp_address(message.from.as_deref(), message.from_user_id.as_deref()) else {
        return Err(missing(&format!("{at}.from")));
    };
    Ok(Some(Inbound::ChatReply(ChatReply {
        delivery: format!("meta:whatsapp:{}", message.id),
        identity: Identity::new(Platform::Whatsapp, address),
        content,
        locale: None,
        at: message.timestamp.map_or(now, |t| t.0),
    })))
}

/// Whom a WhatsApp message is from: the phone number when Meta sends one (a customer asked by
/// phone stays the same customer after adopting a username), else the business-scoped user id.
fn whatsapp_address(from: Option<&str>, from_user_id: Option<&str>) -> Option<String> {
    from.and_then(whatsapp_user::address)
        .or_else(|| from_user_id.and_then(whatsapp_user::address))
}

/// GET /webhooks/meta: the subscription check. Answers `hub.challenge` when the token matches.
pub async fn subscribe(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<String, AppError> {
    let tokens = configured(&state.config.meta_verify_token)?;
    let query = query.unwrap_or_default();
    let param = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let token = param("hub.verify_token").ok_or(AppError::Unauthorized("missing hub.verify_token"))?;
    if !tokens.matches(&token) {
        return Err(AppError::Unauthorized("wrong hub.verify_token"));
    }
    if param("hub.mode").as_deref() != Some("subscribe") {
        return Err(AppError::invalid_field("hub.mode", "must be \"subscribe\""));
    }
    param("hub.challenge").ok_or_else(|| missing("hub.challenge"))
}

/// POST /webhooks/meta
pub async fn notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, AppError> {
    let secrets = configured(&state.config.meta_app_secret)?;
    verify::meta(secrets, &headers, &body)?;
    let items = normalise(&body, state.classifier.as_ref(), state.now());
    store_all(&state, acknowledge_unreadable("meta", Some(&body), items, Vec::new)?).await?;
    Ok(StatusCode::OK)
}

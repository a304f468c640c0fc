//! X Account Activity: the CRC check (GET) and `tweet_create_events` (POST) as mentions.
//!
//! Every post in `tweet_create_events` that the subscribed account (`for_user_id`) did not
//! write itself (mentions, replies, quotes, reposts) is stored as a mention `x:{id_str}`.

use super::flex::FlexId;
use crate::body::RawBody;
use crate::error::{acknowledge_unreadable, missing, parse_json, value_as, AppError};
use crate::inbound::{store_all, Inbound};
use crate::mentions::MentionClassifier;
use crate::{configured, verify, AppState};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use sarafan_core::ledger::Change;
use sarafan_core::model::{Mention, Platform};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Activity {
    for_user_id: Option<FlexId>,
    /// Read one by one: a post Sarafan cannot read must not lose the others batched with it.
    tweet_create_events: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
struct Tweet {
    id_str: String,
    text: Option<String>,
    /// Posts over 140 characters arrive truncated with the full text here.
    extended_tweet: Option<ExtendedTweet>,
    user: Option<User>,
    created_at: Option<String>,
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExtendedTweet {
    full_text: String,
}

#[derive(Debug, Deserialize)]
struct User {
    id_str: Option<String>,
    screen_name: Option<String>,
}

/// Normalises an activity delivery (already verified).
pub fn normalise(raw: &[u8], classifier: &dyn MentionClassifier, now: DateTime<Utc>) -> Result<Vec<Inbound>, AppError> {
    let activity: Activity = parse_json(raw)?;
    let Some(tweets) = activity.tweet_create_events else {
        tracing::info!(for_user_id = ?activity.for_user_id.map(|id| id.0), "X activity other than tweet_create_events: ignored");
        return Ok(vec![]);
    };
    let account = activity.for_user_id.map(|id| id.0);
    let mut items = Vec::new();
    for (i, tweet) in tweets.into_iter().enumerate() {
        let tweet: Tweet = match value_as(tweet, &format!("tweet_create_events[{i}]")) {
            Ok(tweet) => tweet,
            Err(e) => {
                tracing::warn!(error = %e, "X post Sarafan cannot read: skipped");
                continue;
            }
        };
        let author_id = tweet.user.as_ref().and_then(|u| u.id_str.clone());
        if author_id.is_some() && author_id == account {
            tracing::debug!(id = %tweet.id_str, "the account's own post: ignored");
            continue;
        }
        let text = tweet
            .extended_tweet
            .map(|e| e.full_text)
            .or(tweet.text)
            .unwrap_or_default();
        let handle = tweet.user.and_then(|u| u.screen_name);
        let lang = tweet.lang.filter(|l| l != "und");
        let found = classifier.classify(&text, lang.as_deref());
        let created_at = tweet
            .created_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_str(t, "%a %b %d %H:%M:%S %z %Y").ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        let id = format!("x:{}", tweet.id_str);
        items.push(Inbound::Store {
            delivery: format!("x:tweet:{}", tweet.id_str),
            change: Change::Mention(Mention {
                url: handle
                    .as_ref()
                    .map(|h| format!("https://x.com/{h}/status/{}", tweet.id_str)),
                id,
                source: Platform::X.to_string(),
                text,
                author: handle.map(|h| format!("@{h}")),
                lang: found.lang,
                sentiment: found.sentiment,
                matched_terms: found.matched_terms,
                competitor: found.competitor,
                created_at,
            }),
        });
    }
    Ok(items)
}

/// The longest `crc_token` answered. X's tokens are short random strings; the bound and the
/// alphabet below keep the CRC answer from signing anything that could be a POST body.
const MAX_CRC_TOKEN: usize = 256;

/// True for a token X could have sent: letters, digits and `-_=+/.`, at most [`MAX_CRC_TOKEN`].
/// No `{`, `[`, quote or whitespace can pass, so no JSON object or array (every body the POST
/// route reads) can be signed through the CRC route.
fn plausible_crc_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_CRC_TOKEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'+' | b'/' | b'.'))
}

/// GET /webhooks/x: the CRC check, answering `sha256=<base64 HMAC(consumer secret, crc_token)>`.
pub async fn crc(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>, AppError> {
    let secrets = configured(&state.config.x_consumer_secret)?;
    let query = query.unwrap_or_default();
    let token = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "crc_token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("crc_token"))?;
    if !plausible_crc_token(&token) {
        tracing::warn!(len = token.len(), "CRC token outside X's alphabet or length: refused");
        return Err(AppError::invalid_field(
            "crc_token",
            format!("must be 1-{MAX_CRC_TOKEN} characters of letters, digits and -_=+/."),
        ));
    }
    let digest = verify::hmac_base64(secrets, token.as_bytes());
    Ok(Json(
        serde_json::json!({ "response_token": format!("sha256={digest}") }),
    ))
}

/// POST /webhooks/x
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, AppError> {
    let secrets = configured(&state.config.x_consumer_secret)?;
    verify::sha256_base64(secrets, &headers, "x-twitter-webhooks-signature", &body)?;
    let items = normalise(&body, state.classifier.as_ref(), state.now());
    store_all(&state, acknowledge_unreadable("x", Some(&body), items, Vec::new)?).await?;
    Ok(StatusCode::OK)
}

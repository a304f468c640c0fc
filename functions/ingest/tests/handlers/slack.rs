use crate::common::*;
use axum::http::StatusCode;
use sarafan_core::model::{AlertStatus, Identity, Platform, Sentiment};
use sarafan_core::store::*;
use sarafan_core::survey::SurveyStage;
use serde_json::json;

fn customer() -> Identity {
    Identity::new(Platform::Slack, "U0CUSTOMER")
}

fn dm(event_id: &str, text: &str) -> String {
    let body = fixture_with("slack/message_im.json", "/event_id", json!(event_id));
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["event"]["text"] = json!(text);
    v.to_string()
}

#[tokio::test]
async fn url_verification_is_answered_with_the_challenge() {
    let h = Harness::new();
    let answer = h.send(slack_event(&fixture("slack/url_verification.json"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

#[tokio::test]
async fn a_dm_score_from_a_customer_with_a_survey_is_their_answer() {
    let h = Harness::new();
    let survey = h.seed_survey(customer(), 1).await;
    let answer = h.send(slack_event(&fixture("slack/message_im.json"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].score.value(), 9);
    assert_eq!(responses[0].platform, Platform::Slack);
    assert_eq!(responses[0].brand.as_deref(), Some("Sprite"));
    assert_eq!(h.feed().await, ["response_recorded"]);
    let latest = h.store.latest_survey(&customer()).await.unwrap().unwrap();
    assert_eq!(latest.survey.stage, SurveyStage::Scored);
    assert_eq!(latest.response_id.as_deref(), Some(responses[0].id.as_str()));
}

#[tokio::test]
async fn slack_retries_of_the_same_event_are_stored_once() {
    let h = Harness::new();
    let survey = h.seed_survey(customer(), 1).await;
    let body = fixture("slack/message_im.json");
    for retry in 0..3 {
        let mut req = slack_event(&body);
        if retry > 0 {
            req.headers_mut()
                .insert("x-slack-retry-num", retry.to_string().parse().unwrap());
            req.headers_mut()
                .insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
        }
        assert_eq!(h.send(req).await.status, StatusCode::OK, "retry {retry}");
    }
    assert_eq!(h.store.responses_of(&survey.customer_id).await.unwrap().len(), 1);
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn the_next_dm_after_the_score_is_the_comment() {
    let h = Harness::new();
    let survey = h.seed_survey(customer(), 1).await;
    assert_eq!(h.send(slack_event(&dm("Ev1", "9"))).await.status, StatusCode::OK);
    assert_eq!(
        h.send(slack_event(&dm("Ev2", "Anna in sales was brilliant")))
            .await
            .status,
        StatusCode::OK
    );
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].comment.as_deref(), Some("Anna in sales was brilliant"));
    assert_eq!(h.feed().await, ["response_recorded", "comment_recorded"]);
}

#[tokio::test]
async fn an_ambiguous_dm_asks_again_and_stores_no_response() {
    let h = Harness::new();
    h.seed_survey(customer(), 1).await;
    assert_eq!(h.send(slack_event(&dm("Ev1", "7 or 8"))).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
    assert_eq!(h.feed().await, ["score_not_understood"]);
}

#[tokio::test]
async fn stop_in_a_dm_opts_the_customer_out() {
    let h = Harness::new();
    let survey = h.seed_survey(customer(), 1).await;
    assert_eq!(h.send(slack_event(&dm("Ev1", "STOP"))).await.status, StatusCode::OK);
    assert_eq!(h.feed().await, ["opted_out"]);
    assert!(h.store.customer(&survey.customer_id).await.unwrap().unwrap().opted_out);
}

#[tokio::test]
async fn a_reply_after_the_survey_expired_records_nothing_but_the_expiry() {
    let h = Harness::new();
    h.seed_survey(customer(), 10).await;
    assert_eq!(h.send(slack_event(&dm("Ev1", "9"))).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
    let latest = h.store.latest_survey(&customer()).await.unwrap().unwrap();
    assert_eq!(latest.survey.stage, SurveyStage::Expired);
}

#[tokio::test]
async fn a_dm_from_someone_without_a_survey_or_from_a_bot_is_ignored() {
    let h = Harness::new();
    assert_eq!(h.send(slack_event(&dm("Ev1", "9"))).await.status, StatusCode::OK);
    h.seed_survey(customer(), 1).await;
    let mut bot: serde_json::Value = serde_json::from_str(&fixture("slack/message_im.json")).unwrap();
    bot["event"]["bot_id"] = json!("B0SARAFAN");
    assert_eq!(h.send(slack_event(&bot.to_string())).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn a_channel_message_naming_the_brand_is_a_mention_and_others_are_not() {
    let h = Harness::new();
    assert_eq!(
        h.send(slack_event(&fixture("slack/message_channel.json"))).await.status,
        StatusCode::OK
    );
    let other = fixture_with("slack/message_channel.json", "/event/text", json!("lunch at noon?"));
    let other = other.replace("Ev0CHANNEL1", "Ev0CHANNEL2");
    assert_eq!(h.send(slack_event(&other)).await.status, StatusCode::OK);
    let mentions = h.mentions().await;
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0].id, "slack:C0GENERAL:1773143990.000200");
    assert_eq!(mentions[0].source, "slack");
    assert_eq!(mentions[0].matched_terms, ["Sprite"]);
    assert_eq!(mentions[0].author.as_deref(), Some("U0FAN"));
    assert_eq!(mentions[0].sentiment, Sentiment::Positive);
    assert_eq!(h.feed().await, ["mention_recorded"]);
}

#[tokio::test]
async fn unknown_event_types_are_acknowledged_and_ignored() {
    let h = Harness::new();
    assert_eq!(
        h.send(slack_event(&fixture("slack/app_home_opened.json"))).await.status,
        StatusCode::OK
    );
    let unknown = json!({"type": "app_rate_limited", "token": "x", "team_id": "T0", "minute_rate_limited": 1518467820});
    assert_eq!(h.send(slack_event(&unknown.to_string())).await.status, StatusCode::OK);
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn wrong_missing_or_stale_signatures_are_refused() {
    let h = Harness::new();
    h.seed_survey(customer(), 1).await;
    let body = fixture("slack/message_im.json");
    let path = "/webhooks/slack/events";
    let wrong = slack_signed(path, "application/json", body.as_bytes(), NOW, "not-the-secret");
    assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let missing = post(
        path,
        "application/json",
        &[("x-slack-request-timestamp", NOW.to_string())],
        body.clone(),
    );
    assert_eq!(h.send(missing).await.status, StatusCode::UNAUTHORIZED);
    let old = slack_signed(path, "application/json", body.as_bytes(), NOW - 301, SLACK_SECRET);
    assert_eq!(h.send(old).await.status, StatusCode::UNAUTHORIZED);
    let future = slack_signed(path, "application/json", body.as_bytes(), NOW + 301, SLACK_SECRET);
    assert_eq!(h.send(future).await.status, StatusCode::UNAUTHORIZED);
    // A body changed after signing
    let mut tampered = slack_event(&body);
    *tampered.body_mut() = axum::body::Body::from(body.replace("\"9\"", "\"0\""));
    assert_eq!(h.send(tampered).await.status, StatusCode::UNAUTHORIZED);
    assert!(h.feed().await.is_empty());
    // Within the window, and with the previous secret during a rotation, it is accepted.
    let recent = slack_signed(path, "application/json", body.as_bytes(), NOW - 299, SLACK_OLD_SECRET);
    assert_eq!(h.send(recent).await.status, StatusCode::OK);
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn slack_routes_answer_404_when_the_signing_secret_is_not_configured() {
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "SLACK_SIGNING_SECRET")
        .collect();
    let h = Harness::with_vars(vars);
    let answer = h.send(slack_event(&fixture("slack/url_verification.json"))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = h
        .send(slack_interaction(&fixture("slack/block_actions_nps.json")))
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_event_it_cannot_read_is_acknowledged_and_a_body_that_is_no_json_object_refused() {
    let h = Harness::new();
    // GIVEN signed JSON objects Sarafan cannot read (an event id that is a number, no event)
    // THEN each is acknowledged: Slack would retry the same bytes, then turn the app off
    for body in [
        r#"{"type":"event_callback","event_id":42,"event":{}}"#,
        r#"{"type":"event_callback","event_id":"Ev1"}"#,
    ] {
        assert_eq!(h.send(slack_event(body)).await.status, StatusCode::OK, "{body}");
    }
    assert!(h.feed().await.is_empty());
    // AND a body that is no JSON object, or has bytes after one, is 400
    for body in [
        "{not json",
        "[]",
        r#"{"type":"event_callback","event_id":"Ev2"} trailing"#,
    ] {
        let answer = h.send(slack_event(body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.json()["error"], "malformed_body", "{body}");
    }
}

#[tokio::test]
async fn an_nps_button_click_is_the_score() {
    let h = Harness::new();
    let survey = h.seed_survey(customer(), 1).await;
    let answer = h
        .send(slack_interaction(&fixture("slack/block_actions_nps.json")))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(responses.iter().map(|r| r.score.value()).collect::<Vec<_>>(), [7]);
    // The same click delivered again, and a second click, change nothing.
    h.send(slack_interaction(&fixture("slack/block_actions_nps.json")))
        .await;
    let second = fixture("slack/block_actions_nps.json")
        .replace("nps:7", "nps:2")
        .replace("456789", "999999");
    assert_eq!(h.send(slack_interaction(&second)).await.status, StatusCode::OK);
    assert_eq!(h.store.responses_of(&survey.customer_id).await.unwrap().len(), 1);
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn staff_alert_buttons_claim_and_resolve_the_alert() {
    let h = Harness::new();
    h.seed_alert("alert-1").await;
    let answer = h
        .send(slack_interaction(&fixture("slack/block_actions_alert_claim.json")))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let alert = h.store.alert("alert-1").await.unwrap().unwrap();
    assert_eq!(alert.status, AlertStatus::Claimed);
    assert_eq!(alert.claimed_by.as_deref(), Some("U0STAFFANNA"));
    let resolve = fixture("slack/block_actions_alert_claim.json")
        .replace("alert:claim:", "alert:resolve:")
        .replace("777000", "888000");
    assert_eq!(h.send(slack_interaction(&resolve)).await.status, StatusCode::OK);
    assert_eq!(
        h.store.alert("alert-1").await.unwrap().unwrap().status,
        AlertStatus::Resolved
    );
    assert_eq!(h.feed().await, ["alert_changed", "alert_changed"]);
}

#[tokio::test]
async fn a_button_on_an_unknown_alert_is_acknowledged_and_changes_nothing() {
    let h = Harness::new();
    let answer = h
        .send(slack_interaction(&fixture("slack/block_actions_alert_claim.json")))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn an_interaction_without_a_readable_payload_is_400_naming_it() {
    let h = Harness::new();
    let no_payload = slack_signed(
        "/webhooks/slack/interactions",
        "application/x-www-form-urlencoded",
        b"foo=bar",
        NOW,
        SLACK_SECRET,
    );
    let answer = h.send(no_payload).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.detail(), "payload: missing");
    let answer = h.send(slack_interaction("not json")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.detail().starts_with("payload"), "{}", answer.body);
    // A payload that is a JSON object Sarafan cannot read is acknowledged, storing nothing.
    let answer = h
        .send(slack_interaction(r#"{"type":"block_actions","user":{"id":7}}"#))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(h.feed().await.is_empty());
    // Other interaction types are acknowledged and ignored.
    let answer = h
        .send(slack_interaction(r#"{"type":"view_closed","user":{"id":"U1"}}"#))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn store_unreachable_is_503_so_slack_retries() {
    let answer = send(unreachable_app(), slack_event(&fixture("slack/message_im.json"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.body.contains("10.0.0.7"), "{}", answer.body);
}

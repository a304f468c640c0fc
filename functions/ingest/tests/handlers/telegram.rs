use crate::common::*;
use axum::http::StatusCode;
use sarafan_core::model::{Identity, Platform};
use sarafan_core::store::*;
use serde_json::json;

fn olga() -> Identity {
    Identity::new(Platform::Telegram, "424242424")
}

#[tokio::test]
async fn a_text_score_is_the_answer_with_the_telegram_language_as_locale() {
    let h = Harness::new();
    let survey = h.seed_survey(olga(), 2).await;
    assert_eq!(
        h.send(telegram(&fixture("telegram/message.json"))).await.status,
        StatusCode::OK
    );
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].score.value(), 10);
    assert_eq!(responses[0].locale.as_deref(), Some("ru"));
    assert_eq!(responses[0].platform, Platform::Telegram);
    assert_eq!(responses[0].submitted_at, now());
}

#[tokio::test]
async fn a_button_press_is_the_score_and_the_next_message_the_comment() {
    let h = Harness::new();
    let survey = h.seed_survey(olga(), 2).await;
    assert_eq!(
        h.send(telegram(&fixture("telegram/callback_query.json"))).await.status,
        StatusCode::OK
    );
    let comment = fixture_with("telegram/message.json", "/message/text", json!("Долго ждала в сервисе"));
    assert_eq!(h.send(telegram(&comment)).await.status, StatusCode::OK);
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].score.value(), 3);
    assert_eq!(responses[0].comment.as_deref(), Some("Долго ждала в сервисе"));
    assert_eq!(h.feed().await, ["response_recorded", "comment_recorded"]);
}

#[tokio::test]
async fn a_redelivered_update_is_stored_once() {
    let h = Harness::new();
    let survey = h.seed_survey(olga(), 2).await;
    for _ in 0..2 {
        assert_eq!(
            h.send(telegram(&fixture("telegram/message.json"))).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(h.store.responses_of(&survey.customer_id).await.unwrap().len(), 1);
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn other_update_types_are_acknowledged_and_ignored() {
    let h = Harness::new();
    h.seed_survey(olga(), 2).await;
    assert_eq!(
        h.send(telegram(&fixture("telegram/edited_message.json"))).await.status,
        StatusCode::OK
    );
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn a_missing_or_wrong_secret_token_is_401_and_an_unconfigured_route_404() {
    let h = Harness::new();
    h.seed_survey(olga(), 2).await;
    let body = fixture("telegram/message.json");
    let none = post("/webhooks/telegram", "application/json", &[], body.clone());
    assert_eq!(h.send(none).await.status, StatusCode::UNAUTHORIZED);
    let wrong = post(
        "/webhooks/telegram",
        "application/json",
        &[("x-telegram-bot-api-secret-token", "guess".into())],
        body.clone(),
    );
    assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    assert!(h.feed().await.is_empty());
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "TELEGRAM_WEBHOOK_SECRET")
        .collect();
    assert_eq!(
        Harness::with_vars(vars).send(telegram(&body)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_update_it_cannot_read_is_acknowledged_and_a_body_that_is_no_json_object_refused() {
    let h = Harness::new();
    h.seed_survey(olga(), 2).await;
    for (pointer, value) in [("/update_id", json!("first")), ("/message/chat/id", json!(null))] {
        let answer = h
            .send(telegram(&fixture_with("telegram/message.json", pointer, value)))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{pointer}");
    }
    assert!(h.responses().await.is_empty());
    for body in ["[]", "{", r#"{"update_id":1}{"update_id":2}"#] {
        let answer = h.send(telegram(body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.json()["error"], "malformed_body", "{body}");
    }
}

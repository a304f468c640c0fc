use crate::common::*;
use axum::http::StatusCode;
use sarafan_core::model::{Identity, Platform, Sentiment};
use sarafan_core::store::*;
use serde_json::json;

fn sheena() -> Identity {
    Identity::new(Platform::Whatsapp, "16505551234")
}

#[tokio::test]
async fn the_subscription_check_echoes_the_challenge_only_with_the_right_token() {
    let h = Harness::new();
    let ok = h
        .send(get(
            "/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-verify",
        ))
        .await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "1158201444"));
    let wrong = h
        .send(get(
            "/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess",
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.body.contains("1158201444"));
    let no_token = h.send(get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1")).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "META_VERIFY_TOKEN")
        .collect();
    let unconfigured = Harness::with_vars(vars)
        .send(get(
            "/webhooks/meta?hub.mode=subscribe&hub.challenge=1&hub.verify_token=meta-verify",
        ))
        .await;
    assert_eq!(unconfigured.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_facebook_page_comment_is_a_mention_stored_once() {
    let h = Harness::new();
    for _ in 0..2 {
        assert_eq!(
            h.send(meta(&fixture("meta/facebook_feed_comment.json"))).await.status,
            StatusCode::OK
        );
    }
    let mentions = h.mentions().await;
    assert_eq!(mentions.len(), 1);
    let m = &mentions[0];
    assert_eq!(m.id, "facebook:600700800900_111222333444");
    assert_eq!(m.source, "facebook");
    assert_eq!(m.author.as_deref(), Some("Marek Novak"));
    assert_eq!(m.matched_terms, ["Sprite"]);
    assert!(m.text.starts_with("Waited two hours"));
    assert_eq!(m.created_at.timestamp(), 1_773_143_990);
    assert_eq!(m.sentiment, Sentiment::Negative);
    assert_eq!(h.feed().await, ["mention_recorded"]);
}

#[tokio::test]
async fn reactions_and_the_pages_own_comments_are_not_mentions() {
    let h = Harness::new();
    assert_eq!(
        h.send(meta(&fixture("meta/facebook_feed_reaction.json"))).await.status,
        StatusCode::OK
    );
    let own = fixture_with(
        "meta/facebook_feed_comment.json",
        "/entry/0/changes/0/value/from/id",
        json!("100200300400500"),
    );
    assert_eq!(h.send(meta(&own)).await.status, StatusCode::OK);
    assert!(h.mentions().await.is_empty());
}

#[tokio::test]
async fn instagram_comments_and_mentions_are_mentions() {
    let h = Harness::new();
    assert_eq!(
        h.send(meta(&fixture("meta/instagram_comments.json"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.send(meta(&fixture("meta/instagram_mentions.json"))).await.status,
        StatusCode::OK
    );
    let mut mentions = h.mentions().await;
    mentions.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = mentions.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["instagram:17865799348089039", "instagram:mention:17894227972186120"]
    );
    assert_eq!(mentions[0].author.as_deref(), Some("lena.drives"));
    assert_eq!(mentions[0].matched_terms, ["Sprite"]);
    assert_eq!(mentions[0].sentiment, Sentiment::Positive);
    assert!(mentions.iter().all(|m| m.source == "instagram"));
}

#[tokio::test]
async fn a_whatsapp_text_score_is_the_answer() {
    let h = Harness::new();
    let survey = h.seed_survey(sheena(), 1).await;
    assert_eq!(
        h.send(meta(&fixture("meta/whatsapp_text.json"))).await.status,
        StatusCode::OK
    );
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(
        responses
            .iter()
            .map(|r| (r.score.value(), r.platform))
            .collect::<Vec<_>>(),
        [(8, Platform::Whatsapp)]
    );
}

#[tokio::test]
async fn whatsapp_list_and_button_replies_are_scores() {
    for (file, score) in [
        ("meta/whatsapp_list_reply.json", 10),
        ("meta/whatsapp_button_reply.json", 2),
    ] {
        let h = Harness::new();
        let survey = h.seed_survey(sheena(), 1).await;
        assert_eq!(h.send(meta(&fixture(file))).await.status, StatusCode::OK, "{file}");
        let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
        assert_eq!(
            responses.iter().map(|r| r.score.value()).collect::<Vec<_>>(),
            [score],
            "{file}"
        );
    }
}

#[tokio::test]
async fn a_whatsapp_user_known_only_by_business_scoped_id_is_answered_like_anyone_else() {
    // GIVEN a customer asked under their business-scoped user id, and Meta's documented message
    // from such a user (no `from`, `from_user_id` instead) carrying their score
    let h = Harness::new();
    let bsuid = Identity::new(Platform::Whatsapp, "US.13491208655302741918");
    let survey = h.seed_survey(bsuid, 1).await;
    let body = fixture_with(
        "platforms/whatsapp/text_bsuid_no_from.json",
        "/entry/0/changes/0/value/messages/0/text/body",
        json!("9"),
    );
    // WHEN it arrives (twice)
    for _ in 0..2 {
        assert_eq!(h.send(meta(&body)).await.status, StatusCode::OK);
    }
    // THEN it is their answer, stored once
    let responses = h.store.responses_of(&survey.customer_id).await.unwrap();
    assert_eq!(
        responses
            .iter()
            .map(|r| (r.score.value(), r.platform))
            .collect::<Vec<_>>(),
        [(9, Platform::Whatsapp)]
    );
    assert_eq!(survey.customer_id, "whatsapp:US.13491208655302741918");
}

#[tokio::test]
async fn whatsapp_status_updates_are_ignored() {
    let h = Harness::new();
    h.seed_survey(sheena(), 1).await;
    assert_eq!(
        h.send(meta(&fixture("meta/whatsapp_status.json"))).await.status,
        StatusCode::OK
    );
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_401_and_an_unconfigured_secret_404() {
    let h = Harness::new();
    let body = fixture("meta/facebook_feed_comment.json");
    let wrong = post(
        "/webhooks/meta",
        "application/json",
        &[("x-hub-signature-256", meta_signature("guess", body.as_bytes()))],
        body.clone(),
    );
    assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let missing = post("/webhooks/meta", "application/json", &[], body.clone());
    assert_eq!(h.send(missing).await.status, StatusCode::UNAUTHORIZED);
    let not_hex = post(
        "/webhooks/meta",
        "application/json",
        &[("x-hub-signature-256", "sha256=zz".into())],
        body.clone(),
    );
    assert_eq!(h.send(not_hex).await.status, StatusCode::UNAUTHORIZED);
    assert!(h.mentions().await.is_empty());
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "META_APP_SECRET")
        .collect();
    assert_eq!(
        Harness::with_vars(vars).send(meta(&body)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_message_it_cannot_read_is_skipped_and_the_rest_of_the_delivery_stored() {
    // GIVEN a customer with a survey, and a signed delivery batching an unreadable message
    // (`from` a number) with their readable answer
    let h = Harness::new();
    let survey = h.seed_survey(sheena(), 1).await;
    let mut body: serde_json::Value = serde_json::from_str(&fixture("meta/whatsapp_text.json")).unwrap();
    let good = body.pointer("/entry/0/changes/0/value/messages/0").unwrap().clone();
    let mut bad = good.clone();
    bad["from"] = json!(16505551234u64);
    bad["id"] = json!("wamid.unreadable");
    body.pointer_mut("/entry/0/changes/0/value/messages")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .insert(0, bad);
    // WHEN it arrives
    let answer = h.send(meta(&body.to_string())).await;
    // THEN it is acknowledged (a retry would bring the same bytes) and the readable answer stored
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let scores: Vec<u8> = h
        .store
        .responses_of(&survey.customer_id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.score.value())
        .collect();
    assert_eq!(scores, [8]);
    // AND a JSON object of another shape is acknowledged; a body that is no JSON object is 400
    assert_eq!(h.send(meta(r#"{"entry":[]}"#)).await.status, StatusCode::OK);
    for body in ["[]", "{not json", r#"{"object":"page","entry":[]}xyz"#] {
        let answer = h.send(meta(body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.json()["error"], "malformed_body", "{body}");
    }
}

#[tokio::test]
async fn store_unreachable_is_503() {
    let answer = send(unreachable_app(), meta(&fixture("meta/facebook_feed_comment.json"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
}

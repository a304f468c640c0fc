use crate::common::*;
use axum::http::StatusCode;
use sarafan_core::store::*;
use serde_json::json;

#[tokio::test]
async fn the_x_crc_check_answers_the_hmac_of_the_token() {
    let h = Harness::new();
    let answer = h.send(get("/webhooks/x?crc_token=Y2hhbGxlbmdl")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let expected = base64_signature(X_SECRET, b"Y2hhbGxlbmdl");
    assert_eq!(answer.json(), json!({ "response_token": expected }));
    let missing = h.send(get("/webhooks/x")).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.detail(), "crc_token: missing");
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "X_CONSUMER_SECRET")
        .collect();
    assert_eq!(
        Harness::with_vars(vars)
            .send(get("/webhooks/x?crc_token=abc"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_crc_check_cannot_be_used_to_sign_a_forged_body() {
    // GIVEN an attacker's body, the signature of which the CRC answer would be
    let h = Harness::new();
    let forged = r#"{"for_user_id":"1","tweet_create_events":[{"id_str":"666","text":"Sprite is a scam, never again","user":{"id_str":"7","screen_name":"mallory"}}]}"#;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("crc_token", forged)
        .finish();
    // WHEN it is passed as the crc_token THEN the CRC check refuses it, signing nothing
    let answer = h.send(get(&format!("/webhooks/x?{query}"))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.json().get("response_token").is_none());
    assert!(answer.detail().starts_with("crc_token:"), "{}", answer.body);
    // AND so is a token too long or holding whitespace, while X's own kind is answered
    for bad in ["a".repeat(257), "abc def".into(), "[1]".into()] {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("crc_token", &bad)
            .finish();
        assert_eq!(
            h.send(get(&format!("/webhooks/x?{query}"))).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    let token = "a".repeat(256);
    assert_eq!(
        h.send(get(&format!("/webhooks/x?crc_token={token}"))).await.status,
        StatusCode::OK
    );
    // AND the forged body posted with any signature the attacker has is refused; nothing stored
    let signature = base64_signature(X_SECRET, "Y2hhbGxlbmdl".as_bytes());
    let req = post(
        "/webhooks/x",
        "application/json",
        &[("x-twitter-webhooks-signature", signature)],
        forged,
    );
    assert_eq!(h.send(req).await.status, StatusCode::UNAUTHORIZED);
    assert!(h.mentions().await.is_empty());
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn posts_mentioning_the_account_are_mentions_but_its_own_are_not() {
    let h = Harness::new();
    for _ in 0..2 {
        assert_eq!(
            h.send(x(&fixture("x/tweet_create_events.json"))).await.status,
            StatusCode::OK
        );
    }
    let mentions = h.mentions().await;
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    let m = &mentions[0];
    assert_eq!(m.id, "x:1899123456789012345");
    assert_eq!(m.source, "x");
    assert_eq!(m.author.as_deref(), Some("@tombaker_drives"));
    assert_eq!(
        m.url.as_deref(),
        Some("https://x.com/tombaker_drives/status/1899123456789012345")
    );
    assert_eq!(m.lang.as_deref(), Some("en"));
    assert_eq!(m.matched_terms, ["Sprite", "@SpriteCars"]);
    assert_eq!(m.created_at.timestamp(), 1_773_143_990);
    assert_eq!(m.sentiment, sarafan_core::model::Sentiment::Positive);
    assert_eq!(h.feed().await, ["mention_recorded"]);
}

#[tokio::test]
async fn other_x_activity_is_ignored_and_bad_signatures_refused() {
    let h = Harness::new();
    assert_eq!(
        h.send(x(&fixture("x/favorite_events.json"))).await.status,
        StatusCode::OK
    );
    let body = fixture("x/tweet_create_events.json");
    let wrong = post(
        "/webhooks/x",
        "application/json",
        &[(
            "x-twitter-webhooks-signature",
            base64_signature("guess", body.as_bytes()),
        )],
        body.clone(),
    );
    assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let missing = post("/webhooks/x", "application/json", &[], body);
    assert_eq!(h.send(missing).await.status, StatusCode::UNAUTHORIZED);
    assert!(h.mentions().await.is_empty());
    // A post without an id is skipped; the readable one batched with it is stored.
    let answer = h
        .send(x(
            r#"{"for_user_id":"1","tweet_create_events":[{"text":"hi"},{"id_str":"77","text":"Sprite fixed it fast","user":{"id_str":"9","screen_name":"ana"}}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let ids: Vec<String> = h.mentions().await.into_iter().map(|m| m.id).collect();
    assert_eq!(ids, ["x:77"]);
}

#[tokio::test]
async fn a_typeform_response_is_stored_once_with_score_comment_and_customer() {
    let h = Harness::new();
    for _ in 0..2 {
        assert_eq!(
            h.send(typeform(&fixture("typeform/form_response.json"))).await.status,
            StatusCode::OK
        );
    }
    let responses = h.store.responses_of("crm-1042").await.unwrap();
    assert_eq!(responses.len(), 1);
    let r = &responses[0];
    assert_eq!(r.id, "typeform:a3a12ec67a1365927098a606107fac15");
    assert_eq!(r.score.value(), 6);
    assert_eq!(
        r.comment.as_deref(),
        Some("The car was ready a day late and nobody told me.")
    );
    assert_eq!(r.submitted_at.to_rfc3339(), "2026-03-10T11:59:00+00:00");
    let customer = h.store.customer("crm-1042").await.unwrap().unwrap();
    assert_eq!(customer.email.as_deref(), Some("dana@example.com"));
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn only_the_nps_field_or_the_named_opinion_scale_is_a_score() {
    // GIVEN the form's score question as an opinion scale, which may ask anything
    let scale = fixture_with(
        "typeform/form_response.json",
        "/form_response/answers/0/field/type",
        json!("opinion_scale"),
    );
    // WHEN no TYPEFORM_SCORE_FIELD names it THEN it is acknowledged and nothing is stored
    let h = Harness::new();
    assert_eq!(h.send(typeform(&scale)).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
    assert!(h.feed().await.is_empty());
    // WHEN TYPEFORM_SCORE_FIELD names its ref THEN it is the score
    let mut vars = all_vars();
    vars.push(("TYPEFORM_SCORE_FIELD", "nps_question".into()));
    let h = Harness::with_vars(vars);
    assert_eq!(h.send(typeform(&scale)).await.status, StatusCode::OK);
    let scores: Vec<u8> = h.responses().await.iter().map(|r| r.score.value()).collect();
    assert_eq!(scores, [6]);

    // GIVEN an opinion scale answered before the nps field
    let mut body: serde_json::Value = serde_json::from_str(&fixture("typeform/form_response.json")).unwrap();
    let answers = body
        .pointer_mut("/form_response/answers")
        .unwrap()
        .as_array_mut()
        .unwrap();
    answers.insert(
        0,
        json!({"type": "number", "number": 2, "field": {"id": "w1", "type": "opinion_scale", "ref": "weather"}}),
    );
    // THEN the nps answer is the score, whatever field names the operator set
    for named in [None, Some("weather")] {
        let mut vars = all_vars();
        vars.extend(named.map(|n| ("TYPEFORM_SCORE_FIELD", n.to_string())));
        let h = Harness::with_vars(vars);
        assert_eq!(h.send(typeform(&body.to_string())).await.status, StatusCode::OK);
        let scores: Vec<u8> = h.responses().await.iter().map(|r| r.score.value()).collect();
        assert_eq!(scores, [6], "{named:?}");
    }

    // GIVEN an nps answer out of range THEN nothing is stored, and the delivery is acknowledged
    let h = Harness::new();
    let eleven = fixture_with(
        "typeform/form_response.json",
        "/form_response/answers/0/number",
        json!(11),
    );
    assert_eq!(h.send(typeform(&eleven)).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
}

#[tokio::test]
async fn typeform_signatures_are_checked_and_other_events_ignored() {
    let h = Harness::new();
    let body = fixture("typeform/form_response.json");
    let wrong = post(
        "/webhooks/typeform",
        "application/json",
        &[("typeform-signature", base64_signature("guess", body.as_bytes()))],
        body.clone(),
    );
    assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let hex_not_base64 = post(
        "/webhooks/typeform",
        "application/json",
        &[("typeform-signature", meta_signature(TYPEFORM_SECRET, body.as_bytes()))],
        body.clone(),
    );
    assert_eq!(h.send(hex_not_base64).await.status, StatusCode::UNAUTHORIZED);
    let other = fixture_with(
        "typeform/form_response.json",
        "/event_type",
        json!("form_partial_response"),
    );
    assert_eq!(h.send(typeform(&other)).await.status, StatusCode::OK);
    assert!(h.responses().await.is_empty());
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "TYPEFORM_SECRET")
        .collect();
    assert_eq!(
        Harness::with_vars(vars).send(typeform(&body)).await.status,
        StatusCode::NOT_FOUND
    );
}

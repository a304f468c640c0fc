use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sarafan_core::model::{DomainEvent, Identity, Platform};
use sarafan_core::store::*;
use serde_json::json;

#[tokio::test]
async fn a_response_with_a_score_is_stored_once_with_its_customer() {
    let h = Harness::new();
    let body = json!({
        "id": "web-1", "customer": {"id": "crm-7", "name": "Dana", "email": "dana@example.com", "locale": "cs"},
        "score": 10, "comment": "Great service", "submitted_at": "2026-03-09T10:00:00Z", "brand": "Sprite"
    })
    .to_string();
    for _ in 0..2 {
        let answer = h.send(api("/api/responses", &body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let responses = h.store.responses_of("crm-7").await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!((responses[0].id.as_str(), responses[0].score.value()), ("web-1", 10));
    assert_eq!(responses[0].platform, Platform::Api);
    assert_eq!(responses[0].comment.as_deref(), Some("Great service"));
    assert_eq!(
        h.store.customer("crm-7").await.unwrap().unwrap().name.as_deref(),
        Some("Dana")
    );
    assert_eq!(h.feed().await, ["response_recorded"]);
}

#[tokio::test]
async fn a_response_given_as_text_is_parsed_and_an_unclear_one_refused() {
    let h = Harness::new();
    let answer = h
        .send(api(
            "/api/responses",
            r#"{"customer":{"id":"c1","platform":"web"},"text":"9/10"}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["score"], 9);
    let stored = h.store.responses_of("c1").await.unwrap();
    assert_eq!((stored[0].score.value(), stored[0].platform), (9, Platform::Web));
    for text in ["7 or 8", "11", "great!"] {
        let body = json!({"customer": {"id": "c2"}, "text": text}).to_string();
        let answer = h.send(api("/api/responses", &body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{text}");
        assert!(answer.detail().starts_with("text:"), "{text}: {}", answer.body);
    }
    assert!(h.store.responses_of("c2").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_response_body_is_400_naming_the_field() {
    let h = Harness::new();
    let cases = [
        (r#"{"customer":{"id":"c"},"score":11}"#, "score:"),
        (r#"{"customer":{"id":"c"}}"#, "score: missing"),
        (r#"{"score":5}"#, "missing field `customer`"),
        (r#"{"customer":{},"score":5}"#, "customer: missing field `id`"),
        (
            r#"{"customer":{"id":"c","platform":"fax"},"score":5}"#,
            "customer.platform:",
        ),
        (r#"{"customer":{"id":"c"},"score":"high"}"#, "score: invalid type"),
    ];
    for (body, detail) in cases {
        let answer = h.send(api("/api/responses", body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer.detail().starts_with(detail), "{body}: {}", answer.body);
    }
    assert!(h.responses().await.is_empty());
}

#[tokio::test]
async fn every_api_route_wants_the_bearer_token_and_is_404_without_one_configured() {
    let h = Harness::new();
    let vars = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "SARAFAN_API_TOKEN")
        .collect();
    let unconfigured = Harness::with_vars(vars);
    for path in ["/api/responses", "/api/mentions", "/api/purchases", "/api/surveys"] {
        let none = post(path, "application/json", &[], "{}");
        assert_eq!(h.send(none).await.status, StatusCode::UNAUTHORIZED, "{path}");
        let wrong = post(
            path,
            "application/json",
            &[("authorization", "Bearer guess".into())],
            "{}",
        );
        assert_eq!(h.send(wrong).await.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            unconfigured.send(api(path, "{}")).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The next token of a rotation is accepted too.
    let next = post(
        "/api/mentions",
        "application/json",
        &[("authorization", "Bearer next-api-token".into())],
        r#"{"id":"m1","source":"web","text":"hi"}"#,
    );
    assert_eq!(h.send(next).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_mention_is_stored_with_its_matched_terms() {
    let h = Harness::new();
    let body = r#"{"id":"rev-9","source":"google_reviews","text":"Fanta Motors was quicker than this place","url":"https://reviews.example/9","author":"Jo","lang":"en","created_at":"2026-03-08T09:00:00Z"}"#;
    assert_eq!(h.send(api("/api/mentions", body)).await.status, StatusCode::OK);
    assert_eq!(h.send(api("/api/mentions", body)).await.status, StatusCode::OK);
    let mentions = h.mentions().await;
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].matched_terms, ["Fanta Motors"]);
    assert!(mentions[0].competitor);
    let answer = h.send(api("/api/mentions", r#"{"id":"x","source":"web"}"#)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.detail().contains("missing field `text`"), "{}", answer.body);
}

#[tokio::test]
async fn a_mention_naming_no_configured_term_is_ignored_not_counted() {
    let h = Harness::new();
    let body = r#"{"id":"web-1","source":"web","text":"The weather is lovely in Prague today"}"#;
    let answer = h.send(api("/api/mentions", body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"ignored": "no configured term"}));
    assert!(h.mentions().await.is_empty());
    assert!(h.feed().await.is_empty());
    let month = sarafan_core::YearMonth::of(now());
    assert!(h.store.counters(month).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_text_too_short_to_tell_takes_the_default_locale() {
    // GIVEN a short mention whose words alone were read as Czech ("Good") before
    for (default, want) in [(None, "en"), (Some("de"), "de")] {
        let mut vars = all_vars();
        vars.extend(default.map(|d| ("SARAFAN_DEFAULT_LOCALE", d.to_string())));
        let h = Harness::with_vars(vars);
        let body = r#"{"id":"m-1","source":"web","text":"Sprite. Good"}"#;
        assert_eq!(h.send(api("/api/mentions", body)).await.status, StatusCode::OK);
        // THEN its language is the default, not a guess
        assert_eq!(h.mentions().await[0].lang.as_deref(), Some(want), "{default:?}");
        // AND a language the sender gives still wins
        let body = r#"{"id":"m-2","source":"web","text":"Sprite. Good","lang":"pl"}"#;
        assert_eq!(h.send(api("/api/mentions", body)).await.status, StatusCode::OK);
        let langs: Vec<Option<String>> = h.mentions().await.into_iter().map(|m| m.lang).collect();
        assert!(langs.contains(&Some("pl".into())), "{langs:?}");
    }
}

#[tokio::test]
async fn bytes_after_a_json_body_are_400_and_nothing_is_stored() {
    let h = Harness::new();
    for (route, body) in [
        (
            "/api/mentions",
            r#"{"id":"m","source":"web","text":"Sprite is great"}xyz"#,
        ),
        (
            "/api/responses",
            r#"{"customer":{"id":"c1"},"score":9} {"customer":{"id":"c2"},"score":0}"#,
        ),
        ("/api/purchases", r#"{"id":"p","customer_id":"c","kind":"new"},"#),
    ] {
        let answer = h.send(api(route, body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{route}");
        assert_eq!(answer.json()["error"], "malformed_body", "{route}");
        assert!(answer.detail().contains("trailing"), "{}", answer.body);
    }
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn a_purchase_with_a_referral_code_converts_the_referral() {
    let h = Harness::new();
    let code = h.seed_referral("promoter-1").await;
    let body = json!({"id": "order-77", "customer_id": "friend-1", "kind": "new", "referral_code": code.to_string().to_uppercase(), "amount": 18990.0, "currency": "EUR"}).to_string();
    for _ in 0..2 {
        assert_eq!(h.send(api("/api/purchases", &body)).await.status, StatusCode::OK);
    }
    assert_eq!(h.store.referral(&code).await.unwrap().unwrap().conversions, 1);
    assert_eq!(h.feed().await, ["purchase_recorded"]);
    let bad = h
        .send(api(
            "/api/purchases",
            r#"{"id":"o","customer_id":"c","kind":"new","referral_code":"0O1l!"}"#,
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.detail().starts_with("referral_code:"), "{}", bad.body);
    let bad = h
        .send(api("/api/purchases", r#"{"id":"o","customer_id":"c","kind":"lease"}"#))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.detail().starts_with("kind:"), "{}", bad.body);
}

#[tokio::test]
async fn a_survey_request_is_stored_for_outreach_once_per_idempotency_key() {
    let h = Harness::new();
    let body = json!({"customers": [
        {"platform": "slack", "user_id": "U0CUSTOMER"},
        {"platform": "telegram", "chat_id": 424242424},
        {"platform": "whatsapp", "phone": "+1 650-555-1234"}
    ], "brand": "Sprite"})
    .to_string();
    for _ in 0..2 {
        let req = post(
            "/api/surveys",
            "application/json",
            &[
                ("authorization", format!("Bearer {API_TOKEN}")),
                ("idempotency-key", "batch-1".into()),
            ],
            body.clone(),
        );
        let answer = h.send(req).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        assert_eq!(answer.json()["requested"], 3);
    }
    let events = h.store.read_feed(0, 100).await.unwrap();
    let asked: Vec<Identity> = events
        .into_iter()
        .map(|e| match e.event {
            DomainEvent::SurveyRequested { identity, brand, .. } => {
                assert_eq!(brand.as_deref(), Some("Sprite"));
                identity
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        asked,
        [
            Identity::new(Platform::Slack, "U0CUSTOMER"),
            Identity::new(Platform::Telegram, "424242424"),
            Identity::new(Platform::Whatsapp, "16505551234"),
        ]
    );
    let customer = h
        .store
        .customer_by_identity(&Identity::new(Platform::Whatsapp, "16505551234"))
        .await
        .unwrap();
    assert_eq!(customer.unwrap().id, "whatsapp:16505551234");
}

#[tokio::test]
async fn a_whatsapp_customer_known_by_business_scoped_id_can_be_asked() {
    // GIVEN a WhatsApp user who adopted a username: Meta gives their business-scoped user id
    let h = Harness::new();
    let body = json!({"customers": [
        {"platform": "whatsapp", "user_id": "US.13491208655302741918"},
        {"platform": "whatsapp", "phone": "BR.1502576394655843"}
    ]})
    .to_string();
    let answer = h.send(api("/api/surveys", &body)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    // THEN each is asked under that id, as Meta's webhooks will name them
    let asked: Vec<Identity> = h
        .store
        .read_feed(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| match e.event {
            DomainEvent::SurveyRequested { identity, .. } => identity,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        asked,
        [
            Identity::new(Platform::Whatsapp, "US.13491208655302741918"),
            Identity::new(Platform::Whatsapp, "BR.1502576394655843"),
        ]
    );
    // AND what is neither a phone number nor such an id is refused, naming it
    for (target, field) in [
        (r#"{"platform":"whatsapp","user_id":"us.1349"}"#, "customers[0].user_id"),
        (r#"{"platform":"whatsapp","phone":"call me"}"#, "customers[0].phone"),
        (r#"{"platform":"whatsapp"}"#, "customers[0].phone"),
    ] {
        let answer = h
            .send(api("/api/surveys", &format!(r#"{{"customers":[{target}]}}"#)))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{target}");
        assert!(answer.detail().starts_with(field), "{}", answer.body);
    }
}

#[tokio::test]
async fn a_bad_survey_request_is_400_naming_the_customer() {
    let h = Harness::new();
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"slack","user_id":"U1"},{"platform":"fax","number":"1"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.detail().starts_with("customers[1]"), "{}", answer.body);
    let answer = h.send(api("/api/surveys", r#"{"customers":[]}"#)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.detail().starts_with("customers:"), "{}", answer.body);
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn a_survey_on_a_platform_without_a_bot_token_is_400_platform_not_configured() {
    let vars: Vec<(&str, String)> = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "TELEGRAM_BOT_TOKEN")
        .collect();
    let h = Harness::with_vars(vars);
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"telegram","chat_id":"42"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json()["error"], "platform not configured");
    assert!(answer.detail().starts_with("customers[0]: telegram"), "{}", answer.body);
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn erasing_a_customer_removes_their_comment_and_id_and_keeps_the_score() {
    let h = Harness::new();
    let body = r#"{"id": "web-7", "customer": {"id": "crm-7", "email": "seven@example.com"}, "score": 4, "comment": "rude salesman"}"#;
    assert_eq!(h.send(api("/api/responses", body)).await.status, StatusCode::OK);
    let req = |id: &str, auth: Option<&str>| {
        let mut r = Request::delete(format!("/api/customers/{id}"));
        if let Some(token) = auth {
            r = r.header("authorization", format!("Bearer {token}"));
        }
        r.body(Body::empty()).unwrap()
    };
    assert_eq!(h.send(req("crm-7", None)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        h.store.responses_of("crm-7").await.unwrap().len(),
        1,
        "nothing erased without the token"
    );
    let answer = h.send(req("crm-7", Some(API_TOKEN))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["erased"], true);
    assert!(h.store.responses_of("crm-7").await.unwrap().is_empty());
    let kept = h.store.response("web-7").await.unwrap().unwrap();
    assert_eq!((kept.score.value(), kept.comment.as_deref()), (4, None));
    assert!(kept.customer_id.starts_with("erased-"));
    let again = h.send(req("crm-7", Some(API_TOKEN))).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    assert_eq!(again.json()["error"], "not_found");
}

#[tokio::test]
async fn erasing_an_unknown_customer_is_404_and_keeps_every_delivery_key() {
    // GIVEN customer "55" and a purchase "p-550" by someone else
    let h = Harness::new();
    let purchase =
        |id: &str, customer: &str| format!(r#"{{"id": "{id}", "customer_id": "{customer}", "kind": "new"}}"#);
    for body in [purchase("p-550", "crm-550"), purchase("p-55", "55")] {
        assert_eq!(h.send(api("/api/purchases", &body)).await.status, StatusCode::OK);
    }
    let delete = |id: &str| {
        Request::delete(format!("/api/customers/{id}"))
            .header("authorization", format!("Bearer {API_TOKEN}"))
            .body(Body::empty())
            .unwrap()
    };
    // WHEN ids no customer has are erased THEN 404 with the JSON error body, nothing erased
    for unknown in ["%3A", "5", "p-550", "api:purchase:p-550"] {
        let answer = h.send(delete(unknown)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{unknown}: {}", answer.body);
        assert_eq!(answer.json()["error"], "not_found", "{}", answer.body);
        assert!(answer.detail().contains("not found"), "{}", answer.body);
    }
    // WHEN "55" is erased THEN only their purchase changes hands
    let answer = h.send(delete("55")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["erased"], true);
    let buyers = || async {
        let page = h.store.list(RecordKind::Purchases, None, None, 10).await.unwrap();
        page.records
            .into_iter()
            .map(|r| match r {
                Record::Purchase(p) => (p.id, p.customer_id),
                other => panic!("{other:?}"),
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let after = buyers().await;
    assert_eq!(after["p-550"], "crm-550");
    assert!(after["p-55"].starts_with("erased-"), "{after:?}");
    // AND a redelivery of either purchase is still a duplicate: nothing stored or counted again
    let feed = h.feed().await;
    for body in [purchase("p-550", "crm-550"), purchase("p-55", "55")] {
        assert_eq!(h.send(api("/api/purchases", &body)).await.status, StatusCode::OK);
    }
    assert_eq!(buyers().await, after);
    assert_eq!(h.feed().await, feed);
    assert_eq!(
        h.store.customer("55").await.unwrap(),
        None,
        "the erased customer is not recreated"
    );
}

#[tokio::test]
async fn a_referral_click_is_counted_and_redirected_with_the_code() {
    let h = Harness::new();
    let code = h.seed_referral("promoter-1").await;
    for _ in 0..2 {
        let answer = h.send(get(&format!("/r/{code}"))).await;
        assert_eq!(answer.status, StatusCode::FOUND);
        assert_eq!(
            answer.headers["location"].to_str().unwrap(),
            format!("https://sprite.example/welcome?utm_source=referral&ref={code}")
        );
    }
    assert_eq!(h.store.referral(&code).await.unwrap().unwrap().clicks, 2);
    assert_eq!(h.feed().await, ["referral_clicked", "referral_clicked"]);
}

#[tokio::test]
async fn an_unknown_referral_code_gets_a_404_page_and_no_redirect() {
    let h = Harness::new();
    for path in ["/r/abcdefghj", "/r/not-a-code!"] {
        let answer = h.send(get(path)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.headers.get("location").is_none());
        assert!(answer.body.contains("not valid"), "{}", answer.body);
    }
    assert!(h.feed().await.is_empty());
}

#[tokio::test]
async fn api_and_referral_routes_answer_503_when_the_store_is_unreachable() {
    let app = unreachable_app();
    let answer = send(
        app.clone(),
        api("/api/responses", r#"{"customer":{"id":"c"},"score":5}"#),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["error"], "unavailable");
    assert!(!answer.body.contains("10.0.0.7"));
    let answer = send(app, get("/r/abcdefghj")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A click on `code` arriving from TCP peer `peer`, with `forwarded` as its X-Forwarded-For.
fn click(code: &str, peer: &str, forwarded: Option<&str>) -> Request<Body> {
    let mut req = Request::get(format!("/r/{code}"));
    if let Some(forwarded) = forwarded {
        req = req.header("x-forwarded-for", forwarded);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    req
}

#[tokio::test]
async fn repeated_clicks_from_one_client_count_once_a_day_but_other_clients_and_days_count() {
    // GIVEN Sarafan behind a proxy on loopback that the operator trusts
    let mut vars = all_vars();
    vars.push(("SARAFAN_TRUSTED_PROXIES", "127.0.0.1".into()));
    let h = Harness::with_vars(vars);
    let code = h.seed_referral("promoter-1").await.to_string();
    let from = |ip: &str| click(&code, "127.0.0.1", Some(&format!("203.0.113.250, {ip}")));
    // GIVEN one client clicking five times (a promoter inflating their own count)
    for _ in 0..5 {
        let answer = h.send(from("198.51.100.7")).await;
        // THEN each click is still redirected, as a real friend clicking twice would expect
        assert_eq!(answer.status, StatusCode::FOUND);
    }
    let clicks = || async { h.store.referral(&code.parse().unwrap()).await.unwrap().unwrap().clicks };
    assert_eq!(clicks().await, 1);
    // WHEN another client clicks, and the first one clicks again the next day
    assert_eq!(h.send(from("198.51.100.8")).await.status, StatusCode::FOUND);
    let tomorrow = h
        .state
        .clone()
        .with_clock(std::sync::Arc::new(|| now() + chrono::Duration::days(1)));
    assert_eq!(
        send(sarafan_ingest::app(tomorrow), from("198.51.100.7")).await.status,
        StatusCode::FOUND
    );
    // THEN both count; the forged first X-Forwarded-For entry did not tell clients apart
    assert_eq!(clicks().await, 3);
}

#[tokio::test]
async fn a_forwarded_header_from_an_untrusted_peer_does_not_make_new_clients() {
    // GIVEN no trusted proxy configured, and one client on loopback rotating X-Forwarded-For
    let h = Harness::new();
    let code = h.seed_referral("promoter-1").await.to_string();
    for i in 0..50 {
        let forged = format!("198.51.100.{i}");
        assert_eq!(
            h.send(click(&code, "127.0.0.1", Some(&forged))).await.status,
            StatusCode::FOUND
        );
    }
    assert_eq!(h.send(click(&code, "127.0.0.1", None)).await.status, StatusCode::FOUND);
    // THEN the 51 clicks count once: the peer is the client
    let referral = h.store.referral(&code.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(referral.clicks, 1);
}

#[test]
fn the_click_client_is_the_peer_unless_a_trusted_proxy_forwarded_it() {
    use sarafan_ingest::config::TrustedProxies;
    use sarafan_ingest::referral::client_address;
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-forwarded-for", "10.9.9.9, 198.51.100.7, 10.0.0.2".parse().unwrap());
    let ip = |s: &str| Some(s.parse().unwrap());
    let none = TrustedProxies::default();
    let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/24").unwrap();
    // No proxy trusted: the header is ignored, whoever connected
    assert_eq!(client_address(&headers, ip("127.0.0.1"), &none), ip("127.0.0.1"));
    assert_eq!(client_address(&headers, ip("192.0.2.1"), &none), ip("192.0.2.1"));
    // From a trusted proxy: the nearest entry that is not a trusted proxy itself
    assert_eq!(client_address(&headers, ip("127.0.0.1"), &proxies), ip("198.51.100.7"));
    // From anyone else: the peer
    assert_eq!(client_address(&headers, ip("192.0.2.1"), &proxies), ip("192.0.2.1"));
    // A trusted proxy with no header, or a garbled one, is itself the client we can tell
    let empty = axum::http::HeaderMap::new();
    assert_eq!(client_address(&empty, ip("127.0.0.1"), &proxies), ip("127.0.0.1"));
    let mut garbled = axum::http::HeaderMap::new();
    garbled.insert("x-forwarded-for", "198.51.100.7, unknown".parse().unwrap());
    assert_eq!(client_address(&garbled, ip("127.0.0.1"), &proxies), ip("127.0.0.1"));
    // No peer known: no client
    assert_eq!(client_address(&headers, None, &proxies), None);
}

#[tokio::test]
async fn an_email_survey_needs_its_settings_and_a_real_address_and_joins_a_known_customer() {
    // Without SURVEY_FROM, SARAFAN_LINK_SECRET and SARAFAN_PUBLIC_URL: not configured, naming them.
    let h = Harness::new();
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"email","email":"anna@example.com"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json()["error"], "platform not configured");
    assert!(answer.detail().contains("SURVEY_FROM"), "{}", answer.body);
    assert!(h.feed().await.is_empty());

    let mut vars = all_vars();
    vars.extend([
        ("SURVEY_FROM", "nps@sprite.example".to_string()),
        ("SARAFAN_LINK_SECRET", "link-secret".to_string()),
        ("SARAFAN_PUBLIC_URL", "https://wom.sprite.example".to_string()),
    ]);
    let h = Harness::with_vars(vars);
    for (body, field) in [
        (
            r#"{"customers":[{"platform":"email","email":"anna@"}]}"#,
            "customers[0].email:",
        ),
        (r#"{"customers":[{"platform":"email"}]}"#, "customers[0]"),
        (
            r#"{"customers":[{"platform":"email","email":"anna@example.com","locale":"english please"}]}"#,
            "customers[0].locale:",
        ),
    ] {
        let answer = h.send(api("/api/surveys", body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.body);
        assert!(answer.detail().starts_with(field), "{body}: {}", answer.body);
    }
    assert!(h.feed().await.is_empty());

    // A new customer is email:{address}, the address lower-cased, with name and language.
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"email","email":" Anna@Example.COM ","name":"Anna","locale":"cs"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let identity = Identity::new(Platform::Email, "anna@example.com");
    let anna = h.store.customer_by_identity(&identity).await.unwrap().unwrap();
    assert_eq!(anna.id, "email:anna@example.com");
    assert_eq!(
        (anna.name.as_deref(), anna.locale.as_deref(), anna.email.as_deref()),
        (Some("Anna"), Some("cs"), Some("anna@example.com"))
    );

    // `customer_id` joins an address to a customer known by their chat.
    let chat = Identity::new(Platform::Telegram, "42");
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"telegram","chat_id":"42"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let answer = h
        .send(api(
            "/api/surveys",
            r#"{"customers":[{"platform":"email","email":"petr@example.cz","customer_id":"telegram:42"}]}"#,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let joined = h
        .store
        .customer_by_identity(&Identity::new(Platform::Email, "petr@example.cz"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(joined.id, "telegram:42");
    assert!(joined.identities.contains(&chat));
    let requested = h
        .feed()
        .await
        .into_iter()
        .filter(|kind| *kind == "survey_requested")
        .count();
    assert_eq!(requested, 3);
}

#[tokio::test]
async fn survey_pages_answer_404_without_the_link_secret() {
    let h = Harness::new();
    for uri in ["/s/abc.def?score=9", "/s/abc.def/unsubscribe"] {
        let answer = h.send(get(uri)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

//! Listening runs against recording servers that answer with each API's documented responses
//! (tests/fixtures/listen/, sources in its manifest.json), on a real SQLite store: what is
//! stored, cursors across runs, paging, a 429, a source that hangs, an entry that cannot be read.

use chrono::{DateTime, Duration, Utc};
use sarafan_core::model::Mention;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{RecordKind, RecordLister};
use sarafan_listen::{Config, Listener, SourceRun};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/listen")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_fixture(rel: &str) -> Value {
    serde_json::from_str(&fixture(rel)).unwrap()
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

/// A listener on `vars` (Hacker News off unless set) and a fresh SQLite store.
fn setup(vars: &[(&str, String)]) -> (Listener, SqliteStore, tempfile::TempDir) {
    let mut all: HashMap<String, String> = HashMap::from([("HN_SEARCH_URL".to_string(), String::new())]);
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let config = Config::from_vars(&all.into_iter().collect()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    (Listener::new(config), store, dir)
}

async fn mentions(store: &SqliteStore) -> Vec<Mention> {
    let page = store.list(RecordKind::Mentions, None, None, 1000).await.unwrap();
    let mut mentions: Vec<Mention> = page
        .records
        .into_iter()
        .map(|r| match r {
            sarafan_core::store::Record::Mention(m) => m,
            other => panic!("{other:?}"),
        })
        .collect();
    mentions.sort_by(|a, b| a.id.cmp(&b.id));
    mentions
}

fn one(runs: &[SourceRun]) -> &SourceRun {
    assert_eq!(runs.len(), 1, "{runs:?}");
    &runs[0]
}

async fn requests_to(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

#[tokio::test]
async fn hacker_news_stories_and_comments_are_paged_stored_once_and_not_again_next_run() {
    // GIVEN Algolia answering three pages for "apple": a story, a comment, an Ask HN story
    let hn = MockServer::start().await;
    let page = |n: usize, file: &str| {
        let mut body = json_fixture(file);
        // The recordings say 1000 pages; the test ends the search after three.
        body["page"] = json!(n);
        body["nbPages"] = json!(3);
        Mock::given(method("GET"))
            .and(path("/api/v1/search_by_date"))
            .and(query_param("page", n.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    page(0, "hackernews/search_by_date_story.json").mount(&hn).await;
    page(1, "hackernews/search_by_date_comment.json").mount(&hn).await;
    page(2, "hackernews/search_by_date_ask_hn.json").mount(&hn).await;
    let (listener, store, _dir) = setup(&[
        ("HN_SEARCH_URL", format!("{}/api/v1", hn.uri())),
        ("SARAFAN_BRAND_TERMS", "Apple".into()),
        ("SARAFAN_COMPETITOR_TERMS", "Starbucks".into()),
    ]);
    let now = at("2014-06-20T04:00:00Z");
    // WHEN it runs
    let runs = listener.run_once(&store, now).await.unwrap();
    // THEN each term's three posts are fetched and new, and the two that name a term (the story
    // names Apple, the comment Starbucks; the Ask HN post neither) are stored with authors and links
    let run = one(&runs);
    assert_eq!(
        (run.source, run.fetched, run.new, run.stored, run.failed),
        ("hackernews", 6, 6, 2, 0)
    );
    let stored = mentions(&store).await;
    let ids: Vec<&str> = stored.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["hackernews:7919418", "hackernews:7919424"]);
    let story = &stored[1];
    assert_eq!(story.source, "hackernews");
    assert_eq!(story.author.as_deref(), Some("bradleyjg"));
    assert_eq!(
        story.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=7919424")
    );
    assert_eq!(story.created_at, at("2014-06-20T03:35:46Z"));
    assert_eq!(story.matched_terms, ["Apple"]);
    // The comment's HTML is plain text, its entities decoded; it is about the competitor.
    assert!(stored[0].competitor);
    assert!(
        stored[0]
            .text
            .starts_with("Yeah the article seems stupid, while technically they aren't contributing"),
        "{}",
        stored[1].text
    );
    // AND the query asked from the lookback on, for stories and comments
    let first = &hn.received_requests().await.unwrap()[0];
    let query: HashMap<String, String> = first.url.query_pairs().into_owned().collect();
    assert_eq!(
        query["numericFilters"],
        format!("created_at_i>={}", (now - Duration::hours(24)).timestamp())
    );
    assert_eq!(query["tags"], "(story,comment)");
    assert_eq!(query["query"], "Apple");

    // WHEN it runs again ten minutes later and the same posts come back
    let again = listener.run_once(&store, now + Duration::minutes(10)).await.unwrap();
    // THEN nothing is new and nothing stored twice; the search starts at the newest post seen
    let run = one(&again);
    assert_eq!((run.new, run.stored), (0, 0));
    assert_eq!(mentions(&store).await.len(), 2);
    let last = hn.received_requests().await.unwrap().pop().unwrap();
    let query: HashMap<String, String> = last.url.query_pairs().into_owned().collect();
    assert_eq!(query["numericFilters"], "created_at_i>=1403235346");
}

#[tokio::test]
async fn reddit_takes_an_app_token_then_searches_newest_first() {
    let reddit = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("reddit/access_token.json")))
        .expect(1)
        .mount(&reddit)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("reddit/search_listing.json")))
        .mount(&reddit)
        .await;
    let (listener, store, _dir) = setup(&[
        ("REDDIT_CLIENT_ID", "app-id".into()),
        ("REDDIT_CLIENT_SECRET", "app-secret".into()),
        ("REDDIT_API_URL", reddit.uri()),
        ("SARAFAN_BRAND_TERMS", "PRAW, OAuth".into()),
        ("LISTEN_LOOKBACK_HOURS", "720".into()),
    ]);
    // GIVEN a first run the day after the newest recorded post (17 March 2016): the older ones are
    // past the 30-day lookback
    let now = at("2016-03-18T00:00:00Z");
    let runs = listener.run_once(&store, now).await.unwrap();
    let run = one(&runs);
    // Two queries (two terms) each return the six posts; one is within 30 days, stored once
    assert_eq!((run.fetched, run.new, run.stored, run.failed), (12, 2, 1, 0));
    let stored = mentions(&store).await;
    assert_eq!(stored.len(), 1);
    let m = &stored[0];
    assert_eq!(m.id, "reddit:t3_4at068");
    assert_eq!(m.author.as_deref(), Some("u/nmtake"));
    assert!(
        m.url
            .as_deref()
            .unwrap()
            .starts_with("https://www.reddit.com/r/p18s/comments/4at068/"),
        "{:?}",
        m.url
    );
    // "OAuth2" in its text is another word: only PRAW is named.
    assert_eq!(m.matched_terms, ["PRAW"]);
    // The token was asked once, with the app's credentials, and the searches carried it
    let requests = reddit.received_requests().await.unwrap();
    let token = requests
        .iter()
        .find(|r| r.url.path() == "/api/v1/access_token")
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&token.body), "grant_type=client_credentials");
    assert!(token.headers["authorization"].to_str().unwrap().starts_with("Basic "));
    let search = requests.iter().find(|r| r.url.path() == "/search").unwrap();
    assert_eq!(search.headers["authorization"], "Bearer <ACCESS_TOKEN>");
    let query: HashMap<String, String> = search.url.query_pairs().into_owned().collect();
    assert_eq!(query["sort"], "new");
}

#[tokio::test]
async fn a_rate_limited_source_is_not_asked_again_before_retry_after_while_the_others_go_on() {
    // GIVEN Reddit answering 429 with Retry-After: 120, and a Mastodon hashtag timeline
    let reddit = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("reddit/access_token.json")))
        .mount(&reddit)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&reddit)
        .await;
    let mastodon = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/timelines/tag/hoot"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("mastodon/timeline_tag.json")))
        .mount(&mastodon)
        .await;
    let (listener, store, _dir) = setup(&[
        ("REDDIT_CLIENT_ID", "app-id".into()),
        ("REDDIT_CLIENT_SECRET", "app-secret".into()),
        ("REDDIT_API_URL", reddit.uri()),
        ("MASTODON_URL", mastodon.uri()),
        ("SARAFAN_BRAND_TERMS", "#hoot".into()),
    ]);
    let now = at("2026-08-01T14:00:00Z");
    let runs = listener.run_once(&store, now).await.unwrap();
    // THEN Reddit is paused for exactly 120 s, and Mastodon's post is stored all the same
    assert_eq!(runs[0].source, "reddit");
    assert_eq!(runs[0].paused_until, Some(now + Duration::seconds(120)));
    assert_eq!((runs[1].source, runs[1].stored), ("mastodon", 1));
    let stored = mentions(&store).await;
    assert_eq!(
        stored[0].id,
        "mastodon:http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701"
    );
    assert_eq!(stored[0].author.as_deref(), Some("@mastodonpy_test_2"));
    assert_eq!(stored[0].text, "#hoot (hashtag toot)");
    assert_eq!(requests_to(&reddit, "/search").await, 1);
    // WHEN runs come before the 120 s are over THEN Reddit is not asked
    let paused = listener.run_once(&store, now + Duration::seconds(119)).await.unwrap();
    assert_eq!(paused[0].paused_until, Some(now + Duration::seconds(120)));
    assert_eq!(requests_to(&reddit, "/search").await, 1);
    // AND as soon as they are over, it is asked again
    listener.run_once(&store, now + Duration::seconds(120)).await.unwrap();
    assert_eq!(requests_to(&reddit, "/search").await, 2);
}

#[tokio::test]
async fn a_source_that_hangs_costs_one_timeout_and_the_rest_is_stored() {
    // GIVEN Mastodon never answering within the timeout, and Bluesky answering
    let mastodon = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("mastodon/timeline_tag.json"))
                .set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&mastodon)
        .await;
    let bluesky = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky/create_session.json")))
        .mount(&bluesky)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky/search_posts.json")))
        .mount(&bluesky)
        .await;
    let (listener, store, _dir) = setup(&[
        ("MASTODON_URL", mastodon.uri()),
        ("BLUESKY_HANDLE", "shinyakato.dev".into()),
        ("BLUESKY_APP_PASSWORD", "app-password".into()),
        ("BLUESKY_API_URL", bluesky.uri()),
        ("SARAFAN_BRAND_TERMS", "#samsung, samsung".into()),
        ("LISTEN_TIMEOUT_SECONDS", "1".into()),
    ]);
    let started = std::time::Instant::now();
    let runs = listener.run_once(&store, at("2023-04-24T14:00:00Z")).await.unwrap();
    // THEN Mastodon's query failed once per term, quickly, and Bluesky's post is stored
    let by: HashMap<&str, &SourceRun> = runs.iter().map(|r| (r.source, r)).collect();
    assert_eq!(by["bluesky"].failed, 0);
    assert_eq!(by["mastodon"].failed, 2);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let stored = mentions(&store).await;
    assert_eq!(stored.len(), 1);
    let post = &stored[0];
    assert_eq!(
        post.id,
        "bluesky:at://did:plc:d3zpokjdspr22chfrc427eis/app.bsky.feed.post/3ju4p6u2i3a2g"
    );
    assert_eq!(
        post.url.as_deref(),
        Some("https://bsky.app/profile/luy.gay/post/3ju4p6u2i3a2g")
    );
    assert_eq!(post.author.as_deref(), Some("@luy.gay"));
    assert_eq!(post.lang.as_deref(), Some("pt"));
    // The session was opened with the app password, and searches carry its token
    let requests = bluesky.received_requests().await.unwrap();
    let login: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        login,
        json!({"identifier": "shinyakato.dev", "password": "app-password"})
    );
    assert_eq!(requests[1].headers["authorization"], "Bearer eeeeeeeeeeeee");
}

#[tokio::test]
async fn an_entry_that_cannot_be_read_is_skipped_without_losing_the_rest() {
    // GIVEN Mastodon's search answering its documented statuses plus one without an account
    let mastodon = MockServer::start().await;
    let mut body = json_fixture("mastodon/search_v2.json");
    let mut broken = body["statuses"][0].clone();
    broken.as_object_mut().unwrap().remove("account");
    body["statuses"].as_array_mut().unwrap().insert(0, broken);
    Mock::given(method("GET"))
        .and(path("/api/v2/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&mastodon)
        .await;
    let (listener, store, _dir) = setup(&[
        ("MASTODON_URL", mastodon.uri()),
        ("MASTODON_TOKEN", "token".into()),
        ("SARAFAN_BRAND_TERMS", "@halcy".into()),
    ]);
    let runs = listener.run_once(&store, at("2026-04-11T22:00:00Z")).await.unwrap();
    // THEN the two readable statuses are heard and the broken one is skipped
    let run = one(&runs);
    assert_eq!((run.fetched, run.failed), (2, 0));
    let stored = mentions(&store).await;
    let authors: Vec<&str> = stored.iter().filter_map(|m| m.author.as_deref()).collect();
    assert_eq!(authors, ["@greg@icosahedron.website", "@Jo@social.sublingual.xyz"]);
    let search = &mastodon.received_requests().await.unwrap()[0];
    assert_eq!(search.headers["authorization"], "Bearer token");
}

#[tokio::test]
async fn feed_entries_naming_a_term_are_mentions_once_across_runs() {
    // GIVEN a Google Alerts feed for "Slack" and the RSS 2.0 spec's sample feed
    let feeds = MockServer::start().await;
    for (p, file) in [("/alerts", "feeds/google_alerts.xml"), ("/rss", "feeds/rss2sample.xml")] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(fixture(file))
                    .insert_header("content-type", "application/atom+xml"),
            )
            .mount(&feeds)
            .await;
    }
    let (listener, store, _dir) = setup(&[
        ("LISTEN_FEEDS", format!("{0}/alerts, {0}/rss", feeds.uri())),
        ("SARAFAN_BRAND_TERMS", "Slack".into()),
    ]);
    let now = at("2019-07-10T12:00:00Z");
    let runs = listener.run_once(&store, now).await.unwrap();
    let run = one(&runs);
    // THEN the alerts of the last day naming Slack are stored; the 2003 feed is older than that
    assert_eq!(run.source, "feed");
    assert_eq!(run.fetched, 24);
    assert_eq!(run.failed, 0);
    let stored = mentions(&store).await;
    assert!(run.stored >= 1 && run.stored == stored.len(), "{run:?}");
    assert!(stored
        .iter()
        .all(|m| m.id.starts_with("feed:tag:google.com,2013:googlealerts/feed:")));
    assert!(stored.iter().all(|m| m.matched_terms == ["Slack"]));
    let first = stored
        .iter()
        .find(|m| m.id.ends_with(":8974135267215335962"))
        .expect("the newest alert");
    assert!(
        first
            .text
            .starts_with("Report offers Prediction of Automotive Slack Market"),
        "{}",
        first.text
    );
    assert_eq!(first.created_at, at("2019-07-10T11:53:37Z"));
    // WHEN the feeds are read again THEN nothing more is stored
    let again = listener.run_once(&store, now + Duration::minutes(10)).await.unwrap();
    assert_eq!(one(&again).stored, 0);
    assert_eq!(mentions(&store).await.len(), stored.len());
}

#[tokio::test]
async fn a_retry_after_date_is_read_against_the_runs_clock() {
    // GIVEN Reddit answering 429 with Retry-After as an HTTP date five minutes after the run
    let reddit = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("reddit/access_token.json")))
        .mount(&reddit)
        .await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "Sat, 01 Aug 2026 14:05:00 GMT"))
        .mount(&reddit)
        .await;
    let (listener, store, _dir) = setup(&[
        ("REDDIT_CLIENT_ID", "app-id".into()),
        ("REDDIT_CLIENT_SECRET", "app-secret".into()),
        ("REDDIT_API_URL", reddit.uri()),
        ("SARAFAN_BRAND_TERMS", "hoot".into()),
    ]);
    // WHEN a run at 14:00 meets it
    let now = at("2026-08-01T14:00:00Z");
    let runs = listener.run_once(&store, now).await.unwrap();
    // THEN Reddit is paused until that date, not for its distance from the machine's time
    assert_eq!(one(&runs).paused_until, Some(at("2026-08-01T14:05:00Z")));
    let paused = listener.run_once(&store, now + Duration::minutes(4)).await.unwrap();
    assert_eq!(one(&paused).paused_until, Some(at("2026-08-01T14:05:00Z")));
    assert_eq!(requests_to(&reddit, "/search").await, 1);
}

#[tokio::test]
async fn listening_on_a_schedule_takes_its_time_from_the_configured_clock() {
    // GIVEN the Google Alerts feed for "Slack" and a clock set to the day the feed was read
    let feeds = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("feeds/google_alerts.xml")))
        .mount(&feeds)
        .await;
    let mut vars: HashMap<String, String> = HashMap::from([
        ("HN_SEARCH_URL".to_string(), String::new()),
        ("LISTEN_FEEDS".to_string(), format!("{}/alerts", feeds.uri())),
        ("SARAFAN_BRAND_TERMS".to_string(), "Slack".to_string()),
    ]);
    let mut config = Config::from_vars(&vars.drain().collect()).unwrap();
    config.clock = sarafan_core::clock::SetClock::at(at("2019-07-10T12:00:00Z")).shared();
    let listener = Listener::new(config);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    // WHEN the scheduled loop runs once (its first run is at once) and is stopped
    let stored_any = async {
        while mentions(&store).await.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        listener.run_forever(&store, stored_any),
    )
    .await
    .expect("the first run stores the day's alerts");
    // THEN the day before the clock's time was read: the alerts of 10 July 2019 are stored
    // (on the machine's clock the last day holds none of them)
    let stored = mentions(&store).await;
    assert!(
        stored.iter().any(|m| m.created_at == at("2019-07-10T11:53:37Z")),
        "{stored:?}"
    );
    assert!(stored.iter().all(|m| m.created_at > at("2019-07-09T12:00:00Z")));
}

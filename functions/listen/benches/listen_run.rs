//! One listening run over 5 sources x 10 terms returning 1,000 new posts in all, on SQLite:
//! wall time and the process's CPU time for the run. The recording servers answering the
//! searches run in this process too, so the CPU figure is an upper bound on Sarafan's own work.
//!
//! `cargo bench -p sarafan-listen --bench listen_run`

use chrono::{Duration, SecondsFormat, Utc};
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_listen::{Config, Listener};
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TERMS: usize = 10;
/// Posts a query returns: 5 sources x 10 terms x 20 = 1,000.
const PER_QUERY: usize = 20;

/// User + system CPU time of this process so far, from /proc/self/stat (clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// A post's text for term `t`, post `i`: a sentence naming the term, as a mention would.
fn text(t: usize, i: usize) -> String {
    format!("Brand{t} fixed my car in a day, post {i} of the run, really happy with the service")
}

#[tokio::main]
async fn main() {
    let now = Utc::now();
    let at = |i: usize| now - Duration::minutes(5 + i as i64);
    let hn = MockServer::start().await;
    let reddit = MockServer::start().await;
    let bluesky = MockServer::start().await;
    let mastodon = MockServer::start().await;
    let feeds = MockServer::start().await;
    // Each source answers each term's query with PER_QUERY posts of its own shape, ids unique
    // across terms so that all 1,000 are new.
    for t in 0..TERMS {
        let term = format!("Brand{t}");
        let hits: Vec<_> = (0..PER_QUERY)
            .map(|i| json!({"objectID": format!("{t}-{i}"), "created_at_i": at(i).timestamp(), "author": "a", "title": text(t, i), "story_text": null, "comment_text": null}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/api/v1/search_by_date"))
            .and(wiremock::matchers::query_param("query", term.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"hits": hits, "page": 0, "nbPages": 1})))
            .mount(&hn)
            .await;
        let children: Vec<_> = (0..PER_QUERY)
            .map(|i| json!({"kind": "t3", "data": {"name": format!("t3_{t}x{i}"), "title": text(t, i), "selftext": "", "author": "a", "permalink": "/r/x/", "created_utc": at(i).timestamp() as f64}}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/search"))
            .and(wiremock::matchers::query_param("q", term.as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"kind": "Listing", "data": {"after": null, "children": children}})),
            )
            .mount(&reddit)
            .await;
        let posts: Vec<_> = (0..PER_QUERY)
            .map(|i| json!({"uri": format!("at://did:plc:x/app.bsky.feed.post/{t}x{i}"), "author": {"handle": "a.bsky.social"}, "record": {"text": text(t, i), "createdAt": at(i).to_rfc3339_opts(SecondsFormat::Secs, true)}}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/xrpc/app.bsky.feed.searchPosts"))
            .and(wiremock::matchers::query_param("q", term.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": posts})))
            .mount(&bluesky)
            .await;
        let statuses: Vec<_> = (0..PER_QUERY)
            .map(|i| json!({"id": format!("{t}{i:03}"), "created_at": at(i).to_rfc3339_opts(SecondsFormat::Secs, true), "content": format!("<p>{}</p>", text(t, i)), "url": null, "account": {"acct": "a"}, "reblog": null}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/api/v2/search"))
            .and(wiremock::matchers::query_param("q", term.as_str()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"accounts": [], "statuses": statuses, "hashtags": []})),
            )
            .mount(&mastodon)
            .await;
    }
    // Feeds are read per URL, not per term: ten feeds of PER_QUERY entries, one term each.
    let mut feed_urls = Vec::new();
    for t in 0..TERMS {
        let entries: String = (0..PER_QUERY)
            .map(|i| {
                format!(
                    "<entry><id>urn:bench:{t}:{i}</id><title>{}</title><updated>{}</updated><link href=\"https://news.example/{t}/{i}\"/></entry>",
                    text(t, i),
                    at(i).to_rfc3339_opts(SecondsFormat::Secs, true)
                )
            })
            .collect();
        let atom = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>urn:bench:{t}</id><updated>{}</updated>{entries}</feed>", now.to_rfc3339());
        Mock::given(method("GET"))
            .and(path(format!("/feed/{t}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(atom))
            .mount(&feeds)
            .await;
        feed_urls.push(format!("{}/feed/{t}", feeds.uri()));
    }
    let terms: Vec<String> = (0..TERMS).map(|t| format!("Brand{t}")).collect();
    let vars: HashMap<&str, String> = HashMap::from([
        ("HN_SEARCH_URL", format!("{}/api/v1", hn.uri())),
        ("REDDIT_CLIENT_ID", "id".into()),
        ("REDDIT_CLIENT_SECRET", "secret".into()),
        ("REDDIT_API_URL", reddit.uri()),
        ("BLUESKY_HANDLE", "a.bsky.social".into()),
        ("BLUESKY_APP_PASSWORD", "p".into()),
        ("BLUESKY_API_URL", bluesky.uri()),
        ("MASTODON_URL", mastodon.uri()),
        ("MASTODON_TOKEN", "t".into()),
        ("LISTEN_FEEDS", feed_urls.join(",")),
        ("SARAFAN_BRAND_TERMS", terms.join(",")),
    ]);
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "x", "token_type": "bearer", "expires_in": 3600, "scope": "*"})),
        )
        .mount(&reddit)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"accessJwt": "x", "refreshJwt": "y", "handle": "a.bsky.social", "did": "did:plc:x"}),
            ),
        )
        .mount(&bluesky)
        .await;

    let config = Config::from_vars(&vars.clone().into_iter().collect()).unwrap();
    let listener = Listener::new(config);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let runs = listener.run_once(&store, now).await.unwrap();
    let (cpu, wall) = (cpu_seconds() - cpu, wall.elapsed());
    let stored: usize = runs.iter().map(|r| r.stored).sum();
    let new: usize = runs.iter().map(|r| r.new).sum();
    for r in &runs {
        println!(
            "{:<12} fetched {:>4}  new {:>4}  stored {:>4}  failed {}",
            r.source, r.fetched, r.new, r.stored, r.failed
        );
    }
    assert_eq!((new, stored), (1_000, 1_000), "{runs:?}");
    println!(
        "listen_run: 5 sources x {TERMS} terms, {stored} posts stored: wall {:.3} s, CPU {cpu:.2} s (this process, recording servers included)",
        wall.as_secs_f64()
    );
}

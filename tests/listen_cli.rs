//! System test of `sarafan listen --once`: every source at once against recording servers that
//! answer with the APIs' documented responses (tests/fixtures/listen/, their times moved to the
//! last hour so they fall inside the first run's look-back), on a fresh SQLite store.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/listen")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_fixture(rel: &str) -> Value {
    serde_json::from_str(&fixture(rel)).unwrap()
}

/// `minutes` ago, as RFC 3339.
fn ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn serve(server: &MockServer, verb: &str, p: &str, body: String) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(server)
        .await;
}

fn sarafan(args: &[&str], db: &Path, env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SARAFAN_DB", db);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The `source fetched new stored failed` table, by source.
fn table(out: &Output) -> Vec<(String, [usize; 4])> {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let n = |i: usize| cols[i].parse::<usize>().unwrap_or_else(|_| panic!("{line}"));
            (cols[0].to_string(), [n(1), n(2), n(3), n(4)])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_once_stores_the_new_posts_of_every_source_and_a_second_run_nothing() {
    let now = Utc::now().timestamp();
    // Hacker News: the recorded story, an hour old, on one page.
    let hn = MockServer::start().await;
    let mut story = json_fixture("hackernews/search_by_date_story.json");
    story["hits"][0]["created_at_i"] = json!(now - 3600);
    story["hits"][0]["created_at"] = json!(ago(60));
    story["nbPages"] = json!(1);
    serve(&hn, "GET", "/api/v1/search_by_date", story.to_string()).await;
    // Reddit: the token, and the recorded search listing, its six posts within the last hour.
    let reddit = MockServer::start().await;
    serve(
        &reddit,
        "POST",
        "/api/v1/access_token",
        fixture("reddit/access_token.json"),
    )
    .await;
    let mut listing = json_fixture("reddit/search_listing.json");
    for (i, child) in listing["data"]["children"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        child["data"]["created_utc"] = json!((now - 3000 - 60 * i as i64) as f64);
    }
    serve(&reddit, "GET", "/search", listing.to_string()).await;
    // Bluesky: a session, and the recorded search with its post from 30 minutes ago.
    let bluesky = MockServer::start().await;
    serve(
        &bluesky,
        "POST",
        "/xrpc/com.atproto.server.createSession",
        fixture("bluesky/create_session.json"),
    )
    .await;
    let mut posts = json_fixture("bluesky/search_posts.json");
    posts["posts"][0]["record"]["createdAt"] = json!(ago(30));
    posts["cursor"] = Value::Null;
    serve(&bluesky, "GET", "/xrpc/app.bsky.feed.searchPosts", posts.to_string()).await;
    // Mastodon: the recorded #hoot timeline (20 minutes ago) and the docs' search example.
    let mastodon = MockServer::start().await;
    let mut timeline = json_fixture("mastodon/timeline_tag.json");
    timeline[0]["created_at"] = json!(ago(20));
    serve(&mastodon, "GET", "/api/v1/timelines/tag/hoot", timeline.to_string()).await;
    serve(
        &mastodon,
        "GET",
        "/api/v2/search",
        fixture("mastodon/search_v2_docs_example.json"),
    )
    .await;
    // Feeds: RFC 4287's Atom example, updated 10 minutes ago.
    let feeds = MockServer::start().await;
    let atom = fixture("feeds/atom_rfc4287_example.xml").replace("2003-12-13T18:30:02Z", &ago(10));
    serve(&feeds, "GET", "/atom", atom).await;

    let env = [
        ("HN_SEARCH_URL", format!("{}/api/v1", hn.uri())),
        ("REDDIT_CLIENT_ID", "app".into()),
        ("REDDIT_CLIENT_SECRET", "secret".into()),
        ("REDDIT_API_URL", reddit.uri()),
        ("BLUESKY_HANDLE", "shinyakato.dev".into()),
        ("BLUESKY_APP_PASSWORD", "app-password".into()),
        ("BLUESKY_API_URL", bluesky.uri()),
        ("MASTODON_URL", mastodon.uri()),
        ("MASTODON_TOKEN", "token".into()),
        ("LISTEN_FEEDS", format!("{}/atom", feeds.uri())),
        ("SARAFAN_BRAND_TERMS", "Apple,PRAW,samsung,#hoot,Robots".into()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");

    // WHEN listening runs once
    let first = sarafan(&["listen", "--once"], &db, &env);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // THEN every source stored exactly its new posts that name a term
    let stored: Vec<(String, usize)> = table(&first)
        .into_iter()
        .map(|(s, [_, _, stored, failed])| {
            assert_eq!(failed, 0, "{s}: {}", String::from_utf8_lossy(&first.stderr));
            (s, stored)
        })
        .collect();
    assert_eq!(
        stored,
        [
            ("hackernews".to_string(), 1),
            ("reddit".to_string(), 6),
            ("bluesky".to_string(), 1),
            ("mastodon".to_string(), 1),
            ("feed".to_string(), 1),
        ]
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("sarafan listen: hackernews: on"));
    let export = sarafan(&["export", "mentions"], &db, &[]);
    let mut ids: Vec<String> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.contains(&"hackernews:7919424".to_string()));
    assert!(ids.contains(&"feed:urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a".to_string()));

    // WHEN it runs again THEN nothing new is stored
    let second = sarafan(&["listen", "--once"], &db, &env);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    for (source, [_, new, stored, failed]) in table(&second) {
        assert_eq!((new, stored, failed), (0, 0, 0), "{source}");
    }
    let again = sarafan(&["export", "mentions"], &db, &[]);
    assert_eq!(String::from_utf8_lossy(&again.stdout).lines().count(), 10);
}

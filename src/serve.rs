//! `sarafan serve`: every HTTP route, the outreach worker and the report schedule in one process.

use crate::cli::ServeArgs;
use crate::connections::{self, Limits};
use crate::error::{configuration, CliError};
use anyhow::Context;
use sarafan_core::clock::SystemClock;
use sarafan_core::settings::Vars;
use sarafan_core::store::dynamodb::shards::StreamReader;
use sarafan_core::store::dynamodb::DynamoStore;
use sarafan_core::store::Store;
use sarafan_core::store::StoreChoice;
use sarafan_ingest::{app, AppState, Config};
use sarafan_outreach::{run_feed_worker, run_stream_worker, Outreach, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long serve waits before posting the weekly digest again when Slack was unavailable.
const DIGEST_RETRY: Duration = Duration::from_secs(300);
/// How long serve tries to read its DynamoDB table's description before it gives up starting.
const TABLE_WAIT: Duration = Duration::from_secs(15);

/// Where outreach reads the store's events.
enum Feed {
    /// The store's ordered feed (SQLite; a DynamoDB table without a stream).
    Ordered,
    /// The DynamoDB table's stream, as the outreach Lambda reads it: the store writes its events
    /// for the stream alone, so its writers move no shared counter.
    Stream { store: DynamoStore, reader: StreamReader },
}

/// The store on `choice`, and where outreach reads its events: on DynamoDB, the table's stream
/// when the table has one (the table `sarafan dynamodb create-table` makes does).
async fn open_store(choice: &StoreChoice, vars: &Vars) -> Result<(Arc<dyn Store>, Feed), CliError> {
    let StoreChoice::Dynamodb { table } = choice else {
        return Ok((choice.open().await.context("opening the store")?, Feed::Ordered));
    };
    let aws = DynamoStore::sdk_config().await;
    let store = DynamoStore::from_sdk_config(&aws, table.as_str());
    let started = std::time::Instant::now();
    let arn = loop {
        match store.stream_arn().await {
            Ok(arn) => break arn,
            Err(e) if started.elapsed() < TABLE_WAIT => {
                tracing::warn!(table = %table, error = %e, "the DynamoDB table could not be described yet; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                return Err(CliError::Failure(anyhow::anyhow!(
                    "the DynamoDB table {table} could not be described ({e}); create it with `sarafan dynamodb create-table`, or check SARAFAN_TABLE, the endpoint and the credentials"
                )))
            }
        }
    };
    match arn {
        Some(arn) => {
            let store = store.with_stream_feed();
            let reader = StreamReader::new(&aws, arn, vars.get("AWS_ENDPOINT_URL_DYNAMODB"));
            Ok((Arc::new(store.clone()), Feed::Stream { store, reader }))
        }
        None => {
            tracing::warn!(table = %table, "the table has no stream with new images: outreach reads the ordered feed, and every event-writing change moves its counter (docs/data-model.md)");
            Ok((Arc::new(store), Feed::Ordered))
        }
    }
}

/// Serves on the variables `vars`: every part of the process (routes, outreach, the report and
/// digest schedules, listening) reads its settings from this one value.
pub async fn run(vars: &Vars, args: &ServeArgs) -> Result<(), CliError> {
    let addr = args.addr;
    let limits = Limits {
        header: Duration::from_secs(args.header_timeout),
        body: Duration::from_secs(args.body_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        max_connections: match args.max_connections {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => connections::default_max_connections(),
        },
    };
    let mut vars = vars.clone();
    let made_token = token_for_this_run(addr, &mut vars);
    let vars = &vars;
    let config = Config::from_vars(vars).map_err(configuration)?;
    let settings = Settings::from_vars(vars).map_err(configuration)?;
    // The CLI's default store is the embedded one; Lambda's is DynamoDB.
    let choice = StoreChoice::from_vars(vars, "sqlite").map_err(|e| CliError::Usage(e.to_string()))?;
    let (store, feed) = open_store(&choice, vars).await?;
    log_live_routes(&config, &settings);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut outreach_config = settings.config;
    // Only the lease holder sends here, and it took the lease after the last one lapsed: a
    // claim older than a lease is a dead worker's, not a live one's.
    outreach_config.claim_stale_after = outreach_config.lease_ttl;
    // A message sent and not recorded when serve must stop is kept beside the database.
    outreach_config.outbox = sarafan_outreach::outbox_for(&choice);
    let outreach = Arc::new(Outreach {
        store: store.clone(),
        // The worker schedules retries per recipient itself: a client waiting out one chat's
        // outage or rate limit would hold up every other recipient.
        chat: settings.chat.with_retry(sarafan_core::chat::RetryPolicy::none()),
        templates: settings.templates,
        config: outreach_config,
    });
    let worker = {
        let mut stop = stop_rx.clone();
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        tokio::spawn(async move {
            match feed {
                Feed::Ordered => run_feed_worker(&outreach, "outreach", stopped).await,
                Feed::Stream { store, reader } => run_stream_worker(&outreach, &store, &reader, stopped).await,
            }
        })
    };

    // The monthly report, as EventBridge Scheduler runs it in AWS. Emailed only when
    // REPORT_FROM and REPORT_RECIPIENTS are set; otherwise computed and stored.
    let report_settings = sarafan_reports::job::Settings::from_vars(vars).map_err(configuration)?;
    let schedule = {
        let store = store.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mailer = sarafan_reports::ses::LazySesMailer::default();
            tokio::select! {
                _ = sarafan_reports::schedule::run_forever(store.as_ref(), &mailer, &report_settings, &SystemClock) => {},
                _ = stop.wait_for(|s| *s) => {},
            }
        })
    };

    // The weekly Slack digest, as the reports function's Monday schedule runs it in AWS: only
    // when there is a bot token and a channel to post to.
    let digest_settings = sarafan_reports::digest::DigestSettings::from_vars(vars).map_err(configuration)?;
    let weekly = {
        let store = store.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            if digest_settings.slack.is_none() || digest_settings.channel.is_none() {
                tracing::info!(
                    "weekly digest: off (no SLACK_BOT_TOKEN, or no SLACK_DIGEST_CHANNEL / SLACK_ALERT_CHANNEL)"
                );
                return;
            }
            tokio::select! {
                _ = sarafan_reports::digest::run_forever(store.as_ref(), &digest_settings, DIGEST_RETRY, &SystemClock) => {},
                _ = stop.wait_for(|s| *s) => {},
            }
        })
    };

    // Organic listening, as the listen Lambda's schedule runs it in AWS: only when there is
    // something to ask (a term, or a feed).
    let listening = {
        let listen_config = sarafan_listen::Config::from_vars(vars).map_err(configuration)?;
        for line in &listen_config.described {
            tracing::info!(source = %line, "listening source");
        }
        let listener = sarafan_listen::Listener::new(listen_config);
        let store = store.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            if !listener.has_work() {
                tracing::info!("listening: off (no SARAFAN_BRAND_TERMS, SARAFAN_COMPETITOR_TERMS or LISTEN_FEEDS)");
                return;
            }
            tracing::info!("listening: every {} minutes", sarafan_listen::EVERY.as_secs() / 60);
            listener
                .run_forever(store.as_ref(), async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        })
    };

    let router = app(AppState::new(store.clone(), config));
    let listener = connections::listen(addr).with_context(|| format!("listening on {addr}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%bound, store = ?choice, "sarafan serve listening");
    tracing::info!(
        max_connections = limits.max_connections,
        header_timeout_s = limits.header.as_secs(),
        body_timeout_s = limits.body.as_secs(),
        idle_timeout_s = limits.idle.as_secs(),
        "connection limits"
    );
    eprintln!("sarafan serve: listening on http://{bound}");
    if let Some(token) = made_token {
        eprintln!(
            "sarafan serve: no SARAFAN_API_TOKEN was set, so this run made one (it lasts until serve stops): {token}\n  \
             try it: curl -sS http://{bound}/api/responses -H 'Authorization: Bearer {token}' \
             -H 'Content-Type: application/json' -d '{{\"customer\": {{\"id\": \"test-1\"}}, \"score\": 9}}'"
        );
    }
    // Each request carries the peer address, so GET /r/{code} counts one click per client and day.
    let server = connections::serve(listener, router, limits, stop_rx.clone());
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    });
    server.await;
    signals.abort();
    let _ = worker.await;
    let _ = schedule.await;
    let _ = weekly.await;
    let _ = listening.await;
    Ok(())
}

/// Ctrl-C or SIGTERM (what systemd, Docker and CI send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Says which routes are live: a route whose secret is not configured answers 404.
fn log_live_routes(config: &Config, settings: &Settings) {
    // Each route that is off says what turns it on.
    let state = |set: bool, turn_on: &str| {
        if set {
            "live".to_string()
        } else {
            format!("off (set {turn_on})")
        }
    };
    let routes = [
        (
            "/webhooks/slack/*",
            state(config.slack_signing_secret.is_some(), "SLACK_SIGNING_SECRET"),
        ),
        (
            "/webhooks/telegram",
            state(config.telegram_webhook_secret.is_some(), "TELEGRAM_WEBHOOK_SECRET"),
        ),
        (
            "/webhooks/meta",
            state(
                config.meta_app_secret.is_some() || config.meta_verify_token.is_some(),
                "META_APP_SECRET and META_VERIFY_TOKEN",
            ),
        ),
        (
            "/webhooks/x",
            state(config.x_consumer_secret.is_some(), "X_CONSUMER_SECRET"),
        ),
        (
            "/webhooks/typeform",
            state(config.typeform_secret.is_some(), "TYPEFORM_SECRET"),
        ),
        ("/api/*", state(config.api_token.is_some(), "SARAFAN_API_TOKEN")),
        (
            "/r/{code}",
            state(config.referral_landing_url.is_some(), "REFERRAL_LANDING_URL"),
        ),
        ("/s/{token}", state(config.link_secret.is_some(), "SARAFAN_LINK_SECRET")),
        (
            "/reports/{month}/{signature}",
            state(config.link_secret.is_some(), "SARAFAN_LINK_SECRET"),
        ),
    ];
    for (route, state) in routes {
        tracing::info!(route, state = %state, "route");
    }
    let chats = [
        ("slack", settings.chat.slack.is_some(), "SLACK_BOT_TOKEN"),
        ("telegram", settings.chat.telegram.is_some(), "TELEGRAM_BOT_TOKEN"),
        (
            "whatsapp",
            settings.chat.whatsapp.is_some(),
            "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID",
        ),
        (
            "email",
            settings.config.email.is_some(),
            "SURVEY_FROM, SARAFAN_LINK_SECRET and SARAFAN_PUBLIC_URL",
        ),
    ];
    for (platform, configured, turn_on) in chats {
        tracing::info!(platform, state = %state(configured, turn_on), "outreach chat platform");
    }
}

/// `sarafan serve` on a loopback address without `SARAFAN_API_TOKEN`: a token for this run, so
/// the generic API can be tried at once. Never on an address others can reach.
fn token_for_this_run(addr: SocketAddr, vars: &mut Vars) -> Option<String> {
    if vars.is_set("SARAFAN_API_TOKEN") || !addr.ip().is_loopback() {
        return None;
    }
    use rand::Rng;
    let token: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    vars.set("SARAFAN_API_TOKEN", token.clone());
    Some(token)
}

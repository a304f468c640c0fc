//! `sarafan serve`: every HTTP route, the outreach worker and the report schedule in one process.

use crate::commands::CliError;
use anyhow::{anyhow, Context};
use sarafan_core::store::StoreChoice;
use sarafan_ingest::{app, AppState, Config};
use sarafan_outreach::{run_feed_worker, Outreach, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

pub async fn run(addr: SocketAddr) -> Result<(), CliError> {
    let vars: Vec<(String, String)> = std::env::vars().collect();
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let config = Config::from_vars(vars.clone()).map_err(|e| CliError::Usage(format!("configuration: {e}")))?;
    let settings = Settings::from_lookup(lookup).map_err(|e| CliError::Usage(format!("configuration: {e}")))?;
    // The CLI's default store is the embedded one; Lambda's is DynamoDB.
    let choice = StoreChoice::from_lookup(lookup, "sqlite").map_err(CliError::Usage)?;
    let store = choice.open().await.context("opening the store")?;
    log_live_routes(&config, &settings);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut outreach_config = settings.config;
    // Only the lease holder sends here, and it took the lease after the last one lapsed: a
    // claim older than a lease is a dead worker's, not a live one's.
    outreach_config.claim_stale_after = outreach_config.lease_ttl;
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
        tokio::spawn(async move {
            run_feed_worker(&outreach, "outreach", async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
        })
    };

    // The monthly report, as EventBridge Scheduler runs it in AWS. Emailed only when
    // REPORT_FROM and REPORT_RECIPIENTS are set; otherwise computed and stored.
    let report_settings =
        sarafan_reports::job::Settings::from_env().map_err(|e| CliError::Usage(format!("configuration: {e}")))?;
    let schedule = {
        let store = store.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mailer = sarafan_reports::ses::SesMailer::from_env().await;
            tokio::select! {
                _ = sarafan_reports::schedule::run_forever(store.as_ref(), &mailer, &report_settings) => {},
                _ = stop.wait_for(|s| *s) => {},
            }
        })
    };

    let router = app(AppState::new(store.clone(), config));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%bound, store = ?choice, "sarafan serve listening");
    eprintln!("sarafan serve: listening on http://{bound}");
    let mut stop = stop_rx.clone();
    // The peer address lets GET /r/{code} count one click per client and day.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        let _ = stop.wait_for(|s| *s).await;
    });
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    });
    let served = server.await.map_err(|e| anyhow!("serving HTTP: {e}"));
    signals.abort();
    let _ = worker.await;
    let _ = schedule.await;
    served?;
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
    let live = |set: bool| if set { "live" } else { "off (secret not set)" };
    let routes = [
        ("/webhooks/slack/*", live(config.slack_signing_secret.is_some())),
        ("/webhooks/telegram", live(config.telegram_webhook_secret.is_some())),
        (
            "/webhooks/meta",
            live(config.meta_app_secret.is_some() || config.meta_verify_token.is_some()),
        ),
        ("/webhooks/x", live(config.x_consumer_secret.is_some())),
        ("/webhooks/typeform", live(config.typeform_secret.is_some())),
        ("/api/*", live(config.api_token.is_some())),
        ("/r/{code}", live(config.referral_landing_url.is_some())),
    ];
    for (route, state) in routes {
        tracing::info!(route, state, "route");
    }
    let chats = [
        ("slack", settings.chat.slack.is_some()),
        ("telegram", settings.chat.telegram.is_some()),
        ("whatsapp", settings.chat.whatsapp.is_some()),
    ];
    for (platform, configured) in chats {
        tracing::info!(platform, configured, "outreach chat platform");
    }
}

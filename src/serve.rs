//! `sarafan serve`: every HTTP route, the outreach worker and the report schedule in one process.

use crate::cli::ServeArgs;
use crate::commands::CliError;
use crate::connections::{self, Limits};
use anyhow::Context;
use sarafan_core::store::StoreChoice;
use sarafan_ingest::{app, AppState, Config};
use sarafan_outreach::{run_feed_worker, Outreach, Settings};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(args: &ServeArgs) -> Result<(), CliError> {
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
    let vars: Vec<(String, String)> = std::env::vars().collect();
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let config = Config::from_vars(vars.clone()).map_err(|e| CliError::Usage(format!("configuration: {e}")))?;
    let settings = Settings::from_lookup(lookup).map_err(|e| CliError::Usage(format!("configuration: {e}")))?;
    // The CLI's default store is the embedded one; Lambda's is DynamoDB.
    let choice = StoreChoice::from_lookup(lookup, "sqlite").map_err(CliError::Usage)?;
    let store = choice.open().await.context("opening the store")?;
    log_live_routes(&config, &settings);

    let (stop_tx, stop_rx) = watch::channel(false);
    let outreach = Arc::new(Outreach {
        store: store.clone(),
        chat: settings.chat,
        templates: settings.templates,
        config: settings.config,
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

//! `sarafan connect PLATFORM --url https://PUBLIC-BASE`: registers Sarafan's webhook with the
//! platform where its API allows (Telegram's `setWebhook`), and prints the exact URLs and steps
//! where a person has to do it in the platform's dashboard.

use crate::error::CliError;
use anyhow::{anyhow, Context};
use sarafan_core::settings::Vars;
use serde_json::{json, Value};

/// The updates Sarafan reads from Telegram (`platforms/telegram.rs`): asking for no others
/// keeps the bot from being sent what it would only acknowledge.
pub const TELEGRAM_UPDATES: [&str; 2] = ["message", "callback_query"];

pub async fn run(vars: &Vars, platform: &str, url: &str) -> Result<(), CliError> {
    let base = url.trim().trim_end_matches('/');
    let parsed = url::Url::parse(base).map_err(|e| CliError::Usage(format!("--url {url:?}: {e}")))?;
    if parsed.scheme() != "https" && !matches!(parsed.host_str(), Some("127.0.0.1" | "localhost")) {
        return Err(CliError::Usage(format!(
            "--url {url:?}: platforms deliver only to https:// addresses (a tunnel such as cloudflared or ngrok gives one)"
        )));
    }
    match platform {
        "telegram" => telegram(vars, base).await,
        "slack" => {
            // The manifest in deploy/, its placeholder replaced: paste it at api.slack.com/apps >
            // Create New App > From an app manifest.
            let manifest = include_str!("../deploy/slack-app-manifest.yaml").replace("API_URL", base);
            println!("Slack: create the app at api.slack.com/apps > Create New App > From an app manifest, with:");
            println!();
            println!("{manifest}");
            println!("then install it, and set SLACK_SIGNING_SECRET (Basic Information) and SLACK_BOT_TOKEN (OAuth & Permissions).");
            println!("Event requests go to {base}/webhooks/slack/events, button clicks to {base}/webhooks/slack/interactions.");
            Ok(())
        }
        "meta" => {
            println!("Meta (Facebook Page, Instagram, WhatsApp): in your app's dashboard, Webhooks:");
            println!("  Callback URL: {base}/webhooks/meta");
            println!("  Verify token: the value of META_VERIFY_TOKEN (Sarafan answers the check itself)");
            println!("  subscribe: Page > feed, mention; Instagram > comments, mentions; WhatsApp Business Account > messages");
            Ok(())
        }
        "x" => {
            println!("X Account Activity: register {base}/webhooks/x as the app's webhook");
            println!("  (POST /2/webhooks with {{\"url\": \"{base}/webhooks/x\"}}; X sends a CRC check that Sarafan answers with X_CONSUMER_SECRET),");
            println!("  then subscribe the brand's account: POST /2/account_activity/webhooks/{{webhook_id}}/subscriptions/all");
            Ok(())
        }
        "typeform" => {
            println!("Typeform: in the form, Connect > Webhooks > Add a webhook: {base}/webhooks/typeform");
            println!("  then Edit > Secret: the value of TYPEFORM_SECRET, and turn the webhook on");
            Ok(())
        }
        other => Err(CliError::Usage(format!(
            "connect {other:?}: expected telegram, slack, meta, x or typeform"
        ))),
    }
}

/// `setWebhook` with the webhook secret and the updates Sarafan reads, confirmed by
/// `getWebhookInfo` (core.telegram.org/bots/api#setwebhook).
async fn telegram(vars: &Vars, base: &str) -> Result<(), CliError> {
    let token = vars
        .string("TELEGRAM_BOT_TOKEN")
        .ok_or_else(|| CliError::Usage("TELEGRAM_BOT_TOKEN is not set".into()))?;
    // Several comma-separated secrets are accepted while one rotates; Telegram sends one.
    let secret = vars
        .secrets("TELEGRAM_WEBHOOK_SECRET")
        .and_then(|s| s.each().next().map(|v| String::from_utf8_lossy(v).into_owned()))
        .ok_or_else(|| {
            CliError::Usage("TELEGRAM_WEBHOOK_SECRET is not set (1-256 characters of A-Z a-z 0-9 _ -)".into())
        })?;
    let api = vars
        .or("TELEGRAM_API_URL", sarafan_core::chat::telegram::DEFAULT_API_URL)
        .to_string();
    let api = api.trim_end_matches('/');
    let webhook = format!("{base}/webhooks/telegram");
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .context("building an HTTP client")?;
    let call = |method: &str, body: Value| {
        let http = http.clone();
        let url = format!("{api}/bot{token}/{method}");
        let method = method.to_string();
        async move {
            let answer: Value = http
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|e| anyhow!("Telegram {method}: {}", e.without_url()))?
                .json()
                .await
                .map_err(|e| anyhow!("Telegram {method}: not JSON: {}", e.without_url()))?;
            if answer["ok"] != json!(true) {
                let why = answer["description"].as_str().unwrap_or("no description");
                return Err(anyhow!("Telegram {method} refused: {why}"));
            }
            Ok::<Value, anyhow::Error>(answer["result"].clone())
        }
    };
    eprintln!("sarafan connect: setting the Telegram webhook to {webhook}");
    call(
        "setWebhook",
        json!({"url": webhook, "secret_token": secret, "allowed_updates": TELEGRAM_UPDATES}),
    )
    .await?;
    let info = call("getWebhookInfo", json!({})).await?;
    if info["url"].as_str() != Some(webhook.as_str()) {
        return Err(CliError::Failure(anyhow!(
            "Telegram reports the webhook as {:?}, not {webhook}",
            info["url"]
        )));
    }
    println!(
        "telegram: webhook {webhook} set; updates: {}",
        TELEGRAM_UPDATES.join(", ")
    );
    if let Some(error) = info["last_error_message"].as_str() {
        println!("telegram: its last delivery error was: {error}");
    }
    Ok(())
}

//! `sarafan check [--live]`: reads the settings exactly as the functions do and says, per
//! platform and feature, whether it is configured, what is missing or invalid; with `--live` it
//! also asks each chat platform who the credentials belong to (Slack `auth.test`, Telegram
//! `getMe` and `getWebhookInfo`, the WhatsApp sender's phone number) and, when the configuration
//! uses AWS, DynamoDB (`DescribeTable`) and SES (the sender's identity).

use crate::error::CliError;
use sarafan_core::settings::Vars;
use serde_json::Value;
use std::io::Write;

/// One line of the table.
struct Row {
    feature: &'static str,
    state: State,
    detail: String,
}

#[derive(PartialEq)]
enum State {
    Ok,
    Off,
    Wrong,
}

impl State {
    fn label(&self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Off => "off",
            State::Wrong => "WRONG",
        }
    }
}

pub async fn run(vars: &Vars, live: bool) -> Result<(), CliError> {
    let get = |name: &str| vars.string(name);
    let mut rows = Vec::new();
    let invalid = |feature: &'static str, e: &dyn std::fmt::Display| Row {
        feature,
        state: State::Wrong,
        detail: e.to_string(),
    };

    // Each function's own reading of the settings: an invalid value is named as it would be at
    // start-up.
    match sarafan_core::store::StoreChoice::from_vars(vars, "sqlite") {
        Ok(choice) => rows.push(Row {
            feature: "store",
            state: State::Ok,
            detail: format!("{choice:?}"),
        }),
        Err(e) => rows.push(invalid("store", &e)),
    }
    if let Err(e) = sarafan_ingest::Config::from_vars(vars) {
        rows.push(invalid("webhooks and API", &e));
    }
    if let Err(e) = sarafan_outreach::Settings::from_vars(vars) {
        rows.push(invalid("outreach", &e));
    }
    if let Err(e) = sarafan_reports::job::Settings::from_vars(vars) {
        rows.push(invalid("monthly report", &e));
    }
    let listening = sarafan_listen::Config::from_vars(vars);

    let pair = |feature: &'static str, names: &[&str]| -> Row {
        let missing: Vec<&str> = names.iter().copied().filter(|n| get(n).is_none()).collect();
        match missing.len() {
            0 => Row {
                feature,
                state: State::Ok,
                detail: format!("{} set", names.join(", ")),
            },
            n if n == names.len() => Row {
                feature,
                state: State::Off,
                detail: format!("set {}", names.join(" and ")),
            },
            _ => Row {
                feature,
                state: State::Wrong,
                detail: format!("half configured: {} missing", missing.join(", ")),
            },
        }
    };
    rows.push(pair("slack webhooks", &["SLACK_SIGNING_SECRET"]));
    rows.push(pair("slack messages", &["SLACK_BOT_TOKEN", "SLACK_ALERT_CHANNEL"]));
    rows.push(pair("telegram", &["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]));
    // One Meta webhook brings Page, Instagram and WhatsApp deliveries; sending needs the rest.
    rows.push(pair("meta webhooks", &["META_APP_SECRET", "META_VERIFY_TOKEN"]));
    rows.push(pair(
        "whatsapp messages",
        &["WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"],
    ));
    rows.push(pair("x", &["X_CONSUMER_SECRET"]));
    rows.push(pair("typeform", &["TYPEFORM_SECRET"]));
    rows.push(pair("generic API", &["SARAFAN_API_TOKEN"]));
    rows.push(pair("referral links", &["SARAFAN_PUBLIC_URL", "REFERRAL_LANDING_URL"]));
    rows.push(pair("email report", &["REPORT_FROM", "REPORT_RECIPIENTS"]));
    // SARAFAN_PUBLIC_URL alone serves referral links: email surveys are off until one of theirs is set.
    rows.push(
        if get("SURVEY_FROM").is_none() && get("SARAFAN_LINK_SECRET").is_none() {
            Row {
                feature: "email surveys",
                state: State::Off,
                detail: "set SURVEY_FROM, SARAFAN_LINK_SECRET and SARAFAN_PUBLIC_URL".into(),
            }
        } else {
            pair(
                "email surveys",
                &["SURVEY_FROM", "SARAFAN_LINK_SECRET", "SARAFAN_PUBLIC_URL"],
            )
        },
    );
    match &listening {
        Ok(config) => {
            let terms = !config.brand_terms.is_empty() || !config.competitor_terms.is_empty();
            rows.push(Row {
                feature: "listening",
                state: if terms { State::Ok } else { State::Off },
                detail: if terms {
                    config.described.join("; ")
                } else {
                    "set SARAFAN_BRAND_TERMS".into()
                },
            });
        }
        Err(e) => rows.push(invalid("listening", e)),
    }

    if live {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| CliError::Failure(e.into()))?;
        if let Some(token) = get("SLACK_BOT_TOKEN") {
            let api = get("SLACK_API_URL").unwrap_or_else(|| sarafan_core::chat::slack::DEFAULT_API_URL.into());
            let answer = ask(http
                .post(format!("{}/auth.test", api.trim_end_matches('/')))
                .bearer_auth(&token))
            .await;
            rows.push(match answer {
                Ok(a) if a["ok"] == Value::Bool(true) => Row {
                    feature: "slack (live)",
                    state: State::Ok,
                    detail: format!(
                        "bot {} in workspace {}",
                        a["user"].as_str().unwrap_or("?"),
                        a["team"].as_str().unwrap_or("?")
                    ),
                },
                Ok(a) => Row {
                    feature: "slack (live)",
                    state: State::Wrong,
                    detail: format!(
                        "auth.test refused SLACK_BOT_TOKEN: {}",
                        a["error"].as_str().unwrap_or("no reason")
                    ),
                },
                Err(why) => Row {
                    feature: "slack (live)",
                    state: State::Wrong,
                    detail: why,
                },
            });
        }
        if let Some(token) = get("TELEGRAM_BOT_TOKEN") {
            let api = get("TELEGRAM_API_URL").unwrap_or_else(|| sarafan_core::chat::telegram::DEFAULT_API_URL.into());
            let api = api.trim_end_matches('/');
            let me = ask(http.post(format!("{api}/bot{token}/getMe"))).await;
            let hook = ask(http.post(format!("{api}/bot{token}/getWebhookInfo"))).await;
            rows.push(match (me, hook) {
                (Ok(me), Ok(hook)) if me["ok"] == Value::Bool(true) => {
                    let url = hook["result"]["url"].as_str().unwrap_or("");
                    let bot = me["result"]["username"].as_str().unwrap_or("?");
                    // With SARAFAN_PUBLIC_URL known, the webhook must be exactly Sarafan's route there.
                    let expected = get("SARAFAN_PUBLIC_URL")
                        .map(|base| format!("{}/webhooks/telegram", base.trim_end_matches('/')));
                    let right = match &expected {
                        Some(expected) => url == expected,
                        None => url.ends_with("/webhooks/telegram"),
                    };
                    if right {
                        Row {
                            feature: "telegram (live)",
                            state: State::Ok,
                            detail: format!("bot @{bot}, webhook {url}"),
                        }
                    } else {
                        Row {
                            feature: "telegram (live)",
                            state: State::Wrong,
                            detail: format!(
                                "bot @{bot}, but its webhook is {:?}: run sarafan connect telegram --url https://YOUR-PUBLIC-BASE",
                                url
                            ),
                        }
                    }
                }
                (Ok(me), _) => Row {
                    feature: "telegram (live)",
                    state: State::Wrong,
                    detail: format!("getMe refused TELEGRAM_BOT_TOKEN: {}", me["description"].as_str().unwrap_or("no reason")),
                },
                (Err(why), _) => Row {
                    feature: "telegram (live)",
                    state: State::Wrong,
                    detail: why,
                },
            });
        }
        if let (Some(token), Some(id)) = (get("WHATSAPP_TOKEN"), get("WHATSAPP_PHONE_NUMBER_ID")) {
            let api = get("META_GRAPH_URL").unwrap_or_else(|| sarafan_core::chat::whatsapp::DEFAULT_API_URL.into());
            let answer = ask(http
                .get(format!("{}/{id}", api.trim_end_matches('/')))
                .query(&[("fields", "display_phone_number,verified_name")])
                .bearer_auth(&token))
            .await;
            rows.push(match answer {
                Ok(a) if a["display_phone_number"].is_string() => Row {
                    feature: "whatsapp (live)",
                    state: State::Ok,
                    detail: format!(
                        "sender {} ({})",
                        a["display_phone_number"].as_str().unwrap_or("?"),
                        a["verified_name"].as_str().unwrap_or("no verified name")
                    ),
                },
                Ok(a) => Row {
                    feature: "whatsapp (live)",
                    state: State::Wrong,
                    detail: format!(
                        "the Graph API refused: {}",
                        a["error"]["message"]
                            .as_str()
                            .unwrap_or("no phone number in the answer")
                    ),
                },
                Err(why) => Row {
                    feature: "whatsapp (live)",
                    state: State::Wrong,
                    detail: why,
                },
            });
        }
    }

    if live {
        rows.extend(aws_rows(&get).await);
    }

    let mut out = std::io::stdout().lock();
    for row in &rows {
        writeln!(out, "{:<20} {:<6} {}", row.feature, row.state.label(), row.detail)
            .map_err(|e| CliError::Failure(e.into()))?;
    }
    // Where each platform should deliver (`sarafan connect` registers or explains them).
    if let Some(base) = get("SARAFAN_PUBLIC_URL") {
        let base = base.trim_end_matches('/');
        writeln!(out, "\nwebhook URLs at SARAFAN_PUBLIC_URL:").map_err(|e| CliError::Failure(e.into()))?;
        for (platform, path) in [
            ("slack events", "/webhooks/slack/events"),
            ("slack buttons", "/webhooks/slack/interactions"),
            ("telegram", "/webhooks/telegram"),
            ("meta", "/webhooks/meta"),
            ("x", "/webhooks/x"),
            ("typeform", "/webhooks/typeform"),
        ] {
            writeln!(out, "  {platform:<14} {base}{path}").map_err(|e| CliError::Failure(e.into()))?;
        }
    }
    let wrong: Vec<&str> = rows
        .iter()
        .filter(|r| r.state == State::Wrong)
        .map(|r| r.feature)
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failure(anyhow::anyhow!("not working: {}", wrong.join(", "))))
    }
}

/// The JSON answer of a platform call, or why there was none.
async fn ask(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("unreachable: {}", e.without_url()))?;
    let status = response.status();
    response
        .json::<Value>()
        .await
        .map_err(|_| format!("HTTP {status} without a JSON answer"))
}

/// The AWS parts, asked only when the configuration uses them (a laptop on SQLite without
/// email asks AWS nothing): the DynamoDB table's status and stream, and the SES identity the
/// report is sent as.
async fn aws_rows(get: &impl Fn(&str) -> Option<String>) -> Vec<Row> {
    let dynamodb = get("SARAFAN_STORE").as_deref() == Some("dynamodb");
    let email = get("REPORT_FROM");
    if !dynamodb && email.is_none() {
        return Vec::new();
    }
    let aws = sarafan_core::aws::sdk_config().await;
    let mut rows = Vec::new();
    if dynamodb {
        let table = get("SARAFAN_TABLE").unwrap_or_default();
        let answer = aws_sdk_dynamodb::Client::new(&aws)
            .describe_table()
            .table_name(&table)
            .send()
            .await;
        rows.push(match answer {
            Ok(a) => {
                let status = a
                    .table()
                    .and_then(|t| t.table_status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                let streams = a
                    .table()
                    .and_then(|t| t.stream_specification())
                    .is_some_and(|s| s.stream_enabled());
                Row {
                    feature: "dynamodb (live)",
                    state: if status == "ACTIVE" { State::Ok } else { State::Wrong },
                    detail: format!(
                        "table {table}: {status}, stream {}",
                        if streams { "on" } else { "OFF (outreach needs it)" }
                    ),
                }
            }
            Err(e) => Row {
                feature: "dynamodb (live)",
                state: State::Wrong,
                detail: format!(
                    "DescribeTable {table}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&e)
                ),
            },
        });
    }
    if let Some(from) = email {
        let ses = aws_sdk_sesv2::Client::new(&aws);
        // The identity is the address, or its domain when only the domain is verified.
        let address = from
            .rsplit('<')
            .next()
            .unwrap_or(&from)
            .trim_end_matches('>')
            .trim()
            .to_string();
        let domain = address.rsplit('@').next().unwrap_or_default().to_string();
        let mut verified = None;
        for identity in [address.as_str(), domain.as_str()] {
            if let Ok(found) = ses.get_email_identity().email_identity(identity).send().await {
                verified = Some((identity.to_string(), found.verified_for_sending_status()));
                break;
            }
        }
        rows.push(match verified {
            None => Row {
                feature: "email (live)",
                state: State::Wrong,
                detail: format!("SES has no identity for {address} or {domain} in this region: verify one"),
            },
            Some((identity, ok)) => Row {
                feature: "email (live)",
                state: if ok { State::Ok } else { State::Wrong },
                detail: format!(
                    "SES identity {identity} {} (the account's sandbox and quota are not checked)",
                    if ok {
                        "verified for sending"
                    } else {
                        "NOT verified for sending"
                    }
                ),
            },
        });
    }
    rows
}

//! What each command does; `main` only parses and reports.

use crate::cli::{Cli, Command, CompoundArgs, DynamodbCommand, ExportFormat};
use crate::error::CliError;
use crate::store::{open_existing_store, open_store};
use anyhow::{anyhow, Context};
use sarafan_core::clock::{Clock, SystemClock};
use sarafan_core::compounding::CompoundingModel;
use sarafan_core::export;
use sarafan_core::settings::Vars;
use sarafan_core::store::dynamodb::{create_table as create_dynamodb_table, DynamoStore};
use sarafan_core::store::{RecordKind, StoreError};
use sarafan_core::YearMonth;
use std::io::Write;

pub fn init_logging(cli: &Cli, vars: &Vars) {
    let default = match (cli.verbose, &cli.command) {
        (0, Command::Serve(_)) => "info",
        (0, _) => "warn",
        (1, _) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_new(vars.or("RUST_LOG", default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json_logs(
        vars.get("SARAFAN_LOG_FORMAT"),
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
        vars.is_set("AWS_LAMBDA_FUNCTION_NAME"),
    ) {
        logs.json().init();
    } else {
        logs.init();
    }
}

/// Logs are for a person on a terminal and for a machine elsewhere (a file, journald, Lambda);
/// `SARAFAN_LOG_FORMAT=json|text` forces either.
fn json_logs(forced: Option<&str>, terminal: bool, in_lambda: bool) -> bool {
    match forced {
        Some("json") => true,
        Some("text") => false,
        _ => !terminal || in_lambda,
    }
}

/// Runs the command on the variables the process was started with (read once, in `main`).
pub async fn run(cli: Cli, vars: &Vars) -> Result<(), CliError> {
    match cli.command {
        Command::Compound(args) => compound(&args),
        Command::Export { kind, month, format } => export_records(vars, kind.into(), month, format).await,
        Command::Demo { out } => crate::demo::run(vars, &out).await,
        Command::Report { month, out, email } => crate::report::report(vars, month, &out, email).await,
        Command::Serve(args) => crate::serve::run(vars, &args).await,
        Command::Ask { platform, to } => ask(vars, &platform, &to).await,
        Command::Forget { customer } => forget(vars, &customer).await,
        Command::Listen { once } => crate::listen::run(vars, once).await,
        Command::Check { live } => crate::check::run(vars, live).await,
        Command::Connect { platform, url } => crate::connect::run(vars, &platform, &url).await,
        Command::Import { kind, file } => crate::import::run(vars, &kind, &file).await,
        Command::Digest { week, force } => crate::digest::run(vars, week, force).await,
        Command::Dynamodb {
            command: DynamodbCommand::CreateTable,
        } => create_table(vars).await,
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn compound(args: &CompoundArgs) -> Result<(), CliError> {
    let model = CompoundingModel::new(args.rate).map_err(|e| CliError::Usage(e.to_string()))?;
    let rows = model.project(args.new_per_month, args.months, args.initial_returning);
    let mut out = std::io::stdout().lock();
    let write =
        |out: &mut std::io::StdoutLock<'_>, line: String| writeln!(out, "{line}").context("writing to standard output");
    if args.json {
        for r in &rows {
            let line = serde_json::json!({
                "month": r.month,
                "new": round4(r.new),
                "returning": round4(r.returning),
                "total": round4(r.total),
                "cumulative": round4(r.cumulative),
                "baseline_total": round4(r.baseline_total),
            });
            write(&mut out, line.to_string())?;
        }
        return Ok(());
    }
    write(
        &mut out,
        format!(
            "{:>5}  {:>10}  {:>10}  {:>10}  {:>12}  {:>10}",
            "month", "new", "returning", "total", "cumulative", "baseline"
        ),
    )?;
    for r in &rows {
        write(
            &mut out,
            format!(
                "{:>5}  {:>10.1}  {:>10.1}  {:>10.1}  {:>12.1}  {:>10.1}",
                r.month, r.new, r.returning, r.total, r.cumulative, r.baseline_total
            ),
        )?;
    }
    write(
        &mut out,
        format!(
            "r = {}: multiplier 1/(1-r) = {:.2}; monthly sales tend to {:.1} (baseline {:.1})",
            args.rate,
            model.multiplier(),
            model.steady_state_total(args.new_per_month),
            args.new_per_month
        ),
    )?;
    Ok(())
}

/// Requests the NPS question for one customer, as `POST /api/surveys` does; the outreach worker
/// (`sarafan serve`, or the outreach Lambda on DynamoDB) sends it.
async fn ask(vars: &Vars, platform: &str, to: &str) -> Result<(), CliError> {
    use sarafan_core::model::{Identity, Platform};
    let (platform, token) = match platform {
        "slack" => (Platform::Slack, "SLACK_BOT_TOKEN"),
        "telegram" => (Platform::Telegram, "TELEGRAM_BOT_TOKEN"),
        "whatsapp" => (Platform::Whatsapp, "WHATSAPP_TOKEN"),
        "email" => (Platform::Email, "SURVEY_FROM"),
        other => {
            return Err(CliError::Usage(format!(
                "--platform {other:?}: expected slack, telegram, whatsapp or email"
            )))
        }
    };
    let needed: &[&str] = match platform {
        // The email carries signed links to the pages under the public URL.
        Platform::Email => &[token, "SARAFAN_LINK_SECRET", "SARAFAN_PUBLIC_URL"],
        _ => &[token],
    };
    for name in needed {
        if !vars.is_set(name) {
            return Err(CliError::Usage(format!("platform not configured: {name} is not set")));
        }
    }
    // WhatsApp reports senders as digits only, or by business-scoped user id; store the same
    // form (as the API does).
    let address: String = match platform {
        Platform::Whatsapp => sarafan_core::whatsapp_user::address(to).ok_or_else(|| {
            CliError::Usage(format!(
                "--to {to:?}: expected a phone number or a WhatsApp business-scoped user id (like US.13491208655302741918)"
            ))
        })?,
        Platform::Email => {
            sarafan_core::survey_link::email_address(to).map_err(|e| CliError::Usage(format!("--to: {e}")))?
        }
        _ => to.trim().to_string(),
    };
    if address.is_empty() {
        return Err(CliError::Usage(
            "--to is empty: give the Slack user id, Telegram chat id, phone or email address".into(),
        ));
    }
    let identity = Identity::new(platform, address);
    let store = open_store(vars).await?;
    let now = SystemClock.now();
    let known = store
        .customer_by_identity(&identity)
        .await
        .context("reading the store")?;
    let customer_id = known
        .as_ref()
        .map(|c| c.id.clone())
        .unwrap_or_else(|| identity.customer_id());
    let known = match (known, platform) {
        // A new email customer keeps the address as their email too (as POST /api/surveys does).
        (None, Platform::Email) => {
            let mut customer = sarafan_core::model::Customer::new(identity.customer_id(), now);
            customer.email = Some(identity.address.clone());
            customer.identities.push(identity.clone());
            Some(customer)
        }
        (known, _) => known,
    };
    let change = sarafan_core::ledger::survey_request(known, identity, None, now);
    let delivery = format!(
        "cli:ask:{}:{customer_id}",
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    store
        .apply(&delivery, change)
        .await
        .context("storing the survey request")?;
    eprintln!("survey requested for {customer_id}; the outreach worker (sarafan serve) sends the question");
    println!("{customer_id}");
    Ok(())
}

/// Erases a customer's personal data on the configured store, keeping anonymous aggregates.
async fn forget(vars: &Vars, customer: &str) -> Result<(), CliError> {
    let customer = customer.trim();
    if customer.is_empty() {
        return Err(CliError::Usage("--customer is empty".into()));
    }
    let store = open_existing_store(vars).await?;
    let erasure = match store.forget_customer(customer).await {
        Ok(erasure) => erasure,
        Err(StoreError::NotFound(_)) => {
            return Err(CliError::Failure(anyhow!(
                "no customer {customer:?} is stored; nothing was erased"
            )))
        }
        Err(e) => return Err(CliError::Failure(anyhow::Error::new(e).context("erasing"))),
    };
    eprintln!(
        "erased {customer}: {} records changed or removed; aggregates kept",
        erasure.records
    );
    Ok(())
}

async fn create_table(vars: &Vars) -> Result<(), CliError> {
    let table = vars
        .required("SARAFAN_TABLE", "name the table to create")
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let store = DynamoStore::from_env(table).await;
    eprintln!("creating DynamoDB table {table} (waits until it is active)");
    create_dynamodb_table(store.client(), table)
        .await
        .with_context(|| format!("creating table {table}"))?;
    println!("{table}");
    Ok(())
}

async fn export_records(
    vars: &Vars,
    kind: RecordKind,
    month: Option<YearMonth>,
    format: ExportFormat,
) -> Result<(), CliError> {
    let store = open_existing_store(vars).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut sink = match format {
        ExportFormat::Csv => {
            // The header as ever (plain names); then every text cell quoted and formula text
            // neutralised (`export::csv_cell`), numbers bare.
            writeln!(out, "{}", export::fields(kind).join(",")).context("writing CSV")?;
            let w = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::NonNumeric)
                .from_writer(out);
            Sink::Csv(Box::new(w))
        }
        ExportFormat::Jsonl => Sink::Jsonl(out),
    };
    let mut after: Option<String> = None;
    let mut count = 0usize;
    loop {
        let page = store
            .list(kind, month, after.as_deref(), 500)
            .await
            .context("reading the store")?;
        for record in &page.records {
            let row = export::row(record);
            match &mut sink {
                Sink::Csv(w) => w
                    .write_record(row.values().map(export::csv_cell))
                    .context("writing CSV")?,
                Sink::Jsonl(out) => {
                    serde_json::to_writer(&mut *out, &row).context("writing to standard output")?;
                    out.write_all(b"\n").context("writing to standard output")?;
                }
            }
            count += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    match &mut sink {
        Sink::Csv(w) => w.flush(),
        Sink::Jsonl(out) => out.flush(),
    }
    .context("writing to standard output")?;
    tracing::info!(count, kind = kind.as_str(), "exported");
    Ok(())
}

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(W),
}

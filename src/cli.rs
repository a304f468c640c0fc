//! The command line's grammar: commands and flags exactly as docs/contract.md names them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sarafan_core::store::RecordKind;
use sarafan_core::YearMonth;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "sarafan",
    version,
    about = "Word of mouth, measured and acted on: NPS in chat, listening, referrals, the compounding report"
)]
pub struct Cli {
    /// More logging on standard error (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every HTTP route, the outreach worker and the monthly report schedule in one process.
    Serve(ServeArgs),
    /// Fill a fresh embedded store with 12 realistic months for a demo dealership and write its report.
    Demo {
        /// Where to put sarafan.db and the report.
        #[arg(long, default_value = "sarafan-demo")]
        out: PathBuf,
    },
    /// Compute, store and write the month's report.
    Report {
        #[arg(long, value_parser = parse_month)]
        month: YearMonth,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Also email it to REPORT_RECIPIENTS through SES.
        #[arg(long)]
        email: bool,
    },
    /// The compounding calculator (DOMAIN.md section 3), with the no-compounding baseline.
    Compound(CompoundArgs),
    /// Print every stored record of a kind to standard output.
    Export {
        #[arg(value_enum)]
        kind: ExportKind,
        #[arg(long, value_parser = parse_month)]
        month: Option<YearMonth>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
    /// Ask one customer the NPS question in their chat, or by email (`--platform email --to ADDRESS`).
    Ask {
        #[arg(long)]
        platform: String,
        #[arg(long)]
        to: String,
    },
    /// Erase a customer's personal data, keeping anonymous aggregates.
    Forget {
        #[arg(long)]
        customer: String,
    },
    /// Search Hacker News, Reddit, Bluesky, Mastodon and RSS/Atom feeds for the brand and store
    /// what is new as mentions; every 10 minutes, or once with --once.
    Listen {
        /// One run, then exit (per source: fetched, new, stored on standard output).
        #[arg(long)]
        once: bool,
    },
    /// Verify every setting: configured, missing or invalid, per platform and feature; with
    /// --live also ask each chat platform who the credentials belong to.
    Check {
        #[arg(long)]
        live: bool,
    },
    /// Register Sarafan's webhook with a platform (Telegram: setWebhook), or print the exact
    /// URLs and steps (slack, meta, x, typeform).
    Connect {
        /// telegram, slack, meta, x or typeform.
        platform: String,
        /// The public https:// base Sarafan is reached at (the ApiUrl output, or a tunnel).
        #[arg(long)]
        url: String,
    },
    /// Take in past answers: a Delighted response export (CSV), or Sarafan's own
    /// `export responses` (CSV or JSON Lines). A second run adds nothing already imported.
    Import {
        /// delighted or responses.
        kind: String,
        /// The file to read.
        file: PathBuf,
    },
    /// Post the weekly digest to Slack (SLACK_DIGEST_CHANNEL, default SLACK_ALERT_CHANNEL): the
    /// week's answers and NPS, new detractors, mentions and spikes, top kudos. Once per week.
    Digest {
        /// The ISO week, e.g. 2026-W49; default: the last full week in REPORT_TIMEZONE.
        #[arg(long, value_parser = parse_week)]
        week: Option<sarafan_core::digest::IsoWeek>,
        /// Post even when nothing happened that week.
        #[arg(long)]
        force: bool,
    },
    /// DynamoDB utilities.
    Dynamodb {
        #[command(subcommand)]
        command: DynamodbCommand,
    },
}

/// Where `serve` listens, and how long and how many clients it keeps (docs/SECURITY.md,
/// "Slow and idle connections").
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub addr: std::net::SocketAddr,
    /// Seconds a request's head (request line and headers) may take from its first byte.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a request's body may take after its head (then 408).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds a connection may wait for a request's first byte (when new, or between requests).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Connections open at once; at the cap the longest-idle one is closed for a new one
    /// [default: the file-descriptor limit (ulimit -n) less 64, at most 10,000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum DynamodbCommand {
    /// Create SARAFAN_TABLE exactly as template.yaml defines it.
    CreateTable,
}

#[derive(Debug, Args)]
pub struct CompoundArgs {
    /// New customers from marketing each month (N).
    #[arg(long, value_parser = parse_count, allow_negative_numbers = true)]
    pub new_per_month: f64,
    /// Share of each month's buyers who return or refer next month (r), in [0, 1).
    #[arg(long, value_parser = parse_rate, allow_negative_numbers = true)]
    pub rate: f64,
    /// How many months to project (1 to 1200).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub months: u32,
    /// Returning and referred customers in the first month.
    #[arg(long, default_value_t = 0.0, value_parser = parse_count, allow_negative_numbers = true)]
    pub initial_returning: f64,
    /// One JSON object a month on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportKind {
    Responses,
    Mentions,
    Purchases,
    Referrals,
    Alerts,
    Reports,
}

impl From<ExportKind> for RecordKind {
    fn from(kind: ExportKind) -> Self {
        match kind {
            ExportKind::Responses => RecordKind::Responses,
            ExportKind::Mentions => RecordKind::Mentions,
            ExportKind::Purchases => RecordKind::Purchases,
            ExportKind::Referrals => RecordKind::Referrals,
            ExportKind::Alerts => RecordKind::Alerts,
            ExportKind::Reports => RecordKind::Reports,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

fn parse_week(s: &str) -> Result<sarafan_core::digest::IsoWeek, String> {
    s.parse().map_err(|e: sarafan_core::digest::BadWeek| e.to_string())
}

fn parse_month(s: &str) -> Result<YearMonth, String> {
    s.parse().map_err(|e: sarafan_core::month::BadMonth| e.to_string())
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    sarafan_core::compounding::CompoundingModel::new(rate)
        .map(|m| m.rate())
        .map_err(|e| e.to_string())
}

fn parse_count(s: &str) -> Result<f64, String> {
    let n: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("{s} is negative; a count of customers is 0 or more"));
    }
    Ok(n)
}

/// Parses the arguments; on bad usage prints a one-line reason and gives exit code 2.
pub fn parse() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                Err(ExitCode::from(
                    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                ))
            }
            _ => {
                let rendered = e.render().to_string();
                let first = rendered.lines().next().unwrap_or("error: bad usage");
                eprintln!("{first} (see 'sarafan --help')");
                Err(ExitCode::from(2))
            }
        },
    }
}

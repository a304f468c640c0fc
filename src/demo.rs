//! `sarafan demo`: twelve realistic months of a demo dealership, written through the same
//! domain and store APIs ingest uses, from a fixed seed.

use crate::error::CliError;
use anyhow::Context;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sarafan_core::compounding::PurchaseKind;
use sarafan_core::ledger::{AlertAction, Change};
use sarafan_core::model::*;
use sarafan_core::referral::ReferralCode;
use sarafan_core::settings::Vars;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeWriter, StoreError};
use sarafan_core::survey::{Reply, Survey, SurveyPolicy};
use sarafan_core::{Score, YearMonth};
use std::path::Path;

pub const BRAND: &str = "Brightside Motors";
const SEED: u64 = 0x5a4a_fa4e;
const MONTHS: i32 = 12;
/// The share of each month's buyers who come back or refer next month.
const TARGET_RATE: f64 = 0.45;

struct SimCustomer {
    id: String,
    identity: Option<Identity>,
    locale: &'static str,
    referral: Option<ReferralCode>,
    last_asked: Option<DateTime<Utc>>,
}

struct Demo<'a> {
    store: &'a SqliteStore,
    rng: StdRng,
    customers: Vec<SimCustomer>,
    policy: SurveyPolicy,
    seq: u64,
    counts: Counts,
    terms: sarafan_core::listening::TermSet,
}

#[derive(Default)]
struct Counts {
    purchases: u64,
    responses: u64,
    comments: u64,
    mentions: u64,
    alerts: u64,
}

pub async fn run(vars: &Vars, out: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let db = out.join("sarafan.db");
    fresh_database(&db)?;
    let store = SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
    // The twelve full months before this one; the report is of the latest.
    let last = YearMonth::of(Utc::now()).prev();
    let first = last.plus(-(MONTHS - 1));
    eprintln!(
        "sarafan demo: writing {first} to {last} for {BRAND} into {}",
        db.display()
    );
    let mut demo = Demo {
        store: &store,
        rng: StdRng::seed_from_u64(SEED),
        customers: Vec::new(),
        policy: SurveyPolicy::default(),
        seq: 0,
        counts: Counts::default(),
        terms: sarafan_core::listening::TermSet::parse("Brightside Motors,@brightside_motors", "Acme Autos"),
    };
    let mut prev_total = 0u64;
    for i in 0..MONTHS {
        let month = first.plus(i);
        prev_total = demo
            .month(month, i, prev_total, last)
            .await
            .with_context(|| format!("writing {month}"))?;
        eprintln!(
            "  {month}: {prev_total} sales, {} customers so far",
            demo.customers.len()
        );
    }
    let c = &demo.counts;
    eprintln!(
        "  wrote {} purchases, {} NPS answers ({} with comments), {} mentions, {} alerts",
        c.purchases, c.responses, c.comments, c.mentions, c.alerts
    );
    let path = crate::report::write_report(vars, &store, last, out, BRAND).await?;
    let report = sarafan_reports::compute(&store, last)
        .await
        .context("reading the report back")?;
    println!("Demo store: {}", db.display());
    println!("Report:     {}", path.display());
    let nps = report.nps.nps.map(|n| format!("{n:+.0}")).unwrap_or_else(|| "–".into());
    let margin = report.nps.margin_95.map(|m| format!(" ± {m:.0}")).unwrap_or_default();
    println!("{last}: NPS {nps}{margin} from {} answers", report.nps.responses);
    let sales = report.compounding.history.last().expect("twelve months");
    println!(
        "{last}: {} sales = {} new + {} returning/referred; observed compounding rate r = {}",
        sales.total,
        sales.new,
        sales.returning,
        report
            .compounding
            .rate
            .map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "–".into())
    );
    println!(
        "{last}: referral funnel {} links -> {} clicks -> {} referred customers",
        report.referrals.asks, report.referrals.clicks, report.referrals.referred_purchases
    );
    Ok(())
}

/// Removes an earlier demo database; refuses to remove a file that is not one of ours.
fn fresh_database(db: &Path) -> Result<(), CliError> {
    if db.exists() {
        drop(SqliteStore::open(db).with_context(|| format!("{} exists and is not a Sarafan database", db.display()))?);
        for suffix in ["", "-wal", "-shm"] {
            let file = db.with_file_name(format!("sarafan.db{suffix}"));
            if file.exists() {
                std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
            }
        }
    }
    Ok(())
}

const LOCALES: &[&str] = &["en", "en", "en", "ru", "uk", "cs", "de", "es"];

fn comment(locale: &str, score: Score, pick: usize) -> &'static str {
    use sarafan_core::Category::*;
    let pool: &[&str] = match (locale, score.category()) {
        ("ru", Promoter) => &[
            "Менеджер Ольга всё объяснила, машину выдали вовремя",
            "Отличный сервис, рекомендую друзьям",
            "Быстро и честно, без навязанных допов",
        ],
        ("ru", Passive) => &[
            "Всё нормально, но долго ждали документы",
            "Хорошо, но цены на сервис высокие",
        ],
        ("ru", Detractor) => &[
            "Ждали два часа, никто не подошёл",
            "Навязывали страховку, неприятно",
            "Машину отдали грязной",
        ],
        ("uk", Promoter) => &["Дуже привітний персонал, дякую!", "Все швидко і зрозуміло"],
        ("uk", Passive) => &["Непогано, але довго чекали", "Нормально, ціни могли б бути нижчими"],
        ("uk", Detractor) => &["Чекали дві години на видачу", "Ніхто не передзвонив"],
        ("cs", Promoter) => &["Skvělý přístup, auto připravené včas", "Pan Novák nám se vším poradil"],
        ("cs", Passive) => &["Dobré, ale papírování trvalo dlouho", "V pořádku, jen drahý servis"],
        ("cs", Detractor) => &["Čekali jsme dvě hodiny", "Nikdo se neozval zpět"],
        ("de", Promoter) => &[
            "Sehr freundliche Beratung, alles pünktlich",
            "Top Service, gerne wieder",
        ],
        ("de", Passive) => &["Gut, aber die Übergabe dauerte lange", "Okay, Preise etwas hoch"],
        ("de", Detractor) => &["Zwei Stunden gewartet, niemand kam", "Auto war bei Übergabe schmutzig"],
        ("es", Promoter) => &["Atención excelente, todo a tiempo", "Muy amables, lo recomiendo"],
        ("es", Passive) => &["Bien, pero el papeleo tardó mucho", "Correcto, aunque caro el taller"],
        ("es", Detractor) => &["Esperamos dos horas sin atención", "Nadie nos devolvió la llamada"],
        (_, Promoter) => &[
            "Anna explained everything and the car was ready on time",
            "Great service, I already told my brother",
            "Honest prices and no pressure",
            "The bow on my daughter's first car made her day",
        ],
        (_, Passive) => &[
            "Fine, but the paperwork took ages",
            "Good car, service prices are high",
            "OK overall, parking was a pain",
        ],
        (_, Detractor) => &[
            "Waited two hours and nobody came",
            "They pushed an extended warranty I did not want",
            "The car was handed over dirty",
            "Nobody called me back about the scratch",
        ],
    };
    pool[pick % pool.len()]
}

const MENTIONS: &[(&str, &str)] = &[
    (
        "en",
        "Loving my new hatchback from Brightside Motors, the team was brilliant",
    ),
    ("en", "Brightside Motors fixed my brakes same day. Impressed!"),
    (
        "en",
        "Anyone bought from Brightside Motors? Thinking about a test drive",
    ),
    ("en", "Brightside Motors open on Sundays now"),
    (
        "en",
        "Two weeks waiting for a callback from Brightside Motors. Terrible.",
    ),
    ("en", "@brightside_motors your service desk was rude to my mum"),
    ("ru", "Купили машину в Brightside Motors, всё отлично, спасибо Ольге"),
    ("ru", "Кто-нибудь обслуживался в Brightside Motors?"),
    ("ru", "В Brightside Motors ужасный сервис, ждал три часа"),
    ("cs", "Brightside Motors super, auto připravené včas"),
    ("cs", "Má někdo zkušenost s Brightside Motors?"),
    ("de", "Brightside Motors: freundlich und schnell, sehr zu empfehlen"),
    ("de", "Brightside Motors hat mich nie zurückgerufen, enttäuschend"),
    ("es", "Brightside Motors me atendió genial, volveré"),
    ("es", "¿Alguien sabe el horario de Brightside Motors?"),
    ("en", "Acme Autos gave me a great trade-in offer, really happy"),
    ("en", "Acme Autos kept my car for a week, terrible service"),
    ("uk", "Brightside Motors — чудовий сервіс, рекомендую"),
];

const SOURCES: &[&str] = &["x", "instagram", "facebook", "slack", "api"];

impl Demo<'_> {
    fn key(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("demo:{prefix}:{}", self.seq)
    }

    async fn apply(&mut self, prefix: &str, change: Change) -> Result<(), StoreError> {
        let key = self.key(prefix);
        self.store.apply(&key, change).await.map(drop)
    }

    fn moment(&mut self, month: YearMonth) -> DateTime<Utc> {
        let day = self.rng.gen_range(1..=28);
        let secs = self.rng.gen_range(8 * 3600..20 * 3600);
        Utc.with_ymd_and_hms(month.year(), month.month(), day, 0, 0, 0).unwrap() + Duration::seconds(secs)
    }

    fn new_customer(&mut self) -> usize {
        let n = self.customers.len();
        let locale = LOCALES[self.rng.gen_range(0..LOCALES.len())];
        let platform = match self.rng.gen_range(0..100) {
            0..=14 => Some(Platform::Slack),
            15..=49 => Some(Platform::Telegram),
            50..=79 => Some(Platform::Whatsapp),
            _ => None,
        };
        let identity = platform.map(|p| {
            let address = match p {
                Platform::Slack => format!("U{:08X}", 0x1000_0000 + n),
                Platform::Telegram => format!("{}", 500_000_000 + n * 7919),
                _ => format!("+4206{:08}", 10_000_000 + n),
            };
            Identity::new(p, address)
        });
        let id = identity
            .as_ref()
            .map(Identity::customer_id)
            .unwrap_or_else(|| format!("web:{:05}", n));
        self.customers.push(SimCustomer {
            id,
            identity,
            locale,
            referral: None,
            last_asked: None,
        });
        n
    }

    /// Writes one month; returns its total sales.
    async fn month(
        &mut self,
        month: YearMonth,
        index: i32,
        prev_total: u64,
        last: YearMonth,
    ) -> Result<u64, StoreError> {
        let marketing_new = 46 + self.rng.gen_range(0..9u64);
        let returning = if index == 0 {
            0
        } else {
            let noise: f64 = self.rng.gen_range(-0.04..0.04);
            ((TARGET_RATE + noise) * prev_total as f64).round() as u64
        };
        let promoters: Vec<usize> = (0..self.customers.len())
            .filter(|i| self.customers[*i].referral.is_some())
            .collect();
        let referred = if promoters.is_empty() {
            0
        } else {
            (returning as f64 * 0.3).round() as u64
        };
        let repeat = returning - referred;
        let mut buyers = Vec::new();
        // Repeat buyers: earlier customers, recent ones more likely.
        let earlier = self.customers.len();
        for _ in 0..repeat.min(earlier as u64) {
            let skew: f64 = self.rng.gen::<f64>().powf(0.6);
            let who = ((earlier as f64) * skew) as usize;
            buyers.push((who.min(earlier - 1), PurchaseKind::Repeat, None));
        }
        for _ in 0..referred {
            let promoter = promoters[self.rng.gen_range(0..promoters.len())];
            let code = self.customers[promoter].referral.clone();
            let at = self.moment(month);
            let friend = self.new_customer();
            // A few clicks before the purchase.
            for _ in 0..self.rng.gen_range(1..=3) {
                let click_at = at - Duration::hours(self.rng.gen_range(1..72));
                let click_at = click_at.max(month.start());
                if let Some(code) = code.clone() {
                    self.apply("click", Change::ReferralClick { code, at: click_at })
                        .await?;
                }
            }
            buyers.push((friend, PurchaseKind::New, code));
        }
        for _ in 0..marketing_new {
            let who = self.new_customer();
            buyers.push((who, PurchaseKind::New, None));
        }
        // Clicks that did not convert.
        for _ in 0..self.rng.gen_range(5..15) {
            if let Some(&p) = promoters.choose(&mut self.rng) {
                let code = self.customers[p].referral.clone().expect("promoter has a code");
                let at = self.moment(month);
                self.apply("click", Change::ReferralClick { code, at }).await?;
            }
        }
        let total = buyers.len() as u64;
        for (who, kind, code) in buyers {
            let at = self.moment(month);
            let purchase = Purchase {
                id: format!("demo-purchase-{}", self.seq + 1),
                customer_id: self.customers[who].id.clone(),
                kind,
                referral_code: code,
                amount: Some(if kind == PurchaseKind::New {
                    self.rng.gen_range(14_000..38_000) as f64
                } else {
                    self.rng.gen_range(150..2_400) as f64
                }),
                currency: Some("EUR".into()),
                purchased_at: at,
            };
            self.apply("purchase", Change::Purchase(purchase)).await?;
            self.counts.purchases += 1;
            let asked_at = at + Duration::days(2);
            if YearMonth::of(asked_at) <= last && self.rng.gen_bool(0.8) {
                self.survey(who, asked_at, index).await?;
            }
        }
        for _ in 0..self.rng.gen_range(28..42) {
            self.mention(month).await?;
        }
        Ok(total)
    }

    async fn survey(&mut self, who: usize, asked_at: DateTime<Utc>, index: i32) -> Result<(), StoreError> {
        let customer = &self.customers[who];
        if self.policy.may_ask(false, customer.last_asked, asked_at).is_err() {
            return Ok(());
        }
        let (id, identity, locale) = (customer.id.clone(), customer.identity.clone(), customer.locale);
        self.customers[who].last_asked = Some(asked_at);
        // Scores improve a little month by month, as the dealership acts on what it hears.
        let promoter_share = 0.46 + 0.012 * index as f64;
        let roll: f64 = self.rng.gen();
        let score = if roll < promoter_share {
            self.rng.gen_range(9..=10)
        } else if roll < promoter_share + 0.27 {
            self.rng.gen_range(7..=8)
        } else {
            [0, 2, 3, 4, 5, 5, 6, 6][self.rng.gen_range(0..8)]
        };
        let score = Score::new(score).expect("0-10");
        let answered = self.rng.gen_bool(0.75);
        let response_at = asked_at + Duration::minutes(self.rng.gen_range(3..600));
        let response_id = format!("demo-response-{}", self.seq + 1);
        let mut state = identity.clone().map(|identity| SurveyState {
            id: format!("demo-survey-{}", self.seq + 1),
            customer_id: id.clone(),
            identity,
            locale: Some(locale.into()),
            brand: None,
            survey: Survey::ask(&self.policy, asked_at),
            response_id: None,
            error: None,
        });
        if let Some(s) = &state {
            self.apply("asked", Change::Survey(s.clone())).await?;
        }
        if !answered {
            return Ok(());
        }
        let platform = identity.as_ref().map(|i| i.platform).unwrap_or(Platform::Web);
        if let Some(s) = state.as_mut() {
            s.survey.on_reply(Reply::Button(score), &self.policy, response_at);
            s.response_id = Some(response_id.clone());
        }
        let response = Response {
            id: response_id.clone(),
            customer_id: id.clone(),
            platform,
            score,
            comment: None,
            locale: Some(locale.into()),
            submitted_at: response_at,
            brand: None,
        };
        self.apply(
            "response",
            Change::Response {
                response,
                survey: state.clone(),
            },
        )
        .await?;
        self.counts.responses += 1;
        if score.category() == sarafan_core::Category::Promoter && self.customers[who].referral.is_none() {
            let code = ReferralCode::generate_with(&mut self.rng);
            self.customers[who].referral = Some(code.clone());
            let referral = Referral {
                code,
                customer_id: id.clone(),
                clicks: 0,
                conversions: 0,
                created_at: response_at,
            };
            self.apply("referral", Change::ReferralCreated(referral)).await?;
        }
        if score.category() == sarafan_core::Category::Detractor {
            self.alert(AlertKind::Detractor, &response_id, response_at).await?;
        }
        if self.rng.gen_bool(0.6) {
            let text = comment(locale, score, self.rng.gen_range(0..8));
            if let Some(s) = state.as_mut() {
                s.survey.follow_up_sent();
                s.survey
                    .on_reply(Reply::Text(text), &self.policy, response_at + Duration::minutes(4));
            }
            let change = Change::Comment {
                response_id,
                customer_id: id,
                comment: text.into(),
                survey: state,
            };
            self.apply("comment", change).await?;
            self.counts.comments += 1;
        }
        Ok(())
    }

    async fn alert(&mut self, kind: AlertKind, subject: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let id = format!("demo-alert-{}", self.seq + 1);
        let alert = Alert {
            id: id.clone(),
            kind,
            subject_id: subject.into(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: at,
            claimed_at: None,
            resolved_at: None,
            message: None,
        };
        self.apply("alert", Change::Alert(alert)).await?;
        self.counts.alerts += 1;
        let staff = ["U0STAFFANNA", "U0STAFFIVAN", "U0STAFFEVA"][self.rng.gen_range(0..3)];
        if self.rng.gen_bool(0.9) {
            let claimed = at + Duration::minutes(self.rng.gen_range(4..180));
            let change = Change::AlertAction {
                alert_id: id.clone(),
                action: AlertAction::Claim,
                by: staff.into(),
                at: claimed,
            };
            self.apply("claim", change).await?;
            if self.rng.gen_bool(0.85) {
                let resolved = claimed + Duration::minutes(self.rng.gen_range(30..2_880));
                let change = Change::AlertAction {
                    alert_id: id,
                    action: AlertAction::Resolve,
                    by: staff.into(),
                    at: resolved,
                };
                self.apply("resolve", change).await?;
            }
        }
        Ok(())
    }

    async fn mention(&mut self, month: YearMonth) -> Result<(), StoreError> {
        let (lang, text) = MENTIONS[self.rng.gen_range(0..MENTIONS.len())];
        // Classified and matched as ingest does it, not labelled by hand.
        let sentiment = sarafan_core::listening::classify(text, Some(lang)).sentiment;
        let matched = sarafan_core::listening::match_mention(&self.terms, text);
        let competitor = matched.competitor && !matched.brand;
        let source = SOURCES[self.rng.gen_range(0..SOURCES.len())];
        let at = self.moment(month);
        let id = format!("demo-mention-{}", self.seq + 1);
        let mention = Mention {
            id: id.clone(),
            source: source.into(),
            text: text.into(),
            url: Some(format!("https://example.com/{source}/{id}")),
            author: Some(format!("fan{}", self.rng.gen_range(100..999))),
            lang: Some(lang.into()),
            sentiment,
            matched_terms: matched.matched_terms,
            competitor,
            created_at: at,
        };
        self.apply("mention", Change::Mention(mention)).await?;
        self.counts.mentions += 1;
        // Staff hear about complaints about us, not about competitors.
        if sentiment == Sentiment::Negative && !competitor {
            self.alert(AlertKind::NegativeMention, &id, at).await?;
        }
        Ok(())
    }
}

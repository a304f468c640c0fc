//! Mention alerts: a negative brand mention alerts staff, and a burst of them raises one spike alert.

use super::*;

/// A negative mention older than this when outreach sees it (a backfill, a long outage) still
/// alerts staff, but is not assessed for a spike: spike alerts are news.
pub const SPIKE_NEWS_HOURS: i64 = 48;

/// How many of the latest complaints a spike alert quotes.
const SPIKE_EXAMPLES: usize = 3;
/// Each quoted complaint is cut to this many characters, so all of them fit one Slack section.
const SPIKE_EXAMPLE_CHARS: usize = 800;

impl Outreach {
    /// MentionRecorded: a negative brand mention alerts staff at once and may reveal a spike;
    /// praise of the brand or of a named employee is shared with the team.
    pub(super) async fn on_mention(&self, mention_id: &str, sentiment: Sentiment) -> Result<Handled, OutreachError> {
        if sentiment == Sentiment::Neutral {
            return Ok(Handled::Skipped("neutral".into()));
        }
        // Praise goes only to the kudos channel: without one, the mention is not even read.
        if sentiment == Sentiment::Positive && self.config.kudos_channel.is_none() {
            return Ok(Handled::Skipped("no kudos channel".into()));
        }
        let Some(mention) = self.store.mention(mention_id).await? else {
            return Ok(Handled::Skipped(format!("mention {mention_id} is gone")));
        };
        // Competitors' mentions are market intelligence for the report, not a cry for help nor praise.
        if mention.competitor {
            return Ok(Handled::Skipped("a competitor's mention".into()));
        }
        if sentiment == Sentiment::Positive {
            return self.share_mention_kudos(&mention).await;
        }
        let messages = self.alert_mention(&mention).await? + self.assess_spike(&mention).await?;
        Ok(Handled::Done { messages })
    }

    pub(super) async fn alert_mention(&self, mention: &Mention) -> Result<usize, OutreachError> {
        let key = format!("effect:mention_recorded:{}", mention.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(format!("men-{}", mention.id), AlertKind::NegativeMention, &mention.id);
        let view = self.mention_alert_view(mention, Some(&alert));
        self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
            .await
    }

    /// The negative-mention counts around `at`, from the hourly counters of the months it spans.
    pub(super) async fn spike_reading(&self, at: DateTime<Utc>) -> Result<spike::SpikeReading, OutreachError> {
        let mut counters = std::collections::BTreeMap::new();
        for month in spike::months_for(at) {
            counters.insert(month, self.store.counters(month).await?);
        }
        Ok(spike::HourlySeries::from_counters(&counters, at).reading())
    }

    /// One spike alert per episode (named after its first hour), however many complaints it holds.
    pub(super) async fn assess_spike(&self, mention: &Mention) -> Result<usize, OutreachError> {
        let now = self.now();
        if now - mention.created_at > chrono::Duration::hours(SPIKE_NEWS_HOURS) {
            // A backfilled or long-delayed mention is history: a spike alert is for now.
            return Ok(0);
        }
        let at = mention.created_at.min(now);
        let reading = self.spike_reading(at).await?;
        let Some(start) = reading.episode_start else {
            return Ok(0);
        };
        let episode = spike::episode_id(start);
        let key = format!("effect:spike:{episode}");
        let announced = self.store.effect_done(&key).await?;
        match spike::assess(reading.last_24h, reading.trailing_28d, announced) {
            spike::SpikeDecision::Raise => {
                tracing::info!(
                    episode,
                    last_24h = reading.last_24h,
                    trailing_28d = reading.trailing_28d,
                    "negative mention spike"
                );
                let alert = self.new_alert(format!("spike-{episode}"), AlertKind::Spike, &mention.id);
                let view = self.spike_alert_view(mention, at, &reading, Some(&alert)).await?;
                self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
                    .await
            }
            spike::SpikeDecision::Hold | spike::SpikeDecision::Subsided | spike::SpikeDecision::Quiet => Ok(0),
        }
    }

    /// The spike alert: the counts read at `at`, and the newest complaints they counted as examples
    /// (`mention`, the one that tipped it, when the store has none to show).
    pub(super) async fn spike_alert_view(
        &self,
        mention: &Mention,
        at: DateTime<Utc>,
        reading: &spike::SpikeReading,
        alert: Option<&Alert>,
    ) -> Result<AlertView, OutreachError> {
        let l = self.staff_locale();
        let t = &self.templates;
        let count = reading.last_24h.to_string();
        let mean = format!("{:.1}", reading.daily_mean());
        let (from, until) = spike::last_day_window(at);
        let mut examples = self.store.brand_complaints(from, until, SPIKE_EXAMPLES).await?;
        if examples.is_empty() {
            examples.push(mention.clone());
        }
        let quote = examples.iter().map(spike_example).collect::<Vec<_>>().join("\n");
        Ok(AlertView {
            title: escape_mrkdwn(&t.render(l, Key::AlertSpike, &[("count", &count), ("mean", &mean)])),
            fields: vec![(
                t.text(l, Key::FieldSentiment).to_string(),
                t.text(l, Key::SentimentNegative).to_string(),
            )],
            quote: Some(quote),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: alert.and_then(|a| self.buttons(a)),
        })
    }

    pub(super) fn mention_alert_view(&self, mention: &Mention, alert: Option<&Alert>) -> AlertView {
        let l = self.staff_locale();
        let t = &self.templates;
        let mut fields = Vec::new();
        if let Some(author) = &mention.author {
            fields.push((t.text(l, Key::FieldCustomer).to_string(), escape_mrkdwn(author)));
        }
        if let Some(lang) = &mention.lang {
            fields.push((t.text(l, Key::FieldLanguage).to_string(), escape_mrkdwn(lang)));
        }
        fields.push((
            t.text(l, Key::FieldSentiment).to_string(),
            t.text(l, Key::SentimentNegative).to_string(),
        ));
        if let Some(link) = slack_link(mention.url.as_deref()) {
            fields.push((t.text(l, Key::FieldLink).to_string(), link));
        }
        AlertView {
            title: escape_mrkdwn(&t.render(l, Key::AlertMention, &[("source", &mention.source)])),
            fields,
            quote: Some(escape_mrkdwn(&mention.text)),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: alert.and_then(|a| self.buttons(a)),
        }
    }
}

/// One complaint quoted in a spike alert: its words (escaped), then where it was said.
pub(super) fn spike_example(mention: &Mention) -> String {
    let mut example = format!(
        "{}\n— {}",
        escape_mrkdwn(&clip(&mention.text, SPIKE_EXAMPLE_CHARS)),
        escape_mrkdwn(&mention.source)
    );
    if let Some(author) = &mention.author {
        example.push_str(&format!(", {}", escape_mrkdwn(author)));
    }
    if let Some(link) = slack_link(mention.url.as_deref()) {
        example.push_str(&format!(", {link}"));
    }
    example
}

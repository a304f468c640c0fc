//! Kudos: praise from an answer or a mention naming staff, shared in SLACK_KUDOS_CHANNEL.

use super::*;

impl Outreach {
    /// Praise with words in it is shared with the team, once, whichever event brought the words.
    pub(super) async fn share_kudos(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        if self.config.kudos_channel.is_none() {
            return Ok(0);
        }
        let key = format!("effect:kudos:{}", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(format!("kudos-{}", response.id), AlertKind::Kudos, &response.id);
        let view = self
            .response_alert_view(AlertKind::Kudos, response, customer, locale, None)
            .await?;
        self.post_alert(&key, self.config.kudos_channel.as_ref(), alert, view)
            .await
    }

    /// Praise of the brand naming an employee, or glowing, goes to the kudos channel once
    /// (`on_mention` has checked there is one before reading the mention).
    pub(super) async fn share_mention_kudos(&self, mention: &Mention) -> Result<Handled, OutreachError> {
        let Some(why) = kudos::kudos(
            &mention.text,
            mention.lang.as_deref(),
            mention.competitor,
            &self.config.staff,
        ) else {
            return Ok(Handled::Skipped("praise, but neither naming staff nor strong".into()));
        };
        let key = format!("effect:kudos:mention:{}", mention.id);
        if self.store.effect_done(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        let l = self.staff_locale();
        let t = &self.templates;
        let mut view = self.mention_alert_view(mention, None);
        view.title = escape_mrkdwn(&t.render(l, Key::AlertPraise, &[("source", &mention.source)]));
        // The sentiment field says "negative" for complaints; praise shows who was named instead.
        view.fields.retain(|(label, _)| label != t.text(l, Key::FieldSentiment));
        if let kudos::Kudos::NamesStaff(names) = why {
            view.fields
                .push((t.text(l, Key::FieldStaff).to_string(), escape_mrkdwn(&names.join(", "))));
        }
        let alert = self.new_alert(format!("kudos-men-{}", mention.id), AlertKind::Kudos, &mention.id);
        let messages = self
            .post_alert(&key, self.config.kudos_channel.as_ref(), alert, view)
            .await?;
        Ok(Handled::Done { messages })
    }
}

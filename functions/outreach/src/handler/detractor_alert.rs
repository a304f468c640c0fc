//! The detractor alert: raised once per detractor's answer, updated when their comment arrives.

use super::*;

/// The detractor alert of a response: one per response, found again when its comment arrives.
pub fn detractor_alert_id(response_id: &str) -> String {
    format!("det-{response_id}")
}

impl Outreach {
    /// The alert about a response (detractor or kudos), as it should look now.
    pub(super) async fn response_alert_view(
        &self,
        kind: AlertKind,
        response: &Response,
        customer: Option<&Customer>,
        customer_locale: &str,
        alert: Option<&Alert>,
    ) -> Result<AlertView, OutreachError> {
        let l = self.staff_locale();
        let t = &self.templates;
        let score = response.score.to_string();
        let title_key = if kind == AlertKind::Kudos {
            Key::AlertKudos
        } else {
            Key::AlertDetractor
        };
        let who = customer
            .and_then(|c| c.name.clone())
            .map(|name| format!("{name} ({})", response.customer_id))
            .unwrap_or_else(|| response.customer_id.clone());
        let previous: Vec<String> = self
            .store
            .responses_of(&response.customer_id)
            .await?
            .into_iter()
            .filter(|r| r.id != response.id && r.submitted_at <= response.submitted_at)
            .rev()
            .take(5)
            .map(|r| format!("{} ({})", r.score, r.submitted_at.format("%Y-%m-%d")))
            .collect();
        let previous = if previous.is_empty() {
            t.text(l, Key::NoPrevious).to_string()
        } else {
            previous.join(", ")
        };
        let comment = response.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let mut fields = vec![
            (t.text(l, Key::FieldCustomer).to_string(), escape_mrkdwn(&who)),
            (t.text(l, Key::FieldPlatform).to_string(), response.platform.to_string()),
            (t.text(l, Key::FieldLanguage).to_string(), customer_locale.to_string()),
            (t.text(l, Key::FieldPrevious).to_string(), previous),
        ];
        if comment.is_none() {
            fields.push((
                t.text(l, Key::FieldComment).to_string(),
                format!("_{}_", t.text(l, Key::AwaitingComment)),
            ));
        }
        Ok(AlertView {
            title: escape_mrkdwn(&t.render(l, title_key, &[("score", &score)])),
            fields,
            quote: comment.map(escape_mrkdwn),
            status: alert.and_then(|a| self.status_line(a)),
            buttons: (kind != AlertKind::Kudos)
                .then(|| alert.map(|a| self.buttons(a)))
                .flatten()
                .flatten(),
        })
    }

    pub(super) async fn raise_detractor_alert(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let key = format!("effect:response_recorded:{}:alert", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        let alert = self.new_alert(detractor_alert_id(&response.id), AlertKind::Detractor, &response.id);
        let view = self
            .response_alert_view(AlertKind::Detractor, response, customer, locale, Some(&alert))
            .await?;
        self.post_alert(&key, self.config.alert_channel.as_ref(), alert, view)
            .await
    }

    pub(super) async fn update_response_alert(
        &self,
        alert: &Alert,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let view = self
            .response_alert_view(alert.kind, response, customer, locale, Some(alert))
            .await?;
        self.update_alert_message(alert, view).await
    }
}

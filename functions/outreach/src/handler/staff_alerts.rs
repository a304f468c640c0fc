//! Staff alerts in Slack: posting one, its status line and buttons, and keeping its message up to date.

use super::*;

impl Outreach {
    pub(super) fn status_line(&self, alert: &Alert) -> Option<String> {
        let l = self.staff_locale();
        let by = alert
            .claimed_by
            .as_deref()
            .map(slack_user)
            .unwrap_or_else(|| "?".into());
        let when = |at: Option<DateTime<Utc>>| {
            at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        };
        match alert.status {
            AlertStatus::Open => None,
            AlertStatus::Claimed => Some(self.templates.render(
                l,
                Key::StatusClaimed,
                &[("user", &by), ("time", &when(alert.claimed_at))],
            )),
            AlertStatus::Resolved => Some(self.templates.render(
                l,
                Key::StatusResolved,
                &[("user", &by), ("time", &when(alert.resolved_at))],
            )),
        }
    }

    pub(super) fn buttons(&self, alert: &Alert) -> Option<AlertButtons> {
        let l = self.staff_locale();
        (alert.status != AlertStatus::Resolved).then(|| AlertButtons {
            alert_id: alert.id.clone(),
            claim_label: self.templates.text(l, Key::ButtonClaim).to_string(),
            resolve_label: self.templates.text(l, Key::ButtonResolve).to_string(),
            can_claim: alert.status == AlertStatus::Open,
        })
    }

    pub(super) fn new_alert(&self, id: String, kind: AlertKind, subject_id: &str) -> Alert {
        Alert {
            id,
            kind,
            subject_id: subject_id.to_string(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: self.now(),
            claimed_at: None,
            resolved_at: None,
            message: None,
        }
    }

    /// Posts a new alert to `channel` once under `key` and stores it with its message.
    pub(super) async fn post_alert(
        &self,
        key: &str,
        channel: Option<&String>,
        mut alert: Alert,
        view: AlertView,
    ) -> Result<usize, OutreachError> {
        let (Some(slack), Some(channel)) = (&self.chat.slack, channel) else {
            tracing::warn!(alert_id = %alert.id, "no Slack token or channel for staff alerts; alert stored without a message");
            self.store.apply(key, Change::Alert(alert)).await?;
            return Ok(0);
        };
        let (text, blocks) = view.render();
        if !self.claim(key).await? {
            return Ok(0);
        }
        match slack.post_message(channel, &text, Some(&blocks)).await {
            Ok(message) => {
                alert.message = Some(message);
                self.record_sent(key, Some(Change::Alert(alert))).await?;
                Ok(1)
            }
            Err(e) if e.is_transient() => {
                self.unclaim(key).await;
                Err(e.into())
            }
            Err(e) => {
                // A wrong alert channel is an operator's mistake: keep the alert, say so loudly.
                tracing::error!(alert_id = %alert.id, error = %e, "staff alert refused by Slack");
                self.store.apply(key, Change::Alert(alert)).await?;
                self.unclaim(key).await;
                Ok(0)
            }
        }
    }

    pub(super) async fn update_alert_message(&self, alert: &Alert, view: AlertView) -> Result<usize, OutreachError> {
        let (Some(slack), Some(message)) = (&self.chat.slack, &alert.message) else {
            return Ok(0);
        };
        let (text, blocks) = view.render();
        match slack.update_message(message, &text, Some(&blocks)).await {
            Ok(()) => Ok(1),
            Err(e) if e.is_transient() => Err(e.into()),
            Err(e) => {
                tracing::error!(alert_id = %alert.id, error = %e, "alert message could not be updated");
                Ok(0)
            }
        }
    }

    /// AlertChanged: the staff message shows who claimed it, or when it was resolved.
    pub(super) async fn refresh_alert(&self, alert_id: &str) -> Result<Handled, OutreachError> {
        let Some(alert) = self.store.alert(alert_id).await? else {
            return Ok(Handled::Skipped(format!("alert {alert_id} is gone")));
        };
        if alert.message.is_none() {
            return Ok(Handled::Skipped("the alert has no chat message".into()));
        }
        let view = match alert.kind {
            AlertKind::Kudos if alert.id.starts_with("kudos-men-") => {
                return Ok(Handled::Skipped("mention kudos have no status to show".into()))
            }
            AlertKind::Detractor | AlertKind::Kudos => {
                let Some(response) = self.store.response(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the response is gone".into()));
                };
                let customer = self.store.customer(&response.customer_id).await?;
                let locale = self
                    .customer_locale(customer.as_ref(), response.locale.as_deref())
                    .await;
                self.response_alert_view(alert.kind, &response, customer.as_ref(), &locale, Some(&alert))
                    .await?
            }
            AlertKind::NegativeMention => {
                let Some(mention) = self.store.mention(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the mention is gone".into()));
                };
                self.mention_alert_view(&mention, Some(&alert))
            }
            AlertKind::Spike => {
                let Some(mention) = self.store.mention(&alert.subject_id).await? else {
                    return Ok(Handled::Skipped("the mention is gone".into()));
                };
                // The counts as they were when the spike was raised (the hour of its example).
                let reading = self.spike_reading(mention.created_at).await?;
                self.spike_alert_view(&mention, mention.created_at, &reading, Some(&alert))
                    .await?
            }
        };
        let messages = self.update_alert_message(&alert, view).await?;
        Ok(Handled::Done { messages })
    }
}

/// Slack user ids become mentions (`<@U123>`); anything else is shown as escaped text.
pub(super) fn slack_user(who: &str) -> String {
    let looks_like_id = who.len() >= 9
        && who.starts_with(['U', 'W'])
        && who.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if looks_like_id {
        format!("<@{who}>")
    } else {
        escape_mrkdwn(who)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slack_ids_become_mentions() {
        assert_eq!(slack_user("U012AB3CD"), "<@U012AB3CD>");
        assert_eq!(slack_user("<!here>"), "&lt;!here&gt;");
        assert_eq!(slack_user("anna"), "anna");
    }
}

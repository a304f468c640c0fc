//! Asking: the NPS question (chat or email), the re-ask of an answer without a score, the opt-out confirmation.

use super::*;

impl Outreach {
    /// SurveyRequested: ask the question unless opted out or asked recently.
    pub(super) async fn ask(
        &self,
        event_id: &str,
        customer_id: &str,
        identity: &Identity,
        brand: Option<&str>,
    ) -> Result<Handled, OutreachError> {
        let key = format!("effect:survey_requested:{event_id}");
        if self.store.effect_done(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        let customer = self.store.customer(customer_id).await?;
        let now = self.now();
        let survey_id = format!("survey-{event_id}");
        // A survey of this event stored already: an earlier attempt recorded it and then could
        // not send (or crashed). It is this question, so the throttle it set does not apply.
        let recorded = self.store.latest_survey(identity).await?.filter(|s| s.id == survey_id);
        let (opted_out, last_asked) = customer
            .as_ref()
            .map(|c| (c.opted_out, c.last_asked_at))
            .unwrap_or_default();
        let last_asked = if recorded.is_some() { None } else { last_asked };
        if let Err(refused) = self.config.policy.may_ask(opted_out, last_asked, now) {
            tracing::info!(customer_id, %refused, "not asking");
            return Ok(Handled::Skipped(refused.to_string()));
        }
        // Slack knows its users' language; ask it only when the customer record does not say.
        let slack_locale = match (&self.chat.slack, identity.platform) {
            (Some(slack), Platform::Slack) if customer.as_ref().and_then(|c| c.locale.as_ref()).is_none() => {
                slack.user_locale(&identity.address).await.unwrap_or_else(|e| {
                    tracing::info!(error = %e, "no Slack locale; using the default");
                    None
                })
            }
            _ => None,
        };
        let locale = self.customer_locale(customer.as_ref(), slack_locale.as_deref()).await;
        let mut state = recorded.unwrap_or_else(|| SurveyState {
            id: survey_id,
            customer_id: customer_id.to_string(),
            identity: identity.clone(),
            locale: Some(locale.clone()),
            brand: brand.map(str::to_string),
            survey: Survey::ask(&self.config.policy, now),
            response_id: None,
            error: None,
        });
        if !self.claim(&key).await? {
            return Ok(Handled::Done { messages: 0 });
        }
        if self.can_send(identity.platform) {
            // Stored before the question goes out, so an answer however fast finds its survey.
            // Refused for good, it is marked failed below and no longer counts as asked.
            let stored = self
                .store
                .apply(&format!("{key}:asked"), Change::Survey(state.clone()))
                .await;
            if let Err(e) = stored {
                self.unclaim(&key).await;
                return Err(e.into());
            }
        }
        let sent = match identity.platform {
            Platform::Email => self.send_survey_email(&state, &locale).await,
            _ => self.send_question(identity, &locale, brand).await,
        };
        let outcome = match sent {
            Ok(()) => {
                self.record_sent(&key, None).await?;
                return Ok(Handled::Done { messages: 1 });
            }
            Err(SendError::Chat(e)) if e.is_transient() => {
                self.unclaim(&key).await;
                return Err(e.into());
            }
            Err(SendError::Mail(e)) if e.is_transient() => {
                self.unclaim(&key).await;
                return Err(e.into());
            }
            Err(failure) => {
                let reason = match failure {
                    SendError::NotConfigured(_) => NOT_CONFIGURED.to_string(),
                    SendError::Chat(e) => e.to_string(),
                    SendError::Mail(e) => e.to_string(),
                };
                tracing::error!(customer_id, platform = %identity.platform, %reason, "the question could not be delivered");
                state.survey.delivery_failed();
                state.error = Some(reason.clone());
                Handled::SurveyFailed(reason)
            }
        };
        self.store.apply(&key, Change::Survey(state)).await?;
        self.unclaim(&key).await;
        Ok(outcome)
    }

    /// The survey email: the question and eleven score links, each signed for this survey.
    pub(super) async fn send_survey_email(&self, state: &SurveyState, locale: &str) -> Result<(), SendError> {
        let email = self
            .config
            .email
            .as_ref()
            .ok_or(SendError::NotConfigured(Platform::Email))?;
        let to = &state.identity.address;
        let urls = email.urls(&state.id, to);
        let message = SurveyEmail {
            templates: &self.templates,
            locale,
            brand: state.brand.as_deref(),
            urls: &urls,
        };
        let raw = message.build(&email.from, to).map_err(SendError::Mail)?;
        let id = email
            .mailer
            .send_raw(&email.from, to, raw)
            .await
            .map_err(SendError::Mail)?;
        tracing::info!(survey_id = %state.id, message_id = %id, "survey email sent");
        Ok(())
    }

    pub(super) async fn send_question(
        &self,
        identity: &Identity,
        locale: &str,
        brand: Option<&str>,
    ) -> Result<(), SendError> {
        let question = match brand {
            Some(brand) => self.templates.render(locale, Key::QuestionBrand, &[("brand", brand)]),
            None => self.templates.text(locale, Key::Question).to_string(),
        };
        let chat = |e| SendError::Chat(e);
        match identity.platform {
            Platform::Slack => {
                let slack = configured(&self.chat.slack, Platform::Slack)?;
                let channel = slack.open_dm(&identity.address).await.map_err(chat)?;
                let blocks = slack_question_blocks(&question, self.templates.text(locale, Key::ScoreHint));
                slack
                    .post_message(&channel, &escape_mrkdwn(&question), Some(&blocks))
                    .await
                    .map_err(chat)?;
            }
            Platform::Telegram => {
                let telegram = configured(&self.chat.telegram, Platform::Telegram)?;
                let text = format!("{question}\n\n{}", self.templates.text(locale, Key::ScoreHint));
                telegram
                    .send_message(&identity.address, &text, Some(&telegram_score_keyboard()))
                    .await
                    .map_err(chat)?;
            }
            Platform::Whatsapp => {
                let whatsapp = configured(&self.chat.whatsapp, Platform::Whatsapp)?;
                let body = format!("{question}\n\n{}", self.templates.text(locale, Key::TypeHint));
                let button = self.templates.text(locale, Key::ListButton);
                let section: String = button.chars().take(24).collect();
                whatsapp
                    .send_list(&identity.address, &body, button, &section, &whatsapp_score_rows())
                    .await
                    .map_err(chat)?;
            }
            other => return Err(SendError::NotConfigured(other)),
        }
        Ok(())
    }

    /// ScoreNotUnderstood: ask again, saying briefly why.
    pub(super) async fn reask(
        &self,
        event_id: &str,
        customer_id: &str,
        identity: &Identity,
        reason: &str,
    ) -> Result<Handled, OutreachError> {
        let customer = self.store.customer(customer_id).await?;
        if customer.as_ref().is_some_and(|c| c.opted_out) {
            return Ok(Handled::Skipped("the customer opted out".into()));
        }
        let survey = self.store.latest_survey(identity).await?;
        let locale = self.templates.resolve_locale(
            [
                survey.as_ref().and_then(|s| s.locale.as_deref()),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let text = self.templates.text(&locale, reask_key(reason)).to_string();
        let key = format!("effect:score_not_understood:{event_id}");
        let messages = self.send_once(&key, identity, &text, None).await?;
        Ok(Handled::Done { messages })
    }

    /// OptedOut: confirm, once, in the chat the customer wrote from.
    pub(super) async fn confirm_opt_out(
        &self,
        customer_id: &str,
        identity: Option<&Identity>,
    ) -> Result<Handled, OutreachError> {
        let customer = self.store.customer(customer_id).await?;
        let identity = identity.cloned().or_else(|| {
            customer
                .as_ref()
                .and_then(|c| c.identities.iter().find(|i| i.platform.is_chat()).cloned())
        });
        let Some(identity) = identity.filter(|i| i.platform.is_chat()) else {
            // An email unsubscribe is confirmed on its page.
            return Ok(Handled::Skipped("no chat to confirm in".into()));
        };
        let locale = self.customer_locale(customer.as_ref(), None).await;
        let text = self.templates.text(&locale, Key::OptedOut).to_string();
        let key = format!("effect:opted_out:{customer_id}");
        let messages = self.send_once(&key, &identity, &text, None).await?;
        Ok(Handled::Done { messages })
    }
}

/// Which re-ask fits the parser's reason (`ScoreRefusal`'s message, as ingest records it).
pub(super) fn reask_key(reason: &str) -> Key {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("several") || reason.contains("ambiguous") || reason.contains("more than one") {
        Key::ReaskAmbiguous
    } else if reason.contains("outside") || reason.contains("range") {
        Key::ReaskOutOfRange
    } else {
        Key::ReaskNoScore
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sarafan_core::score_text::ScoreRefusal;

    #[test]
    fn reasons_from_the_score_parser_pick_the_matching_reask() {
        assert_eq!(reask_key(&ScoreRefusal::NoScore.to_string()), Key::ReaskNoScore);
        assert_eq!(
            reask_key(&ScoreRefusal::Ambiguous(vec![7, 8]).to_string()),
            Key::ReaskAmbiguous
        );
        assert_eq!(
            reask_key(&ScoreRefusal::OutOfRange(11).to_string()),
            Key::ReaskOutOfRange
        );
        assert_eq!(reask_key("something new"), Key::ReaskNoScore);
    }
}

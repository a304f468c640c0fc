//! Following up an answer: thanks, the promoter's referral link, the follow-up question, and the comment after it.

use super::*;

impl Outreach {
    /// A promoter who answered by email gets their referral link by email too, once.
    pub(super) async fn email_referral_link(
        &self,
        response: &Response,
        customer: Option<&Customer>,
        locale: &str,
    ) -> Result<usize, OutreachError> {
        let (Some(email), Some(base)) = (&self.config.email, &self.config.public_url) else {
            return Ok(0);
        };
        let Some(customer) = customer.filter(|c| !c.opted_out) else {
            return Ok(0);
        };
        let key = format!("effect:response_recorded:{}", response.id);
        if self.store.effect_done(&key).await? {
            return Ok(0);
        }
        // The survey this response answers: the link goes to the address it was sent to (not
        // any other address of the customer's), and its links (unsubscribe) go in the footer.
        let survey_id = response.id.strip_suffix(":response").unwrap_or(&response.id);
        let mut answered = None;
        for identity in customer.identities.iter().filter(|i| i.platform == Platform::Email) {
            if self
                .store
                .latest_survey(identity)
                .await?
                .is_some_and(|s| s.id == survey_id)
            {
                answered = Some(identity);
                break;
            }
        }
        let Some(identity) = answered else {
            tracing::info!(response_id = %response.id, "referral email skipped: the answered address was asked again since, or is no longer the customer's");
            return Ok(0);
        };
        let code = self
            .email_referral_code(&email.links, &response.customer_id, &response.id)
            .await?;
        let link = format!("{base}/r/{code}");
        let urls = email.urls(survey_id, &identity.address);
        let raw = referral_message(&self.templates, locale, &link, &urls, &email.from, &identity.address)?;
        if !self.claim(&key).await? {
            return Ok(0);
        }
        match email.mailer.send_raw(&email.from, &identity.address, raw).await {
            Ok(_) => {
                self.record_sent(&key, None).await?;
                Ok(1)
            }
            Err(e) if e.is_transient() => {
                self.unclaim(&key).await;
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(key, error = %e, "referral email refused; not retried");
                self.store.mark_effect_done(&key).await?;
                self.unclaim(&key).await;
                Ok(0)
            }
        }
    }

    /// Whether following up an answer can send or store anything, from what its event says, so
    /// that outreach reads the answer and its customer only then: a detractor's alert is always
    /// stored; an answer in a chat is followed up in that chat; a promoter who answered by email
    /// gets the referral link by email; a promoter's comment may be shared as kudos. A passive's
    /// or promoter's answer through the API, Typeform or the web, with no kudos channel, has
    /// nothing to do.
    pub(crate) fn follow_up_has_work(&self, platform: Platform, score: Score) -> bool {
        match score.category() {
            Category::Detractor => true,
            _ if platform.is_chat() => true,
            Category::Promoter => {
                self.config.kudos_channel.is_some()
                    || (platform == Platform::Email && self.config.email.is_some() && self.config.public_url.is_some())
            }
            Category::Passive => false,
        }
    }

    /// ResponseRecorded: the follow-up for the category, the referral link, the staff alert.
    pub(super) async fn follow_up(&self, response_id: &str) -> Result<Handled, OutreachError> {
        let Some(response) = self.store.response(response_id).await? else {
            return Ok(Handled::Skipped(format!("response {response_id} is gone")));
        };
        let customer = self.store.customer(&response.customer_id).await?;
        let identity = Self::chat_identity(customer.as_ref(), response.platform);
        let survey = match &identity {
            Some(identity) => self.store.latest_survey(identity).await?,
            None => None,
        };
        let locale = self.templates.resolve_locale(
            [
                response.locale.as_deref(),
                survey.as_ref().and_then(|s| s.locale.as_deref()),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let mut messages = 0;
        let mut customer_failure = None;
        // Answered on the email survey's page: the page asked the follow-up; a promoter's link
        // also goes by email.
        if response.platform == Platform::Email && response.category() == Category::Promoter {
            match self.email_referral_link(&response, customer.as_ref(), &locale).await {
                Ok(sent) => messages += sent,
                Err(e) if e.is_retried() => customer_failure = Some(e),
                Err(e) => return Err(e),
            }
        }
        if let Some(identity) = &identity {
            let text = match response.category() {
                Category::Promoter => match &self.config.public_url {
                    Some(base) => {
                        let code = self.referral_code(&response.customer_id, response_id).await?;
                        let link = format!("{base}/r/{code}");
                        self.templates
                            .render(&locale, Key::PromoterFollowUp, &[("link", &link)])
                    }
                    None => self.templates.text(&locale, Key::PromoterThanks).to_string(),
                },
                Category::Passive => self.templates.text(&locale, Key::PassiveFollowUp).to_string(),
                Category::Detractor => self.templates.text(&locale, Key::DetractorFollowUp).to_string(),
            };
            // The survey this response closed moves on to "follow-up asked" with the same write.
            let record = survey
                .filter(|s| s.response_id.as_deref().is_none_or(|id| id == response_id))
                .map(|mut s| {
                    s.survey.follow_up_sent();
                    Change::Survey(s)
                });
            let key = format!("effect:response_recorded:{response_id}");
            match self.send_once(&key, identity, &text, record).await {
                Ok(sent) => messages += sent,
                // Staff hear of the answer even while the customer's chat is failing; the
                // event comes back for the follow-up, and the alert's key keeps it single.
                Err(e) if e.is_retried() => customer_failure = Some(e),
                Err(e) => return Err(e),
            }
        }
        match response.category() {
            Category::Detractor => {
                messages += self
                    .raise_detractor_alert(&response, customer.as_ref(), &locale)
                    .await?
            }
            Category::Promoter if response.comment.as_deref().is_some_and(|c| !c.trim().is_empty()) => {
                messages += self.share_kudos(&response, customer.as_ref(), &locale).await?
            }
            _ => {}
        }
        if let Some(e) = customer_failure {
            return Err(e);
        }
        Ok(Handled::Done { messages })
    }

    /// The customer's referral code, created on first need. A redelivered event finds the code
    /// created the first time, so a promoter always has one link.
    pub(super) async fn referral_code(
        &self,
        customer_id: &str,
        response_id: &str,
    ) -> Result<ReferralCode, OutreachError> {
        if let Some(referral) = self.store.referral_of(customer_id).await? {
            return Ok(referral.code);
        }
        let referral = Referral {
            code: ReferralCode::generate(),
            customer_id: customer_id.to_string(),
            clicks: 0,
            conversions: 0,
            created_at: self.now(),
        };
        let code = referral.code.clone();
        let key = format!("effect:referral_created:{response_id}");
        self.store.apply(&key, Change::ReferralCreated(referral)).await?;
        // A concurrent worker may have won the race: whichever code is stored is the one.
        Ok(self
            .store
            .referral_of(customer_id)
            .await?
            .map(|r| r.code)
            .unwrap_or(code))
    }

    /// The email promoter's referral code, as stored: theirs, or the one derived from the link
    /// secret for this response (the thank-you page made it first, or this makes it), read back
    /// by its code, a consistent read where DynamoDB's by-customer index may lag. A code not
    /// stored is never answered, so the email's /r/{code} always leads somewhere.
    pub(super) async fn email_referral_code(
        &self,
        links: &sarafan_core::survey_link::LinkSecrets,
        customer_id: &str,
        response_id: &str,
    ) -> Result<ReferralCode, OutreachError> {
        if let Some(referral) = self.store.referral_of(customer_id).await? {
            return Ok(referral.code);
        }
        let codes = links.referral_codes(response_id);
        for code in &codes {
            if let Some(referral) = self.store.referral(code).await? {
                return Ok(referral.code);
            }
        }
        let referral = Referral {
            code: codes[0].clone(),
            customer_id: customer_id.to_string(),
            clicks: 0,
            conversions: 0,
            created_at: self.now(),
        };
        let key = format!("effect:referral_created:{response_id}");
        self.store.apply(&key, Change::ReferralCreated(referral)).await?;
        match self.store.referral(&codes[0]).await? {
            Some(referral) => Ok(referral.code),
            // The key made another code (under a secret rotated away): the customer's index will
            // show it; until then the event is retried rather than a dead link sent.
            None => Err(StoreError::Unavailable(format!(
                "the referral code made for {response_id} is not readable yet"
            ))
            .into()),
        }
    }

    /// CommentRecorded: the detractor alert shows the comment; praise is shared; the customer is thanked.
    pub(super) async fn on_comment(&self, response_id: &str) -> Result<Handled, OutreachError> {
        let Some(response) = self.store.response(response_id).await? else {
            return Ok(Handled::Skipped(format!("response {response_id} is gone")));
        };
        let customer = self.store.customer(&response.customer_id).await?;
        let locale = self.templates.resolve_locale(
            [
                response.locale.as_deref(),
                customer.as_ref().and_then(|c| c.locale.as_deref()),
            ],
            &self.config.default_locale,
        );
        let mut messages = 0;
        match response.category() {
            Category::Detractor => {
                if let Some(alert) = self.store.alert(&detractor_alert_id(response_id)).await? {
                    // Updating in place is idempotent: no effect key needed.
                    messages += self
                        .update_response_alert(&alert, &response, customer.as_ref(), &locale)
                        .await?;
                }
            }
            Category::Promoter => messages += self.share_kudos(&response, customer.as_ref(), &locale).await?,
            Category::Passive => {}
        }
        if let Some(identity) = Self::chat_identity(customer.as_ref(), response.platform) {
            let key = format!("effect:comment_recorded:{response_id}");
            let text = self.templates.text(&locale, Key::CommentThanks).to_string();
            messages += self.send_once(&key, &identity, &text, None).await?;
        }
        Ok(Handled::Done { messages })
    }
}

//! Sending once: claim a message before it goes out, record it after, retry only the record.

use super::*;

impl Outreach {
    /// Claims the message `key` for this worker before it is sent; `false` if, claimed, it
    /// turns out to be sent and recorded already (by a sender that has just let go of its claim).
    pub(super) async fn claim(&self, key: &str) -> Result<bool, OutreachError> {
        match self
            .store
            .claim_send(key, &self.config.claimant, self.config.claim_stale_after)
            .await?
        {
            SendClaim::Claimed => {}
            SendClaim::InFlight { claimant } => {
                return Err(OutreachError::InFlight {
                    key: key.to_string(),
                    claimant,
                })
            }
        }
        // A sender records its message before dropping its claim, so whoever claims after the
        // drop sees the record here.
        if self.store.effect_done(key).await? {
            self.unclaim(key).await;
            return Ok(false);
        }
        Ok(true)
    }

    /// A send failed and will be retried: let whoever retries it claim it. Best effort, as our
    /// own retry claims it again anyway and anyone else's once the claim is stale.
    pub(super) async fn unclaim(&self, key: &str) {
        if let Err(e) = self.store.release_send(key, &self.config.claimant).await {
            tracing::debug!(key, error = %e, "claim not released");
        }
    }

    /// Records what a message the platform accepted produced. The message is out, so a store
    /// that fails now is retried here (only the record, never the send) until it takes it, or
    /// until the worker is told to stop: then the claim stays (nobody else sends it) and the
    /// message goes to the outbox, to be recorded at the next start.
    pub(super) async fn record_sent(&self, key: &str, record: Option<Change>) -> Result<(), OutreachError> {
        let mut wait = std::time::Duration::from_millis(50);
        let stop = &self.config.stop;
        loop {
            let stored = async {
                match &record {
                    Some(change) => self.store.apply(key, change.clone()).await.map(drop),
                    None => self.store.mark_effect_done(key).await,
                }
            };
            // A write may hang on a locked store for its busy timeout: a stop does not wait for it
            // (should it land after all, recording it again at the next start is a duplicate).
            let stored = tokio::select! {
                stored = stored => stored,
                _ = stop.raised() => return Err(self.keep_unrecorded(key, record)),
            };
            match stored {
                Ok(()) => {
                    // The record now keeps the message single: the claim has done its work, and
                    // dropping it leaves no claim (nor the customer id some keys hold) behind.
                    self.unclaim(key).await;
                    return Ok(());
                }
                Err(e) if store_retried(&e) => {
                    tracing::warn!(key, error = %e, wait_ms = wait.as_millis() as u64, "message sent but not recorded; retrying the record");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.raised() => return Err(self.keep_unrecorded(key, record)),
                    }
                    wait = (wait * 2).min(RECORD_MAX_BACKOFF);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Stopping with `key` sent and not recorded: keeps it in the outbox for the next start.
    pub(super) fn keep_unrecorded(&self, key: &str, record: Option<Change>) -> OutreachError {
        let message = crate::outbox::Unrecorded {
            key: key.to_string(),
            claimant: self.config.claimant.clone(),
            record,
        };
        match &self.config.outbox {
            Some(path) => match crate::outbox::keep(path, &message) {
                Ok(()) => {
                    tracing::warn!(key, outbox = %path.display(), "stopping with a message sent but not recorded: kept to record at the next start; its claim keeps others from sending it")
                }
                Err(e) => {
                    tracing::error!(key, outbox = %path.display(), error = %e, "stopping with a message sent but not recorded, and it could not be kept: once its claim is stale it may be sent again")
                }
            },
            None => tracing::error!(
                key,
                "stopping with a message sent but not recorded: once its claim is stale it may be sent again"
            ),
        }
        OutreachError::Stopped { key: key.to_string() }
    }

    /// Sends plain text to a customer's chat.
    pub(super) async fn send_text(&self, identity: &Identity, text: &str) -> Result<(), SendError> {
        let chat = |e| SendError::Chat(e);
        match identity.platform {
            Platform::Slack => {
                let slack = configured(&self.chat.slack, Platform::Slack)?;
                let channel = slack.open_dm(&identity.address).await.map_err(chat)?;
                slack
                    .post_message(&channel, &escape_mrkdwn(text), None)
                    .await
                    .map_err(chat)?;
            }
            Platform::Telegram => {
                let telegram = configured(&self.chat.telegram, Platform::Telegram)?;
                telegram
                    .send_message(&identity.address, text, None)
                    .await
                    .map_err(chat)?;
            }
            Platform::Whatsapp => {
                let whatsapp = configured(&self.chat.whatsapp, Platform::Whatsapp)?;
                whatsapp.send_text(&identity.address, text).await.map_err(chat)?;
            }
            other => return Err(SendError::NotConfigured(other)),
        }
        Ok(())
    }

    /// Sends `text` to the customer once under `key`. A refusal that no retry can fix is logged and
    /// counted as done, so it does not block the event's other effects; a transient one is returned.
    /// `record` is the change stored with the key (the survey moving on), if any.
    pub(super) async fn send_once(
        &self,
        key: &str,
        identity: &Identity,
        text: &str,
        record: Option<Change>,
    ) -> Result<usize, OutreachError> {
        if self.store.effect_done(key).await? {
            return Ok(0);
        }
        if !self.claim(key).await? {
            return Ok(0);
        }
        match self.send_text(identity, text).await {
            Ok(()) => {
                self.record_sent(key, record).await?;
                return Ok(1);
            }
            Err(SendError::Chat(e)) if e.is_transient() => {
                self.unclaim(key).await;
                return Err(e.into());
            }
            Err(SendError::Chat(e)) => {
                tracing::error!(key, error = %e, "message refused; not retried");
            }
            Err(SendError::NotConfigured(platform)) => {
                tracing::warn!(key, %platform, "{NOT_CONFIGURED}; message not sent");
            }
            Err(SendError::Mail(e)) => {
                tracing::error!(key, error = %e, "email refused; not retried");
            }
        }
        match record {
            Some(change) => {
                self.store.apply(key, change).await?;
            }
            None => self.store.mark_effect_done(key).await?,
        }
        self.unclaim(key).await;
        Ok(0)
    }
}

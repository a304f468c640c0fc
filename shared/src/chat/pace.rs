//! Paces sends to what the platforms allow: a minimum gap per chat and across all chats.

use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out send slots: each caller reserves the next free slot for its chat, then sleeps until it.
/// Reserving under the lock and sleeping outside it keeps waiting callers from blocking each other.
#[derive(Debug)]
pub struct Pacer {
    per_chat: Duration,
    overall: Duration,
    slots: Mutex<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    next_overall: Option<Instant>,
    next_per_chat: HashMap<String, Instant>,
}

/// Chats idle for this long are forgotten, so the map does not grow without bound.
const FORGET_AFTER: Duration = Duration::from_secs(60);

impl Pacer {
    pub fn new(per_chat: Duration, overall: Duration) -> Self {
        Pacer {
            per_chat,
            overall,
            slots: Mutex::new(Slots::default()),
        }
    }

    /// No pacing at all (tests, or a proxy that paces for us).
    pub fn unpaced() -> Self {
        Pacer::new(Duration::ZERO, Duration::ZERO)
    }

    /// Slack: about one message a second per channel.
    pub fn slack() -> Self {
        Pacer::new(Duration::from_secs(1), Duration::ZERO)
    }

    /// Telegram: one message a second per chat, thirty a second overall.
    pub fn telegram() -> Self {
        Pacer::new(Duration::from_secs(1), Duration::from_millis(34))
    }

    /// WhatsApp Cloud API: one a second per recipient, eighty a second overall.
    pub fn whatsapp() -> Self {
        Pacer::new(Duration::from_secs(1), Duration::from_millis(13))
    }

    /// Waits until a message to `chat` may go out.
    pub async fn wait(&self, chat: &str) {
        if self.per_chat.is_zero() && self.overall.is_zero() {
            return;
        }
        let slot = self.reserve(chat, Instant::now()).await;
        tokio::time::sleep_until(slot).await;
    }

    async fn reserve(&self, chat: &str, now: Instant) -> Instant {
        let mut slots = self.slots.lock().await;
        slots.next_per_chat.retain(|_, next| *next + FORGET_AFTER > now);
        let mut slot = now;
        if let Some(next) = slots.next_overall {
            slot = slot.max(next);
        }
        if let Some(next) = slots.next_per_chat.get(chat) {
            slot = slot.max(*next);
        }
        slots.next_overall = Some(slot + self.overall);
        slots.next_per_chat.insert(chat.to_string(), slot + self.per_chat);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slots are computed from a given instant, so these tests assert the schedule, not the clock.
    #[tokio::test]
    async fn messages_to_one_chat_are_spaced_and_other_chats_only_by_the_overall_gap() {
        let pacer = Pacer::new(Duration::from_secs(1), Duration::from_millis(100));
        let now = Instant::now();
        assert_eq!(pacer.reserve("a", now).await, now);
        assert_eq!(pacer.reserve("a", now).await, now + Duration::from_secs(1));
        assert_eq!(pacer.reserve("b", now).await, now + Duration::from_millis(1100));
        assert_eq!(pacer.reserve("c", now).await, now + Duration::from_millis(1200));
        assert_eq!(pacer.reserve("a", now).await, now + Duration::from_secs(2));
    }

    #[tokio::test]
    async fn an_unpaced_pacer_never_waits() {
        let pacer = Pacer::unpaced();
        for _ in 0..100 {
            pacer.wait("a").await;
        }
        assert!(pacer.slots.lock().await.next_per_chat.is_empty());
    }
}

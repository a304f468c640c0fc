//! The SQLite send guard: the lease and the message claims, each one short immediate transaction.

use super::*;
use crate::store::{Lease, SendClaim, SendGuard};

/// Runs `f` in an immediate transaction on the writer connection: reading and writing the row
/// under the write lock is what makes the check-then-write atomic across processes.
fn exclusive<T>(store: &SqliteStore, f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>) -> StoreResult<T> {
    let mut conn = store.writer();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let out = f(&tx).map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

fn ago(age: std::time::Duration) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX)
}

#[async_trait]
impl SendGuard for SqliteStore {
    async fn lease(&self, name: &str, holder: &str, ttl: std::time::Duration) -> StoreResult<Lease> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        exclusive(self, |tx| {
            let current: Option<(String, String)> = tx
                .one("SELECT holder, until FROM leases WHERE name = ?1", [name], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((other, other_until)) = current {
                let other_until = parse_ts(&other_until)?;
                if other != holder && other_until > now {
                    return Ok(Lease::HeldBy {
                        holder: other,
                        until: other_until,
                    });
                }
            }
            tx.run(
                "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until",
                params![name, holder, ts(until)],
            )?;
            Ok(Lease::Held)
        })
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        exclusive(self, |tx| {
            tx.run(
                "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
                params![name, holder],
            )
            .map(drop)
        })
    }

    async fn claim_send(&self, key: &str, claimant: &str, stale_after: std::time::Duration) -> StoreResult<SendClaim> {
        let stale_before = ago(stale_after);
        exclusive(self, |tx| {
            let current: Option<(String, String)> = tx
                .one(
                    "SELECT claimant, claimed_at FROM send_claims WHERE key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((other, claimed_at)) = current {
                if other != claimant && parse_ts(&claimed_at)? > stale_before {
                    return Ok(SendClaim::InFlight { claimant: other });
                }
            }
            tx.run(
                "INSERT INTO send_claims (key, claimant, claimed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET claimant = excluded.claimant, claimed_at = excluded.claimed_at",
                params![key, claimant, ts(Utc::now())],
            )?;
            Ok(SendClaim::Claimed)
        })
    }

    async fn release_send(&self, key: &str, claimant: &str) -> StoreResult<()> {
        exclusive(self, |tx| {
            tx.run(
                "DELETE FROM send_claims WHERE key = ?1 AND claimant = ?2",
                params![key, claimant],
            )
            .map(drop)
        })
    }
}

//! Property tests: NPS, compounding and the store's counters hold for any input.

use proptest::prelude::*;
use sarafan_core::compounding::CompoundingModel;
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::{Platform, Response};
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeWriter, ResponseReader};
use sarafan_core::{NpsSummary, Score};

proptest! {
    #[test]
    fn nps_is_invariant_under_reordering(mut values in prop::collection::vec(0i64..=10, 1..200), seed in any::<u64>()) {
        let before = NpsSummary::from_scores(values.iter().map(|v| Score::new(*v).unwrap()));
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..values.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let after = NpsSummary::from_scores(values.iter().map(|v| Score::new(*v).unwrap()));
        prop_assert_eq!(before, after);
        let nps = after.nps().unwrap();
        prop_assert!((-100.0..=100.0).contains(&nps));
        prop_assert!(after.margin_95().unwrap() >= 0.0);
    }

    #[test]
    fn projection_converges_to_n_over_1_minus_r(n in 0.0f64..10_000.0, r in 0.0f64..0.9, initial in 0.0f64..5_000.0) {
        let model = CompoundingModel::new(r).unwrap();
        // With r <= 0.9, 400 months shrink the gap by 0.9^400 < 1e-18 of its start.
        let last = model.project(n, 400, initial).pop().unwrap();
        let target = n / (1.0 - r);
        prop_assert!((last.total - target).abs() <= 1e-6 * target.max(1.0), "{} vs {}", last.total, target);
        prop_assert!((last.baseline_total - n).abs() < 1e-9);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn aggregates_equal_a_recount_for_random_sequences_with_duplicates(
        deliveries in prop::collection::vec((0u32..40, 0i64..=10, 1u32..=12, 1u32..=28), 1..80)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("p.db")).unwrap();
        runtime.block_on(async {
            let mut first_seen = std::collections::HashMap::new();
            for (id, score, month, day) in deliveries {
                let response = Response {
                    id: format!("r{id}"),
                    customer_id: format!("c{}", id % 9),
                    platform: Platform::ALL[(id as usize) % Platform::ALL.len()],
                    score: Score::new(score).unwrap(),
                    comment: None,
                    locale: None,
                    submitted_at: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, month, day, 12, 0, 0).unwrap(),
                    brand: None,
                };
                let applied = store.apply(&format!("d{id}"), Change::Response { response: response.clone(), survey: None }).await.unwrap();
                // The first delivery of an id is stored; any later one is a duplicate, whatever it says.
                let expected = if first_seen.contains_key(&id) { Applied::Duplicate } else { Applied::Stored };
                prop_assert_eq!(applied, expected);
                first_seen.entry(id).or_insert(response);
            }
            for (id, response) in &first_seen {
                let stored = store.response(&format!("r{id}")).await.unwrap();
                prop_assert_eq!(stored.as_ref(), Some(response));
            }
            Ok(())
        })?;
        prop_assert_eq!(store.all_counters().unwrap(), store.recount_aggregates().unwrap());
    }
}

#![no_main]
//! cargo fuzz run slack_interactions: see sarafan_fuzz::slack_interactions for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::slack_interactions(data));

#![no_main]
//! cargo fuzz run slack_events: see sarafan_fuzz::slack_events for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::slack_events(data));

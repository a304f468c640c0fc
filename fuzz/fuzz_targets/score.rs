#![no_main]
//! cargo fuzz run score: see sarafan_fuzz::score for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::score(data));

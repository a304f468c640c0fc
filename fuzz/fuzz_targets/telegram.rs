#![no_main]
//! cargo fuzz run telegram: see sarafan_fuzz::telegram for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::telegram(data));

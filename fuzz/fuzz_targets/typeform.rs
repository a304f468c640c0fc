#![no_main]
//! cargo fuzz run typeform: see sarafan_fuzz::typeform for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::typeform(data));

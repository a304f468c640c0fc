#![no_main]
//! cargo fuzz run verify: see sarafan_fuzz::verify for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::verify(data));

#![no_main]
//! cargo fuzz run meta: see sarafan_fuzz::meta for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::meta(data));

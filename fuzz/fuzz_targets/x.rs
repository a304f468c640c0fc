#![no_main]
//! cargo fuzz run x: see sarafan_fuzz::x for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::x(data));

#![no_main]
//! cargo fuzz run listening: see sarafan_fuzz::listening for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::listening(data));

#![no_main]
//! cargo fuzz run api_routes: see sarafan_fuzz::api_routes for what it feeds and checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sarafan_fuzz::api_routes(data));

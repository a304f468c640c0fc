//! Lambda entry point of sarafan-ingest.

fn main() {}

//! Lambda entry point of sarafan-reports.

fn main() {}

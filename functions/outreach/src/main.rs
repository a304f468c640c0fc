//! Lambda entry point of sarafan-outreach.

fn main() {}

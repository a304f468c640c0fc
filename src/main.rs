//! The `sarafan` command line: local runner, demo, reports, exports and calculators.

fn main() {}

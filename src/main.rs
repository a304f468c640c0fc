//! The `sarafan` command line: local runner, demo, reports, exports and calculators.

mod check;
mod cli;
mod commands;
mod connect;
mod connections;
mod demo;
mod digest;
mod error;
mod import;
mod listen;
mod report;
mod serve;
mod store;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // The variables are read once; every command reads its settings from this one value.
    let vars = sarafan_core::settings::Vars::from_env();
    commands::init_logging(&cli, &vars);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli, &vars)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error::one_line(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

//! How a command fails: bad usage (exit 2) or a failure to do the work (exit 1), said in one line.

use sarafan_core::settings::ConfigError;

/// A command's failure: bad usage (exit 2) or a failure to do the work (exit 1).
#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Failure(anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failure(_) => 1,
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failure(e)
    }
}

/// The error and its causes on one line.
pub fn one_line(e: &CliError) -> String {
    match e {
        CliError::Usage(msg) => msg.clone(),
        CliError::Failure(e) => e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": "),
    }
}

/// A variable that stops a command: bad usage, named as the functions name it at start-up.
pub fn configuration(e: ConfigError) -> CliError {
    CliError::Usage(format!("configuration: {e}"))
}

//! `sarafan listen`: organic listening on the configured store, once (`--once`) or every 10
//! minutes, with what each source did on standard output.

use crate::error::{configuration, CliError};
use crate::store::open_store;
use anyhow::Context;
use sarafan_core::settings::Vars;
use sarafan_listen::{Config, Listener, SourceRun};
use std::io::Write;

pub async fn run(vars: &Vars, once: bool) -> Result<(), CliError> {
    let config = Config::from_vars(vars).map_err(configuration)?;
    for line in &config.described {
        eprintln!("sarafan listen: {line}");
    }
    if config.brand_terms.is_empty() && config.competitor_terms.is_empty() {
        eprintln!("sarafan listen: no terms to search for (set SARAFAN_BRAND_TERMS); only LISTEN_FEEDS entries naming a term would be kept, and none can");
    }
    let store = open_store(vars).await?;
    let listener = Listener::new(config);
    if !once {
        eprintln!(
            "sarafan listen: listening every {} minutes; Ctrl-C stops",
            sarafan_listen::EVERY.as_secs() / 60
        );
        listener
            .run_forever(store.as_ref(), async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        return Ok(());
    }
    eprintln!("sarafan listen: one run over every source");
    let runs = listener
        .run_once(store.as_ref(), listener.clock().now())
        .await
        .context("storing what was heard")?;
    print_runs(&runs)?;
    if runs.iter().any(|r| r.failed > 0) {
        eprintln!("sarafan listen: some sources failed (see above); they are asked again next run");
    }
    Ok(())
}

fn print_runs(runs: &[SourceRun]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<12} {:>8} {:>6} {:>7} {:>7}",
        "source", "fetched", "new", "stored", "failed"
    )
    .context("writing to standard output")?;
    for r in runs {
        let paused = r
            .paused_until
            .map(|t| format!("  (rate limited until {})", t.format("%H:%M:%S UTC")))
            .unwrap_or_default();
        writeln!(
            out,
            "{:<12} {:>8} {:>6} {:>7} {:>7}{paused}",
            r.source, r.fetched, r.new, r.stored, r.failed
        )
        .context("writing to standard output")?;
    }
    Ok(())
}

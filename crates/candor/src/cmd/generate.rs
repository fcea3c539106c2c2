//! `candor gen …`: demonstration data.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use usage::generate::{Encoding, GenConfig, Layout, write_file};

use crate::cli::GenCommand;

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Result<(u32, u32)> {
    let bad = || anyhow::anyhow!("{s:?}: expected a month such as 2026-07");
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let (y, m): (u32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok((y, m))
}

pub fn run(cmd: GenCommand) -> Result<ExitCode> {
    match cmd {
        GenCommand::Usage {
            out,
            rows,
            accounts,
            face_accounts,
            format,
            start,
            months,
            gzip,
            parquet,
            row_group_rows,
            seed,
        } => {
            if accounts == 0 || months == 0 {
                bail!("--accounts and --months must be at least 1");
            }
            let cfg = GenConfig {
                rows,
                accounts: (1..=accounts).map(|i| format!("demo-acct-{i:05}")).collect(),
                face_accounts,
                start_month: parse_month(&start).context("--start")?,
                months,
                seed,
            };
            let layout = if format == "cur" { Layout::Cur } else { Layout::Focus };
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            let (parquet, gzip) = (parquet || ext == "parquet", gzip || ext == "gz");
            if parquet && gzip {
                bail!("--parquet and --gzip: Parquet compresses its own pages; choose one");
            }
            let encoding = if parquet {
                Encoding::Parquet { row_group_rows }
            } else if gzip {
                Encoding::GzipCsv
            } else {
                Encoding::Csv
            };
            write_file(&out, &cfg, layout, encoding).with_context(|| format!("{}", out.display()))?;
            let kind = if parquet {
                "Parquet"
            } else if gzip {
                "gzip CSV"
            } else {
                "CSV"
            };
            eprintln!("wrote {rows} lines of demonstration billing data ({format}, {kind}) to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! One step of `candor-bench publish` in a process of its own: the benchmark's preparation
//! (usage rows, the registry, what the allocator kept) would otherwise count in every step's
//! peak memory, where a provider's `candor publish` or an auditor's `candor verify` starts
//! fresh. Prints `{"seconds", "peak_mb", "report"}` as JSON.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use publish::check::Memory;
use publish::check::memory::Remembered;
use serde_json::json;
use tlog::{Dir, LocalLog};

use crate::cli::{BenchPublishStepArgs, PublishStep};
use crate::memory::peak_rss_kb;
use crate::output::print_json;

pub fn run(args: &BenchPublishStepArgs) -> Result<ExitCode> {
    let home = LocalLog::at(&args.home);
    let verifier = home.verifier()?;
    let t = Instant::now();
    let report = match args.step {
        PublishStep::Site => {
            let stamp = home.home().join(tlog::STATE_DIR).join(publish::site::stamp::FILE_NAME);
            let site = publish::site::update_site(&home.public_dir(), &stamp, &verifier, &args.now, false)?;
            serde_json::to_value(site)?
        }
        PublishStep::Verify => {
            let memory = match &args.memory {
                Some(path) => match Memory::read(path).with_context(|| path.display().to_string())? {
                    Remembered::Memory(m) => Some(m),
                    _ => bail!("{}: not a memory of a check", path.display()),
                },
                None => None,
            };
            let dir = Dir::new(home.public_dir());
            let usage_index = args.memory.as_deref().map(publish::check::memory::usage_index_beside);
            let (report, _) = publish::check::check_report_remembering(
                &dir,
                &verifier,
                &[],
                &[],
                memory.as_deref(),
                usage_index.as_deref(),
                &mut |_| {},
            )?;
            serde_json::to_value(report)?
        }
        PublishStep::Again => {
            let folder = args.home.parent().context("the log's home has no parent folder")?;
            let stores = app::stores::Stores::default()
                .with_registry(folder.join("registry.db"))
                .with_usage(folder.join("usage.db"));
            let req = app::period::PublishPeriod {
                period: publish::gather::Period::parse(&args.period)?,
                log_dir: args.home.clone(),
                exact_quantities: false,
                demonstration: true,
                witness_fail_open: false,
                provider: None,
                rebuild_site: false,
            };
            let published = app::period::publish_period(&stores, &req)?;
            json!({"appended": published.outcome.appended.len(), "site_unchanged": published.site.unchanged})
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    print_json(&json!({"seconds": seconds, "peak_mb": peak_rss_kb() as f64 / 1024.0, "report": report}));
    Ok(ExitCode::SUCCESS)
}

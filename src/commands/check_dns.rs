//! `mailctl check-dns`: ask DNS for every record `mailctl dns` lists and
//! report what differs. The tokio runtime lives only inside this command;
//! the checks themselves are in `check`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::check::checks::{self, Summary};
use crate::check::locate::SpecLocations;
use crate::check::report::{self, Report};
use crate::check::resolver::{self, Dns, ResolverSettings, Shared};
use crate::check::{CheckError, Status};
use crate::cli::{CheckDnsArgs, CheckFormat, GlobalArgs};
use crate::dns;
use crate::exit::Exit;
use crate::output::Output;
use crate::spec::names;

pub fn run(global: &GlobalArgs, args: &CheckDnsArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;

    let nameservers = args
        .nameserver
        .iter()
        .map(|n| resolver::parse_nameserver(n).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 60.0) {
        bail!(
            "`--timeout {}` is out of range: give seconds, more than 0 and at most 60",
            args.timeout
        );
    }
    if args.concurrency == 0 {
        bail!("`--concurrency 0` would send nothing: give 1 or more");
    }

    let inputs = super::dns::read_inputs(&spec, output)?;
    timer.lap("read the DKIM keys and certificate");
    let mut set = dns::build(&spec, &inputs);
    let mut keys = inputs.dkim;
    if !args.domain.is_empty() {
        let mut wanted = Vec::new();
        for d in &args.domain {
            let name = names::domain_name(d).map_err(|e| anyhow::anyhow!("`{d}` {e}"))?;
            if !set.domains().contains(&name.as_str()) {
                bail!(
                    "`{name}` is not a zone mailctl has records for; the zones are: {}",
                    set.domains().join(", ")
                );
            }
            wanted.push(name);
        }
        set.records.retain(|r| wanted.contains(&r.domain));
        set.advice.retain(|a| wanted.contains(&a.domain));
        keys.retain(|(k, _)| wanted.contains(&k.domain));
    }
    let locations = crate::spec::read(&path)
        .map(|file| SpecLocations::from_source(&file))
        .unwrap_or_default();
    let plan = checks::plan(&spec, &set, &keys, &locations);
    timer.lap("plan the checks");

    let settings = ResolverSettings {
        nameservers,
        timeout: Duration::from_secs_f64(args.timeout),
        concurrency: args.concurrency,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| CheckError::Runtime { source })?;
    // A spinner while the queries run. A bar per domain would need
    // `checks::run` to report each finished job.
    let bar = output.progress(0, "check-dns", args.format != CheckFormat::Text);
    bar.message(&format!(
        "{} checks, {} domains",
        plan.len(),
        checks::zones(&set).len()
    ));
    let queried = runtime.block_on(async {
        let dns = Dns::new(&settings).map_err(|source| CheckError::Resolver { source })?;
        let shared = Arc::new(Shared::new(dns, settings.concurrency));
        let findings = checks::run(plan, Arc::clone(&shared) as Arc<dyn resolver::Resolve>).await;
        Ok::<_, CheckError>((findings, shared.queries_sent()))
    });
    bar.finish();
    let (findings, sent) = queried?;
    timer.lap(&format!("check ({sent} queries)"));

    let summary = Summary::of(&findings, sent);
    match args.format {
        CheckFormat::Text => output.check_dns_text(&findings, &summary),
        CheckFormat::Json => report::print_json(&Report {
            version: 1,
            spec: &path,
            strict: args.strict,
            summary,
            findings: &findings,
        }),
        CheckFormat::Junit => output.stdout(&report::junit(&findings, args.strict)),
        CheckFormat::Github => output.stdout(&report::github(&findings, &summary)),
    }
    let failing = findings
        .iter()
        .any(|f| f.status == Status::Fail || (args.strict && f.status == Status::Warning));
    Ok(if failing {
        Exit::Problems
    } else if summary.lookup_failures > 0 {
        Exit::Environment
    } else {
        Exit::Success
    })
}

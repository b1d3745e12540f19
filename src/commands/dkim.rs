//! `mailctl dkim keygen` and `mailctl dkim show`.

use std::fmt::Write as _;
use std::io::ErrorKind;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::{
    DkimArgs, DkimCommand, DkimKeygenArgs, DkimShowArgs, GlobalArgs, KeyAlgorithm, ReportFormat,
};
use crate::dkim::store::{KeyAccess, Written};
use crate::dkim::{self, DkimAlgorithm, DkimError, KeyRef};
use crate::exit::Exit;
use crate::output::Output;
use crate::spec::{Spec, dns::selector};

pub fn run(global: &GlobalArgs, args: &DkimArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;
    match &args.command {
        DkimCommand::Keygen(args) => keygen(&spec, args, *output),
        DkimCommand::Show(args) => show(&spec, args, *output),
    }
}

/// The keys a command acts on: the spec's, limited to `--domain`, or with
/// `--selector`, that selector for each domain with DKIM.
fn selected(spec: &Spec, domain: Option<&str>, selector_arg: Option<&str>) -> Result<Vec<KeyRef>> {
    let domain = domain
        .map(|d| super::dns::spec_domain(spec, d))
        .transpose()?;
    let mut keys = dkim::keys(spec);
    if let Some(domain) = &domain {
        keys.retain(|k| &k.domain == domain);
        if keys.is_empty() {
            bail!(
                "domain `{domain}` has no DKIM keys: it is parked, or `[domain.dkim] enabled = false`"
            );
        }
    }
    if let Some(wanted) = selector_arg {
        let wanted = selector(wanted).map_err(|e| anyhow::anyhow!("selector `{wanted}` {e}"))?;
        let mut by_domain: Vec<KeyRef> = Vec::new();
        for key in keys {
            if by_domain.iter().any(|k| k.domain == key.domain) {
                continue;
            }
            by_domain.push(KeyRef {
                path: dkim::key_path(&spec.dkim.key_dir, &key.domain, &wanted),
                selector: wanted.clone(),
                signing: false,
                ..key
            });
        }
        keys = by_domain;
    }
    Ok(keys)
}

#[derive(Serialize)]
struct KeyReport {
    domain: String,
    selector: String,
    path: String,
    /// `created`, `replaced` or `kept` (keygen); `present` or `missing` (show).
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

fn keygen(spec: &Spec, args: &DkimKeygenArgs, output: Output) -> Result<Exit> {
    let keys = selected(spec, args.domain.as_deref(), args.selector.as_deref())?;
    let mut reports = Vec::with_capacity(keys.len());
    let access = KeyAccess::for_group(&spec.dkim.key_group);
    for key in keys {
        let in_spec = dkim::keys(spec)
            .iter()
            .any(|k| k.domain == key.domain && k.selector == key.selector);
        let algorithm = match args.algorithm {
            Some(KeyAlgorithm::Rsa2048) => DkimAlgorithm::Rsa2048,
            Some(KeyAlgorithm::Rsa3072) => DkimAlgorithm::Rsa3072,
            Some(KeyAlgorithm::Ed25519) => DkimAlgorithm::Ed25519,
            None => key.algorithm,
        };
        let written = if key.path.exists() && !args.force {
            Written::Kept
        } else {
            output.verbose(&format!(
                "generating a {} key for {} selector {}",
                algorithm.name(),
                key.domain,
                key.selector
            ));
            let pem = dkim::generate(algorithm)?;
            dkim::store::write_key(&key.path, &pem, args.force, access)?
        };
        let status = match written {
            Written::Created => "created",
            Written::Replaced => "replaced",
            Written::Kept => "kept",
        };
        if args.format == ReportFormat::Text {
            let what = match written {
                Written::Kept => "kept the existing key".to_owned(),
                _ => format!("{status} a {} key", algorithm.name()),
            };
            output.status(&format!(
                "{}: selector {}: {what} ({})",
                key.domain,
                key.selector,
                key.path.display()
            ));
            if !in_spec {
                output.warning(&format!(
                    "selector `{}` is not in the spec: add it to `selectors` in the `[domain.dkim]` table of `{}` to publish and use it",
                    key.selector, key.domain
                ));
            }
        }
        reports.push(KeyReport {
            domain: key.domain,
            selector: key.selector,
            path: key.path.display().to_string(),
            status,
            algorithm: (written != Written::Kept).then(|| algorithm.name().to_owned()),
            name: None,
            value: None,
        });
    }
    if reports.iter().any(|r| r.status != "kept") {
        let group = &spec.dkim.key_group;
        let why = match access {
            KeyAccess::Group(_) => None,
            KeyAccess::MissingGroup => Some(format!(
                "group `{group}` (`[dkim] key_group`) does not exist"
            )),
            KeyAccess::NotRoot => Some(format!("only root can give the keys to group `{group}`")),
        };
        if let Some(why) = why {
            output.warning(&format!(
                "{why}: the new keys are mode 0600, readable by their owner only; OpenDKIM will not be able to read the key unless it runs as root"
            ));
        }
    }
    if args.format == ReportFormat::Json {
        output.json(&reports);
    } else if reports.iter().any(|r| r.status != "kept") {
        output.status("publish the new records (`mailctl dkim show` or `mailctl dns`) before the keys sign mail");
    }
    Ok(Exit::Success)
}

fn show(spec: &Spec, args: &DkimShowArgs, output: Output) -> Result<Exit> {
    let keys = selected(spec, args.domain.as_deref(), None)?;
    let mut reports = Vec::with_capacity(keys.len());
    let mut text = String::new();
    let mut cache = dkim::PublicKeyCache::default();
    for key in keys {
        let name = format!("{}._domainkey.{}", key.selector, key.domain);
        let (status, value, algorithm) = match cache.read(&key.path) {
            Ok(public) => ("present", Some(public.txt()), Some(public.describe())),
            Err(DkimError::Read { source, .. }) if source.kind() == ErrorKind::NotFound => {
                output.warning(&format!(
                    "no key for `{}` selector `{}` at `{}`; run `mailctl dkim keygen`",
                    key.domain,
                    key.selector,
                    key.path.display()
                ));
                ("missing", None, None)
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(value) = &value {
            let _ = writeln!(
                text,
                "{name}. {} IN TXT {}",
                spec.dns.ttl,
                crate::dns::txt::quoted(value)
            );
        }
        reports.push(KeyReport {
            domain: key.domain,
            selector: key.selector,
            path: key.path.display().to_string(),
            status,
            algorithm,
            name: Some(name),
            value,
        });
    }
    match args.format {
        ReportFormat::Json => output.json(&reports),
        ReportFormat::Text => output.stdout(&text),
    }
    Ok(Exit::Success)
}

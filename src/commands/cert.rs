//! `mailctl cert issue`, `renew` and `status`. The tokio runtime for the ACME
//! client starts here, in the two commands that talk to the CA.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;

use crate::acme::certificate::{self, CertificateInfo};
use crate::acme::policy::{self, Reason, RenewalWindow, Wanted, quoted};
use crate::acme::store::Store;
use crate::acme::{AcmeError, client, hooks, keys, lock};
use crate::cli::{
    CertArgs, CertCommand, CertIssueArgs, CertRenewArgs, CertStatusArgs, GlobalArgs, ReportFormat,
};
use crate::exit::Exit;
use crate::output::Output;
use crate::spec::Spec;
use crate::spec::acme::{AcmeSettings, LETSENCRYPT, LETSENCRYPT_STAGING};

const WINDOW_FILE: &str = "renewal-window.json";

pub fn run(global: &GlobalArgs, args: &CertArgs, output: &Output) -> Result<Exit> {
    let path = super::spec_path(global.spec.as_deref())?;
    let mut timer = super::Timer::new(output);
    let spec = super::load_spec(&path, output, &mut timer)?;
    let Some(settings) = spec.acme.clone() else {
        bail!(
            "spec `{}` has no `[acme]` table; add one to let mailctl maintain the certificate (see `mailctl cert` in the README)",
            spec.path.display()
        );
    };
    match &args.command {
        CertCommand::Issue(args) => issue(&spec, &settings, args, *output),
        CertCommand::Renew(args) => renew(&spec, &settings, args, *output),
        CertCommand::Status(args) => Ok(status(&settings, args, *output)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The directory a dry run talks to: Let's Encrypt's staging server for
/// Let's Encrypt, else the configured one (a private CA or a test server).
fn dry_run_directory(directory: &str) -> &str {
    if directory == LETSENCRYPT {
        LETSENCRYPT_STAGING
    } else {
        directory
    }
}

fn issue(
    spec: &Spec,
    settings: &AcmeSettings,
    args: &CertIssueArgs,
    output: Output,
) -> Result<Exit> {
    let store = Store::new(settings.certificate_dir());
    let _lock = if args.dry_run {
        None
    } else {
        Some(take_lock(&store, Duration::from_secs(900), output)?)
    };
    obtain(
        spec,
        settings,
        &store,
        args.dry_run,
        &Reason::Forced,
        output,
    )
}

fn take_lock(store: &Store, wait: Duration, output: Output) -> Result<lock::Lock> {
    Ok(lock::acquire(&store.dir, wait, |pid| {
        output.status(&format!(
            "waiting for another `mailctl cert` run (pid {}) to finish",
            if pid.is_empty() { "unknown" } else { pid }
        ));
    })?)
}

/// Order, store, switch, run the hooks.
fn obtain(
    spec: &Spec,
    settings: &AcmeSettings,
    store: &Store,
    dry_run: bool,
    reason: &Reason,
    output: Output,
) -> Result<Exit> {
    let directory = if dry_run {
        dry_run_directory(&settings.directory)
    } else {
        settings.directory.as_str()
    };
    if dry_run && directory != LETSENCRYPT_STAGING {
        // Only Let's Encrypt has a staging server mailctl knows. For any
        // other directory the dry run's certificate is a real one, counted
        // against that CA's limits; say so before ordering it.
        output.warning(&format!(
            "`{directory}` has no staging server that mailctl knows: the dry run orders a real certificate from it (stored nowhere)"
        ));
    }
    let names = &settings.names;
    let previous = if store.exists() {
        certificate::read(&store.fullchain()).ok()
    } else {
        None
    };

    // The key: the current one when `reuse_key` keeps the TLSA record valid.
    let current_key = if settings.reuse_key {
        store.current_key()?
    } else {
        None
    };
    let (key_pem, new_key) = match current_key {
        Some(pem) if keys::key_type_of(&pem) == Some(settings.key_type) => {
            (zeroize::Zeroizing::new(pem), false)
        }
        _ => (keys::generate(settings.key_type)?, true),
    };
    let key = keys::load(&key_pem, settings.key_type)?;

    output.status(&format!(
        "{}ordering a certificate for {} from `{directory}` ({})",
        if dry_run { "dry run: " } else { "" },
        quoted(names),
        reason.describe()
    ));
    let started = Instant::now();
    // The steps (account, order, each challenge, finalisation) on a spinner,
    // and in full with --verbose.
    let bar = output.progress(0, "certificate", false);
    bar.message("connecting to the CA");
    let progress = |text: &str| {
        bar.message(text);
        bar.suspend(|| output.verbose(text));
    };
    let chain = runtime()?.block_on(async {
        let account = client::connect(settings, directory, &progress).await?;
        client::order(&account, settings, names, &key, &progress).await
    });
    bar.finish();
    let chain = chain?;
    let elapsed = started.elapsed();
    let info = certificate::parse(&chain).map_err(|reason| AcmeError::BadCertificate {
        path: PathBuf::from(directory),
        reason,
    })?;
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !info.names.contains(n))
        .cloned()
        .collect();
    if !missing.is_empty() {
        bail!("the CA issued a certificate without {}", quoted(&missing));
    }
    if dry_run {
        output.status(&format!(
            "dry run: the CA issued a certificate for {} (issuer `{}`) in {:.1} s; nothing was stored",
            quoted(&info.names),
            info.issuer,
            elapsed.as_secs_f64()
        ));
        return Ok(Exit::Success);
    }

    let stored = store.store(&chain, &key_pem)?;
    let _ = std::fs::remove_file(store.dir.join(WINDOW_FILE));
    output.status(&format!(
        "issued a certificate for {} in {:.1} s, valid until {}; Postfix reads `{}` (version {})",
        quoted(&info.names),
        elapsed.as_secs_f64(),
        format_time(info.not_after),
        store.fullchain().display(),
        stored.version
    ));
    if spec.tls.cert_file != store.fullchain().display().to_string() {
        output.warning(&format!(
            "`[tls] cert_file` is `{}`, so Postfix does not use this certificate",
            spec.tls.cert_file
        ));
    }

    // A new key breaks a published `3 1 1` TLSA record.
    if settings.tlsa && new_key && previous.as_ref().is_some_and(|p| p.spki != info.spki) {
        output.warning(&format!(
            "the certificate has a new key, and `[dns] tlsa` publishes the old one: update the TLSA record now\n  _25._tcp.{}. IN TLSA {}",
            settings.certificate,
            crate::dns::records::tlsa_value(&info.spki)
        ));
    }

    let deployed = hooks::Deployed {
        fullchain: &store.fullchain(),
        privkey: &store.privkey(),
        dir: &store.dir,
        names,
        version: &stored.version,
    };
    let mut failed = None;
    for hook in &settings.deploy_hooks {
        match hooks::run(hook, &deployed, settings.hook_timeout) {
            Ok(text) => {
                output.verbose(&format!("deploy hook `{}` ran", hook.join(" ")));
                if !text.trim().is_empty() {
                    output.verbose(text.trim_end());
                }
            }
            Err(e) => {
                output.warning(&e.to_string());
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(anyhow::Error::new(e)
            .context("the new certificate is in place, but a deploy hook failed"));
    }
    Ok(Exit::Success)
}

fn renew(
    spec: &Spec,
    settings: &AcmeSettings,
    args: &CertRenewArgs,
    output: Output,
) -> Result<Exit> {
    if args.jitter > 0 {
        let wait = rand_core::RngCore::next_u64(&mut rand_core::OsRng) % (args.jitter + 1);
        output.verbose(&format!("waiting {wait} s (--jitter)"));
        std::thread::sleep(Duration::from_secs(wait));
    }
    let store = Store::new(settings.certificate_dir());
    // Under the lock, so a run that waited sees what the first one stored.
    let _lock = if args.dry_run {
        None
    } else {
        Some(take_lock(
            &store,
            Duration::from_secs(args.lock_timeout),
            output,
        )?)
    };
    // A current certificate that cannot be read is due: a new one replaces it.
    let (have, unreadable) = if store.exists() {
        match certificate::read(&store.fullchain()) {
            Ok(cert) => (Some(cert), None),
            Err(e) => (
                None,
                Some(Reason::Unreadable {
                    error: e.to_string(),
                }),
            ),
        }
    } else {
        (None, None)
    };

    if let Some(cert) = &have {
        warn_renew_before(settings, cert, output);
    }

    let reason = if args.force {
        Some(Reason::Forced)
    } else if unreadable.is_some() {
        unreadable
    } else {
        let window = match &have {
            Some(cert) if settings.ari => renewal_window(settings, &store, cert, output),
            _ => None,
        };
        policy::due(
            client::unix_now(),
            have.as_ref(),
            &wanted(settings),
            window.as_ref(),
        )
    };
    if let Some(reason) = reason {
        obtain(spec, settings, &store, args.dry_run, &reason, output)
    } else {
        {
            let cert = have.expect("not due means a certificate");
            output.status(&format!(
                "certificate `{}` is not due: {} left, renewal from {}",
                settings.certificate,
                policy::human(cert.not_after - client::unix_now()),
                format_time(policy::lifetime_threshold(cert.not_before, cert.not_after))
            ));
            Ok(Exit::Success)
        }
    }
}

/// `renew_before` of half the lifetime or more would renew on every run:
/// say so; `policy::due` then uses the lifetime rule alone.
fn warn_renew_before(settings: &AcmeSettings, cert: &CertificateInfo, output: Output) {
    if let Some(before) = wanted(settings).renew_before
        && policy::renew_before_too_long(before, cert)
    {
        output.warning(&format!(
            "`[acme] renew_before` ({}) is at least half of the certificate's {} lifetime and would renew on every run; it is ignored, and renewal starts when a third of the lifetime is left",
            policy::human(before),
            policy::human(cert.lifetime())
        ));
    }
}

fn wanted(settings: &AcmeSettings) -> Wanted<'_> {
    Wanted {
        names: &settings.names,
        key_type: settings.key_type.name(),
        renew_before: settings
            .renew_before
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    }
}

/// The CA's renewal window (ARI), from the cache until its `Retry-After`
/// has passed, else from the CA. A CA that cannot be asked is a warning:
/// the lifetime rule still applies.
fn renewal_window(
    settings: &AcmeSettings,
    store: &Store,
    cert: &CertificateInfo,
    output: Output,
) -> Option<RenewalWindow> {
    let path = store.dir.join(WINDOW_FILE);
    let cached: Option<RenewalWindow> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let now = client::unix_now();
    if let Some(w) = &cached
        && w.next_check > now
    {
        return cached;
    }
    let progress = |text: &str| output.verbose(text);
    let asked = runtime().ok()?.block_on(async {
        let account = client::connect(settings, &settings.directory, &progress).await?;
        client::renewal_window(&account, &cert.der).await
    });
    match asked {
        Ok(Some((start, end, next_check))) => {
            let random = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
            let window = RenewalWindow::update(cached.as_ref(), start, end, next_check, random);
            if let Ok(json) = serde_json::to_vec_pretty(&window) {
                let _ = crate::acme::write_atomic(&path, &json, 0o644);
            }
            Some(window)
        }
        Ok(None) => {
            output.verbose("the CA offers no renewal information (ARI)");
            None
        }
        Err(e) => {
            output.warning(&format!("cannot ask the CA for renewal information: {e}"));
            cached
        }
    }
}

#[derive(Serialize)]
struct StatusReport {
    certificates: Vec<CertificateStatus>,
}

#[derive(Serialize)]
struct CertificateStatus {
    name: String,
    /// Whether this is the certificate the spec's `[acme]` asks for.
    in_spec: bool,
    present: bool,
    path: String,
    key_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds_left: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    renewal_from: Option<String>,
    due: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matches_spec: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    versions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn status(settings: &AcmeSettings, args: &CertStatusArgs, output: Output) -> Exit {
    let certs_dir = settings.state_dir.join("certs");
    let mut names: Vec<String> = match std::fs::read_dir(&certs_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    if !names.contains(&settings.certificate) {
        names.push(settings.certificate.clone());
    }
    names.sort();
    let now = client::unix_now();
    let mut report = StatusReport {
        certificates: Vec::new(),
    };
    for name in names {
        let in_spec = name == settings.certificate;
        let store = Store::new(certs_dir.join(&name));
        let mut entry = CertificateStatus {
            name: name.clone(),
            in_spec,
            present: store.exists(),
            path: store.fullchain().display().to_string(),
            key_path: store.privkey().display().to_string(),
            names: None,
            issuer: None,
            not_before: None,
            not_after: None,
            seconds_left: None,
            lifetime_seconds: None,
            renewal_from: None,
            due: in_spec,
            reason: in_spec.then_some(Reason::Missing),
            reason_text: None,
            key_type: None,
            matches_spec: None,
            version: store.current(),
            versions: store.versions().map_or(0, |v| v.len()),
            error: None,
        };
        if entry.present {
            match certificate::read(&store.fullchain()) {
                Ok(cert) => {
                    let window: Option<RenewalWindow> = std::fs::read(store.dir.join(WINDOW_FILE))
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok());
                    let reason = if in_spec {
                        policy::due(now, Some(&cert), &wanted(settings), window.as_ref())
                    } else {
                        policy::due(
                            now,
                            Some(&cert),
                            &Wanted {
                                names: &cert.names,
                                key_type: &cert.key_type,
                                renew_before: None,
                            },
                            None,
                        )
                    };
                    entry.due = reason.is_some();
                    entry.reason_text = reason.as_ref().map(Reason::describe);
                    entry.reason = reason;
                    entry.matches_spec = in_spec.then(|| {
                        let mut wanted = settings.names.clone();
                        wanted.sort();
                        wanted == cert.names
                    });
                    entry.not_before = Some(format_time(cert.not_before));
                    entry.not_after = Some(format_time(cert.not_after));
                    entry.seconds_left = Some(cert.not_after - now);
                    entry.lifetime_seconds = Some(cert.lifetime());
                    entry.renewal_from = Some(format_time(window.as_ref().map_or_else(
                        || policy::lifetime_threshold(cert.not_before, cert.not_after),
                        |w| {
                            w.chosen
                                .min(policy::lifetime_threshold(cert.not_before, cert.not_after))
                        },
                    )));
                    entry.key_type = Some(cert.key_type);
                    entry.issuer = Some(cert.issuer);
                    entry.names = Some(cert.names);
                }
                Err(e) => {
                    entry.error = Some(e.to_string());
                }
            }
        } else if in_spec {
            entry.reason_text = Some(Reason::Missing.describe());
        }
        report.certificates.push(entry);
    }
    match args.format {
        ReportFormat::Json => output.json(&report),
        ReportFormat::Text => output.stdout(&status_text(&report)),
    }
    Exit::Success
}

fn status_text(report: &StatusReport) -> String {
    let mut out = String::new();
    for (i, c) in report.certificates.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}{}",
            c.name,
            if c.in_spec {
                " (the spec's certificate)"
            } else {
                ""
            }
        );
        let mut line = |label: &str, value: &str| {
            let _ = writeln!(out, "  {label:<11} {value}");
        };
        if !c.present {
            line("state:", "missing; run `mailctl cert issue`");
            line("path:", &c.path);
            continue;
        }
        if let Some(error) = &c.error {
            line("state:", &format!("unreadable: {error}"));
            continue;
        }
        line("names:", &c.names.as_deref().unwrap_or_default().join(", "));
        line("issuer:", c.issuer.as_deref().unwrap_or_default());
        line(
            "valid:",
            &format!(
                "{} to {}",
                c.not_before.as_deref().unwrap_or_default(),
                c.not_after.as_deref().unwrap_or_default()
            ),
        );
        line(
            "left:",
            &format!(
                "{} of {}",
                policy::human(c.seconds_left.unwrap_or_default()),
                policy::human(c.lifetime_seconds.unwrap_or_default())
            ),
        );
        match &c.reason_text {
            Some(reason) => line("due:", &format!("yes: {reason}")),
            None => line(
                "due:",
                &format!(
                    "no; renewal from {}",
                    c.renewal_from.as_deref().unwrap_or_default()
                ),
            ),
        }
        line("key:", c.key_type.as_deref().unwrap_or_default());
        if let Some(matches) = c.matches_spec {
            line(
                "spec names:",
                if matches {
                    "match"
                } else {
                    "differ (renew will order the spec's names)"
                },
            );
        }
        line(
            "path:",
            &format!(
                "{} (version {}, {} kept)",
                c.path,
                c.version.as_deref().unwrap_or("?"),
                c.versions
            ),
        );
    }
    out
}

/// Unix seconds as RFC 3339 UTC, e.g. `2026-12-01T10:00:00Z`.
pub fn format_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_780_000_000), "2026-05-28T20:26:40Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }
}

//! From the spec as read to the validated model: every value checked for the
//! file it ends up in, then the checks across values (duplicates, alias
//! targets, alias loops, the host name against the domains). All problems are
//! collected in one run; a model is returned only when none is an error.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::path::PathBuf;

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use toml::Spanned;

use super::checker::Checker;
use super::diagnostic::{Diagnostic, SourceFile};
use super::load::LoadedSpec;
use super::model::{
    Alias, Delivery, Domain, DovecotSettings, Mailbox, MapType, PostfixSettings, Server, Service,
    Spec, TlsSettings,
};
use super::names;
use crate::render::MANAGED_PARAMETERS;

const DEFAULT_SERVICES: [Service; 1] = [Service::Smtp];
const DEFAULT_MESSAGE_SIZE_LIMIT: u64 = 50 << 20;

/// A key path for diagnostics, formatted only when a diagnostic needs it:
/// building a string per alias would cost more than checking the alias.
struct Lazy<F>(F);

impl<F: Fn(&mut fmt::Formatter) -> fmt::Result> fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        (self.0)(f)
    }
}

/// Where a span in the file is: spans of `[[domain]]` tables parsed on their
/// own are relative to `base`, and bare strings in arrays carry an empty
/// span, for which the enclosing value's span stands in.
#[derive(Clone, Copy)]
struct At {
    base: usize,
}

impl At {
    fn of<T>(self, value: &Spanned<T>) -> Range<usize> {
        let span = value.span();
        self.base + span.start..self.base + span.end
    }

    fn or<T, U>(self, value: &Spanned<T>, outer: &Spanned<U>) -> Range<usize> {
        if value.span().is_empty() {
            self.of(outer)
        } else {
            self.of(value)
        }
    }
}

type Validator<'a> = Checker<'a>;

/// Validate a loaded spec. Returns the model when there is no error, and
/// every diagnostic (errors and warnings) either way, sorted.
pub fn validate(file: &SourceFile, loaded: &LoadedSpec) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut v = Checker::new(file, 0);
    let top = At { base: 0 };

    if *loaded.version.get_ref() != 1 {
        v.error_at(
            top.of(&loaded.version),
            "unsupported-version",
            "version",
            format!("spec version {} is not supported", loaded.version.get_ref()),
        )
        .expected = Some("`version = 1`".into());
    }

    let server = validate_server(&mut v, loaded);
    let dovecot = validate_dovecot(&mut v, file, loaded);
    let mut postfix = validate_postfix(&mut v, loaded);
    if let (Some(dovecot), Some(postfix)) = (&dovecot, postfix.as_mut()) {
        check_dovecot_delivery(&mut v, loaded, dovecot, postfix);
    }
    if let (Some(dovecot), Some(server)) = (&dovecot, &server) {
        check_dovecot_services(&mut v, loaded, dovecot, server);
    }
    let tls = validate_tls(&mut v, loaded, server.as_ref().map(|s| s.hostname.as_str()));
    let domains = validate_domains(&mut v, &loaded.domains);
    let (dns_settings, dns_diagnostics) =
        super::dns::validate_settings(file, &loaded.dkim, &loaded.dns, Some(&domains.0));
    v.diagnostics.extend(dns_diagnostics);

    if let Some(server) = &server {
        check_across_domains(&mut v, server, &domains.0, &domains.1);
    }
    let acme = validate_acme(&mut v, loaded, server.as_ref(), &domains.0);

    let mut diagnostics = v.diagnostics;
    super::diagnostic::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, diagnostics);
    }
    let spec = Spec {
        path: file.path.clone(),
        server: server.expect("no error means a server"),
        postfix: postfix.expect("no error means postfix settings"),
        tls: tls.expect("no error means TLS settings"),
        dkim: dns_settings
            .as_ref()
            .expect("no error means DKIM settings")
            .0
            .clone(),
        dns: dns_settings.expect("no error means DNS settings").1,
        acme,
        dovecot: dovecot.expect("no error means Dovecot settings"),
        domains: domains.0,
    };
    (Some(spec), diagnostics)
}

fn validate_server(v: &mut Validator, loaded: &LoadedSpec) -> Option<Server> {
    let top = At { base: 0 };
    let raw = loaded.server.get_ref();
    let hostname = v.check_at(
        top.of(&raw.hostname),
        "server.hostname",
        raw.hostname.get_ref(),
        "a fully qualified host name such as `mail.example.com`",
        names::domain_name,
    );

    let mut ipv4 = Vec::new();
    for (i, ip) in raw.ipv4.iter().enumerate() {
        let key = format!("server.ipv4[{i}]");
        match ip.get_ref().parse::<Ipv4Addr>() {
            Ok(addr) if ipv4.contains(&addr) => {
                v.error_at(
                    top.of(ip),
                    "duplicate",
                    &key,
                    format!("`{addr}` is listed twice"),
                );
            }
            Ok(addr) => ipv4.push(addr),
            Err(_) => {
                let d = v.error_at(
                    top.of(ip),
                    "invalid-value",
                    &key,
                    format!("`{}` is not an IPv4 address", ip.get_ref().escape_debug()),
                );
                d.expected = Some("an address such as `203.0.113.10`".into());
                if ip.get_ref().parse::<Ipv6Addr>().is_ok() {
                    d.help = Some("this is an IPv6 address: list it under `ipv6`".into());
                }
            }
        }
    }
    let mut ipv6 = Vec::new();
    for (i, ip) in raw.ipv6.iter().enumerate() {
        let key = format!("server.ipv6[{i}]");
        match ip.get_ref().parse::<Ipv6Addr>() {
            Ok(addr) if ipv6.contains(&addr) => {
                v.error_at(
                    top.of(ip),
                    "duplicate",
                    &key,
                    format!("`{addr}` is listed twice"),
                );
            }
            Ok(addr) => ipv6.push(addr),
            Err(_) => {
                let d = v.error_at(
                    top.of(ip),
                    "invalid-value",
                    &key,
                    format!("`{}` is not an IPv6 address", ip.get_ref().escape_debug()),
                );
                d.expected = Some("an address such as `2001:db8::10`".into());
                if ip.get_ref().parse::<Ipv4Addr>().is_ok() {
                    d.help = Some("this is an IPv4 address: list it under `ipv4`".into());
                }
            }
        }
    }

    let mut services = Vec::new();
    match &raw.services {
        None => services.extend(DEFAULT_SERVICES),
        Some(list) => {
            for (i, service) in list.get_ref().iter().enumerate() {
                if services.contains(service.get_ref()) {
                    v.error_at(
                        top.or(service, list),
                        "duplicate",
                        format!("server.services[{i}]"),
                        format!("service `{}` is listed twice", service.get_ref().name()),
                    );
                } else {
                    services.push(*service.get_ref());
                }
            }
        }
    }
    services.sort();

    Some(Server {
        hostname: hostname?,
        ipv4,
        ipv6,
        services,
    })
}

fn validate_postfix(v: &mut Validator, loaded: &LoadedSpec) -> Option<PostfixSettings> {
    let top = At { base: 0 };
    let raw = &loaded.postfix;
    let mut ok = true;

    let config_dir = match &raw.config_dir {
        Some(dir) => v
            .check_at(
                top.of(dir),
                "postfix.config_dir",
                dir.get_ref(),
                "an absolute directory such as `/etc/postfix`",
                names::absolute_path,
            )
            .map(PathBuf::from),
        None => Some(PathBuf::from("/etc/postfix")),
    };

    let compatibility_level = match &raw.compatibility_level {
        Some(level) => v.check_at(
            top.of(level),
            "postfix.compatibility_level",
            level.get_ref(),
            "a Postfix compatibility level such as `3.6`",
            |s| {
                let parts: Vec<&str> = s.split('.').collect();
                if (1..=3).contains(&parts.len())
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                {
                    Ok(s.to_owned())
                } else {
                    Err("is not a version number".into())
                }
            },
        ),
        None => Some("3.6".to_owned()),
    };

    let message_size_limit = match &raw.message_size_limit {
        Some(limit) => match u64::try_from(*limit.get_ref()) {
            Ok(n) if n >= 1 << 20 => Some(n),
            _ => {
                v.error_at(
                    top.of(limit),
                    "invalid-value",
                    "postfix.message_size_limit",
                    format!("message size limit {} is too small", limit.get_ref()),
                )
                .expected = Some("a number of bytes of at least 1048576 (1 MiB)".into());
                None
            }
        },
        None => Some(DEFAULT_MESSAGE_SIZE_LIMIT),
    };

    let delivery = raw
        .delivery
        .as_ref()
        .map_or(Delivery::Virtual, |d| *d.get_ref());
    let mailbox_base = match &raw.mailbox_base {
        Some(base) => v.check_at(
            top.of(base),
            "postfix.mailbox_base",
            base.get_ref(),
            "an absolute directory such as `/var/mail/vhosts`",
            names::absolute_path,
        ),
        None => Some("/var/mail/vhosts".to_owned()),
    };
    let mut id = |value: &Option<Spanned<i64>>, key: &str| -> Option<u32> {
        let Some(value) = value else {
            return Some(5000);
        };
        match u32::try_from(*value.get_ref()) {
            Ok(0) => {
                v.error_at(
                    top.of(value),
                    "invalid-value",
                    key,
                    "mailboxes must not be owned by root (0)".into(),
                )
                .help = Some("create a dedicated user, e.g. `vmail` with uid 5000".into());
                None
            }
            Ok(n) if n < u32::MAX - 1 => Some(n),
            _ => {
                v.error_at(
                    top.of(value),
                    "invalid-value",
                    key,
                    format!("`{}` is not a user or group id", value.get_ref()),
                )
                .expected = Some("a number from 1 to 4294967293".into());
                None
            }
        }
    };
    let mailbox_uid = id(&raw.mailbox_uid, "postfix.mailbox_uid");
    let mailbox_gid = id(&raw.mailbox_gid, "postfix.mailbox_gid");

    let lmtp_destination = match &raw.lmtp_destination {
        Some(dest) => v.check_at(
            top.of(dest),
            "postfix.lmtp_destination",
            dest.get_ref(),
            "`unix:PATH` or `inet:HOST:PORT`, e.g. `unix:private/dovecot-lmtp`",
            |s| {
                if !(s.starts_with("unix:") || s.starts_with("inet:")) {
                    return Err("does not start with `unix:` or `inet:`".into());
                }
                names::main_cf_value(s)?;
                if s.contains(|c: char| c.is_whitespace() || c == ',') {
                    return Err("contains whitespace or `,`".into());
                }
                Ok(s.to_owned())
            },
        ),
        None => Some("unix:private/dovecot-lmtp".to_owned()),
    };
    let dovecot_enabled = loaded
        .dovecot
        .enabled
        .as_ref()
        .is_some_and(|e| *e.get_ref());
    if delivery == Delivery::Virtual
        && !dovecot_enabled
        && let Some(dest) = &raw.lmtp_destination
    {
        v.warning_at(
            top.of(dest),
            "unused-key",
            "postfix.lmtp_destination",
            "`lmtp_destination` has no effect while `delivery = \"virtual\"`".into(),
        );
    }

    let relayhost = match &raw.relayhost {
        Some(host) if host.get_ref().is_empty() => Some(None),
        Some(host) => v
            .check_at(
                top.of(host),
                "postfix.relayhost",
                host.get_ref(),
                "a next hop such as `[smtp.example.net]:587`",
                names::relayhost,
            )
            .map(Some),
        None => Some(None),
    };

    let mut extra = std::collections::BTreeMap::new();
    for (name, value) in &raw.extra {
        let key = format!("postfix.extra.{}", name.get_ref());
        let Some(param) = v.check_at(
            top.of(name),
            &key,
            name.get_ref(),
            "a Postfix parameter name",
            names::parameter_name,
        ) else {
            ok = false;
            continue;
        };
        if MANAGED_PARAMETERS.contains(&param.as_str()) {
            v.error_at(
                top.of(name),
                "managed-parameter",
                &key,
                format!("`{param}` is set by mailctl and cannot be overridden in `postfix.extra`"),
            )
            .help = Some(managed_parameter_help(&param));
            ok = false;
            continue;
        }
        match v.check_at(
            top.of(value),
            &key,
            &value.get_ref().0,
            "a value on one line, without `$` expansions",
            names::main_cf_value,
        ) {
            Some(value) => {
                extra.insert(param, value);
            }
            None => ok = false,
        }
    }

    let map_type = raw
        .map_type
        .as_ref()
        .map_or(MapType::Hash, |m| *m.get_ref());
    let chroot = raw.chroot.as_ref().is_some_and(|c| *c.get_ref());
    let local_relay = raw.local_relay.as_ref().is_some_and(|c| *c.get_ref());
    if !ok {
        return None;
    }
    Some(PostfixSettings {
        config_dir: config_dir?,
        map_type,
        compatibility_level: compatibility_level?,
        message_size_limit: message_size_limit?,
        delivery,
        mailbox_base: mailbox_base?,
        mailbox_uid: mailbox_uid?,
        mailbox_gid: mailbox_gid?,
        lmtp_destination: lmtp_destination?,
        relayhost: relayhost?,
        chroot,
        local_relay,
        extra,
    })
}

fn managed_parameter_help(param: &str) -> String {
    let key = match param {
        "myhostname" => Some("server.hostname"),
        "compatibility_level" => Some("postfix.compatibility_level"),
        "message_size_limit" => Some("postfix.message_size_limit"),
        "relayhost" => Some("postfix.relayhost"),
        "virtual_mailbox_base" => Some("postfix.mailbox_base"),
        "smtpd_tls_cert_file" => Some("tls.cert_file"),
        "smtpd_tls_key_file" => Some("tls.key_file"),
        _ => None,
    };
    match key {
        Some(key) => format!("set `{key}` in the spec instead"),
        None => {
            "mailctl keeps this parameter at its secure default; remove it from `postfix.extra`"
                .into()
        }
    }
}

fn validate_tls(
    v: &mut Validator,
    loaded: &LoadedSpec,
    hostname: Option<&str>,
) -> Option<TlsSettings> {
    let top = At { base: 0 };
    // The certificate `mailctl cert` maintains (see `spec::acme`).
    let state_dir = super::acme::state_dir_for_tls(loaded.acme.as_ref());
    let default_dir = super::acme::certificate_dir(&state_dir, hostname.unwrap_or("localhost"))
        .display()
        .to_string();
    let mut path = |value: &Option<Spanned<String>>, key: &str, default: &str| match value {
        Some(p) => v.check_at(
            top.of(p),
            key,
            p.get_ref(),
            "an absolute file path",
            names::absolute_path,
        ),
        None => Some(format!("{default_dir}/{default}")),
    };
    let cert_file = path(&loaded.tls.cert_file, "tls.cert_file", "fullchain.pem");
    let key_file = path(&loaded.tls.key_file, "tls.key_file", "privkey.pem");
    Some(TlsSettings {
        cert_file: cert_file?,
        key_file: key_file?,
    })
}

/// `[dovecot]`.
fn validate_dovecot(
    v: &mut Validator,
    file: &SourceFile,
    loaded: &LoadedSpec,
) -> Option<DovecotSettings> {
    let top = At { base: 0 };
    let raw = &loaded.dovecot;
    let config_dir = match &raw.config_dir {
        Some(dir) => v
            .check_at(
                top.of(dir),
                "dovecot.config_dir",
                dir.get_ref(),
                "an absolute directory such as `/etc/dovecot`",
                names::absolute_path,
            )
            .map(PathBuf::from),
        None => Some(PathBuf::from("/etc/dovecot")),
    };
    let spec_dir = file.path.parent().unwrap_or(std::path::Path::new(""));
    let passwords_file = match &raw.passwords_file {
        Some(path) => v
            .check_at(
                top.of(path),
                "dovecot.passwords_file",
                path.get_ref(),
                "a file path, absolute or relative to the spec file",
                |s| {
                    if s.is_empty() {
                        return Err("is empty".into());
                    }
                    names::main_cf_value(s)?;
                    Ok(spec_dir.join(s))
                },
            )
            .map(Some),
        None => Some(None),
    };
    let postfix_queue_dir = match &raw.postfix_queue_dir {
        Some(dir) => v.check_at(
            top.of(dir),
            "dovecot.postfix_queue_dir",
            dir.get_ref(),
            "Postfix's `queue_directory`, such as `/var/spool/postfix`",
            names::absolute_path,
        ),
        None => Some("/var/spool/postfix".to_owned()),
    };
    Some(DovecotSettings {
        enabled: raw.enabled.as_ref().is_some_and(|e| *e.get_ref()),
        config_dir: config_dir?,
        passwords_file: passwords_file?,
        postfix_queue_dir: postfix_queue_dir?,
    })
}

/// With Dovecot, mail is delivered over LMTP to the socket Dovecot renders;
/// `delivery = "virtual"` would bypass it.
fn check_dovecot_delivery(
    v: &mut Validator,
    loaded: &LoadedSpec,
    dovecot: &DovecotSettings,
    postfix: &mut PostfixSettings,
) {
    if !dovecot.enabled {
        return;
    }
    let top = At { base: 0 };
    match &loaded.postfix.delivery {
        Some(d) if *d.get_ref() == Delivery::Virtual => {
            v.error_at(
                top.of(d),
                "dovecot-delivery",
                "postfix.delivery",
                "`delivery = \"virtual\"` bypasses Dovecot, which is enabled and owns the mailboxes".into(),
            )
            .help = Some("remove `delivery` (Dovecot implies \"lmtp\"), or disable `[dovecot]`".into());
        }
        _ => postfix.delivery = Delivery::Lmtp,
    }
    if let Some(dest) = &loaded.postfix.lmtp_destination
        && dest.get_ref().starts_with("inet:")
    {
        v.error_at(top.of(dest), "dovecot-delivery", "postfix.lmtp_destination", "Dovecot's LMTP listener is a unix socket, but `lmtp_destination` is `inet:`".into())
            .help = Some("remove `lmtp_destination` (default `unix:private/dovecot-lmtp`), or name a `unix:` socket".into());
    }
}

/// Submission needs Dovecot for SASL, and IMAP/POP3 are Dovecot; IMAPS and
/// POP3S need a certificate someone maintains: explicit `[tls]` paths, or
/// `[acme]` so that `mailctl cert` obtains the default one. (Whether the
/// file exists is a run-time question, not the spec's: Dovecot refuses to
/// start without it, and `mailctl lint` reports Postfix's missing TLS files.)
fn check_dovecot_services(
    v: &mut Validator,
    loaded: &LoadedSpec,
    dovecot: &DovecotSettings,
    server: &Server,
) {
    let raw = loaded.server.get_ref();
    let span_of = |service: Service| -> Range<usize> {
        raw.services
            .as_ref()
            .and_then(|list| {
                list.get_ref()
                    .iter()
                    .find(|s| *s.get_ref() == service)
                    .map(|s| {
                        if s.span().is_empty() {
                            list.span()
                        } else {
                            s.span()
                        }
                    })
            })
            .unwrap_or_else(|| loaded.server.span())
    };
    for service in [
        Service::Submission,
        Service::Submissions,
        Service::Imaps,
        Service::Pop3s,
    ] {
        if server.offers(service) && !dovecot.enabled {
            let what = match service {
                Service::Imaps | Service::Pop3s => "is served by Dovecot",
                _ => "needs Dovecot to check logins (SASL)",
            };
            v.error_at(
                span_of(service),
                "needs-dovecot",
                "server.services",
                format!("service `{}` {what}, which is not enabled", service.name()),
            )
            .help = Some("add `[dovecot]` with `enabled = true`".into());
        }
    }
    let has_certificate = loaded.tls.cert_file.is_some() || loaded.acme.is_some();
    for service in [Service::Imaps, Service::Pop3s] {
        if server.offers(service) && !has_certificate {
            v.error_at(
                span_of(service),
                "needs-certificate",
                "server.services",
                format!("service `{}` needs a certificate, but nothing provides one", service.name()),
            )
            .help = Some("add `[acme]` so that `mailctl cert issue` obtains one, or set `[tls] cert_file` and `key_file`".into());
        }
    }
}

/// `[acme]` (see `spec::acme`), when the spec has one.
fn validate_acme(
    v: &mut Validator,
    loaded: &LoadedSpec,
    server: Option<&Server>,
    domains: &[Domain],
) -> Option<super::acme::AcmeSettings> {
    let raw = loaded.acme.as_ref()?;
    let cx = super::acme::Context {
        hostname: server.map(|s| s.hostname.as_str()),
        has_ipv6: server.is_some_and(|s| !s.ipv6.is_empty()),
        mta_sts_domains: domains
            .iter()
            .filter(|d| d.dns.mta_sts.is_some())
            .map(|d| d.name.clone())
            .collect(),
        tlsa: loaded.dns.tlsa.as_ref().is_some_and(|t| *t.get_ref()),
    };
    let (settings, diagnostics) = super::acme::validate(v.file, raw, &cx);
    v.diagnostics.extend(diagnostics);
    settings
}

/// Where each hosted name is defined, for the checks across domains.
struct DomainIndex {
    /// Domain name → (index of the primary domain, span of the name).
    names: HashMap<String, (usize, Range<usize>)>,
}

/// A local part defined in a domain: where, and what it is. The key of the
/// map it lives in borrows from the spec text unless it had to be lowered.
#[derive(Clone)]
struct Local {
    span: Range<usize>,
    kind: AddressKind,
}

/// Per-domain spans kept for the checks across domains.
struct DomainSpans<'a> {
    /// Every mailbox and alias of the domain, by lower-case local part: the
    /// duplicate checks within the domain, then the target checks across.
    locals: HashMap<Cow<'a, str>, Local>,
    /// The index of the `[[domain]]` table in the file.
    entry: usize,
    name: Range<usize>,
    alias_domains: Vec<Range<usize>>,
    aliases: Vec<Range<usize>>,
    /// The spans of every alias's targets, alias after alias.
    targets: Vec<Range<usize>>,
    catch_all: Vec<Range<usize>>,
}

fn validate_domains<'a>(
    v: &mut Validator,
    raw_domains: &'a [crate::spec::load::DomainEntry],
) -> (Vec<Domain>, (DomainIndex, Vec<DomainSpans<'a>>)) {
    // Each domain is checked on its own, in parallel: a large spec has a
    // million aliases. What spans domains (duplicate names) comes after, in
    // file order.
    let file = v.file;
    let checked = super::parallel::map(raw_domains, |i, entry| {
        let mut v = Checker::new(file, 0);
        let result = check_domain(&mut v, i, entry);
        (result, v.diagnostics)
    });

    let mut domains = Vec::with_capacity(raw_domains.len());
    let mut all_spans = Vec::with_capacity(raw_domains.len());
    let mut index = DomainIndex {
        names: HashMap::with_capacity_and_hasher(raw_domains.len(), FxBuildHasher),
    };
    for (result, diagnostics) in checked {
        v.diagnostics.extend(diagnostics);
        if let Some((mut domain, mut spans)) = result {
            if let Some((_, first)) = index.names.get(&domain.name) {
                let line = v.file.locate(first.clone()).line;
                v.error_at(
                    spans.name.clone(),
                    "duplicate-domain",
                    format_args!("domain[{}].name", spans.entry),
                    format!("domain `{}` is defined twice", domain.name),
                )
                .help = Some(format!("the first definition is on line {line}"));
                continue;
            }
            index
                .names
                .insert(domain.name.clone(), (domains.len(), spans.name.clone()));
            let mut kept = Vec::with_capacity(domain.alias_domains.len());
            let mut kept_spans = Vec::with_capacity(domain.alias_domains.len());
            for (alias_name, span) in domain
                .alias_domains
                .drain(..)
                .zip(spans.alias_domains.drain(..))
            {
                if let Some((_, first)) = index.names.get(&alias_name) {
                    let line = v.file.locate(first.clone()).line;
                    v.error_at(
                        span,
                        "duplicate-domain",
                        format_args!("domain[{}].alias_domains", spans.entry),
                        format!("domain `{alias_name}` is defined twice"),
                    )
                    .help = Some(format!(
                        "the first definition is on line {line}; a domain is either hosted or an alias domain, once"
                    ));
                    continue;
                }
                index
                    .names
                    .insert(alias_name.clone(), (domains.len(), span.clone()));
                kept.push(alias_name);
                kept_spans.push(span);
            }
            domain.alias_domains = kept;
            spans.alias_domains = kept_spans;
            domains.push(domain);
            all_spans.push(spans);
        }
    }
    (domains, (index, all_spans))
}

/// Check one `[[domain]]` table on its own: its name, mailboxes, aliases,
/// catch-all, alias domains and DNS settings. `None` when the name is invalid.
fn check_domain<'a>(
    v: &mut Validator,
    i: usize,
    entry: &'a crate::spec::load::DomainEntry,
) -> Option<(Domain, DomainSpans<'a>)> {
    let at = At { base: entry.base };
    let outer = &entry.domain;
    let raw = outer.get_ref();
    let key = format!("domain[{i}]");
    let name_span = at.of(&raw.name);
    let name = v.check_at(
        name_span.clone(),
        format_args!("{key}.name"),
        raw.name.get_ref(),
        "a domain name such as `example.com`",
        names::domain_name,
    )?;

    let mut locals: HashMap<Cow<'a, str>, Local> =
        HashMap::with_capacity_and_hasher(raw.mailboxes.len() + raw.aliases.0.len(), FxBuildHasher);
    let mut mailboxes = Vec::with_capacity(raw.mailboxes.len());
    for (j, mailbox) in raw.mailboxes.iter().enumerate() {
        let inner = mailbox.get_ref();
        let span = at.or(&inner.local, mailbox);
        let mkey = Lazy(|f: &mut fmt::Formatter| write!(f, "{key}.mailboxes[{j}]"));
        if v.check_at(
            span.clone(),
            &mkey,
            inner.local.get_ref(),
            "a local part such as `alice`",
            names::check_local_part,
        )
        .is_none()
        {
            continue;
        }
        let local = names::lower(inner.local.get_ref());
        if let Some(first) = locals.get(local.as_ref()) {
            let line = v.file.locate(first.span.clone()).line;
            v.error_at(
                span.clone(),
                "duplicate-mailbox",
                &mkey,
                format!("mailbox `{local}@{name}` is defined twice"),
            )
            .help = Some(format!("the first definition is on line {line}"));
            continue;
        }
        let quota = match &inner.quota {
            Some(q) => v.check_at(
                at.of(q),
                format_args!("{mkey}.quota"),
                q.get_ref(),
                "a size such as `2G`",
                names::size_in_bytes,
            ),
            None => None,
        };
        // Never `check_at`: its message repeats the value, and this one is a
        // password hash, or worse, a password pasted by mistake.
        let password_hash = inner.password_hash.as_ref().and_then(|h| {
            match crate::dovecot::password::check_hash(h.get_ref()) {
                Ok(hash) => Some(hash),
                Err(problem) => {
                    let d = v.error_at(
                        at.of(h),
                        "invalid-password-hash",
                        format_args!("{mkey}.password_hash"),
                        format!("the password hash of `{local}@{name}` {}", problem.message),
                    );
                    d.expected = Some(
                        "`{SHA512-CRYPT}$6$...`, `{BLF-CRYPT}$2y$...` or `{ARGON2ID}$argon2id$...`"
                            .into(),
                    );
                    d.help = problem.help;
                    if let Some(location) = &mut d.location {
                        hide_value(location);
                    }
                    None
                }
            }
        });
        let imap = inner.imap.as_ref().is_none_or(|b| *b.get_ref());
        let pop3 = inner.pop3.as_ref().is_none_or(|b| *b.get_ref());
        mailboxes.push(Mailbox {
            local: local.clone().into_owned(),
            quota,
            password_hash,
            imap,
            pop3,
        });
        locals.insert(
            local,
            Local {
                span,
                kind: AddressKind::Mailbox,
            },
        );
    }

    let mut aliases = Vec::with_capacity(raw.aliases.0.len());
    let mut alias_spans = Vec::with_capacity(raw.aliases.0.len());
    let mut target_spans = Vec::with_capacity(raw.aliases.0.len());
    for (local_raw, targets_raw) in &raw.aliases.0 {
        let akey =
            Lazy(|f: &mut fmt::Formatter| write!(f, "{key}.aliases.{}", local_raw.get_ref()));
        let span = at.of(local_raw);
        if v.check_at(
            span.clone(),
            &akey,
            local_raw.get_ref(),
            "a local part such as `info`",
            names::check_local_part,
        )
        .is_none()
        {
            continue;
        }
        let local = names::lower(local_raw.get_ref());
        if let Some(first) = locals.get(local.as_ref()) {
            let line = v.file.locate(first.span.clone()).line;
            let is_mailbox = first.kind == AddressKind::Mailbox;
            let (code, message) = if is_mailbox {
                (
                    "mailbox-and-alias",
                    format!("`{local}@{name}` is both a mailbox and an alias"),
                )
            } else {
                (
                    "duplicate-alias",
                    format!("alias `{local}@{name}` is defined twice"),
                )
            };
            v.error_at(span.clone(), code, &akey, message).help = Some(if is_mailbox {
                format!(
                    "the mailbox is on line {line}; to deliver to the mailbox and forward too, make it a mailbox only and add the forward as an alias with another name"
                )
            } else {
                format!("the first definition is on line {line}; local parts are case-insensitive")
            });
            continue;
        }
        let Some(targets) = validate_targets(v, at, targets_raw, &akey, &name, &mut target_spans)
        else {
            continue;
        };
        if targets.is_empty() {
            v.error_at(
                at.of(targets_raw),
                "empty-alias",
                &akey,
                format!("alias `{local}@{name}` has no targets"),
            );
            continue;
        }
        aliases.push(Alias {
            local: local.clone().into_owned(),
            targets,
        });
        locals.insert(
            local,
            Local {
                span: span.clone(),
                kind: AddressKind::Alias(aliases.len() - 1),
            },
        );
        alias_spans.push(span);
    }

    let mut catch_all = Vec::new();
    let mut catch_all_spans = Vec::new();
    if let Some(raw_catch_all) = &raw.catch_all {
        match validate_targets(
            v,
            at,
            raw_catch_all,
            &format_args!("{key}.catch_all"),
            &name,
            &mut catch_all_spans,
        ) {
            Some(targets) if targets.is_empty() => {
                v.error_at(
                    at.of(raw_catch_all),
                    "empty-alias",
                    format!("{key}.catch_all"),
                    "the catch-all has no targets".into(),
                );
            }
            Some(targets) => catch_all = targets,
            None => {}
        }
    }

    let mut alias_domains = Vec::new();
    let mut alias_domain_spans = Vec::new();
    for (j, alias_domain) in raw.alias_domains.iter().enumerate() {
        let span = at.or(alias_domain, outer);
        let dkey = Lazy(|f: &mut fmt::Formatter| write!(f, "{key}.alias_domains[{j}]"));
        if let Some(alias_name) = v.check_at(
            span.clone(),
            &dkey,
            alias_domain.get_ref(),
            "a domain name such as `example.net`",
            names::domain_name,
        ) {
            alias_domains.push(alias_name);
            alias_domain_spans.push(span);
        }
    }
    let spans = DomainSpans {
        locals,
        entry: i,
        name: name_span,
        aliases: alias_spans,
        targets: target_spans,
        catch_all: catch_all_spans,
        alias_domains: alias_domain_spans,
    };
    let raw_dns = super::dns::RawDomainDns {
        parked: raw.parked.as_ref(),
        mx: raw.mx.as_ref(),
        spf: raw.spf.as_ref(),
        dkim: raw.dkim.as_ref(),
        dmarc: raw.dmarc.as_ref(),
        mta_sts: raw.mta_sts.as_ref(),
        tls_rpt: raw.tls_rpt.as_ref(),
        has_addresses: !(raw.mailboxes.is_empty()
            && raw.aliases.0.is_empty()
            && raw.catch_all.is_none()
            && raw.alias_domains.is_empty()),
    };
    let (dns, dns_diagnostics) =
        super::dns::validate_domain(v.file, entry.base, &key, &name, &raw_dns);
    v.diagnostics.extend(dns_diagnostics);
    Some((
        Domain {
            name,
            mailboxes,
            aliases,
            catch_all,
            alias_domains,
            dns,
        },
        spans,
    ))
}

/// Replace the located value in the quoted source line with `"[hidden]"`:
/// a password hash, or a password pasted by mistake, is never printed.
fn hide_value(location: &mut super::diagnostic::Location) {
    const HIDDEN: &str = "\"[hidden]\"";
    let start = location.column.saturating_sub(1);
    let chars: Vec<char> = location.line_text.chars().collect();
    let end = (start + location.width).min(chars.len());
    if start <= end {
        let before: String = chars[..start].iter().collect();
        let after: String = chars[end..].iter().collect();
        location.line_text = format!("{before}{HIDDEN}{after}");
        location.width = HIDDEN.len();
    }
}

/// Check each target; returns them, their spans appended to `spans`, or
/// `None` (and `spans` as it was) when a bad target was reported.
fn validate_targets(
    v: &mut Validator,
    at: At,
    raw: &Spanned<crate::spec::raw::Targets>,
    key: &dyn fmt::Display,
    domain: &str,
    spans: &mut Vec<Range<usize>>,
) -> Option<Vec<String>> {
    let mut targets = Vec::with_capacity(raw.get_ref().0.len());
    let spans_before = spans.len();
    let mut bad = false;
    for target in &raw.get_ref().0 {
        let span = at.or(target, raw);
        match v.check_at(
            span.clone(),
            key,
            target.get_ref(),
            "an address such as `bob@example.net`, or a local part in this domain",
            |s| names::address(s, domain),
        ) {
            Some(address) if targets.contains(&address) => {
                v.warning_at(
                    span.clone(),
                    "duplicate-target",
                    key,
                    format!("target `{address}` is listed twice"),
                );
            }
            Some(address) => {
                targets.push(address);
                spans.push(span);
            }
            None => bad = true,
        }
    }
    if bad {
        spans.truncate(spans_before);
        return None;
    }
    Some(targets)
}

/// What a hosted address is, for resolving alias targets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressKind {
    Mailbox,
    /// The index of the alias in its domain.
    Alias(usize),
}

fn check_across_domains(
    v: &mut Validator,
    server: &Server,
    domains: &[Domain],
    (index, spans): &(DomainIndex, Vec<DomainSpans>),
) {
    if let Some((_, span)) = index.names.get(&server.hostname) {
        let line = v.file.locate(span.clone()).line;
        v.error_at(
            span.clone(),
            "hostname-is-domain",
            "server.hostname",
            format!(
                "the mail host name `{}` is also a mail domain (line {line})",
                server.hostname
            ),
        )
        .help = Some(format!(
            "Postfix delivers mail for its own host name locally; give the server its own name, such as `mail.{}`",
            server.hostname
        ));
    }

    // Each domain's targets checked against the addresses `check_domain`
    // collected, in parallel, the maps shared read-only.
    let file = v.file;
    let checked = super::parallel::map(domains, |d, domain| {
        let mut v = Checker::new(file, 0);
        let mut edges = Vec::new();
        let domain_spans = &spans[d];
        let mut target_spans = domain_spans.targets.iter();
        for (a, alias) in domain.aliases.iter().enumerate() {
            for (target, span) in alias.targets.iter().zip(target_spans.by_ref()) {
                let key = format_args!("domain[{}].aliases.{}", domain_spans.entry, alias.local);
                if let Some(next) =
                    check_target(&mut v, domains, index, spans, d, target, span, &key, true)
                {
                    edges.push(((d, a), next));
                }
            }
        }
        for (target, span) in domain.catch_all.iter().zip(&domain_spans.catch_all) {
            let key = format_args!("domain[{}].catch_all", domain_spans.entry);
            check_target(&mut v, domains, index, spans, d, target, span, &key, false);
        }
        (v.diagnostics, edges)
    });
    let mut edges: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::default();
    for (diagnostics, domain_edges) in checked {
        v.diagnostics.extend(diagnostics);
        for (from, to) in domain_edges {
            edges.entry(from).or_default().push(to);
        }
    }

    report_alias_loops(v, domains, spans, &edges);
}

/// Check that an alias or catch-all target inside a hosted domain exists.
/// Returns the alias it names, if it names one (for the loop check).
///
/// A target in a domain with a catch-all is delivered even when it is
/// neither mailbox nor alias, but a catch-all's own target must exist:
/// otherwise it would be caught again, and loop.
#[allow(clippy::too_many_arguments)]
fn check_target(
    v: &mut Validator,
    domains: &[Domain],
    index: &DomainIndex,
    spans: &[DomainSpans],
    home: usize,
    target: &str,
    span: &Range<usize>,
    key: &dyn fmt::Display,
    catch_all_ok: bool,
) -> Option<(usize, usize)> {
    let (primary, local) = resolve(index, domains, home, target)?;
    match spans[primary].locals.get(local).map(|l| l.kind) {
        Some(AddressKind::Alias(a)) => Some((primary, a)),
        Some(AddressKind::Mailbox) => None,
        None if catch_all_ok && !domains[primary].catch_all.is_empty() => None,
        None => {
            let target_domain = &domains[primary];
            let candidates = target_domain
                .mailboxes
                .iter()
                .map(|m| m.local.as_str())
                .chain(target_domain.aliases.iter().map(|a| a.local.as_str()));
            let suggestion = super::diagnostic::suggest(local, candidates);
            let d = v.error_at(
                span.clone(),
                "unknown-target",
                key,
                format!("target `{target}` is in hosted domain `{}` but is neither a mailbox nor an alias", target_domain.name),
            );
            d.help = Some(match suggestion {
                Some(s) => format!("did you mean `{s}@{}`?", target_domain.name),
                None => format!(
                    "add a mailbox or alias `{local}` to domain `{}`",
                    target_domain.name
                ),
            });
            None
        }
    }
}

/// The primary domain (by index) and local part of an address in a hosted
/// domain or alias domain; `None` for addresses hosted elsewhere. Most
/// targets are in the domain of their alias (`home`), which needs no lookup.
fn resolve<'t>(
    index: &DomainIndex,
    domains: &[Domain],
    home: usize,
    address: &'t str,
) -> Option<(usize, &'t str)> {
    let (local, domain) = names::split_address(address)?;
    if domain == domains[home].name {
        return Some((home, local));
    }
    let (primary, _) = index.names.get(domain)?;
    Some((*primary, local))
}

/// Find cycles among aliases (an alias whose expansion comes back to itself)
/// with an iterative depth-first search; each loop is reported once.
fn report_alias_loops(
    v: &mut Validator,
    domains: &[Domain],
    spans: &[DomainSpans],
    edges: &HashMap<(usize, usize), Vec<(usize, usize)>>,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnPath,
        Done,
    }
    let mut state: HashMap<(usize, usize), State> =
        HashMap::with_capacity_and_hasher(edges.len(), FxBuildHasher);
    let mut starts: Vec<&(usize, usize)> = edges.keys().collect();
    starts.sort_unstable();
    for &start in starts {
        if state.contains_key(&start) {
            continue;
        }
        let mut path = vec![start];
        let mut next_edge = vec![0usize];
        state.insert(start, State::OnPath);
        while let Some(&node) = path.last() {
            let i = *next_edge.last().expect("parallel stacks");
            let targets = edges.get(&node).map_or(&[][..], Vec::as_slice);
            if i == targets.len() {
                state.insert(node, State::Done);
                path.pop();
                next_edge.pop();
                continue;
            }
            *next_edge.last_mut().expect("parallel stacks") += 1;
            let next = targets[i];
            match state.get(&next) {
                Some(State::OnPath) => {
                    let from = path.iter().position(|&n| n == next).expect("on path");
                    let cycle: Vec<String> = path[from..]
                        .iter()
                        .chain(std::iter::once(&next))
                        .map(|&(d, a)| {
                            format!("{}@{}", domains[d].aliases[a].local, domains[d].name)
                        })
                        .collect();
                    let (d, a) = next;
                    v.error_at(
                        spans[d].aliases[a].clone(),
                        "alias-loop",
                        format!("domain[{d}].aliases.{}", domains[d].aliases[a].local),
                        format!("alias loop: {}", cycle.join(" → ")),
                    )
                    .help = Some("mail sent to any of these addresses would never be delivered; point one of them at a mailbox".into());
                }
                Some(State::Done) => {}
                None => {
                    state.insert(next, State::OnPath);
                    path.push(next);
                    next_edge.push(0);
                }
            }
        }
    }
}

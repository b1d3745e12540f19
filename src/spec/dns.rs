//! The DNS side of the spec: the top-level `[dkim]` and `[dns]` tables and,
//! per domain, `parked`, `mx`, `[domain.spf]`, `[domain.dkim]`,
//! `[domain.dmarc]`, `[domain.mta_sts]` and `[domain.tls_rpt]`.
//!
//! Wire types first (faithful to the TOML, spans kept), then the validated
//! types, then the checks. Every value that ends up in a zone file or a TXT
//! record is checked for it here: no whitespace or control characters where
//! they would split a record, no `"`, `\` or `;` inside a tag value, no `,`
//! inside a URI list element.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;

use super::checker::Checker;
use super::diagnostic::{Diagnostic, Location, SourceFile, suggest};
use super::names;

// ---------------------------------------------------------------------------
// Wire types

/// Top-level `[dkim]`: where keys live and what new keys look like.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDkimSettings {
    pub key_dir: Option<Spanned<String>>,
    pub opendkim_dir: Option<Spanned<String>>,
    pub selector: Option<Spanned<String>>,
    pub algorithm: Option<Spanned<DkimAlgorithm>>,
    pub key_group: Option<Spanned<String>>,
    pub resolver_config: Option<Spanned<String>>,
}

/// Top-level `[dns]`: TTL and the records about the mail host itself.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDnsSettings {
    pub ttl: Option<Spanned<i64>>,
    pub tlsa: Option<Spanned<bool>>,
    #[serde(default)]
    pub caa_issuers: Vec<Spanned<String>>,
    pub caa_iodef: Option<Spanned<String>>,
}

/// One `mx = [{ host = "...", priority = 10 }]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMx {
    pub host: Spanned<String>,
    pub priority: Option<Spanned<i64>>,
}

/// `[domain.spf]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSpf {
    #[serde(default)]
    pub mechanisms: Vec<Spanned<String>>,
    pub all: Option<Spanned<String>>,
}

/// `[domain.dkim]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDomainDkim {
    pub enabled: Option<Spanned<bool>>,
    pub selectors: Option<Spanned<Vec<Spanned<String>>>>,
    pub algorithm: Option<Spanned<DkimAlgorithm>>,
}

/// `[domain.dmarc]`. The tags RFC 9989 removed are read only to say so.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDmarc {
    pub policy: Option<Spanned<DmarcPolicy>>,
    pub subdomain_policy: Option<Spanned<DmarcPolicy>>,
    pub np: Option<Spanned<DmarcPolicy>>,
    pub adkim: Option<Spanned<Alignment>>,
    pub aspf: Option<Spanned<Alignment>>,
    #[serde(default)]
    pub rua: Vec<Spanned<String>>,
    #[serde(default)]
    pub ruf: Vec<Spanned<String>>,
    #[serde(default)]
    pub fo: Vec<Spanned<String>>,
    pub pct: Option<Spanned<IgnoredAny>>,
    pub rf: Option<Spanned<IgnoredAny>>,
    pub ri: Option<Spanned<IgnoredAny>>,
}

/// `[domain.mta_sts]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawMtaSts {
    pub mode: Option<Spanned<MtaStsMode>>,
    pub max_age: Option<Spanned<i64>>,
    pub web_root: Option<Spanned<String>>,
}

/// `[domain.tls_rpt]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTlsRpt {
    #[serde(default)]
    pub rua: Vec<Spanned<String>>,
}

/// The DNS keys of one `[[domain]]`, borrowed from `RawDomain`.
pub struct RawDomainDns<'a> {
    pub parked: Option<&'a Spanned<bool>>,
    pub mx: Option<&'a Spanned<Vec<Spanned<RawMx>>>>,
    pub spf: Option<&'a Spanned<RawSpf>>,
    pub dkim: Option<&'a Spanned<RawDomainDkim>>,
    pub dmarc: Option<&'a Spanned<RawDmarc>>,
    pub mta_sts: Option<&'a Spanned<RawMtaSts>>,
    pub tls_rpt: Option<&'a Spanned<RawTlsRpt>>,
    /// Whether the domain has mailboxes, aliases, a catch-all or alias domains.
    pub has_addresses: bool,
}

// ---------------------------------------------------------------------------
// Validated types

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DkimAlgorithm {
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "ed25519")]
    Ed25519,
}

impl DkimAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            DkimAlgorithm::Rsa2048 => "rsa-2048",
            DkimAlgorithm::Rsa3072 => "rsa-3072",
            DkimAlgorithm::Ed25519 => "ed25519",
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    None,
    Quarantine,
    Reject,
}

impl DmarcPolicy {
    pub fn name(self) -> &'static str {
        match self {
            DmarcPolicy::None => "none",
            DmarcPolicy::Quarantine => "quarantine",
            DmarcPolicy::Reject => "reject",
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    #[serde(alias = "r")]
    Relaxed,
    #[serde(alias = "s")]
    Strict,
}

impl Alignment {
    /// The DMARC tag value, `r` or `s`.
    pub fn tag(self) -> &'static str {
        match self {
            Alignment::Relaxed => "r",
            Alignment::Strict => "s",
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MtaStsMode {
    None,
    Testing,
    Enforce,
}

impl MtaStsMode {
    pub fn name(self) -> &'static str {
        match self {
            MtaStsMode::None => "none",
            MtaStsMode::Testing => "testing",
            MtaStsMode::Enforce => "enforce",
        }
    }
}

/// `[dkim]`, resolved.
#[derive(Debug, Clone)]
pub struct DkimSettings {
    /// Absolute, or relative to the current directory when the spec path was.
    /// A relative `key_dir` in the spec is relative to the spec's directory.
    pub key_dir: PathBuf,
    /// Where `render` writes `OpenDKIM`'s `KeyTable`, `SigningTable` and
    /// `TrustedHosts`.
    pub opendkim_dir: PathBuf,
    pub selector: String,
    pub algorithm: DkimAlgorithm,
    /// The group that may read the private keys (`OpenDKIM`'s), when it
    /// exists and keygen runs as root.
    pub key_group: String,
    /// `OpenDKIM`'s `ResolverConfiguration`: an unbound configuration for
    /// the DNS lookups of verification. None: libunbound resolves from the
    /// root with the DNSSEC trust anchor.
    pub resolver_config: Option<PathBuf>,
}

/// `[dns]`, resolved.
#[derive(Debug, Clone)]
pub struct DnsSettings {
    pub ttl: u32,
    pub tlsa: bool,
    pub caa_issuers: Vec<String>,
    /// A `mailto:` or `https:` URI.
    pub caa_iodef: Option<String>,
}

/// The DNS settings of one domain.
#[derive(Debug, Clone)]
pub struct DomainDns {
    /// Sends and receives no mail: null MX, `v=spf1 -all`, DMARC reject.
    pub parked: bool,
    /// Empty means the default: the server's host name, priority 10.
    pub mx: Vec<MxHost>,
    pub spf: Spf,
    /// `None` when DKIM is off for the domain (or it is parked).
    pub dkim: Option<DomainDkim>,
    pub dmarc: Dmarc,
    pub mta_sts: Option<MtaSts>,
    pub tls_rpt: Option<TlsRpt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxHost {
    pub host: String,
    pub priority: u16,
}

#[derive(Debug, Clone, Default)]
pub struct Spf {
    /// Extra mechanisms, normalised, in the spec's order.
    pub mechanisms: Vec<SpfMechanism>,
    /// `-all`, `~all` or `?all`.
    pub all: String,
    /// Where `mechanisms` is, for the lookup-limit check across domains.
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfMechanism {
    /// The term as it goes into the record, e.g. `include:_spf.example.net`.
    pub text: String,
    /// The domain of an `include:`.
    pub include: Option<String>,
    /// Whether evaluating the term costs a DNS lookup (RFC 7208 §4.6.4).
    pub queries_dns: bool,
}

#[derive(Debug, Clone)]
pub struct DomainDkim {
    /// Published selectors; the first one signs. Empty means `[dkim] selector`.
    pub selectors: Vec<String>,
    /// `None` means `[dkim] algorithm`.
    pub algorithm: Option<DkimAlgorithm>,
}

#[derive(Debug, Clone)]
pub struct Dmarc {
    pub policy: DmarcPolicy,
    pub subdomain_policy: Option<DmarcPolicy>,
    pub np: Option<DmarcPolicy>,
    pub adkim: Option<Alignment>,
    pub aspf: Option<Alignment>,
    /// Addresses for aggregate reports.
    pub rua: Vec<String>,
    /// Addresses for failure reports.
    pub ruf: Vec<String>,
    /// Failure reporting options: `0`, `1`, `d`, `s`.
    pub fo: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct MtaSts {
    pub mode: MtaStsMode,
    /// Seconds.
    pub max_age: u32,
    /// Where `render` writes `.well-known/mta-sts.txt`.
    pub web_root: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct TlsRpt {
    /// `mailto:` or `https:` URIs.
    pub rua: Vec<String>,
}

pub const DEFAULT_KEY_DIR: &str = "/var/lib/mailctl/dkim";
/// The group `OpenDKIM` runs as on Debian.
pub const DEFAULT_KEY_GROUP: &str = "opendkim";
pub const DEFAULT_SELECTOR: &str = "mail";
pub const DEFAULT_TTL: u32 = 3600;
pub const DEFAULT_MTA_STS_MAX_AGE: u32 = 604_800;
/// RFC 7208 §4.6.4.
pub const SPF_LOOKUP_LIMIT: usize = 10;

// ---------------------------------------------------------------------------
// Checks

/// Validate the top-level `[dkim]` and `[dns]` tables, then the checks that
/// need every domain (SPF lookups through hosted includes). `domains` is
/// `None` when the domains had errors of their own.
pub fn validate_settings(
    file: &SourceFile,
    dkim: &RawDkimSettings,
    dns: &RawDnsSettings,
    domains: Option<&[super::model::Domain]>,
) -> (Option<(DkimSettings, DnsSettings)>, Vec<Diagnostic>) {
    let mut c = Checker {
        file,
        base: 0,
        diagnostics: Vec::new(),
    };

    let spec_dir = file.path.parent().unwrap_or(Path::new(""));
    let key_dir = match &dkim.key_dir {
        Some(dir) => c.check(
            dir,
            "dkim.key_dir",
            "a directory, absolute or relative to the spec file",
            |s| {
                if s.is_empty() {
                    return Err("is empty".into());
                }
                names::main_cf_value(s)?;
                if s.contains(|ch: char| ch.is_whitespace() || ch == ',' || ch == ':') {
                    return Err(
                        "contains whitespace, `,` or `:`, which break OpenDKIM's KeyTable".into(),
                    );
                }
                Ok(spec_dir.join(s))
            },
        ),
        None => Some(PathBuf::from(DEFAULT_KEY_DIR)),
    };
    let opendkim_dir = match &dkim.opendkim_dir {
        Some(dir) => c.check(
            dir,
            "dkim.opendkim_dir",
            "an absolute directory such as `/etc/opendkim`",
            |s| names::absolute_path(s).map(PathBuf::from),
        ),
        None => Some(PathBuf::from("/etc/opendkim")),
    };
    let selector = match &dkim.selector {
        Some(s) => c.check(
            s,
            "dkim.selector",
            "a selector such as `mail` or `2026a`",
            selector,
        ),
        None => Some(DEFAULT_SELECTOR.to_owned()),
    };
    let key_group = match &dkim.key_group {
        Some(g) => c.check(
            g,
            "dkim.key_group",
            "a group name such as `opendkim`",
            group_name,
        ),
        None => Some(DEFAULT_KEY_GROUP.to_owned()),
    };
    let resolver_config = dkim.resolver_config.as_ref().map(|path| {
        c.check(
            path,
            "dkim.resolver_config",
            "the absolute path of an unbound configuration file",
            |s| names::absolute_path(s).map(PathBuf::from),
        )
    });
    let algorithm = dkim
        .algorithm
        .as_ref()
        .map_or(DkimAlgorithm::Rsa2048, |a| *a.get_ref());

    let ttl = match &dns.ttl {
        Some(ttl) => match u32::try_from(*ttl.get_ref()) {
            Ok(n) if (60..=604_800).contains(&n) => Some(n),
            _ => {
                c.error(
                    ttl,
                    "invalid-value",
                    "dns.ttl",
                    format!("TTL {} is out of range", ttl.get_ref()),
                )
                .expected = Some("a number of seconds from 60 to 604800 (one week)".into());
                None
            }
        },
        None => Some(DEFAULT_TTL),
    };
    let mut caa_issuers = Vec::new();
    for (i, issuer) in dns.caa_issuers.iter().enumerate() {
        let key = format!("dns.caa_issuers[{i}]");
        if let Some(name) = c.check(
            issuer,
            &key,
            "the CA's issuer domain, such as `letsencrypt.org`",
            names::domain_name,
        ) {
            if caa_issuers.contains(&name) {
                c.error(
                    issuer,
                    "duplicate",
                    &key,
                    format!("`{name}` is listed twice"),
                );
            } else {
                caa_issuers.push(name);
            }
        }
    }
    let caa_iodef = dns.caa_iodef.as_ref().and_then(|iodef| {
        let uri = c.check(
            iodef,
            "dns.caa_iodef",
            "`mailto:ADDRESS` or an `https://` URL",
            |s| report_uri(s, None),
        );
        if caa_issuers.is_empty() {
            c.warning(
                iodef,
                "unused-key",
                "dns.caa_iodef",
                "`caa_iodef` has no effect without `caa_issuers`".into(),
            );
        }
        uri
    });

    if let Some(domains) = domains {
        check_spf_lookups(&mut c, domains);
        check_distinct_web_roots(&mut c, domains);
        check_signing_algorithms(&mut c, domains, algorithm);
    }

    let ok = !c.has_errors();
    let settings = match (key_dir, opendkim_dir, selector, ttl, key_group) {
        (Some(key_dir), Some(opendkim_dir), Some(selector), Some(ttl), Some(key_group)) if ok => {
            Some((
                DkimSettings {
                    key_dir,
                    opendkim_dir,
                    selector,
                    algorithm,
                    key_group,
                    resolver_config: resolver_config.flatten(),
                },
                DnsSettings {
                    ttl,
                    tlsa: dns.tlsa.as_ref().is_some_and(|t| *t.get_ref()),
                    caa_issuers,
                    caa_iodef,
                },
            ))
        }
        _ => None,
    };
    (settings, c.diagnostics)
}

/// Validate the DNS keys of one domain. `base` is the domain table's offset
/// (`DomainEntry::base`), `key` its key path such as `domain[0]`, `name` its
/// validated name.
pub fn validate_domain(
    file: &SourceFile,
    base: usize,
    key: &str,
    name: &str,
    raw: &RawDomainDns,
) -> (DomainDns, Vec<Diagnostic>) {
    let mut c = Checker {
        file,
        base,
        diagnostics: Vec::new(),
    };
    let parked = raw.parked.is_some_and(|p| *p.get_ref());

    if let Some(parked_at) = raw.parked.filter(|_| parked) {
        if raw.has_addresses {
            c.error(
                parked_at,
                "parked-with-addresses",
                format!("{key}.parked"),
                format!(
                    "parked domain `{name}` has mailboxes, aliases, a catch-all or alias domains"
                ),
            )
            .help = Some(
                "a parked domain receives no mail: remove its addresses, or remove `parked = true`"
                    .into(),
            );
        }
        let sends: [(&str, Option<Range<usize>>); 4] = [
            ("spf", raw.spf.map(|s| c.span(s))),
            ("dkim", raw.dkim.map(|s| c.span(s))),
            ("mta_sts", raw.mta_sts.map(|s| c.span(s))),
            ("mx", raw.mx.map(|s| c.span(s))),
        ];
        for (table, span) in sends {
            if let Some(span) = span {
                let d = Diagnostic::error("parked-with-mail-settings", format!("parked domain `{name}` cannot have `{table}` settings"))
                    .at(file.locate(span))
                    .key(format!("{key}.{table}"))
                    .help("a parked domain publishes a null MX, `v=spf1 -all` and DMARC `p=reject`; remove this table, or remove `parked = true`");
                c.diagnostics.push(d);
            }
        }
    }

    let mut mx = Vec::new();
    if let Some(list) = raw.mx {
        if list.get_ref().is_empty() {
            c.error(list, "invalid-value", format!("{key}.mx"), "`mx` is empty".into())
                .help = Some("remove `mx` to use the server's host name, or use `parked = true` for a domain without mail".into());
        }
        for (i, entry) in list.get_ref().iter().enumerate() {
            let mkey = format!("{key}.mx[{i}]");
            let inner = entry.get_ref();
            let host = c.check(
                &inner.host,
                format!("{mkey}.host"),
                "a host name such as `mail.example.com`",
                names::domain_name,
            );
            let priority = match &inner.priority {
                Some(p) => {
                    let priority = u16::try_from(*p.get_ref()).ok();
                    if priority.is_none() {
                        c.error(
                            p,
                            "invalid-value",
                            format!("{mkey}.priority"),
                            format!("MX priority {} is out of range", p.get_ref()),
                        )
                        .expected = Some("a number from 0 to 65535".into());
                    }
                    priority
                }
                None => Some(10),
            };
            if let (Some(host), Some(priority)) = (host, priority) {
                if mx.iter().any(|m: &MxHost| m.host == host) {
                    c.error(
                        &inner.host,
                        "duplicate",
                        format!("{mkey}.host"),
                        format!("MX host `{host}` is listed twice"),
                    );
                } else {
                    mx.push(MxHost { host, priority });
                }
            }
        }
    }

    let spf = validate_spf(&mut c, key, raw.spf);
    let dkim = if parked {
        None
    } else {
        validate_domain_dkim(&mut c, key, raw.dkim)
    };
    let dmarc = validate_dmarc(&mut c, key, name, parked, raw.dmarc);
    let mta_sts = raw.mta_sts.map(|m| validate_mta_sts(&mut c, key, m));
    let tls_rpt = raw.tls_rpt.map(|t| {
        let tkey = format!("{key}.tls_rpt.rua");
        if t.get_ref().rua.is_empty() {
            c.error(
                t,
                "missing-key",
                &tkey,
                "`[domain.tls_rpt]` needs at least one `rua` address".into(),
            )
            .help = Some(format!("e.g. `rua = [\"tlsrpt@{name}\"]`"));
        }
        let mut rua = Vec::new();
        for (i, uri) in t.get_ref().rua.iter().enumerate() {
            if let Some(uri) = c.check(
                uri,
                format!("{tkey}[{i}]"),
                "an address, `mailto:ADDRESS` or an `https://` URL",
                |s| report_uri(s, Some(name)),
            ) {
                rua.push(uri);
            }
        }
        TlsRpt { rua }
    });

    let dns = DomainDns {
        parked,
        mx,
        spf,
        dkim,
        dmarc,
        mta_sts,
        tls_rpt,
    };
    (dns, c.diagnostics)
}

fn validate_spf(c: &mut Checker, key: &str, raw: Option<&Spanned<RawSpf>>) -> Spf {
    let mut spf = Spf {
        mechanisms: Vec::new(),
        all: "-all".into(),
        location: None,
    };
    let Some(raw) = raw else { return spf };
    let inner = raw.get_ref();
    if let Some(first) = inner.mechanisms.first() {
        spf.location = Some(c.file.locate(c.span(first)));
    }
    for (i, term) in inner.mechanisms.iter().enumerate() {
        let tkey = format!("{key}.spf.mechanisms[{i}]");
        if let Some(mechanism) = c.check(
            term,
            &tkey,
            "an SPF mechanism such as `include:_spf.example.net`, `ip4:192.0.2.0/24`, `a` or `mx`",
            spf_mechanism,
        ) {
            if spf.mechanisms.contains(&mechanism) {
                c.warning(
                    term,
                    "duplicate",
                    &tkey,
                    format!("`{}` is listed twice", mechanism.text),
                );
            } else {
                spf.mechanisms.push(mechanism);
            }
        }
    }
    if let Some(all) = &inner.all {
        let akey = format!("{key}.spf.all");
        match all.get_ref().as_str() {
            "-all" | "~all" | "?all" => spf.all.clone_from(all.get_ref()),
            "+all" | "all" => {
                c.error(all, "spf-pass-all", &akey, format!("`{}` lets every host on the Internet send as this domain", all.get_ref()))
                    .help = Some("use `-all` (fail, the default), or `~all` (softfail) while you find all your senders".into());
            }
            other => {
                c.error(
                    all,
                    "invalid-value",
                    &akey,
                    format!("`{}` is not an SPF `all` term", other.escape_debug()),
                )
                .expected = Some("`-all`, `~all` or `?all`".into());
            }
        }
    }
    let own: usize = spf.mechanisms.iter().filter(|m| m.queries_dns).count();
    if own > SPF_LOOKUP_LIMIT {
        c.error(
            raw,
            "spf-too-many-lookups",
            format!("{key}.spf.mechanisms"),
            format!("the SPF record needs {own} DNS lookups; RFC 7208 allows {SPF_LOOKUP_LIMIT}"),
        )
        .help = Some(
            "replace `a`/`mx` terms with `ip4:`/`ip6:` ranges, or drop includes you no longer use"
                .into(),
        );
    }
    spf
}

/// Parse one SPF mechanism (RFC 7208 §5). `all` has its own key; `ptr` and
/// modifiers are refused; macros are not supported.
pub fn spf_mechanism(input: &str) -> Result<SpfMechanism, String> {
    if input.is_empty() {
        return Err("is empty".into());
    }
    if let Some(ch) = input
        .chars()
        .find(|ch| ch.is_whitespace() || ch.is_control() || matches!(ch, '"' | '\\' | ';'))
    {
        return Err(format!(
            "contains `{}`; list one mechanism per string",
            ch.escape_default()
        ));
    }
    if input.contains('%') {
        return Err("contains an SPF macro (`%`), which mailctl does not support".into());
    }
    let (qualifier, rest) = match input.as_bytes()[0] {
        b'+' | b'-' | b'~' | b'?' => (&input[..1], &input[1..]),
        _ => ("", input),
    };
    let lower = rest.to_ascii_lowercase();
    let name_end = lower.find([':', '/', '=']).unwrap_or(lower.len());
    let (name, arg) = lower.split_at(name_end);
    if arg.starts_with('=') {
        return Err(format!(
            "is the modifier `{name}=`, which mailctl does not support; list mechanisms only"
        ));
    }
    let plain = |text: String, include: Option<String>, queries_dns: bool| SpfMechanism {
        text: format!("{qualifier}{text}"),
        include,
        queries_dns,
    };
    match name {
        "all" => Err("is `all`, which is set by the `all` key (default `-all`), not in `mechanisms`".into()),
        "ptr" => Err("uses `ptr`, which RFC 7208 says not to use (slow and unreliable); use `a`, `mx`, `ip4:` or `ip6:`".into()),
        "include" | "exists" => {
            let domain = arg.strip_prefix(':').filter(|d| !d.is_empty()).ok_or_else(|| format!("needs a domain: `{name}:example.net`"))?;
            let domain = spf_domain(domain)?;
            let include = (name == "include").then(|| domain.clone());
            Ok(plain(format!("{name}:{domain}"), include, true))
        }
        "a" | "mx" => {
            let (domain, cidr) = match arg.strip_prefix(':') {
                Some(rest) => match rest.find('/') {
                    Some(i) => (Some(&rest[..i]), &rest[i..]),
                    None => (Some(rest), ""),
                },
                None => (None, arg),
            };
            let mut text = name.to_owned();
            if let Some(domain) = domain {
                text.push(':');
                text.push_str(&spf_domain(domain)?);
            }
            if !cidr.is_empty() {
                let (v4, v6) = if let Some(v6) = cidr.strip_prefix("//") {
                    (None, Some(v6))
                } else {
                    let body = &cidr[1..];
                    body.split_once("//").map_or((Some(body), None), |(v4, v6)| (Some(v4), Some(v6)))
                };
                if let Some(v4) = v4 {
                    text.push('/');
                    text.push_str(&prefix_len(v4, 32)?.to_string());
                }
                if let Some(v6) = v6 {
                    text.push_str("//");
                    text.push_str(&prefix_len(v6, 128)?.to_string());
                }
            }
            Ok(plain(text, None, true))
        }
        "ip4" => {
            let value = arg.strip_prefix(':').ok_or("needs an address: `ip4:192.0.2.0/24`")?;
            let (addr, len) = value.split_once('/').map_or((value, None), |(a, l)| (a, Some(l)));
            let addr: Ipv4Addr = addr.parse().map_err(|_| format!("has `{addr}`, which is not an IPv4 address"))?;
            let text = match len {
                Some(len) => format!("ip4:{addr}/{}", prefix_len(len, 32)?),
                None => format!("ip4:{addr}"),
            };
            Ok(plain(text, None, false))
        }
        "ip6" => {
            let value = arg.strip_prefix(':').ok_or("needs an address: `ip6:2001:db8::/32`")?;
            let (addr, len) = value.split_once('/').map_or((value, None), |(a, l)| (a, Some(l)));
            let addr: Ipv6Addr = addr.parse().map_err(|_| format!("has `{addr}`, which is not an IPv6 address"))?;
            let text = match len {
                Some(len) => format!("ip6:{addr}/{}", prefix_len(len, 128)?),
                None => format!("ip6:{addr}"),
            };
            Ok(plain(text, None, false))
        }
        other => {
            let known = ["include", "a", "mx", "ip4", "ip6", "exists"];
            Err(match suggest(other, known) {
                Some(s) => format!("is not an SPF mechanism; did you mean `{s}`?"),
                None => "is not an SPF mechanism".to_owned(),
            })
        }
    }
}

fn prefix_len(text: &str, max: u8) -> Result<u8, String> {
    text.parse::<u8>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("has the prefix length `/{text}`; expected 0 to {max}"))
}

/// A domain in an SPF term: like a host name, but labels such as `_spf` are
/// common there, so `_` is allowed.
fn spf_domain(input: &str) -> Result<String, String> {
    let probe = input.replace('_', "x");
    names::domain_name(&probe).map_err(|e| format!("has a domain that {e}"))?;
    Ok(input
        .strip_suffix('.')
        .unwrap_or(input)
        .to_ascii_lowercase())
}

/// Count DNS lookups per domain, following includes of hosted domains, and
/// report records over the limit, include loops and unknown includes.
/// Each domain's MTA-STS policy names its own MX hosts and mode, so two
/// domains cannot share a web root: the second policy would overwrite the
/// first, and the first domain would serve the wrong policy.
fn check_distinct_web_roots(c: &mut Checker, domains: &[super::model::Domain]) {
    let mut seen: std::collections::BTreeMap<&Path, &str> = std::collections::BTreeMap::new();
    for domain in domains {
        let Some(root) = domain
            .dns
            .mta_sts
            .as_ref()
            .and_then(|s| s.web_root.as_deref())
        else {
            continue;
        };
        if let Some(first) = seen.insert(root, &domain.name) {
            c.diagnostics.push(
                Diagnostic::error(
                    "duplicate-web-root",
                    format!(
                        "domains `{first}` and `{}` use the same MTA-STS web root `{}`",
                        domain.name,
                        root.display()
                    ),
                )
                .help("each domain's policy needs its own web root: serve mta-sts.DOMAIN from a directory of its own"),
            );
        }
    }
}

/// `OpenDKIM` (2.11, as Debian ships it) signs every message with one
/// algorithm, its global `SignatureAlgorithm`: a key of the other kind fails
/// to sign (`EVP_PKEY_get1_RSA() failed`) and the mail leaves unsigned. So
/// the signing keys (each domain's first selector) must be all RSA or all
/// Ed25519. (Ed25519 alone is a choice with a cost, told where it is made:
/// receivers that do not implement RFC 8463 treat such mail as unsigned.)
fn check_signing_algorithms(
    c: &mut Checker,
    domains: &[super::model::Domain],
    default: DkimAlgorithm,
) {
    let (mut rsa, mut ed25519) = (Vec::new(), Vec::new());
    for domain in domains {
        let Some(dkim) = &domain.dns.dkim else {
            continue;
        };
        match dkim.algorithm.unwrap_or(default) {
            DkimAlgorithm::Ed25519 => ed25519.push(domain.name.as_str()),
            DkimAlgorithm::Rsa2048 | DkimAlgorithm::Rsa3072 => rsa.push(domain.name.as_str()),
        }
    }
    let listed = |names: &[&str]| {
        let shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
        if names.len() > 3 {
            format!("{} and {} more", shown.join(", "), names.len() - 3)
        } else {
            shown.join(", ")
        }
    };
    if !rsa.is_empty() && !ed25519.is_empty() {
        c.diagnostics.push(
            Diagnostic::error(
                "dkim-mixed-algorithms",
                format!(
                    "the signing keys differ: RSA for {}, Ed25519 for {}; OpenDKIM signs every message with one algorithm",
                    listed(&rsa),
                    listed(&ed25519)
                ),
            )
            .help("give every signing domain the same `algorithm` (`[dkim]` or `[domain.dkim]`); RSA is verified by every receiver"),
        );
    }
}

fn check_spf_lookups(c: &mut Checker, domains: &[super::model::Domain]) {
    let hosted: BTreeMap<&str, &super::model::Domain> =
        domains.iter().map(|d| (d.name.as_str(), d)).collect();
    for (i, domain) in domains.iter().enumerate() {
        let Some(location) = domain.dns.spf.location.clone() else {
            continue;
        };
        let key = format!("domain[{i}].spf.mechanisms");
        let mut path = vec![domain.name.as_str()];
        let mut external = BTreeSet::new();
        match spf_lookups(&hosted, domain, &mut path, &mut external) {
            Ok(count) if count > SPF_LOOKUP_LIMIT => {
                c.diagnostics.push(
                    Diagnostic::error("spf-too-many-lookups", format!("the SPF record of `{}` needs {count} DNS lookups, counting hosted includes; RFC 7208 allows {SPF_LOOKUP_LIMIT}", domain.name))
                        .at(location.clone())
                        .key(key.clone())
                        .help("receivers return `permerror` beyond 10 lookups, which fails DMARC; replace `a`/`mx` terms with `ip4:`/`ip6:`, or flatten includes"),
                );
            }
            Ok(_) => {}
            Err(cycle) => {
                c.diagnostics.push(
                    Diagnostic::error(
                        "spf-include-loop",
                        format!("SPF include loop: {}", cycle.join(" → ")),
                    )
                    .at(location.clone())
                    .key(key.clone()),
                );
            }
        }
        for include in external {
            c.diagnostics.push(
                Diagnostic::warning("spf-external-include", format!("`include:{include}` is outside the spec; its own DNS lookups count toward the limit of {SPF_LOOKUP_LIMIT} too, and mailctl cannot see them"))
                    .at(location.clone())
                    .key(key.clone())
                    .help("check the total with `mailctl check-dns`, or an SPF checker, after publishing"),
            );
        }
    }
}

fn spf_lookups<'a>(
    hosted: &BTreeMap<&'a str, &'a super::model::Domain>,
    domain: &'a super::model::Domain,
    path: &mut Vec<&'a str>,
    external: &mut BTreeSet<&'a str>,
) -> Result<usize, Vec<String>> {
    let mut count = 0;
    for m in &domain.dns.spf.mechanisms {
        if m.queries_dns {
            count += 1;
        }
        let Some(include) = m.include.as_deref() else {
            continue;
        };
        match hosted.get(include) {
            Some(target) => {
                if path.contains(&include) {
                    let mut cycle: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
                    cycle.push(include.to_owned());
                    return Err(cycle);
                }
                path.push(include);
                count += spf_lookups(hosted, target, path, external)?;
                path.pop();
            }
            None => {
                external.insert(include);
            }
        }
    }
    Ok(count)
}

fn validate_domain_dkim(
    c: &mut Checker,
    key: &str,
    raw: Option<&Spanned<RawDomainDkim>>,
) -> Option<DomainDkim> {
    let Some(raw) = raw else {
        return Some(DomainDkim {
            selectors: Vec::new(),
            algorithm: None,
        });
    };
    let inner = raw.get_ref();
    if inner.enabled.as_ref().is_some_and(|e| !*e.get_ref()) {
        return None;
    }
    let mut selectors = Vec::new();
    if let Some(list) = &inner.selectors {
        if list.get_ref().is_empty() {
            c.error(list, "invalid-value", format!("{key}.dkim.selectors"), "`selectors` is empty".into())
                .help = Some("remove `selectors` to use `[dkim] selector`, or set `enabled = false` to turn DKIM off".into());
        }
        for (i, s) in list.get_ref().iter().enumerate() {
            let skey = format!("{key}.dkim.selectors[{i}]");
            if let Some(sel) = c.check(s, &skey, "a selector such as `mail` or `2026a`", selector) {
                if selectors.contains(&sel) {
                    c.error(
                        s,
                        "duplicate",
                        &skey,
                        format!("selector `{sel}` is listed twice"),
                    );
                } else {
                    selectors.push(sel);
                }
            }
        }
    }
    Some(DomainDkim {
        selectors,
        algorithm: inner.algorithm.as_ref().map(|a| *a.get_ref()),
    })
}

/// A Unix group name: a letter or `_`, then letters, digits, `_`, `-` or
/// `.` (and an optional final `$`), at most 32 characters.
pub fn group_name(input: &str) -> Result<String, String> {
    if input.is_empty() {
        return Err("is empty".into());
    }
    if input.len() > 32 {
        return Err("is longer than 32 characters".into());
    }
    let body = input.strip_suffix('$').unwrap_or(input);
    let mut chars = body.chars();
    let first_ok = chars
        .next()
        .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_');
    if !first_ok || !chars.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.')) {
        return Err(
            "is not a group name: a letter or `_`, then letters, digits, `_`, `-` or `.`".into(),
        );
    }
    Ok(input.to_owned())
}

/// A DKIM selector: one or more DNS labels (letters, digits, `-`), lower case.
pub fn selector(input: &str) -> Result<String, String> {
    if input.is_empty() {
        return Err("is empty".into());
    }
    if input.len() > 63 {
        return Err("is longer than 63 characters".into());
    }
    for label in input.split('.') {
        if label.is_empty() {
            return Err("has an empty label".into());
        }
        if let Some(ch) = label
            .chars()
            .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '-'))
        {
            return Err(format!(
                "contains `{}`; a selector may hold only letters, digits, `-` and `.`",
                ch.escape_default()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("has a label that starts or ends with `-`".into());
        }
    }
    Ok(input.to_ascii_lowercase())
}

fn validate_dmarc(
    c: &mut Checker,
    key: &str,
    name: &str,
    parked: bool,
    raw: Option<&Spanned<RawDmarc>>,
) -> Dmarc {
    let default_policy = DmarcPolicy::Reject;
    let mut dmarc = Dmarc {
        policy: default_policy,
        subdomain_policy: None,
        np: None,
        adkim: None,
        aspf: None,
        rua: Vec::new(),
        ruf: Vec::new(),
        fo: Vec::new(),
    };
    let Some(raw) = raw else { return dmarc };
    let inner = raw.get_ref();
    for (tag, value) in [("pct", &inner.pct), ("rf", &inner.rf), ("ri", &inner.ri)] {
        if let Some(value) = value {
            let (why, help) = match tag {
                "pct" => (
                    "`pct` was removed from DMARC by RFC 9989: receivers apply the policy to all or nothing",
                    "to roll out gradually, use `policy = \"none\"`, then `quarantine`, then `reject`",
                ),
                "rf" => (
                    "`rf` was removed from DMARC by RFC 9989: failure reports have one format",
                    "remove `rf`",
                ),
                _ => (
                    "`ri` was removed from DMARC by RFC 9989: receivers choose the aggregate report interval (daily)",
                    "remove `ri`",
                ),
            };
            c.error(
                value,
                "dmarc-removed-tag",
                format!("{key}.dmarc.{tag}"),
                why.to_owned(),
            )
            .help = Some(help.to_owned());
        }
    }
    if let Some(p) = &inner.policy {
        dmarc.policy = *p.get_ref();
        if parked && dmarc.policy != DmarcPolicy::Reject {
            c.error(p, "parked-dmarc-policy", format!("{key}.dmarc.policy"), format!("parked domain `{name}` must have DMARC policy `reject`"))
                .help = Some("a parked domain sends no mail, so any mail claiming to be from it is forged; remove `policy`".into());
        }
    }
    dmarc.subdomain_policy = inner.subdomain_policy.as_ref().map(|p| *p.get_ref());
    dmarc.np = inner.np.as_ref().map(|p| *p.get_ref());
    dmarc.adkim = inner.adkim.as_ref().map(|a| *a.get_ref());
    dmarc.aspf = inner.aspf.as_ref().map(|a| *a.get_ref());
    for (tag, list, out) in [
        ("rua", &inner.rua, &mut dmarc.rua),
        ("ruf", &inner.ruf, &mut dmarc.ruf),
    ] {
        for (i, uri) in list.iter().enumerate() {
            let ukey = format!("{key}.dmarc.{tag}[{i}]");
            let address = c.check(
                uri,
                &ukey,
                "an address such as `dmarc-reports@example.com` (or `mailto:...`)",
                |s| {
                    let bare = s.strip_prefix("mailto:").unwrap_or(s);
                    names::address(bare, name)
                },
            );
            if let Some(address) = address {
                if out.contains(&address) {
                    c.warning(
                        uri,
                        "duplicate",
                        &ukey,
                        format!("`{address}` is listed twice"),
                    );
                } else {
                    out.push(address);
                }
            }
        }
    }
    for (i, option) in inner.fo.iter().enumerate() {
        let fkey = format!("{key}.dmarc.fo[{i}]");
        match option.get_ref().as_str() {
            o @ ("0" | "1" | "d" | "s") => {
                if dmarc.fo.iter().any(|f| f == o) {
                    c.warning(option, "duplicate", &fkey, format!("`{o}` is listed twice"));
                } else {
                    dmarc.fo.push(o.to_owned());
                }
            }
            other => {
                c.error(option, "invalid-value", &fkey, format!("`{}` is not a DMARC failure reporting option", other.escape_debug()))
                    .expected = Some("`0` (all checks failed), `1` (any check failed), `d` (DKIM failed), `s` (SPF failed)".into());
            }
        }
    }
    if !inner.fo.is_empty() && inner.ruf.is_empty() {
        c.warning(
            &inner.fo[0],
            "unused-key",
            format!("{key}.dmarc.fo"),
            "`fo` has no effect without `ruf`".into(),
        );
    }
    dmarc
}

fn validate_mta_sts(c: &mut Checker, key: &str, raw: &Spanned<RawMtaSts>) -> MtaSts {
    let inner = raw.get_ref();
    let mode = inner
        .mode
        .as_ref()
        .map_or(MtaStsMode::Testing, |m| *m.get_ref());
    let max_age = match &inner.max_age {
        Some(age) => {
            match u32::try_from(*age.get_ref()) {
                Ok(n) if (86_400..=31_557_600).contains(&n) => n,
                _ => {
                    c.error(age, "invalid-value", format!("{key}.mta_sts.max_age"), format!("`max_age` {} is out of range", age.get_ref()))
                    .expected = Some("seconds from 86400 (one day) to 31557600 (RFC 8461's maximum, about a year)".into());
                    DEFAULT_MTA_STS_MAX_AGE
                }
            }
        }
        None => DEFAULT_MTA_STS_MAX_AGE,
    };
    let web_root = inner.web_root.as_ref().and_then(|root| {
        c.check(
            root,
            format!("{key}.mta_sts.web_root"),
            "an absolute directory such as `/var/www/mta-sts`",
            names::absolute_path,
        )
        .map(PathBuf::from)
    });
    MtaSts {
        mode,
        max_age,
        web_root,
    }
}

/// A report destination for TLS-RPT, DMARC or CAA `iodef`: an address (bare
/// local parts need `default_domain`), `mailto:ADDRESS`, or an `https://` URL
/// without characters that break a TXT tag list (`;`, `,`, `"`, `\`, space).
fn report_uri(input: &str, default_domain: Option<&str>) -> Result<String, String> {
    if let Some(rest) = input.strip_prefix("https://") {
        if rest.is_empty() {
            return Err("has no host".into());
        }
        if let Some(ch) = rest
            .chars()
            .find(|ch| !ch.is_ascii_graphic() || matches!(ch, ';' | ',' | '"' | '\\' | '!'))
        {
            return Err(format!(
                "contains `{}`, which would break the record",
                ch.escape_default()
            ));
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        names::domain_name(host).map_err(|e| format!("has a host that {e}"))?;
        return Ok(input.to_owned());
    }
    let bare = input.strip_prefix("mailto:").unwrap_or(input);
    if !bare.contains('@') && default_domain.is_none() {
        return Err("is not `mailto:ADDRESS` or an `https://` URL".into());
    }
    let address = names::address(bare, default_domain.unwrap_or(""))?;
    Ok(format!("mailto:{address}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_mechanisms_are_normalised() {
        let m = spf_mechanism("include:_spf.Example.NET").unwrap();
        assert_eq!(
            (m.text.as_str(), m.include.as_deref(), m.queries_dns),
            ("include:_spf.example.net", Some("_spf.example.net"), true)
        );
        assert_eq!(
            spf_mechanism("ip4:192.0.2.0/24").unwrap().text,
            "ip4:192.0.2.0/24"
        );
        assert!(!spf_mechanism("ip6:2001:DB8::/32").unwrap().queries_dns);
        assert_eq!(
            spf_mechanism("ip6:2001:DB8::/32").unwrap().text,
            "ip6:2001:db8::/32"
        );
        assert_eq!(
            spf_mechanism("~mx:example.org/24//64").unwrap().text,
            "~mx:example.org/24//64"
        );
        assert_eq!(spf_mechanism("a").unwrap().text, "a");
        assert_eq!(spf_mechanism("a//64").unwrap().text, "a//64");
    }

    #[test]
    fn spf_refuses_what_breaks_or_weakens_the_record() {
        for bad in [
            "ptr",
            "ptr:example.com",
            "all",
            "+all",
            "redirect=_spf.example.com",
            "include:",
            "ip4:300.1.1.1",
            "ip4:192.0.2.0/33",
            "include:a.com b",
            "include:%{d}.x.com",
            "inclde:a.com",
            "mx;a",
            "a\"b",
        ] {
            assert!(spf_mechanism(bad).is_err(), "{bad} passed");
        }
        assert!(
            spf_mechanism("inclde:a.com")
                .unwrap_err()
                .contains("include")
        );
    }

    #[test]
    fn selectors_are_dns_labels() {
        assert_eq!(selector("Mail2026").unwrap(), "mail2026");
        assert_eq!(selector("a.b").unwrap(), "a.b");
        for bad in ["", "a b", "a;b", "-a", "a..b", "a_b", "a\"b"] {
            assert!(selector(bad).is_err(), "{bad} passed");
        }
    }

    #[test]
    fn report_uris() {
        assert_eq!(
            report_uri("dmarc", Some("example.com")).unwrap(),
            "mailto:dmarc@example.com"
        );
        assert_eq!(
            report_uri("mailto:Tls@Example.com", None).unwrap(),
            "mailto:tls@example.com"
        );
        assert_eq!(
            report_uri("https://reports.example.net/tls", None).unwrap(),
            "https://reports.example.net/tls"
        );
        for bad in [
            "https://a.example/x;y",
            "https://a.example/x,y",
            "https://",
            "nobody",
            "mailto:a b@example.com",
        ] {
            assert!(report_uri(bad, None).is_err(), "{bad} passed");
        }
    }
}

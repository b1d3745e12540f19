//! The `[acme]` table: which CA `mailctl cert` talks to, which names the
//! certificate covers, how challenges are answered, when to renew, and what
//! to run once a new certificate is in place.
//!
//! Wire type first (faithful to the TOML, spans kept), then the validated
//! settings, then the checks. The store's paths are decided here too, so that
//! `[tls]`'s defaults and the certificate `mailctl cert` maintains agree.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::checker::Checker;
use super::diagnostic::{Diagnostic, SourceFile};
use super::names;

/// Where accounts, certificates and locks live unless `state_dir` says otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/mailctl";
/// `[acme] hook_timeout` when it is not set.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);
pub const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
pub const LETSENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

// ---------------------------------------------------------------------------
// Wire type

/// One deploy hook: a program and its arguments.
pub type RawHook = Spanned<Vec<Spanned<String>>>;

/// `[acme]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAcme {
    pub directory: Option<Spanned<String>>,
    pub contact: Option<Spanned<String>>,
    pub agree_tos: Option<Spanned<bool>>,
    pub ca_bundle: Option<Spanned<String>>,
    pub challenge: Option<Spanned<ChallengeKind>>,
    pub http_listen: Option<Spanned<String>>,
    pub webroot: Option<Spanned<String>>,
    pub names: Option<Spanned<Vec<Spanned<String>>>>,
    pub key_type: Option<Spanned<KeyType>>,
    pub reuse_key: Option<Spanned<bool>>,
    pub state_dir: Option<Spanned<String>>,
    pub renew_before: Option<Spanned<String>>,
    pub ari: Option<Spanned<bool>>,
    pub deploy_hooks: Option<Spanned<Vec<RawHook>>>,
    pub hook_timeout: Option<Spanned<String>>,
    pub dns_server: Option<Spanned<String>>,
    pub dns_zone: Option<Spanned<String>>,
    pub tsig_key: Option<Spanned<String>>,
    pub tsig_algorithm: Option<Spanned<TsigAlgorithm>>,
    pub tsig_secret_file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    #[serde(rename = "http-01")]
    Http01,
    #[serde(rename = "dns-01")]
    Dns01,
}

impl ChallengeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChallengeKind::Http01 => "http-01",
            ChallengeKind::Dns01 => "dns-01",
        }
    }
}

/// The certificate's key.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum KeyType {
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::Rsa2048 => "rsa-2048",
        }
    }
}

/// The TSIG (RFC 8945) MAC algorithm of the dns-01 updates.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum TsigAlgorithm {
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "hmac-sha384")]
    HmacSha384,
    #[serde(rename = "hmac-sha512")]
    HmacSha512,
}

impl TsigAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            TsigAlgorithm::HmacSha256 => "hmac-sha256",
            TsigAlgorithm::HmacSha384 => "hmac-sha384",
            TsigAlgorithm::HmacSha512 => "hmac-sha512",
        }
    }
}

// ---------------------------------------------------------------------------
// Validated types

/// `[acme]`, resolved.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// The directory URL (`letsencrypt` and `letsencrypt-staging` resolved).
    pub directory: String,
    /// A bare address; `mailto:` is added when talking to the CA.
    pub contact: Option<String>,
    pub agree_tos: bool,
    pub ca_bundle: Option<PathBuf>,
    pub challenge: Challenge,
    /// Lower-case A-labels, the mail host first, without duplicates.
    pub names: Vec<String>,
    pub key_type: KeyType,
    /// Keep the private key across renewals (the TLSA `3 1 1` record stays valid).
    pub reuse_key: bool,
    pub state_dir: PathBuf,
    /// Renew when less than this is left, whatever the lifetime.
    pub renew_before: Option<Duration>,
    /// Follow the CA's renewal information (RFC 9773) when it offers it.
    pub ari: bool,
    /// Argument lists, run without a shell after a new certificate is in place.
    pub deploy_hooks: Vec<Vec<String>>,
    /// How long one deploy hook may run before its process group is killed.
    pub hook_timeout: Duration,
    /// Whether `[dns] tlsa` publishes the certificate's key.
    pub tlsa: bool,
    /// The certificate's name in the store: the mail host.
    pub certificate: String,
}

#[derive(Debug, Clone)]
pub enum Challenge {
    /// mailctl answers on this address itself.
    HttpStandalone(SocketAddr),
    /// A web server already on port 80 serves this directory.
    HttpWebroot(PathBuf),
    Dns(Dns01),
}

impl Challenge {
    pub fn kind(&self) -> ChallengeKind {
        match self {
            Challenge::HttpStandalone(_) | Challenge::HttpWebroot(_) => ChallengeKind::Http01,
            Challenge::Dns(_) => ChallengeKind::Dns01,
        }
    }
}

/// Where and how dns-01 publishes `_acme-challenge` TXT records (RFC 2136).
#[derive(Debug, Clone)]
pub struct Dns01 {
    /// The primary (authoritative) server that accepts updates.
    pub server: SocketAddr,
    /// The zone updated, an A-label without the trailing dot.
    pub zone: String,
    pub tsig_key: String,
    pub tsig_algorithm: TsigAlgorithm,
    /// A file holding the base64 secret; mode 0600.
    pub tsig_secret_file: PathBuf,
}

impl AcmeSettings {
    /// The store directory of this spec's certificate.
    pub fn certificate_dir(&self) -> PathBuf {
        certificate_dir(&self.state_dir, &self.certificate)
    }
}

/// `<state_dir>/certs/<name>`: the store directory of one certificate, with the
/// stable `fullchain.pem` and `privkey.pem` that Postfix reads.
pub fn certificate_dir(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join("certs").join(name)
}

// ---------------------------------------------------------------------------
// Checks

/// What the `[acme]` checks need from the rest of the spec.
pub struct Context<'a> {
    /// The mail host, when it is valid.
    pub hostname: Option<&'a str>,
    pub has_ipv6: bool,
    /// Domains with MTA-STS on, when the domains are valid.
    pub mta_sts_domains: Vec<String>,
    pub tlsa: bool,
}

/// The store directory for `[tls]`'s defaults: the one `[acme] state_dir`
/// names when it is valid, else the default.
pub fn state_dir_for_tls(raw: Option<&Spanned<RawAcme>>) -> PathBuf {
    raw.and_then(|a| a.get_ref().state_dir.as_ref())
        .and_then(|d| names::absolute_path(d.get_ref()).ok())
        .map_or_else(|| PathBuf::from(DEFAULT_STATE_DIR), PathBuf::from)
}

/// Validate `[acme]`. Returns the settings when there is no error, and every
/// diagnostic either way.
pub fn validate(
    file: &SourceFile,
    raw: &Spanned<RawAcme>,
    cx: &Context,
) -> (Option<AcmeSettings>, Vec<Diagnostic>) {
    let mut c = Checker::new(file, 0);
    let acme = raw.get_ref();
    let spec_dir = file.path.parent().unwrap_or(Path::new(""));

    let directory = match &acme.directory {
        Some(d) => c.check(
            d,
            "acme.directory",
            "`letsencrypt`, `letsencrypt-staging`, or the https:// URL of an ACME directory",
            directory_url,
        ),
        None => Some(LETSENCRYPT.to_owned()),
    };
    let contact = acme.contact.as_ref().and_then(|contact| {
        c.check(
            contact,
            "acme.contact",
            "an email address such as `postmaster@example.com`",
            |s| {
                let s = s.strip_prefix("mailto:").unwrap_or(s);
                match s.rsplit_once('@') {
                    Some(("", _)) => Err("has an empty local part".into()),
                    Some(_) => names::address(s, ""),
                    None => Err("is not an email address".into()),
                }
            },
        )
    });
    let agree_tos = acme.agree_tos.as_ref().is_some_and(|a| *a.get_ref());
    let ca_bundle = acme.ca_bundle.as_ref().and_then(|bundle| {
        c.check(
            bundle,
            "acme.ca_bundle",
            "a PEM file, absolute or relative to the spec file",
            |s| {
                if s.is_empty() {
                    return Err("is empty".into());
                }
                Ok(spec_dir.join(s))
            },
        )
    });

    // The challenge.
    let kind = acme
        .challenge
        .as_ref()
        .map_or(ChallengeKind::Http01, |k| *k.get_ref());
    let challenge = match kind {
        ChallengeKind::Http01 => {
            let dns_why = "unless `challenge = \"dns-01\"`";
            c.unused(acme.dns_server.as_ref(), "acme.dns_server", dns_why);
            c.unused(acme.dns_zone.as_ref(), "acme.dns_zone", dns_why);
            c.unused(acme.tsig_key.as_ref(), "acme.tsig_key", dns_why);
            c.unused(acme.tsig_algorithm.as_ref(), "acme.tsig_algorithm", dns_why);
            c.unused(
                acme.tsig_secret_file.as_ref(),
                "acme.tsig_secret_file",
                dns_why,
            );
            match (&acme.http_listen, &acme.webroot) {
                (Some(_), Some(webroot)) => {
                    c.error(
                        webroot,
                        "conflicting-keys",
                        "acme.webroot",
                        "`webroot` and `http_listen` are two ways to answer http-01; choose one"
                            .into(),
                    )
                    .help =
                        Some("keep `webroot` when a web server already listens on port 80".into());
                    None
                }
                (Some(listen), None) => c
                    .check(
                        listen,
                        "acme.http_listen",
                        "an address and port such as `0.0.0.0:80` or `[::]:80`",
                        |s| {
                            s.parse::<SocketAddr>()
                                .map_err(|_| "is not an address and port".to_owned())
                        },
                    )
                    .map(Challenge::HttpStandalone),
                (None, Some(webroot)) => c
                    .check(
                        webroot,
                        "acme.webroot",
                        "the absolute directory a web server serves on port 80",
                        names::absolute_path,
                    )
                    .map(|d| Challenge::HttpWebroot(PathBuf::from(d))),
                (None, None) => Some(Challenge::HttpStandalone(if cx.has_ipv6 {
                    "[::]:80".parse().expect("valid address")
                } else {
                    "0.0.0.0:80".parse().expect("valid address")
                })),
            }
        }
        ChallengeKind::Dns01 => {
            let http_why = "with `challenge = \"dns-01\"`";
            c.unused(acme.http_listen.as_ref(), "acme.http_listen", http_why);
            c.unused(acme.webroot.as_ref(), "acme.webroot", http_why);
            validate_dns01(&mut c, raw, spec_dir)
        }
    };

    // The names.
    let mut names = Vec::new();
    if let Some(list) = &acme.names {
        if list.get_ref().is_empty() {
            c.error(list, "invalid-value", "acme.names", "`names` is empty".into()).help =
                Some("leave `names` out to cover the mail host (and `mta-sts.<domain>` where MTA-STS is on)".into());
        }
        for (i, name) in list.get_ref().iter().enumerate() {
            let key = format!("acme.names[{i}]");
            let parsed = c.check(
                name,
                &key,
                "a host name such as `mail.example.com`",
                |s| match s.strip_prefix("*.") {
                    Some(rest) => names::domain_name(rest).map(|n| format!("*.{n}")),
                    None => names::domain_name(s),
                },
            );
            let Some(parsed) = parsed else { continue };
            if parsed.starts_with("*.") && kind != ChallengeKind::Dns01 {
                c.error(
                    name,
                    "invalid-value",
                    &key,
                    format!("`{parsed}` is a wildcard, which only dns-01 can validate"),
                )
                .help = Some("set `challenge = \"dns-01\"`, or list the host names".into());
            } else if names.contains(&parsed) {
                c.error(
                    name,
                    "duplicate",
                    &key,
                    format!("`{parsed}` is listed twice"),
                );
            } else {
                names.push(parsed);
            }
        }
        if let (Some(host), false) = (cx.hostname, names.is_empty())
            && !names.iter().any(|n| n == host)
        {
            c.warning(
                list,
                "missing-name",
                "acme.names",
                format!("the names do not include the mail host `{host}`"),
            )
            .help = Some(
                "mail servers connect to the MX host name; list it so the certificate matches"
                    .into(),
            );
        }
    } else {
        if let Some(host) = cx.hostname {
            names.push(host.to_owned());
        }
        for domain in &cx.mta_sts_domains {
            let name = format!("mta-sts.{domain}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    if let Some(Challenge::Dns(dns)) = &challenge {
        for name in &names {
            let bare = name.strip_prefix("*.").unwrap_or(name);
            if bare != dns.zone && !bare.ends_with(&format!(".{}", dns.zone)) {
                let at = acme.dns_zone.as_ref().expect("dns-01 has a zone");
                c.error(at, "name-outside-zone", "acme.dns_zone", format!("`{name}` is not in the zone `{}`", dns.zone))
                    .help = Some("dns-01 publishes `_acme-challenge.<name>` in this zone; use the zone that holds every name".into());
            }
        }
    }

    let key_type = acme
        .key_type
        .as_ref()
        .map_or(KeyType::EcdsaP256, |k| *k.get_ref());
    let reuse_key = acme.reuse_key.as_ref().map_or(cx.tlsa, |r| *r.get_ref());
    if cx.tlsa
        && let Some(r) = &acme.reuse_key
        && !*r.get_ref()
    {
        c.warning(
            r,
            "tlsa-key-changes",
            "acme.reuse_key",
            "`[dns] tlsa` publishes the key, and each renewal will change it".into(),
        )
        .help = Some(
            "publish the next key's TLSA record before every renewal, or leave `reuse_key` on"
                .into(),
        );
    }
    let state_dir = match &acme.state_dir {
        Some(dir) => c
            .check(
                dir,
                "acme.state_dir",
                "an absolute directory such as `/var/lib/mailctl`",
                names::absolute_path,
            )
            .map(PathBuf::from),
        None => Some(PathBuf::from(DEFAULT_STATE_DIR)),
    };
    let renew_before = acme.renew_before.as_ref().and_then(|r| {
        c.check(
            r,
            "acme.renew_before",
            "a duration such as `30d`, `36h` or `90m`",
            duration,
        )
    });
    let ari = acme.ari.as_ref().is_none_or(|a| *a.get_ref());
    let hook_timeout = acme
        .hook_timeout
        .as_ref()
        .and_then(|t| {
            c.check(
                t,
                "acme.hook_timeout",
                "a duration such as `60s` or `5m`",
                duration,
            )
        })
        .unwrap_or(DEFAULT_HOOK_TIMEOUT);

    let mut deploy_hooks = Vec::new();
    if let Some(hooks) = &acme.deploy_hooks {
        for (i, hook) in hooks.get_ref().iter().enumerate() {
            let key = format!("acme.deploy_hooks[{i}]");
            if hook.get_ref().is_empty() {
                c.error(
                    hook,
                    "invalid-value",
                    &key,
                    "a hook is an empty list".into(),
                )
                .expected =
                    Some("a program and its arguments, such as `[\"postfix\", \"reload\"]`".into());
                continue;
            }
            let mut argv = Vec::new();
            for (j, arg) in hook.get_ref().iter().enumerate() {
                if arg.get_ref().contains('\0') || (j == 0 && arg.get_ref().trim().is_empty()) {
                    c.error(
                        arg,
                        "invalid-value",
                        format!("{key}[{j}]"),
                        format!("`{}` cannot be run", arg.get_ref().escape_debug()),
                    );
                } else {
                    argv.push(arg.get_ref().clone());
                }
            }
            deploy_hooks.push(argv);
        }
    }

    let ok = !c.diagnostics.iter().any(Diagnostic::is_error);
    let settings = match (directory, challenge, state_dir, cx.hostname) {
        (Some(directory), Some(challenge), Some(state_dir), Some(host))
            if ok && !names.is_empty() =>
        {
            Some(AcmeSettings {
                directory,
                contact,
                agree_tos,
                ca_bundle,
                challenge,
                names,
                key_type,
                reuse_key,
                state_dir,
                renew_before,
                ari,
                deploy_hooks,
                hook_timeout,
                tlsa: cx.tlsa,
                certificate: host.to_owned(),
            })
        }
        _ => None,
    };
    (settings, c.diagnostics)
}

fn validate_dns01(c: &mut Checker, raw: &Spanned<RawAcme>, spec_dir: &Path) -> Option<Challenge> {
    let acme = raw.get_ref();
    let mut missing = Vec::new();
    for (value, key) in [
        (acme.dns_server.is_some(), "dns_server"),
        (acme.dns_zone.is_some(), "dns_zone"),
        (acme.tsig_key.is_some(), "tsig_key"),
        (acme.tsig_secret_file.is_some(), "tsig_secret_file"),
    ] {
        if !value {
            missing.push(key);
        }
    }
    let at = acme.challenge.as_ref().expect("dns-01 was chosen");
    if !missing.is_empty() {
        c.error(
            at,
            "missing-key",
            "acme.challenge",
            format!(
                "dns-01 needs {}",
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .help = Some(
            "dns-01 publishes TXT records by RFC 2136 dynamic update, signed with a TSIG key"
                .into(),
        );
    }
    let server = acme.dns_server.as_ref().and_then(|s| {
        c.check(
            s,
            "acme.dns_server",
            "the primary server's address, such as `192.0.2.53` or `192.0.2.53:53`",
            |s| {
                s.parse::<SocketAddr>()
                    .or_else(|_| {
                        s.parse::<std::net::IpAddr>()
                            .map(|ip| SocketAddr::new(ip, 53))
                    })
                    .map_err(|_| "is not an IP address (with an optional port)".to_owned())
            },
        )
    });
    let zone = acme.dns_zone.as_ref().and_then(|z| {
        c.check(
            z,
            "acme.dns_zone",
            "a zone name such as `example.com`",
            names::domain_name,
        )
    });
    let tsig_key = acme.tsig_key.as_ref().and_then(|k| {
        c.check(
            k,
            "acme.tsig_key",
            "a TSIG key name such as `mailctl-key`",
            |s| {
                let s = s.strip_suffix('.').unwrap_or(s);
                if s.is_empty()
                    || s.len() > 253
                    || s.split('.').any(|l| l.is_empty() || l.len() > 63)
                {
                    return Err("is not a valid key name".into());
                }
                if let Some(ch) = s.chars().find(|ch| {
                    !(ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_' || *ch == '.')
                }) {
                    return Err(format!("contains `{}`", ch.escape_default()));
                }
                Ok(s.to_ascii_lowercase())
            },
        )
    });
    let algorithm = acme
        .tsig_algorithm
        .as_ref()
        .map_or(TsigAlgorithm::HmacSha256, |a| *a.get_ref());
    let secret = acme.tsig_secret_file.as_ref().and_then(|f| {
        let path = c.check(
            f,
            "acme.tsig_secret_file",
            "a file holding the base64 secret, absolute or relative to the spec file",
            |s| {
                if s.is_empty() {
                    Err("is empty".to_owned())
                } else {
                    Ok(spec_dir.join(s))
                }
            },
        )?;
        match std::fs::metadata(&path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                c.error(
                    f,
                    "secret-file-mode",
                    "acme.tsig_secret_file",
                    format!(
                        "`{}` can be read by other users (mode {:04o})",
                        path.display(),
                        meta.permissions().mode() & 0o7777
                    ),
                )
                .help = Some(format!("chmod 600 {}", path.display()));
                None
            }
            _ => Some(path),
        }
    });
    match (server, zone, tsig_key, secret) {
        (Some(server), Some(zone), Some(tsig_key), Some(tsig_secret_file)) => {
            Some(Challenge::Dns(Dns01 {
                server,
                zone,
                tsig_key,
                tsig_algorithm: algorithm,
                tsig_secret_file,
            }))
        }
        _ => None,
    }
}

/// `letsencrypt`, `letsencrypt-staging`, or an https:// URL.
pub fn directory_url(input: &str) -> Result<String, String> {
    match input {
        "letsencrypt" => return Ok(LETSENCRYPT.to_owned()),
        "letsencrypt-staging" => return Ok(LETSENCRYPT_STAGING.to_owned()),
        _ => {}
    }
    let Some(rest) = input.strip_prefix("https://") else {
        return Err("is neither a known CA nor an https:// URL".into());
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("is not a valid URL".into());
    }
    Ok(input.to_owned())
}

/// A duration: a number and a unit, `d`, `h`, `m` or `s`.
pub fn duration(input: &str) -> Result<Duration, String> {
    let split = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    let (number, unit) = input.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| "does not start with a number".to_owned())?;
    let seconds = match unit {
        "d" => n.checked_mul(86_400),
        "h" => n.checked_mul(3_600),
        "m" => n.checked_mul(60),
        "s" => Some(n),
        _ => return Err("has no unit; write `d`, `h`, `m` or `s` after the number".into()),
    };
    match seconds {
        Some(0) => Err("is zero".into()),
        Some(s) => Ok(Duration::from_secs(s)),
        None => Err("is too long".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(duration("90m"), Ok(Duration::from_secs(5_400)));
        assert!(duration("30").is_err());
        assert!(duration("d").is_err());
        assert!(duration("0s").is_err());
    }

    #[test]
    fn directories() {
        assert_eq!(directory_url("letsencrypt").unwrap(), LETSENCRYPT);
        assert_eq!(
            directory_url("letsencrypt-staging").unwrap(),
            LETSENCRYPT_STAGING
        );
        assert!(directory_url("http://ca.test/dir").is_err());
        assert!(directory_url("https://").is_err());
        assert_eq!(
            directory_url("https://127.0.0.1:14000/dir").unwrap(),
            "https://127.0.0.1:14000/dir"
        );
    }
}

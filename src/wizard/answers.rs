//! The wizard's answers, the checks each answer gets as it is typed, and the
//! defaults: pure, no I/O. The interactive prompts and `init
//! --non-interactive` both end in an [`Answers`], so the spec they write is
//! the same for the same answers.
//!
//! Each check returns the normalised value or a reason that reads well after
//! "`value` ", the convention of `spec::names`, so the prompt can re-ask with
//! the reason and `validate` would have said the same.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::spec::dns::{DkimAlgorithm, DmarcPolicy, MtaStsMode};
use crate::spec::names;
use crate::spec::raw::Service;

/// Everything the wizard asks, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// The mail domains, A-labels, the first is the primary one.
    pub domains: Vec<String>,
    /// The mail host's name (`server.hostname`), never one of `domains`.
    pub hostname: String,
    pub ipv4: Vec<Ipv4Addr>,
    pub ipv6: Vec<Ipv6Addr>,
    /// The person responsible: the ACME account contact, and where
    /// `postmaster@` and `abuse@` of every domain go.
    pub contact: String,
    /// The services besides SMTP on port 25, which is always offered.
    pub services: Vec<Service>,
    pub acme: AcmeAnswers,
    pub dkim_algorithm: DkimAlgorithm,
    pub dmarc_policy: DmarcPolicy,
    /// Where DMARC aggregate reports go; `None` asks for none.
    pub dmarc_rua: Option<String>,
    /// `None`: no MTA-STS.
    pub mta_sts: Option<MtaStsMode>,
    /// Where TLS-RPT reports go; `None`: no TLS-RPT.
    pub tls_rpt_rua: Option<String>,
}

/// The `[acme]` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeAnswers {
    /// `letsencrypt`, `letsencrypt-staging` or an `https://` URL, as written
    /// in the spec.
    pub directory: String,
    pub challenge: ChallengeAnswers,
    pub agree_tos: bool,
}

/// How the CA checks that the names are ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeAnswers {
    /// mailctl answers on port 80 itself while ordering.
    Http01,
    /// TXT records by RFC 2136 dynamic update, signed with TSIG.
    Dns01 {
        server: String,
        zone: String,
        tsig_key: String,
        tsig_secret_file: String,
    },
}

/// The services the wizard offers to switch on, with what each is for.
pub const OPTIONAL_SERVICES: [(Service, &str); 4] = [
    (
        Service::Submission,
        "submission (587, STARTTLS): mail clients send",
    ),
    (
        Service::Submissions,
        "submissions (465, implicit TLS): mail clients send",
    ),
    (
        Service::Imaps,
        "imaps (993): mail clients read mail, served by Dovecot",
    ),
    (
        Service::Pop3s,
        "pop3s (995): mail clients download mail, served by Dovecot",
    ),
];

/// The services on by default: sending from mail clients both ways, and
/// reading over IMAPS.
pub const DEFAULT_SERVICES: [Service; 3] =
    [Service::Submission, Service::Submissions, Service::Imaps];

/// The ACME directories offered by name; anything else is a URL.
pub const DIRECTORIES: [(&str, &str); 2] = [
    ("letsencrypt", "Let's Encrypt (production certificates)"),
    (
        "letsencrypt-staging",
        "Let's Encrypt staging (test certificates, not trusted)",
    ),
];

pub const DEFAULT_TSIG_KEY: &str = "mailctl-key";
pub const DEFAULT_TSIG_SECRET_FILE: &str = "/etc/mailctl/tsig.secret";

impl Answers {
    /// The answers a person who presses Enter at every question gives, for
    /// these domains, host name, addresses and contact.
    pub fn with_defaults(
        domains: Vec<String>,
        hostname: String,
        ipv4: Vec<Ipv4Addr>,
        ipv6: Vec<Ipv6Addr>,
        contact: String,
    ) -> Self {
        Answers {
            tls_rpt_rua: Some(default_report_address(&domains, "tls-reports")),
            dmarc_rua: Some(default_report_address(&domains, "dmarc-reports")),
            domains,
            hostname,
            ipv4,
            ipv6,
            contact,
            services: DEFAULT_SERVICES.to_vec(),
            acme: AcmeAnswers {
                directory: DIRECTORIES[0].0.to_owned(),
                challenge: ChallengeAnswers::Http01,
                agree_tos: false,
            },
            dkim_algorithm: DkimAlgorithm::Rsa2048,
            dmarc_policy: DmarcPolicy::None,
            mta_sts: Some(MtaStsMode::Testing),
        }
    }

    /// The names the certificate will cover: the mail host, and
    /// `mta-sts.DOMAIN` for each domain with MTA-STS (as `[acme]` defaults).
    pub fn certificate_names(&self) -> Vec<String> {
        let mut names = vec![self.hostname.clone()];
        if self.mta_sts.is_some() {
            names.extend(self.domains.iter().map(|d| format!("mta-sts.{d}")));
        }
        names
    }

    /// The checks that span answers, for `--non-interactive` (the prompts
    /// check each of these as the answer is typed). Every problem, in order.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.domains.is_empty() {
            problems.push("no mail domain: give at least one `--domain`".to_owned());
        }
        if let Err(e) = hostname(&self.hostname, &self.domains) {
            problems.push(format!("the host name `{}` {e}", self.hostname));
        }
        if self.ipv4.is_empty() && self.ipv6.is_empty() {
            problems.push(
                "no address: the mail host needs at least one public `--ipv4` or `--ipv6` address"
                    .to_owned(),
            );
        }
        if let ChallengeAnswers::Dns01 { zone, .. } = &self.acme.challenge
            && let Err(e) = dns_zone(zone, &self.certificate_names())
        {
            problems.push(format!("the dns-01 zone `{zone}` {e}"));
        }
        problems
    }
}

/// The answers as the wizard's summary shows them, one line each.
pub fn summary(a: &Answers) -> Vec<(&'static str, String)> {
    let none = || "none".to_owned();
    let join = |v: Vec<String>| if v.is_empty() { none() } else { v.join(", ") };
    let mut services = vec!["smtp".to_owned()];
    services.extend(a.services.iter().map(|s| s.name().to_owned()));
    vec![
        ("mail domains", a.domains.join(", ")),
        ("mail host", a.hostname.clone()),
        (
            "IPv4",
            join(a.ipv4.iter().map(ToString::to_string).collect()),
        ),
        (
            "IPv6",
            join(a.ipv6.iter().map(ToString::to_string).collect()),
        ),
        ("contact", a.contact.clone()),
        ("services", services.join(", ")),
        ("DKIM algorithm", a.dkim_algorithm.name().to_owned()),
        ("DMARC policy", a.dmarc_policy.name().to_owned()),
        ("DMARC reports", a.dmarc_rua.clone().unwrap_or_else(none)),
        (
            "MTA-STS",
            a.mta_sts
                .map_or_else(|| "off".to_owned(), |m| m.name().to_owned()),
        ),
        (
            "TLS-RPT reports",
            a.tls_rpt_rua.clone().unwrap_or_else(none),
        ),
        ("ACME CA", a.acme.directory.clone()),
        (
            "challenge",
            match &a.acme.challenge {
                ChallengeAnswers::Http01 => "http-01".to_owned(),
                ChallengeAnswers::Dns01 { server, zone, .. } => {
                    format!("dns-01 (zone {zone} on {server})")
                }
            },
        ),
        (
            "CA terms accepted",
            if a.acme.agree_tos { "yes" } else { "no" }.to_owned(),
        ),
        ("certificate names", a.certificate_names().join(", ")),
    ]
}

/// `dmarc-reports@FIRST-DOMAIN`: an alias of the contact that the wizard
/// creates, so reports arrive without authorisation records.
pub fn default_report_address(domains: &[String], local: &str) -> String {
    domains
        .first()
        .map_or_else(|| local.to_owned(), |d| format!("{local}@{d}"))
}

/// `mail.FIRST-DOMAIN`.
pub fn default_hostname(domains: &[String]) -> String {
    format!(
        "mail.{}",
        domains.first().map_or("example.com", String::as_str)
    )
}

/// `postmaster@FIRST-DOMAIN`.
pub fn default_contact(domains: &[String]) -> String {
    format!(
        "postmaster@{}",
        domains.first().map_or("example.com", String::as_str)
    )
}

/// Split a list typed on one line: commas and whitespace separate.
pub fn split_list(input: &str) -> impl Iterator<Item = &str> {
    input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

/// One or more mail domains, separated by commas or spaces.
pub fn domain_list(input: &str) -> Result<Vec<String>, String> {
    let mut domains: Vec<String> = Vec::new();
    for item in split_list(input) {
        let domain = names::domain_name(item).map_err(|e| format!("`{item}` {e}"))?;
        if domains.contains(&domain) {
            return Err(format!("`{domain}` is listed twice"));
        }
        domains.push(domain);
    }
    if domains.is_empty() {
        return Err("no domain given: type at least one, such as `example.com`".to_owned());
    }
    Ok(domains)
}

/// The mail host's name: a fully qualified name that is not a mail domain.
pub fn hostname(input: &str, domains: &[String]) -> Result<String, String> {
    let name = names::domain_name(input.trim())?;
    if domains.contains(&name) {
        return Err(format!(
            "is also a mail domain; Postfix treats its own name as local, so use a name of its own such as `mail.{name}`"
        ));
    }
    Ok(name)
}

/// Why an address cannot be the public address of a mail host, if it cannot.
fn unusable(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => Some("is a loopback address"),
        IpAddr::V4(v4) if v4.is_unspecified() => Some("is the unspecified address"),
        IpAddr::V4(v4) if v4.is_link_local() => Some("is a link-local address"),
        IpAddr::V4(v4) if v4.is_multicast() || v4.is_broadcast() => {
            Some("is a multicast or broadcast address")
        }
        IpAddr::V6(v6) if v6.is_loopback() => Some("is a loopback address"),
        IpAddr::V6(v6) if v6.is_unspecified() => Some("is the unspecified address"),
        IpAddr::V6(v6) if v6.is_unicast_link_local() => Some("is a link-local address"),
        IpAddr::V6(v6) if v6.is_multicast() => Some("is a multicast address"),
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => {
            Some("is an IPv4-mapped address; list the IPv4 address instead")
        }
        _ => None,
    }
}

/// A list of IPv4 addresses (may be empty).
pub fn ipv4_list(input: &str) -> Result<Vec<Ipv4Addr>, String> {
    let mut list = Vec::new();
    for item in split_list(input) {
        let ip: Ipv4Addr = item.parse().map_err(|_| {
            if item.parse::<Ipv6Addr>().is_ok() {
                format!("`{item}` is an IPv6 address; give it at the IPv6 question")
            } else {
                format!("`{item}` is not an IPv4 address (such as `203.0.113.10`)")
            }
        })?;
        if let Some(why) = unusable(IpAddr::V4(ip)) {
            return Err(format!(
                "`{ip}` {why}, which other mail servers cannot reach"
            ));
        }
        if !list.contains(&ip) {
            list.push(ip);
        }
    }
    Ok(list)
}

/// A list of IPv6 addresses (may be empty).
pub fn ipv6_list(input: &str) -> Result<Vec<Ipv6Addr>, String> {
    let mut list = Vec::new();
    for item in split_list(input) {
        let ip: Ipv6Addr = item.parse().map_err(|_| {
            if item.parse::<Ipv4Addr>().is_ok() {
                format!("`{item}` is an IPv4 address; give it at the IPv4 question")
            } else {
                format!("`{item}` is not an IPv6 address (such as `2001:db8::10`)")
            }
        })?;
        if let Some(why) = unusable(IpAddr::V6(ip)) {
            return Err(format!(
                "`{ip}` {why}, which other mail servers cannot reach"
            ));
        }
        if !list.contains(&ip) {
            list.push(ip);
        }
    }
    Ok(list)
}

/// An interface address the wizard offers as a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    pub ip: IpAddr,
    /// Reachable from the internet as far as the address tells: pre-selected.
    /// Private (RFC 1918, shared, unique local) addresses are offered but not
    /// selected, for a host behind NAT the public address is elsewhere.
    pub public: bool,
}

/// The machine's addresses worth offering: no loopback, link-local,
/// multicast or unspecified ones, no duplicates, in the order given.
pub fn offered(addresses: &[IpAddr]) -> Vec<Offered> {
    let mut list: Vec<Offered> = Vec::new();
    for &ip in addresses {
        if unusable(ip).is_some() || list.iter().any(|o| o.ip == ip) {
            continue;
        }
        let public = match ip {
            IpAddr::V4(v4) => {
                !(v4.is_private() || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
            }
            IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) != 0xfc00,
        };
        list.push(Offered { ip, public });
    }
    list
}

/// An email address, `local@domain`, as the ACME account contact and a
/// report address must be.
pub fn email(input: &str) -> Result<String, String> {
    let input = input.trim();
    let input = input.strip_prefix("mailto:").unwrap_or(input);
    let Some((local, domain)) = input.rsplit_once('@') else {
        return Err("is not an email address (such as `postmaster@example.com`)".to_owned());
    };
    let local = names::local_part(local).map_err(|e| format!("has a local part that {e}"))?;
    let domain = names::domain_name(domain).map_err(|e| format!("has a domain that {e}"))?;
    Ok(format!("{local}@{domain}"))
}

/// An ACME directory: a known name or an `https://` URL.
pub fn directory(input: &str) -> Result<String, String> {
    let input = input.trim();
    crate::spec::acme::directory_url(input).map(|_| input.to_owned())
}

/// The primary name server for dns-01: an IP address with an optional port.
pub fn dns_server(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.parse::<SocketAddr>().is_ok() || input.parse::<IpAddr>().is_ok() {
        Ok(input.to_owned())
    } else {
        Err(
            "is not an IP address with an optional port (such as `192.0.2.53` or `192.0.2.53:53`)"
                .to_owned(),
        )
    }
}

/// The dns-01 zone: a domain name that holds every certificate name.
pub fn dns_zone(input: &str, certificate_names: &[String]) -> Result<String, String> {
    let zone = names::domain_name(input.trim())?;
    if let Some(outside) = certificate_names
        .iter()
        .find(|n| **n != zone && !n.ends_with(&format!(".{zone}")))
    {
        return Err(format!(
            "does not hold `{outside}`, a name the certificate needs; dns-01 publishes `_acme-challenge.<name>` in this zone"
        ));
    }
    Ok(zone)
}

/// A TSIG key name.
pub fn tsig_key(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty()
        || input.len() > 253
        || input.split('.').any(|l| l.is_empty() || l.len() > 63)
        || input
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(
            "is not a key name: letters, digits, `-`, `_` and `.` (such as `mailctl-key`)"
                .to_owned(),
        );
    }
    Ok(input.to_ascii_lowercase())
}

/// The file holding the TSIG secret: an absolute path.
pub fn secret_file(input: &str) -> Result<String, String> {
    names::absolute_path(input.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_split_normalised_and_unique() {
        assert_eq!(
            domain_list("Example.COM, example.net  bücher.example").unwrap(),
            ["example.com", "example.net", "xn--bcher-kva.example"]
        );
        assert!(
            domain_list("example.com example.com")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            domain_list("localhost")
                .unwrap_err()
                .contains("fully qualified")
        );
        assert!(domain_list("  ").unwrap_err().contains("no domain"));
        assert!(
            domain_list("example.com mple..com")
                .unwrap_err()
                .contains("`mple..com`")
        );
    }

    #[test]
    fn the_host_name_is_not_a_mail_domain() {
        let domains = vec!["example.com".to_owned()];
        assert_eq!(
            hostname("Mail.Example.com", &domains).unwrap(),
            "mail.example.com"
        );
        assert!(
            hostname("example.com", &domains)
                .unwrap_err()
                .contains("also a mail domain")
        );
        assert!(hostname("mail_host.example.com", &domains).is_err());
    }

    #[test]
    fn addresses_must_be_reachable() {
        assert_eq!(
            ipv4_list("203.0.113.10, 203.0.113.10").unwrap(),
            [Ipv4Addr::new(203, 0, 113, 10)]
        );
        assert!(ipv4_list("").unwrap().is_empty());
        assert!(ipv4_list("127.0.0.1").unwrap_err().contains("loopback"));
        assert!(ipv4_list("169.254.1.1").unwrap_err().contains("link-local"));
        assert!(
            ipv4_list("2001:db8::1")
                .unwrap_err()
                .contains("IPv6 question")
        );
        assert!(ipv4_list("300.1.1.1").unwrap_err().contains("not an IPv4"));
        assert_eq!(
            ipv6_list("2001:db8::10").unwrap(),
            ["2001:db8::10".parse::<Ipv6Addr>().unwrap()]
        );
        assert!(ipv6_list("fe80::1").unwrap_err().contains("link-local"));
        assert!(ipv6_list("::1").unwrap_err().contains("loopback"));
        assert!(
            ipv6_list("::ffff:192.0.2.1")
                .unwrap_err()
                .contains("IPv4-mapped")
        );
        assert!(
            ipv6_list("192.0.2.1")
                .unwrap_err()
                .contains("IPv4 question")
        );
    }

    #[test]
    fn interface_addresses_offered() {
        let all: Vec<IpAddr> = [
            "127.0.0.1",
            "10.0.0.5",
            "203.0.113.10",
            "::1",
            "fe80::1",
            "fd00::5",
            "2001:db8::10",
            "203.0.113.10",
            "100.64.1.1",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let offered: Vec<(String, bool)> = offered(&all)
            .iter()
            .map(|o| (o.ip.to_string(), o.public))
            .collect();
        assert_eq!(
            offered,
            [
                ("10.0.0.5".to_owned(), false),
                ("203.0.113.10".to_owned(), true),
                ("fd00::5".to_owned(), false),
                ("2001:db8::10".to_owned(), true),
                ("100.64.1.1".to_owned(), false),
            ]
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            email("Postmaster@Example.com").unwrap(),
            "postmaster@example.com"
        );
        assert_eq!(email("mailto:a@example.com").unwrap(), "a@example.com");
        assert!(
            email("postmaster")
                .unwrap_err()
                .contains("not an email address")
        );
        assert!(email("a b@example.com").unwrap_err().contains("local part"));
        assert!(email("a@localhost").unwrap_err().contains("domain"));
    }

    #[test]
    fn acme_answers() {
        assert_eq!(directory("letsencrypt").unwrap(), "letsencrypt");
        assert_eq!(
            directory("https://acme.example/dir").unwrap(),
            "https://acme.example/dir"
        );
        assert!(directory("http://acme.example/dir").is_err());
        assert!(dns_server("192.0.2.53").is_ok());
        assert!(dns_server("[2001:db8::53]:53").is_ok());
        assert!(dns_server("ns1.example.com").is_err());
        let names = vec![
            "mail.example.com".to_owned(),
            "mta-sts.example.net".to_owned(),
        ];
        assert!(
            dns_zone("example.com", &names)
                .unwrap_err()
                .contains("mta-sts.example.net")
        );
        assert_eq!(dns_zone("example.com", &names[..1]).unwrap(), "example.com");
        assert_eq!(tsig_key("MailCtl-Key").unwrap(), "mailctl-key");
        assert!(tsig_key("a key").is_err());
        assert!(secret_file("tsig.secret").is_err());
    }

    #[test]
    fn defaults_follow_the_first_domain() {
        let domains = vec!["example.com".to_owned(), "example.net".to_owned()];
        assert_eq!(default_hostname(&domains), "mail.example.com");
        assert_eq!(default_contact(&domains), "postmaster@example.com");
        let answers = Answers::with_defaults(
            domains,
            "mail.example.com".into(),
            vec![Ipv4Addr::new(203, 0, 113, 10)],
            vec![],
            "postmaster@example.com".into(),
        );
        assert_eq!(answers.dmarc_policy, DmarcPolicy::None);
        assert_eq!(answers.mta_sts, Some(MtaStsMode::Testing));
        assert_eq!(
            answers.dmarc_rua.as_deref(),
            Some("dmarc-reports@example.com")
        );
        assert!(!answers.acme.agree_tos);
        assert!(answers.problems().is_empty());
        assert_eq!(
            answers.certificate_names(),
            [
                "mail.example.com",
                "mta-sts.example.com",
                "mta-sts.example.net"
            ]
        );
    }

    #[test]
    fn problems_across_answers() {
        let mut answers = Answers::with_defaults(
            vec!["example.com".into()],
            "example.com".into(),
            vec![],
            vec![],
            "postmaster@example.com".into(),
        );
        answers.acme.challenge = ChallengeAnswers::Dns01 {
            server: "192.0.2.53".into(),
            zone: "example.net".into(),
            tsig_key: DEFAULT_TSIG_KEY.into(),
            tsig_secret_file: DEFAULT_TSIG_SECRET_FILE.into(),
        };
        let problems = answers.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("also a mail domain"));
        assert!(problems[1].contains("no address"));
        assert!(problems[2].contains("dns-01 zone"));
    }
}

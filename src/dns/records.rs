//! The record builders: one function per kind of record, each returning the
//! records with their purpose and requirement.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::IpAddr;

use sha2::{Digest as _, Sha256};

use super::{Advice, AdviceRecord, Record, RecordSet, RecordType, Requirement};
use crate::dkim::{KeyRef, PublicKey};
use crate::spec::Spec;
use crate::spec::dns::{Dmarc, MtaSts};
use crate::spec::model::{Domain, Service};

/// What the builders need from outside the spec.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Every key `dkim::keys` lists, with its public key when the key file
    /// exists and could be read (else the reason, for the advice).
    pub dkim: Vec<(KeyRef, Result<PublicKey, String>)>,
    /// The `SubjectPublicKeyInfo` (DER) of the current certificate, if any.
    pub tlsa_current: Option<Vec<u8>>,
    /// The `SubjectPublicKeyInfo` (DER) of a pre-generated next key, if any.
    pub tlsa_next: Option<Vec<u8>>,
}

struct Builder<'a> {
    spec: &'a Spec,
    ttl: u32,
    set: RecordSet,
}

impl Builder<'_> {
    fn add(
        &mut self,
        domain: &str,
        name: &str,
        rtype: RecordType,
        value: String,
        requirement: Requirement,
        purpose: &str,
    ) {
        self.set.records.push(Record {
            domain: domain.to_owned(),
            name: name.to_owned(),
            rtype,
            ttl: self.ttl,
            value,
            purpose: purpose.to_owned(),
            requirement,
        });
    }

    fn advise(&mut self, domain: &str, message: String, record: Option<AdviceRecord>) {
        self.set.advice.push(Advice {
            domain: domain.to_owned(),
            message,
            record,
        });
    }

    /// A/AAAA records for `name` with the server's addresses.
    fn addresses(&mut self, domain: &str, name: &str, requirement: Requirement, purpose: &str) {
        let server = &self.spec.server;
        for ip in &server.ipv4 {
            self.add(
                domain,
                name,
                RecordType::A,
                ip.to_string(),
                requirement,
                purpose,
            );
        }
        for ip in &server.ipv6 {
            self.add(
                domain,
                name,
                RecordType::AAAA,
                ip.to_string(),
                requirement,
                purpose,
            );
        }
    }
}

/// Build every record the spec needs.
pub fn build(spec: &Spec, inputs: &Inputs) -> RecordSet {
    let mut b = Builder {
        spec,
        ttl: spec.dns.ttl,
        set: RecordSet::default(),
    };
    let host = spec.server.hostname.as_str();
    let host_zone = spec
        .domains
        .iter()
        .map(|d| d.name.as_str())
        .find(|d| host.ends_with(&format!(".{d}")))
        .map_or_else(
            || host.split_once('.').map_or(host, |(_, p)| p).to_owned(),
            str::to_owned,
        );
    let hosted: BTreeSet<&str> = spec
        .domains
        .iter()
        .flat_map(|d| {
            std::iter::once(d.name.as_str()).chain(d.alias_domains.iter().map(String::as_str))
        })
        .collect();

    for domain in &spec.domains {
        if domain.dns.parked {
            parked(&mut b, domain);
        } else {
            mail_domain(&mut b, domain, inputs);
        }
        report_authorisations(&mut b, domain, &hosted);
        for alias in &domain.alias_domains {
            alias_domain(&mut b, domain, alias);
        }
        if domain.name == host_zone {
            mail_host(&mut b, &host_zone, inputs);
        }
    }
    if !spec.domains.iter().any(|d| d.name == host_zone) {
        mail_host(&mut b, &host_zone, inputs);
    }
    b.set
}

fn mx_targets(spec: &Spec, domain: &Domain) -> Vec<(u16, String)> {
    if domain.dns.mx.is_empty() {
        vec![(10, spec.server.hostname.clone())]
    } else {
        domain
            .dns
            .mx
            .iter()
            .map(|m| (m.priority, m.host.clone()))
            .collect()
    }
}

fn mail_domain(b: &mut Builder, domain: &Domain, inputs: &Inputs) {
    let name = domain.name.as_str();
    for (priority, host) in mx_targets(b.spec, domain) {
        b.add(
            name,
            name,
            RecordType::MX,
            format!("{priority} {host}."),
            Requirement::Required,
            "other servers deliver mail for the domain to this host",
        );
    }
    b.add(
        name,
        name,
        RecordType::TXT,
        spf_value(b.spec, domain),
        Requirement::Required,
        "SPF: the hosts allowed to send mail from the domain (RFC 7208)",
    );

    for (key, public) in inputs.dkim.iter().filter(|(k, _)| k.domain == name) {
        let owner = format!("{}._domainkey.{name}", key.selector);
        match public {
            Ok(public) => {
                let (requirement, purpose) = if key.signing {
                    (Requirement::Required, "DKIM: the public key receivers check signatures with (selector that signs)")
                } else {
                    (Requirement::Recommended, "DKIM: a previous key, published until mail signed with it has been delivered; retire it later")
                };
                b.add(name, &owner, RecordType::TXT, public.txt(), requirement, purpose);
            }
            Err(reason) => b.advise(name, format!("no DKIM record for selector `{}`: {reason}; run `mailctl dkim keygen --domain {name}`", key.selector), None),
        }
    }

    b.add(name, &format!("_dmarc.{name}"), RecordType::TXT, dmarc_value(&domain.dns.dmarc), Requirement::Required, "DMARC: what receivers do with mail that fails SPF and DKIM alignment, and where reports go (RFC 9989)");

    if let Some(sts) = &domain.dns.mta_sts {
        let policy = mta_sts_policy(b.spec, domain, sts);
        b.add(
            name,
            &format!("_mta-sts.{name}"),
            RecordType::TXT,
            format!("v=STSv1; id={}", mta_sts_id(&policy)),
            Requirement::Required,
            "MTA-STS: announces the policy; the id changes whenever the policy does (RFC 8461)",
        );
        let web = format!("mta-sts.{name}");
        b.addresses(
            name,
            &web,
            Requirement::Required,
            "MTA-STS: the web host that serves /.well-known/mta-sts.txt over HTTPS",
        );
    }
    if let Some(rpt) = &domain.dns.tls_rpt {
        b.add(
            name,
            &format!("_smtp._tls.{name}"),
            RecordType::TXT,
            format!("v=TLSRPTv1; rua={}", rpt.rua.join(",")),
            Requirement::Recommended,
            "TLS-RPT: where senders report TLS failures delivering to the domain (RFC 8460)",
        );
    }

    let host = &b.spec.server.hostname;
    let services = [
        ("_submissions._tcp", Some(Service::Submissions)),
        ("_submission._tcp", Some(Service::Submission)),
        ("_imaps._tcp", Some(Service::Imaps)),
        ("_pop3s._tcp", Some(Service::Pop3s)),
        ("_imap._tcp", None),
        ("_pop3._tcp", None),
    ];
    for (label, service) in services {
        let owner = format!("{label}.{name}");
        match service.filter(|s| b.spec.server.offers(*s)) {
            Some(service) => b.add(
                name,
                &owner,
                RecordType::SRV,
                format!("0 1 {} {host}.", service.port()),
                Requirement::Optional,
                "lets mail clients find the server (RFC 6186, RFC 8314)",
            ),
            None if service.is_none() => b.add(
                name,
                &owner,
                RecordType::SRV,
                "0 0 0 .".into(),
                Requirement::Optional,
                "plaintext access is not offered: clients must not try it (RFC 6186, RFC 8314)",
            ),
            None => b.add(
                name,
                &owner,
                RecordType::SRV,
                "0 0 0 .".into(),
                Requirement::Optional,
                "this service is not offered (RFC 6186)",
            ),
        }
    }
    caa(b, name);
}

/// Null MX, `v=spf1 -all` and DMARC reject: the domain sends and receives
/// no mail, so anything claiming to come from it is forged.
fn parked(b: &mut Builder, domain: &Domain) {
    let name = domain.name.as_str();
    b.add(
        name,
        name,
        RecordType::MX,
        "0 .".into(),
        Requirement::Required,
        "null MX: the domain receives no mail (RFC 7505)",
    );
    b.add(
        name,
        name,
        RecordType::TXT,
        "v=spf1 -all".into(),
        Requirement::Required,
        "SPF: no host may send mail from the domain",
    );
    b.add(
        name,
        &format!("_dmarc.{name}"),
        RecordType::TXT,
        dmarc_value(&domain.dns.dmarc),
        Requirement::Required,
        "DMARC: reject all mail claiming to be from the domain",
    );
}

/// An alias domain receives mail for its primary and sends none of its own.
fn alias_domain(b: &mut Builder, primary: &Domain, alias: &str) {
    for (priority, host) in mx_targets(b.spec, primary) {
        b.add(
            alias,
            alias,
            RecordType::MX,
            format!("{priority} {host}."),
            Requirement::Required,
            &format!(
                "alias domain of {}: other servers deliver its mail here",
                primary.name
            ),
        );
    }
    b.add(
        alias,
        alias,
        RecordType::TXT,
        "v=spf1 -all".into(),
        Requirement::Recommended,
        "SPF: the alias domain sends no mail of its own",
    );
    b.add(
        alias,
        &format!("_dmarc.{alias}"),
        RecordType::TXT,
        "v=DMARC1; p=reject".into(),
        Requirement::Recommended,
        "DMARC: reject mail forged with the alias domain as sender",
    );
}

/// The mail host's own records: addresses, HELO SPF, TLSA, and the PTR advice.
fn mail_host(b: &mut Builder, zone: &str, inputs: &Inputs) {
    let host = b.spec.server.hostname.clone();
    b.addresses(
        zone,
        &host,
        Requirement::Required,
        "the mail host's addresses, which the MX records point to",
    );
    b.add(
        zone,
        &host,
        RecordType::TXT,
        spf_host_value(b.spec),
        Requirement::Recommended,
        "SPF for the host name the server greets with (HELO), checked on bounces",
    );
    if b.spec.dns.tlsa {
        let owner = format!("_25._tcp.{host}");
        match &inputs.tlsa_current {
            Some(spki) => b.add(zone, &owner, RecordType::TLSA, tlsa_value(spki), Requirement::Optional, "DANE: the current certificate's public key, for senders that validate DNSSEC (RFC 7672); needs a signed zone"),
            None => b.advise(zone, format!("no TLSA record for {host}: there is no certificate yet; issue one with `mailctl cert issue`"), None),
        }
        if let Some(spki) = &inputs.tlsa_next {
            b.add(zone, &owner, RecordType::TLSA, tlsa_value(spki), Requirement::Optional, "DANE: the next key, published before the certificate changes to it (RFC 7671 §8.1)");
        }
    }
    if !b.spec.domains.iter().any(|d| d.name == zone) {
        caa(b, zone);
    }
    let ips: Vec<IpAddr> = b
        .spec
        .server
        .ipv4
        .iter()
        .map(|ip| IpAddr::V4(*ip))
        .chain(b.spec.server.ipv6.iter().map(|ip| IpAddr::V6(*ip)))
        .collect();
    for ip in ips {
        b.advise(
            zone,
            format!("set the reverse DNS of {ip} to {host} with the owner of the address (your hosting provider); many receivers refuse mail from addresses without it"),
            Some(AdviceRecord { name: reverse_name(ip), rtype: RecordType::PTR, value: format!("{host}.") }),
        );
    }
}

fn caa(b: &mut Builder, zone: &str) {
    let issuers = b.spec.dns.caa_issuers.clone();
    for issuer in &issuers {
        b.add(
            zone,
            zone,
            RecordType::CAA,
            format!("0 issue \"{issuer}\""),
            Requirement::Recommended,
            "CAA: only this CA may issue certificates for the domain (RFC 8659)",
        );
    }
    if let (Some(iodef), false) = (b.spec.dns.caa_iodef.clone(), issuers.is_empty()) {
        b.add(
            zone,
            zone,
            RecordType::CAA,
            format!("0 iodef \"{iodef}\""),
            Requirement::Optional,
            "CAA: where CAs report refused certificate requests",
        );
    }
}

/// `rua`/`ruf` in another domain need that domain's consent (the
/// `_report._dmarc` record of RFC 9989): publish it when the spec hosts the
/// other domain, else say who must.
fn report_authorisations(b: &mut Builder, domain: &Domain, hosted: &BTreeSet<&str>) {
    let name = domain.name.as_str();
    let mut seen = BTreeSet::new();
    for address in domain.dns.dmarc.rua.iter().chain(&domain.dns.dmarc.ruf) {
        let Some((_, other)) = address.rsplit_once('@') else {
            continue;
        };
        let same_org = other == name
            || other.ends_with(&format!(".{name}"))
            || name.ends_with(&format!(".{other}"));
        if same_org || !seen.insert(other.to_owned()) {
            continue;
        }
        let owner = format!("{name}._report._dmarc.{other}");
        if hosted.contains(other) {
            b.add(
                other,
                &owner,
                RecordType::TXT,
                "v=DMARC1".into(),
                Requirement::Required,
                &format!("DMARC: {other} agrees to receive reports about {name}"),
            );
        } else {
            b.advise(
                name,
                format!("DMARC reports for {name} go to {other}: its owner must publish this record, or receivers will not send reports there"),
                Some(AdviceRecord { name: owner, rtype: RecordType::TXT, value: "v=DMARC1".into() }),
            );
        }
    }
}

/// The SPF record of a mail domain: the server's addresses, the spec's
/// extra mechanisms, then `all`.
pub fn spf_value(spec: &Spec, domain: &Domain) -> String {
    let mut terms = vec!["v=spf1".to_owned()];
    terms.extend(spec.server.ipv4.iter().map(|ip| format!("ip4:{ip}")));
    terms.extend(spec.server.ipv6.iter().map(|ip| format!("ip6:{ip}")));
    terms.extend(domain.dns.spf.mechanisms.iter().map(|m| m.text.clone()));
    terms.push(domain.dns.spf.all.clone());
    terms.join(" ")
}

fn spf_host_value(spec: &Spec) -> String {
    let mut terms = vec!["v=spf1".to_owned()];
    terms.extend(spec.server.ipv4.iter().map(|ip| format!("ip4:{ip}")));
    terms.extend(spec.server.ipv6.iter().map(|ip| format!("ip6:{ip}")));
    terms.push("-all".into());
    terms.join(" ")
}

/// The DMARC record, tags in RFC 9989's order; defaults are left out.
pub fn dmarc_value(dmarc: &Dmarc) -> String {
    let mut tags = vec!["v=DMARC1".to_owned(), format!("p={}", dmarc.policy.name())];
    if let Some(sp) = dmarc.subdomain_policy {
        tags.push(format!("sp={}", sp.name()));
    }
    if let Some(np) = dmarc.np {
        tags.push(format!("np={}", np.name()));
    }
    if let Some(a) = dmarc.adkim {
        tags.push(format!("adkim={}", a.tag()));
    }
    if let Some(a) = dmarc.aspf {
        tags.push(format!("aspf={}", a.tag()));
    }
    let uris = |list: &[String]| {
        list.iter()
            .map(|a| format!("mailto:{a}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    if !dmarc.rua.is_empty() {
        tags.push(format!("rua={}", uris(&dmarc.rua)));
    }
    if !dmarc.ruf.is_empty() {
        tags.push(format!("ruf={}", uris(&dmarc.ruf)));
        if !dmarc.fo.is_empty() {
            tags.push(format!("fo={}", dmarc.fo.join(":")));
        }
    }
    tags.join("; ")
}

/// The MTA-STS policy file (RFC 8461 §3.2), lines ending in CRLF.
pub fn mta_sts_policy(spec: &Spec, domain: &Domain, sts: &MtaSts) -> String {
    let mut policy = format!("version: STSv1\r\nmode: {}\r\n", sts.mode.name());
    for (_, host) in mx_targets(spec, domain) {
        let _ = write!(policy, "mx: {host}\r\n");
    }
    let _ = write!(policy, "max_age: {}\r\n", sts.max_age);
    policy
}

/// The policy id: a digest of the policy, so it changes exactly when the
/// policy does.
pub fn mta_sts_id(policy: &str) -> String {
    let digest = Sha256::digest(policy.as_bytes());
    hex(&digest[..10])
}

/// `3 1 1`: DANE-EE, the `SubjectPublicKeyInfo`, SHA-256.
pub fn tlsa_value(spki: &[u8]) -> String {
    format!("3 1 1 {}", hex(&Sha256::digest(spki)))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The reverse-DNS name of an address.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut nibbles: Vec<String> = v6
                .octets()
                .iter()
                .flat_map(|b| [b >> 4, b & 0xf])
                .map(|n| format!("{n:x}"))
                .collect();
            nibbles.reverse();
            format!("{}.ip6.arpa", nibbles.join("."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SourceFile;

    fn spec(extra: &str) -> Spec {
        let text = format!(
            "version = 1\n[server]\nhostname = \"mail.example.com\"\nipv4 = [\"203.0.113.10\"]\nipv6 = [\"2001:db8::10\"]\nservices = [\"smtp\", \"submissions\", \"imaps\"]\n\
             [dovecot]\nenabled = true\n[tls]\ncert_file = \"/etc/ssl/mail/fullchain.pem\"\nkey_file = \"/etc/ssl/mail/privkey.pem\"\n{extra}"
        );
        match crate::spec::from_source(&SourceFile::new("t.toml", text)) {
            Ok(loaded) => loaded.spec,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn find<'a>(set: &'a RecordSet, name: &str, rtype: RecordType) -> Vec<&'a str> {
        set.records
            .iter()
            .filter(|r| r.name == name && r.rtype == rtype)
            .map(|r| r.value.as_str())
            .collect()
    }

    #[test]
    fn mx_spf_and_host_addresses_by_default() {
        let set = build(
            &spec("[[domain]]\nname = \"example.com\"\n"),
            &Inputs::default(),
        );
        assert_eq!(
            find(&set, "example.com", RecordType::MX),
            ["10 mail.example.com."]
        );
        assert_eq!(
            find(&set, "example.com", RecordType::TXT),
            ["v=spf1 ip4:203.0.113.10 ip6:2001:db8::10 -all"]
        );
        assert_eq!(
            find(&set, "mail.example.com", RecordType::A),
            ["203.0.113.10"]
        );
        assert_eq!(
            find(&set, "mail.example.com", RecordType::AAAA),
            ["2001:db8::10"]
        );
        assert_eq!(
            find(&set, "_dmarc.example.com", RecordType::TXT),
            ["v=DMARC1; p=reject"]
        );
        assert!(
            set.records
                .iter()
                .all(|r| r.domain == "example.com" && r.ttl == 3600)
        );
    }

    #[test]
    fn mx_override_and_spf_mechanisms() {
        let set = build(
            &spec(
                "[[domain]]\nname = \"example.com\"\nmx = [{ host = \"mx2.example.net\", priority = 20 }, { host = \"mail.example.com\" }]\n[domain.spf]\nmechanisms = [\"include:_spf.example.net\", \"~ip4:192.0.2.0/24\"]\nall = \"~all\"\n",
            ),
            &Inputs::default(),
        );
        assert_eq!(
            find(&set, "example.com", RecordType::MX),
            ["20 mx2.example.net.", "10 mail.example.com."]
        );
        assert_eq!(
            find(&set, "example.com", RecordType::TXT),
            [
                "v=spf1 ip4:203.0.113.10 ip6:2001:db8::10 include:_spf.example.net ~ip4:192.0.2.0/24 ~all"
            ]
        );
    }

    #[test]
    fn srv_records_follow_the_services() {
        let set = build(
            &spec("[[domain]]\nname = \"example.com\"\n"),
            &Inputs::default(),
        );
        assert_eq!(
            find(&set, "_submissions._tcp.example.com", RecordType::SRV),
            ["0 1 465 mail.example.com."]
        );
        assert_eq!(
            find(&set, "_imaps._tcp.example.com", RecordType::SRV),
            ["0 1 993 mail.example.com."]
        );
        for not_offered in [
            "_submission._tcp",
            "_pop3s._tcp",
            "_imap._tcp",
            "_pop3._tcp",
        ] {
            assert_eq!(
                find(&set, &format!("{not_offered}.example.com"), RecordType::SRV),
                ["0 0 0 ."],
                "{not_offered}"
            );
        }
    }

    #[test]
    fn parked_domains_refuse_everything() {
        let set = build(
            &spec(
                "[[domain]]\nname = \"example.com\"\n[[domain]]\nname = \"parked.example\"\nparked = true\n",
            ),
            &Inputs::default(),
        );
        assert_eq!(find(&set, "parked.example", RecordType::MX), ["0 ."]);
        assert_eq!(
            find(&set, "parked.example", RecordType::TXT),
            ["v=spf1 -all"]
        );
        assert_eq!(
            find(&set, "_dmarc.parked.example", RecordType::TXT),
            ["v=DMARC1; p=reject"]
        );
        assert!(find(&set, "_submissions._tcp.parked.example", RecordType::SRV).is_empty());
    }

    #[test]
    fn dmarc_tags_and_report_authorisations() {
        let set = build(
            &spec(
                "[[domain]]\nname = \"example.com\"\n[domain.dmarc]\npolicy = \"quarantine\"\nsubdomain_policy = \"reject\"\nnp = \"reject\"\nadkim = \"s\"\naspf = \"relaxed\"\nrua = [\"dmarc\", \"d@example.org\", \"x@reports.example.net\"]\nruf = [\"mailto:f@example.org\"]\nfo = [\"1\", \"d\"]\n[[domain]]\nname = \"example.org\"\n",
            ),
            &Inputs::default(),
        );
        assert_eq!(
            find(&set, "_dmarc.example.com", RecordType::TXT),
            [
                "v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; aspf=r; rua=mailto:dmarc@example.com,mailto:d@example.org,mailto:x@reports.example.net; ruf=mailto:f@example.org; fo=1:d"
            ]
        );
        let auth: Vec<&Record> = set
            .records
            .iter()
            .filter(|r| r.name == "example.com._report._dmarc.example.org")
            .collect();
        assert_eq!(auth.len(), 1, "one record for rua and ruf together");
        assert_eq!(
            (auth[0].domain.as_str(), auth[0].value.as_str()),
            ("example.org", "v=DMARC1")
        );
        let external: Vec<&Advice> = set
            .advice
            .iter()
            .filter(|a| {
                a.record
                    .as_ref()
                    .is_some_and(|r| r.name == "example.com._report._dmarc.reports.example.net")
            })
            .collect();
        assert_eq!(external.len(), 1);
        assert!(external[0].message.contains("its owner must publish"));
    }

    #[test]
    fn mta_sts_id_changes_with_the_policy() {
        let base = "[[domain]]\nname = \"example.com\"\n[domain.mta_sts]\nmode = \"enforce\"\n";
        let a = build(&spec(base), &Inputs::default());
        let b = build(
            &spec(&format!("{base}max_age = 86400\n")),
            &Inputs::default(),
        );
        let c = build(&spec(base), &Inputs::default());
        let id = |set: &RecordSet| find(set, "_mta-sts.example.com", RecordType::TXT)[0].to_owned();
        assert_ne!(id(&a), id(&b));
        assert_eq!(id(&a), id(&c));
        assert!(id(&a).starts_with("v=STSv1; id=") && id(&a).len() == "v=STSv1; id=".len() + 20);
        assert_eq!(
            find(&a, "mta-sts.example.com", RecordType::A),
            ["203.0.113.10"]
        );
        let s = spec(base);
        let policy = mta_sts_policy(
            &s,
            &s.domains[0],
            s.domains[0].dns.mta_sts.as_ref().unwrap(),
        );
        assert_eq!(
            policy,
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n"
        );
    }

    #[test]
    fn tls_rpt_caa_and_tlsa() {
        let s = spec(
            "[dns]\ntlsa = true\ncaa_issuers = [\"letsencrypt.org\"]\ncaa_iodef = \"mailto:sec@example.com\"\n[[domain]]\nname = \"example.com\"\n[domain.tls_rpt]\nrua = [\"tlsrpt\", \"https://r.example.net/tls\"]\n",
        );
        let set = build(
            &s,
            &Inputs {
                tlsa_current: Some(b"spki".to_vec()),
                ..Inputs::default()
            },
        );
        assert_eq!(
            find(&set, "_smtp._tls.example.com", RecordType::TXT),
            ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.net/tls"]
        );
        assert_eq!(
            find(&set, "example.com", RecordType::CAA),
            [
                "0 issue \"letsencrypt.org\"",
                "0 iodef \"mailto:sec@example.com\""
            ]
        );
        // sha256("spki")
        assert_eq!(
            find(&set, "_25._tcp.mail.example.com", RecordType::TLSA),
            [format!("3 1 1 {}", hex(&Sha256::digest(b"spki")))]
        );
        let none = build(&s, &Inputs::default());
        assert!(find(&none, "_25._tcp.mail.example.com", RecordType::TLSA).is_empty());
        assert!(
            none.advice
                .iter()
                .any(|a| a.message.contains("no TLSA record"))
        );
    }

    #[test]
    fn dkim_records_come_from_the_keys() {
        let s = spec(
            "[[domain]]\nname = \"example.com\"\n[domain.dkim]\nselectors = [\"new\", \"old\"]\n",
        );
        let keys = crate::dkim::keys(&s);
        assert_eq!(
            keys.iter()
                .map(|k| (k.selector.as_str(), k.signing))
                .collect::<Vec<_>>(),
            [("new", true), ("old", false)]
        );
        let inputs = Inputs {
            dkim: vec![
                (keys[0].clone(), Ok(PublicKey::Ed25519([7; 32]))),
                (keys[1].clone(), Err("there is no key file".into())),
            ],
            ..Inputs::default()
        };
        let set = build(&s, &inputs);
        assert_eq!(
            find(&set, "new._domainkey.example.com", RecordType::TXT),
            ["v=DKIM1; k=ed25519; p=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="]
        );
        assert!(find(&set, "old._domainkey.example.com", RecordType::TXT).is_empty());
        assert!(
            set.advice
                .iter()
                .any(|a| a.message.contains("selector `old`"))
        );
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("203.0.113.10".parse().unwrap()),
            "10.113.0.203.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}

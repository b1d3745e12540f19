//! Answers → the text of a commented `mailctl.toml`: pure, no I/O. The
//! comments teach the format, so a person reading the file learns what each
//! section does and what to change first.
//!
//! The text is written by hand rather than serialised so the comments sit
//! next to the keys they explain; the unit tests parse every variant back
//! with `spec::from_source` so it always passes `mailctl validate`.

use std::fmt::Write as _;

use super::answers::{Answers, ChallengeAnswers};
use crate::spec::dns::{DkimAlgorithm, DmarcPolicy, MtaStsMode};
use crate::spec::raw::Service;

/// The mailboxes and aliases the wizard gives one domain: enough that
/// `postmaster@`, `abuse@` and the report addresses reach the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainAddresses {
    pub name: String,
    pub mailboxes: Vec<String>,
    /// Local part → target, in the order written.
    pub aliases: Vec<(String, String)>,
}

/// Who receives what: the contact's own mailbox when it is in a hosted
/// domain, `postmaster` and `abuse` in every domain, and the report
/// addresses that are in a hosted domain, all pointing at the contact.
pub fn addresses(answers: &Answers) -> Vec<DomainAddresses> {
    let (contact_local, contact_domain) = answers
        .contact
        .rsplit_once('@')
        .expect("a checked contact has an @");
    let mut reports: Vec<&str> = Vec::new();
    for rua in [&answers.dmarc_rua, &answers.tls_rpt_rua]
        .into_iter()
        .flatten()
    {
        if !reports.contains(&rua.as_str()) {
            reports.push(rua);
        }
    }
    answers
        .domains
        .iter()
        .map(|domain| {
            let mailboxes = if domain == contact_domain {
                vec![contact_local.to_owned()]
            } else {
                Vec::new()
            };
            let target = if domain == contact_domain {
                contact_local.to_owned()
            } else {
                answers.contact.clone()
            };
            let mut aliases: Vec<(String, String)> = Vec::new();
            let wanted = ["postmaster", "abuse"].into_iter().chain(
                reports
                    .iter()
                    .filter_map(|r| r.rsplit_once('@'))
                    .filter(|(_, d)| d == domain)
                    .map(|(l, _)| l),
            );
            for local in wanted {
                if mailboxes.iter().any(|m| m == local) || aliases.iter().any(|(a, _)| a == local) {
                    continue;
                }
                aliases.push((local.to_owned(), target.clone()));
            }
            DomainAddresses {
                name: domain.clone(),
                mailboxes,
                aliases,
            }
        })
        .collect()
}

/// A TOML basic string. Checked answers hold no quotes or control
/// characters, but quoting stays correct whatever it is given.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise (`first.last`).
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn list<T: AsRef<str>>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    format!("[{}]", inner.join(", "))
}

/// A line `key = value` with a comment aligned after it.
fn line(out: &mut String, assignment: &str, comment: &str) {
    if comment.is_empty() {
        let _ = writeln!(out, "{assignment}");
    } else {
        let _ = writeln!(out, "{assignment:<33} # {comment}");
    }
}

/// The commented spec for these answers.
pub fn render(answers: &Answers) -> String {
    let mut out = String::new();
    header(&mut out, answers);
    server(&mut out, answers);
    defaults_note(&mut out, answers);
    dovecot(&mut out, answers);
    acme(&mut out, answers);
    dkim(&mut out, answers);
    for domain in addresses(answers) {
        domain_table(&mut out, answers, &domain);
    }
    out
}

fn header(out: &mut String, answers: &Answers) {
    let _ = writeln!(
        out,
        "# mailctl.toml: the spec of the mail domain{} {}.",
        if answers.domains.len() == 1 { "" } else { "s" },
        answers.domains.join(", ")
    );
    out.push_str(
        "# Written by `mailctl init`; edit it freely. Every key is explained in the\n\
         # README (\"The spec\"), and `mailctl validate` checks the file after an edit.\n\
         #\n\
         # Next steps:\n\
         #   mailctl dkim keygen        create the DKIM keys\n\
         #   mailctl dns                the DNS records to publish\n\
         #   mailctl render --diff      what would change in /etc/postfix; then `mailctl render`\n\
         #   mailctl cert issue         the TLS certificate (--dry-run first)\n\
         \n\
         # The spec format is versioned; this is version 1.\n\
         version = 1\n\n",
    );
}

fn server(out: &mut String, answers: &Answers) {
    out.push_str(
        "# The mail host itself. Other servers reach it by this name (the MX record\n\
         # of every domain points here), so the name needs A/AAAA records for these\n\
         # addresses, and each address a PTR record back to the name (`mailctl dns`\n\
         # lists them all).\n\
         [server]\n",
    );
    line(
        out,
        &format!("hostname = {}", quote(&answers.hostname)),
        "a name of its own, not a mail domain",
    );
    let v4: Vec<String> = answers.ipv4.iter().map(ToString::to_string).collect();
    let v6: Vec<String> = answers.ipv6.iter().map(ToString::to_string).collect();
    line(
        out,
        &format!("ipv4 = {}", list(&v4)),
        "the host's public addresses",
    );
    line(
        out,
        &format!("ipv6 = {}", list(&v6)),
        if v6.is_empty() {
            "none: Postfix uses IPv4 only"
        } else {
            ""
        },
    );
    out.push_str(
        "# What the server offers: smtp (port 25, mail from other servers) always;\n\
         # submission (587, STARTTLS) and submissions (465, implicit TLS, RFC 8314)\n\
         # for your users' mail clients to send; imaps (993) and pop3s (995) for them\n\
         # to read mail, served by the IMAP server (Dovecot), not Postfix.\n",
    );
    let services: Vec<&str> = Service::ALL
        .iter()
        .filter(|s| **s == Service::Smtp || answers.services.contains(s))
        .map(|s| s.name())
        .collect();
    let _ = writeln!(out, "services = {}\n", list(&services));
}

/// Whether Dovecot is needed: it serves IMAPS and POP3S and checks the
/// logins of submission (SASL).
fn needs_dovecot(answers: &Answers) -> bool {
    answers.services.iter().any(|s| *s != Service::Smtp)
}

fn defaults_note(out: &mut String, answers: &Answers) {
    let delivery = if needs_dovecot(answers) {
        "mail is handed to Dovecot over LMTP"
    } else {
        "mail is delivered into Maildirs under /var/mail/vhosts owned by uid/gid 5000"
    };
    let _ = write!(
        out,
        "# [postfix] and [tls] are left at their defaults: Postfix's files go to\n\
         # /etc/postfix, {delivery},\n\
         # and Postfix presents the certificate `mailctl cert` keeps in\n\
         # /var/lib/mailctl/certs/{}/. To send through a smarthost, for example:\n\
         # [postfix]\n\
         # relayhost = \"[smtp.example.net]:587\"\n\n",
        answers.hostname
    );
}

fn dovecot(out: &mut String, answers: &Answers) {
    if needs_dovecot(answers) {
        out.push_str(
            "# Dovecot owns the mailboxes: it serves IMAPS/POP3S, checks the logins of\n\
             # submission (SASL) and takes mail from Postfix over LMTP. `mailctl passwd\n\
             # ADDRESS` sets a mailbox's password and stores only its hash, in\n\
             # passwords_file (relative to this file; written with mode 0600).\n\
             [dovecot]\n\
             enabled = true\n\
             passwords_file = \"passwords\"\n\n",
        );
    } else {
        out.push_str(
            "# No service needs Dovecot (IMAPS, POP3S, submission): Postfix delivers the\n\
             # mail itself. Add `[dovecot]` with `enabled = true` to serve mail clients.\n\n",
        );
    }
}

fn acme(out: &mut String, answers: &Answers) {
    let a = &answers.acme;
    let names = answers.certificate_names().join(", ");
    let _ = write!(
        out,
        "# The TLS certificate, by ACME (RFC 8555): `mailctl cert issue` orders it for\n\
         # {names};\n\
         # `mailctl cert renew`, run hourly from cron or a systemd timer, renews it when\n\
         # it is due and does nothing otherwise.\n\
         [acme]\n"
    );
    let directory_note = match a.directory.as_str() {
        "letsencrypt" => "or \"letsencrypt-staging\" to test, or another CA's https:// URL",
        "letsencrypt-staging" => {
            "test certificates, not trusted: switch to \"letsencrypt\" when it works"
        }
        _ => "the CA's ACME directory",
    };
    line(
        out,
        &format!("directory = {}", quote(&a.directory)),
        directory_note,
    );
    line(
        out,
        &format!("contact = {}", quote(&answers.contact)),
        "the CA writes here about expiry and problems",
    );
    if a.agree_tos {
        line(
            out,
            "agree_tos = true",
            "you accepted the CA's terms of service",
        );
    } else {
        line(
            out,
            "agree_tos = false",
            "set to true to accept the CA's terms; no certificate without it",
        );
    }
    match &a.challenge {
        ChallengeAnswers::Http01 => {
            line(
                out,
                "challenge = \"http-01\"",
                "mailctl answers on port 80 itself while ordering",
            );
            out.push_str(
                "# Port 80 must be reachable from the internet while a certificate is ordered.\n\
                 # If a web server already holds it, let it serve the tokens instead:\n\
                 # webroot = \"/var/www/html\"\n",
            );
        }
        ChallengeAnswers::Dns01 {
            server,
            zone,
            tsig_key,
            tsig_secret_file,
        } => {
            line(
                out,
                "challenge = \"dns-01\"",
                "TXT records by RFC 2136 update; port 80 is not needed",
            );
            line(
                out,
                &format!("dns_server = {}", quote(server)),
                "the primary server that accepts the updates",
            );
            line(
                out,
                &format!("dns_zone = {}", quote(zone)),
                "every certificate name is in this zone",
            );
            line(
                out,
                &format!("tsig_key = {}", quote(tsig_key)),
                "the TSIG key allowed to update the zone",
            );
            line(
                out,
                &format!("tsig_secret_file = {}", quote(tsig_secret_file)),
                "its base64 secret; chmod 600",
            );
        }
    }
    out.push_str(
        "# Programs to run after each new certificate, once Postfix is running:\n\
         # deploy_hooks = [[\"postfix\", \"reload\"]]\n\n",
    );
}

fn dkim(out: &mut String, answers: &Answers) {
    out.push_str(
        "# DKIM signs outgoing mail. `mailctl dkim keygen` creates one key per domain\n\
         # and selector, as /var/lib/mailctl/dkim/<domain>/<selector>.pem (mode 0600);\n\
         # `mailctl dns` prints the TXT record to publish, and `mailctl render` writes\n\
         # OpenDKIM's tables. To rotate a key, add a new selector in front of the old\n\
         # one under [domain.dkim] selectors.\n\
         [dkim]\n",
    );
    line(
        out,
        "selector = \"mail\"",
        "the default selector of every domain",
    );
    let note = match answers.dkim_algorithm {
        DkimAlgorithm::Rsa2048 => "every receiver verifies RSA; or \"rsa-3072\", \"ed25519\"",
        DkimAlgorithm::Rsa3072 => "a larger RSA key; its TXT record is split into strings",
        DkimAlgorithm::Ed25519 => "RFC 8463: small, but not every receiver verifies it yet",
    };
    line(
        out,
        &format!("algorithm = {}", quote(answers.dkim_algorithm.name())),
        note,
    );
    out.push('\n');
}

fn domain_table(out: &mut String, answers: &Answers, domain: &DomainAddresses) {
    let name = &domain.name;
    let _ = writeln!(
        out,
        "# ---------------------------------------------------------------------------\n\
         # The mail domain {name}. SPF needs no table: it lists the server's\n\
         # addresses, then `-all`. DKIM signs with the selector above."
    );
    out.push_str("[[domain]]\n");
    let _ = writeln!(out, "name = {}", quote(name));
    out.push_str("# Mailboxes store mail here; add one local part per person (\"alice\", ...).\n");
    let _ = writeln!(out, "mailboxes = {}\n", list(&domain.mailboxes));
    out.push_str(
        "# Aliases: local part = target, or a list of targets. A bare name is a local\n\
         # part in this domain; a full address can be anywhere. postmaster (RFC 5321)\n\
         # and abuse must reach a person.\n\
         [domain.aliases]\n",
    );
    for (local, target) in &domain.aliases {
        let _ = writeln!(out, "{} = {}", key(local), quote(target));
    }
    out.push('\n');

    out.push_str(
        "# DMARC (RFC 9989): what receivers do with mail that claims to be from this\n\
         # domain but fails both SPF and DKIM.\n",
    );
    match answers.dmarc_policy {
        DmarcPolicy::None => out.push_str(
            "# \"none\" only asks for reports. Read them for a few weeks to find every\n\
             # service that sends as this domain (newsletters, invoices, a CRM), fix its\n\
             # SPF and DKIM, then move to \"quarantine\" and finally \"reject\".\n",
        ),
        DmarcPolicy::Quarantine => out.push_str(
            "# \"quarantine\" sends failing mail to spam; \"reject\" refuses it. Watch the\n\
             # reports for legitimate senders that fail before you move to \"reject\".\n",
        ),
        DmarcPolicy::Reject => out.push_str(
            "# \"reject\" refuses failing mail: make sure every service that sends as\n\
             # this domain passes SPF or DKIM (the reports show which do not).\n",
        ),
    }
    out.push_str("[domain.dmarc]\n");
    line(
        out,
        &format!("policy = {}", quote(answers.dmarc_policy.name())),
        "\"none\", \"quarantine\" or \"reject\"",
    );
    match &answers.dmarc_rua {
        Some(rua) => line(
            out,
            &format!("rua = {}", list(&[rua])),
            "daily aggregate reports from receivers",
        ),
        None => out.push_str("# rua = [\"dmarc-reports\"]          # where aggregate reports go\n"),
    }
    out.push('\n');

    match answers.mta_sts {
        Some(mode) => {
            out.push_str(
                "# MTA-STS (RFC 8461): tells other servers to deliver here only over TLS with\n\
                 # a valid certificate. \"testing\" changes nothing yet but asks for TLS-RPT\n\
                 # reports; switch to \"enforce\" once they show no failures. The policy must\n",
            );
            let _ = writeln!(
                out,
                "# be served at https://mta-sts.{name}/.well-known/mta-sts.txt: set web_root\n\
                 # to that web server's directory and `mailctl render` writes it there."
            );
            out.push_str("[domain.mta_sts]\n");
            let note = match mode {
                MtaStsMode::Testing => "then \"enforce\"",
                MtaStsMode::Enforce => "senders refuse to deliver without valid TLS",
                MtaStsMode::None => "withdraws a published policy",
            };
            line(out, &format!("mode = {}", quote(mode.name())), note);
            let _ = writeln!(out, "# web_root = \"/var/www/mta-sts.{name}\"\n");
        }
        None => out.push_str(
            "# MTA-STS (RFC 8461) is off. To tell other servers to require TLS here:\n\
             # [domain.mta_sts]\n\
             # mode = \"testing\"\n\n",
        ),
    }

    match &answers.tls_rpt_rua {
        Some(rua) => {
            out.push_str(
                "# TLS-RPT (RFC 8460): where other servers report failures to reach this\n\
                 # domain over TLS (one JSON report a day per sender).\n\
                 [domain.tls_rpt]\n",
            );
            let _ = writeln!(out, "rua = {}\n", list(&[rua]));
        }
        None => out.push_str(
            "# TLS-RPT (RFC 8460) is off. To receive reports of TLS failures:\n\
             # [domain.tls_rpt]\n\
             # rua = [\"tls-reports@example.com\"]\n\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::spec::SourceFile;
    use crate::wizard::answers::{DEFAULT_TSIG_KEY, DEFAULT_TSIG_SECRET_FILE};

    fn answers() -> Answers {
        Answers::with_defaults(
            vec!["example.com".into(), "example.net".into()],
            "mail.example.com".into(),
            vec![Ipv4Addr::new(203, 0, 113, 10)],
            vec!["2001:db8::10".parse().unwrap()],
            "postmaster@example.com".into(),
        )
    }

    /// The text parses and validates with no error and no warning.
    fn assert_valid(text: &str) -> crate::spec::Spec {
        let file = SourceFile::new(
            std::path::Path::new("/etc/mailctl/mailctl.toml"),
            text.to_owned(),
        );
        match crate::spec::from_source(&file) {
            Ok(loaded) => {
                assert!(
                    loaded.warnings.is_empty(),
                    "warnings: {:#?}\n{text}",
                    loaded.warnings
                );
                loaded.spec
            }
            Err(e) => panic!("{e}: {e:#?}\n{text}"),
        }
    }

    #[test]
    fn defaults_validate() {
        let spec = assert_valid(&render(&answers()));
        assert_eq!(spec.server.hostname, "mail.example.com");
        assert_eq!(spec.domains.len(), 2);
    }

    #[test]
    fn every_variant_validates() {
        let mut a = answers();
        for policy in [
            DmarcPolicy::None,
            DmarcPolicy::Quarantine,
            DmarcPolicy::Reject,
        ] {
            for mta_sts in [None, Some(MtaStsMode::Testing), Some(MtaStsMode::Enforce)] {
                for algorithm in [
                    DkimAlgorithm::Rsa2048,
                    DkimAlgorithm::Rsa3072,
                    DkimAlgorithm::Ed25519,
                ] {
                    a.dmarc_policy = policy;
                    a.mta_sts = mta_sts;
                    a.dkim_algorithm = algorithm;
                    assert_valid(&render(&a));
                }
            }
        }
        a.dmarc_rua = None;
        a.tls_rpt_rua = None;
        a.services = vec![];
        a.ipv6 = vec![];
        a.acme.agree_tos = true;
        a.acme.directory = "https://acme.example.org/directory".into();
        assert_valid(&render(&a));
        a.acme.challenge = ChallengeAnswers::Dns01 {
            server: "192.0.2.53:53".into(),
            zone: "example.com".into(),
            tsig_key: DEFAULT_TSIG_KEY.into(),
            tsig_secret_file: DEFAULT_TSIG_SECRET_FILE.into(),
        };
        a.domains.truncate(1);
        assert_valid(&render(&a));
    }

    #[test]
    fn addresses_reach_the_contact() {
        let mut a = answers();
        let plan = addresses(&a);
        assert_eq!(plan[0].mailboxes, ["postmaster"]);
        assert_eq!(
            plan[0].aliases,
            [
                ("abuse".to_owned(), "postmaster".to_owned()),
                ("dmarc-reports".to_owned(), "postmaster".to_owned()),
                ("tls-reports".to_owned(), "postmaster".to_owned()),
            ]
        );
        assert!(plan[1].mailboxes.is_empty());
        assert_eq!(
            plan[1].aliases,
            [
                ("postmaster".to_owned(), "postmaster@example.com".to_owned()),
                ("abuse".to_owned(), "postmaster@example.com".to_owned()),
            ]
        );

        // A contact outside the hosted domains: aliases only, no mailbox.
        a.contact = "ops@example.org".into();
        a.dmarc_rua = Some("first.last+dmarc@example.net".into());
        a.tls_rpt_rua = Some("ops@example.org".into());
        let plan = addresses(&a);
        assert!(plan.iter().all(|d| d.mailboxes.is_empty()));
        assert_eq!(
            plan[1].aliases[2],
            ("first.last+dmarc".to_owned(), "ops@example.org".to_owned())
        );
        let text = render(&a);
        assert!(
            text.contains("\"first.last+dmarc\" = \"ops@example.org\""),
            "{text}"
        );
        assert_valid(&text);
    }

    #[test]
    fn comments_explain_every_section() {
        let text = render(&answers());
        for section in [
            "[server]",
            "[dovecot]",
            "[acme]",
            "[dkim]",
            "[[domain]]",
            "[domain.aliases]",
            "[domain.dmarc]",
            "[domain.mta_sts]",
            "[domain.tls_rpt]",
        ] {
            let at = text
                .find(&format!("\n{section}\n"))
                .unwrap_or_else(|| panic!("no {section}"));
            let before = text[..at].lines().last().unwrap_or("");
            assert!(
                before.starts_with('#'),
                "{section} has no comment above it:\n{text}"
            );
        }
        assert!(text.contains("agree_tos = false"));
        assert!(text.contains("mailctl dkim keygen"));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(key("abuse"), "abuse");
        assert_eq!(key("first.last"), "\"first.last\"");
    }
}

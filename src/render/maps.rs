//! The lookup tables, written straight into byte buffers: a spec with a
//! million aliases renders in well under a second this way, where a template
//! engine spends microseconds per line.
//!
//! Keys and values were validated (no whitespace, commas, `$` or control
//! characters), so each entry is one line, `key<TAB>value`.
//!
//! - `virtual` (`virtual_alias_maps`): aliases, catch-alls and alias domains.
//!   A catch-all (`@domain`) would also swallow mail for the domain's own
//!   mailboxes, because Postfix consults this table first; so a domain with
//!   a catch-all maps each mailbox to itself, as `VIRTUAL_README` advises.
//!   Alias domains are spelled out address by address rather than with
//!   `@alias @domain`, so that mail for unknown users of an alias domain is
//!   refused during SMTP instead of bounced later.
//! - `vmailbox` (`virtual_mailbox_maps`): each mailbox and its Maildir.
//! - `vdomains` (`virtual_mailbox_domains`): the hosted domains.

use std::io::Write;

use crate::spec::model::{Domain, Spec};

fn start(header: &str, what: &str, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity + header.len() + 200);
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(b"\n# ");
    out.extend_from_slice(what.as_bytes());
    out.extend_from_slice(b"\n");
    out
}

fn entry(out: &mut Vec<u8>, key: &[&str], value: &[&str]) {
    for part in key {
        out.extend_from_slice(part.as_bytes());
    }
    out.push(b'\t');
    for part in value {
        out.extend_from_slice(part.as_bytes());
    }
    out.push(b'\n');
}

fn targets(out: &mut Vec<u8>, key: &[&str], targets: &[String]) {
    for part in key {
        out.extend_from_slice(part.as_bytes());
    }
    out.push(b'\t');
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(target.as_bytes());
    }
    out.push(b'\n');
}

/// Bytes per alias line, roughly, to size the buffer once.
fn estimate(domains: &[Domain]) -> usize {
    domains
        .iter()
        .map(|d| {
            let lines = d.aliases.len() + d.mailboxes.len() * (1 + d.alias_domains.len());
            lines * (2 * d.name.len() + 24)
        })
        .sum()
}

pub fn virtual_aliases(spec: &Spec, header: &str) -> Vec<u8> {
    let mut out = start(
        header,
        "virtual_alias_maps: address -> where its mail goes (see virtual(5))",
        estimate(&spec.domains),
    );
    for domain in &spec.domains {
        let name = domain.name.as_str();
        let _ = writeln!(out, "\n# {name}");
        for alias in &domain.aliases {
            targets(&mut out, &[&alias.local, "@", name], &alias.targets);
        }
        if !domain.catch_all.is_empty() {
            for mailbox in &domain.mailboxes {
                entry(
                    &mut out,
                    &[&mailbox.local, "@", name],
                    &[&mailbox.local, "@", name],
                );
            }
            targets(&mut out, &["@", name], &domain.catch_all);
        }
        for alias_domain in &domain.alias_domains {
            let _ = writeln!(out, "# {alias_domain}: alias domain of {name}");
            let locals = domain
                .mailboxes
                .iter()
                .map(|m| m.local.as_str())
                .chain(domain.aliases.iter().map(|a| a.local.as_str()));
            for local in locals {
                entry(&mut out, &[local, "@", alias_domain], &[local, "@", name]);
            }
            if !domain.catch_all.is_empty() {
                targets(&mut out, &["@", alias_domain], &domain.catch_all);
            }
        }
    }
    out
}

pub fn virtual_mailboxes(spec: &Spec, header: &str) -> Vec<u8> {
    let capacity = spec
        .domains
        .iter()
        .map(|d| d.mailboxes.len() * (2 * d.name.len() + 20))
        .sum();
    let mut out = start(
        header,
        "virtual_mailbox_maps: mailbox -> Maildir under the mailbox base (trailing / = Maildir)",
        capacity,
    );
    for domain in &spec.domains {
        let name = domain.name.as_str();
        if domain.mailboxes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n# {name}");
        for mailbox in &domain.mailboxes {
            entry(
                &mut out,
                &[&mailbox.local, "@", name],
                &[name, "/", &mailbox.local, "/"],
            );
        }
    }
    out
}

/// aliases(5) for the host's own names (`mydestination`): RFC 5321 wants a
/// postmaster everywhere, and bounces come from MAILER-DAEMON. The mail
/// domains' aliases live in `virtual`.
pub fn local_aliases(header: &str) -> Vec<u8> {
    format!(
        "{header}\n# aliases(5) for the host itself ($myhostname, localhost); compiled by postalias\n\
         postmaster: root\nmailer-daemon: postmaster\nabuse: postmaster\n"
    )
    .into_bytes()
}

pub fn virtual_domains(spec: &Spec, header: &str) -> Vec<u8> {
    let mut out = start(
        header,
        "virtual_mailbox_domains: the domains whose mailboxes live here",
        spec.domains.len() * 32,
    );
    // A parked domain receives no mail: leaving it out makes Postfix refuse
    // every recipient there as relaying.
    for domain in spec.domains.iter().filter(|d| !d.dns.parked) {
        entry(&mut out, &[&domain.name], &["OK"]);
    }
    out
}

/// `smtpd_sender_login_maps`: each address a hosted domain defines → the
/// SASL logins (mailbox addresses) that may use it as their sender. A
/// mailbox is its own login's; an alias belongs to the mailboxes it expands
/// to here (through other aliases, not to outside targets); an address in
/// an alias domain to the same logins as its primary address. Catch-alls
/// give nobody a sender address.
pub fn sender_logins(spec: &Spec, header: &str) -> Vec<u8> {
    use std::collections::{BTreeSet, HashMap};

    // Primary domain of every hosted name, and each domain's aliases.
    let mut primary: HashMap<&str, &Domain> = HashMap::new();
    for domain in &spec.domains {
        primary.insert(&domain.name, domain);
        for alias_domain in &domain.alias_domains {
            primary.insert(alias_domain, domain);
        }
    }
    let mut out = start(
        header,
        "smtpd_sender_login_maps: sender address -> the SASL logins that may use it",
        spec.domains.len() * 64,
    );
    for domain in &spec.domains {
        let name = domain.name.as_str();
        let _ = writeln!(out, "\n# {name}");
        let locals: Vec<&str> = domain
            .mailboxes
            .iter()
            .map(|m| m.local.as_str())
            .chain(domain.aliases.iter().map(|a| a.local.as_str()))
            .collect();
        for local in locals {
            let mut logins = BTreeSet::new();
            owners(
                &primary,
                &format!("{local}@{name}"),
                &mut BTreeSet::new(),
                &mut logins,
            );
            if logins.is_empty() {
                continue;
            }
            let logins: Vec<String> = logins.into_iter().collect();
            targets(&mut out, &[local, "@", name], &logins);
            for alias_domain in &domain.alias_domains {
                targets(&mut out, &[local, "@", alias_domain], &logins);
            }
        }
    }
    out
}

/// The mailboxes `address` expands to, following aliases hosted here.
fn owners(
    primary: &std::collections::HashMap<&str, &Domain>,
    address: &str,
    seen: &mut std::collections::BTreeSet<String>,
    out: &mut std::collections::BTreeSet<String>,
) {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return;
    };
    let Some(domain) = primary.get(domain) else {
        return;
    };
    let canonical = format!("{local}@{}", domain.name);
    if !seen.insert(canonical.clone()) {
        return;
    }
    if domain.mailboxes.iter().any(|m| m.local == local) {
        out.insert(canonical);
    } else if let Some(alias) = domain.aliases.iter().find(|a| a.local == local) {
        for target in &alias.targets {
            owners(primary, target, seen, out);
        }
    }
}

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

use std::collections::hash_map::Entry;
use std::io::Write;
use std::rc::Rc;

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

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
    let hosted = Hosted::new(&spec.domains);
    // Each domain's lines on their own, on every core: following a million
    // aliases is a million lookups, many in other domains' tables.
    let chunks = crate::spec::parallel::map(&spec.domains, |d, domain| {
        let name = domain.name.as_str();
        let mut out = Vec::with_capacity(estimate(std::slice::from_ref(domain)));
        let _ = writeln!(out, "\n# {name}");
        let mut logins = Vec::new();
        let mut memo = Memo::default();
        let mut line = String::new();
        for mailbox in &domain.mailboxes {
            let local = mailbox.local.as_str();
            entry(&mut out, &[local, "@", name], &[local, "@", name]);
            for alias_domain in &domain.alias_domains {
                entry(&mut out, &[local, "@", alias_domain], &[local, "@", name]);
            }
        }
        for (a, alias) in domain.aliases.iter().enumerate() {
            let local = alias.local.as_str();
            logins.clear();
            hosted.gather((d, a), &mut memo, &mut logins);
            if logins.is_empty() {
                continue;
            }
            hosted.sort(&mut logins);
            line.clear();
            for (i, &(login_domain, login)) in logins.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str(login);
                line.push('@');
                line.push_str(&spec.domains[login_domain].name);
            }
            entry(&mut out, &[local, "@", name], &[&line]);
            for alias_domain in &domain.alias_domains {
                entry(&mut out, &[local, "@", alias_domain], &[&line]);
            }
        }
        out
    });
    let mut out = start(
        header,
        "smtpd_sender_login_maps: sender address -> the SASL logins that may use it",
        chunks.iter().map(Vec::len).sum(),
    );
    for chunk in chunks {
        out.extend_from_slice(&chunk);
    }
    out
}

/// Every address the spec hosts, for following aliases: the domain (by
/// index) behind each hosted or alias domain name, and what each local part
/// of a domain is.
struct Hosted<'s> {
    domains: &'s [Domain],
    primary: HashMap<&'s str, usize>,
    locals: Vec<HashMap<&'s str, Local>>,
}

#[derive(Clone, Copy)]
enum Local {
    Mailbox,
    /// The index of the alias in its domain.
    Alias(usize),
}

/// A hosted address: its domain's index and its local part.
type Address<'s> = (usize, &'s str);

/// An alias: its domain's index and its index in the domain.
type AliasId = (usize, usize);

/// The logins of each alias expanded so far, sorted, each once; `None`
/// while an alias is being expanded. An alias that several others reach (a
/// chain, a team list) is followed once, not once per alias above it. Kept
/// while one domain's lines are rendered: the lists (as long as the lines
/// they become) are freed when the domain is done.
type Memo<'s> = HashMap<AliasId, Option<Rc<[Address<'s>]>>>;

impl<'s> Hosted<'s> {
    fn new(domains: &'s [Domain]) -> Self {
        let mut primary = HashMap::default();
        for (d, domain) in domains.iter().enumerate() {
            primary.insert(domain.name.as_str(), d);
            for alias_domain in &domain.alias_domains {
                primary.insert(alias_domain.as_str(), d);
            }
        }
        let locals = crate::spec::parallel::map(domains, |_, domain| {
            let mut locals = HashMap::with_capacity_and_hasher(
                domain.mailboxes.len() + domain.aliases.len(),
                FxBuildHasher,
            );
            for mailbox in &domain.mailboxes {
                locals.insert(mailbox.local.as_str(), Local::Mailbox);
            }
            for (a, alias) in domain.aliases.iter().enumerate() {
                locals.insert(alias.local.as_str(), Local::Alias(a));
            }
            locals
        });
        Hosted {
            domains,
            primary,
            locals,
        }
    }

    /// What a target of an alias in domain `home` is, when it is hosted here.
    fn resolve(&self, home: usize, target: &'s str) -> Option<(usize, &'s str, Local)> {
        let (local, domain) = crate::spec::names::split_address(target)?;
        // Most targets are in the alias's own domain: no lookup for it.
        let d = if domain == self.domains[home].name {
            home
        } else {
            *self.primary.get(domain)?
        };
        Some((d, local, *self.locals[d].get(local)?))
    }

    /// Add the mailboxes alias `id` reaches, through aliases hosted here, to
    /// `out` (unsorted, maybe twice). Aliases among its targets are looked
    /// up in `memo`, and expanded into it first when they are not there.
    fn gather(&self, (d, a): AliasId, memo: &mut Memo<'s>, out: &mut Vec<Address<'s>>) {
        for target in &self.domains[d].aliases[a].targets {
            match self.resolve(d, target) {
                Some((t, local, Local::Mailbox)) => out.push((t, local)),
                Some((t, _, Local::Alias(b))) => {
                    if !memo.contains_key(&(t, b)) {
                        self.expand((t, b), memo);
                    }
                    if let Some(Some(logins)) = memo.get(&(t, b)) {
                        out.extend_from_slice(logins);
                    }
                }
                None => {}
            }
        }
    }

    /// Put the logins of alias `start`, and of every alias it reaches, into
    /// `memo`: depth first with a stack of its own, since a chain of aliases
    /// can be as long as the spec (a recursion that deep overflowed the
    /// worker thread's stack). An alias met again while it is being
    /// expanded (a loop, which validation refuses) adds nothing.
    fn expand(&self, start: AliasId, memo: &mut Memo<'s>) {
        let mut stack = vec![(start, false)];
        while let Some((id, targets_done)) = stack.pop() {
            if targets_done {
                // Every alias among its targets is in `memo` by now, so
                // `gather` expands nothing here.
                let mut logins = Vec::new();
                self.gather(id, memo, &mut logins);
                self.sort(&mut logins);
                memo.insert(id, Some(logins.into()));
            } else if let Entry::Vacant(slot) = memo.entry(id) {
                slot.insert(None);
                stack.push((id, true));
                let (d, a) = id;
                for target in &self.domains[d].aliases[a].targets {
                    if let Some((t, _, Local::Alias(b))) = self.resolve(d, target)
                        && !memo.contains_key(&(t, b))
                    {
                        stack.push(((t, b), false));
                    }
                }
            }
        }
    }

    /// Sort `logins` as the addresses they spell, and drop repeats.
    fn sort(&self, logins: &mut Vec<Address<'s>>) {
        logins.sort_unstable_by(|&x, &y| self.spelt(x).cmp(self.spelt(y)));
        logins.dedup();
    }

    /// The bytes of `local@domain`, for sorting without building it.
    fn spelt(&self, (d, local): Address<'s>) -> impl Iterator<Item = u8> + 's {
        local
            .bytes()
            .chain(std::iter::once(b'@'))
            .chain(self.domains[d].name.bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use crate::spec::SourceFile;

    /// The `sender_login` entries rendered for `domains` (TOML `[[domain]]` tables).
    fn sender_logins(domains: &str) -> Vec<String> {
        let text = format!(
            "version = 1\n[server]\nhostname = \"mail.example.com\"\n[dovecot]\nenabled = true\n{domains}"
        );
        let spec = crate::spec::from_source(&SourceFile::new("t.toml", text))
            .expect("valid")
            .spec;
        String::from_utf8(super::sender_logins(&spec, "# header"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn sender_logins_follow_aliases_across_domains_once_each_in_address_order() {
        let lines = sender_logins(
            r#"
[[domain]]
name = "a.test"
mailboxes = ["x", "x.y"]
alias_domains = ["alias.test"]
[domain.aliases]
team = ["x.y", "x", "lead@b.test", "someone@outside.test"]
lead = ["x@alias.test"]
both = ["team", "lead"]
outside = ["someone@outside.test"]

[[domain]]
name = "b.test"
mailboxes = ["z"]
[domain.aliases]
lead = ["x.y@alias.test", "z"]
"#,
        );
        assert_eq!(
            lines,
            [
                "x@a.test\tx@a.test",
                "x@alias.test\tx@a.test",
                "x.y@a.test\tx.y@a.test",
                "x.y@alias.test\tx.y@a.test",
                // `x.y@` sorts before `x@` as addresses ('.' < '@'), though
                // `x` is the shorter local part; each login is listed once
                // however many paths lead to it.
                "both@a.test\tx.y@a.test, x@a.test, z@b.test",
                "both@alias.test\tx.y@a.test, x@a.test, z@b.test",
                "lead@a.test\tx@a.test",
                "lead@alias.test\tx@a.test",
                "team@a.test\tx.y@a.test, x@a.test, z@b.test",
                "team@alias.test\tx.y@a.test, x@a.test, z@b.test",
                "z@b.test\tz@b.test",
                "lead@b.test\tx.y@a.test, z@b.test",
            ]
        );
    }

    #[test]
    fn sender_logins_follow_a_chain_as_long_as_the_spec() {
        // A recursive expansion overflowed a thread's stack at about 20,000
        // links, and followed each chain once per alias above it.
        const LINKS: usize = 50_000;
        let mut spec =
            String::from("[[domain]]\nname = \"e.test\"\nmailboxes = [\"mb\"]\n[domain.aliases]\n");
        for i in 0..LINKS {
            writeln!(spec, "c{i} = \"c{}\"", i + 1).unwrap();
        }
        writeln!(spec, "c{LINKS} = \"mb\"").unwrap();
        let lines = sender_logins(&spec);
        assert_eq!(lines.len(), LINKS + 2);
        assert!(
            lines[1..].iter().all(|l| l.ends_with("\tmb@e.test")),
            "{:?}",
            lines.iter().find(|l| !l.ends_with("\tmb@e.test"))
        );
    }
}

//! Dovecot from the spec: `dovecot.conf` (a minijinja template fed with
//! `DovecotConf`), the passwd-file user and password databases (data, written
//! directly, like Postfix's maps), and the mailbox login hashes (`password`).
//!
//! Dovecot owns the mailboxes: Postfix hands it mail over LMTP and asks it
//! to check submission logins (SASL), both over unix sockets under Postfix's
//! `private/` directory.

pub mod password;

use std::collections::BTreeMap;

use std::fmt::Write as _;

use serde::Serialize;

use crate::spec::model::{Service, Spec};

/// The mailbox logins: address → `{SCHEME}hash`, from the spec's mailboxes
/// and then its passwords file (which wins, being the newer: `mailctl
/// passwd` writes it). Only addresses of mailboxes in the spec are kept.
pub type Logins = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum DovecotError {
    #[error(transparent)]
    Passwords(#[from] password::PasswordsError),
}

/// Collect every mailbox's hash (see `Logins`).
pub fn logins(spec: &Spec) -> Result<Logins, DovecotError> {
    let mut logins = Logins::new();
    for domain in &spec.domains {
        for mailbox in &domain.mailboxes {
            if let Some(hash) = &mailbox.password_hash {
                logins.insert(format!("{}@{}", mailbox.local, domain.name), hash.clone());
            }
        }
    }
    if let Some(path) = &spec.dovecot.passwords_file {
        let mailboxes: std::collections::HashSet<String> = spec
            .domains
            .iter()
            .flat_map(|d| {
                d.mailboxes
                    .iter()
                    .map(move |m| format!("{}@{}", m.local, d.name))
            })
            .collect();
        for entry in password::read(path)? {
            if mailboxes.contains(&entry.address) {
                logins.insert(entry.address, entry.hash);
            }
        }
    }
    Ok(logins)
}

/// What `dovecot.conf.j2` sees.
#[derive(Debug, Serialize)]
pub struct DovecotConf<'a> {
    pub header: &'a str,
    pub hostname: &'a str,
    pub protocols: Vec<&'static str>,
    pub imaps: bool,
    pub pop3s: bool,
    pub config_dir: String,
    pub mailbox_base: &'a str,
    pub mailbox_uid: u32,
    pub mailbox_gid: u32,
    pub tls_cert_file: &'a str,
    pub tls_key_file: &'a str,
    /// Whether any mailbox has a quota (loads the quota plugin).
    pub quota: bool,
    /// `(protocol, deny list)` for protocols some mailbox may not use.
    pub restricted: Vec<(&'static str, &'static str)>,
    pub lmtp_destination: &'a str,
    /// Absolute socket paths, where Postfix's `lmtp_destination` and
    /// `smtpd_sasl_path = private/auth` find them.
    pub lmtp_socket: String,
    pub auth_socket: String,
}

impl<'a> DovecotConf<'a> {
    pub fn new(spec: &'a Spec, header: &'a str, config_dir: &std::path::Path) -> Self {
        let imaps = spec.server.offers(Service::Imaps);
        let pop3s = spec.server.offers(Service::Pop3s);
        let mut protocols = Vec::new();
        if imaps {
            protocols.push("imap");
        }
        if pop3s {
            protocols.push("pop3");
        }
        protocols.push("lmtp");
        let mailboxes = || spec.domains.iter().flat_map(|d| &d.mailboxes);
        let mut restricted = Vec::new();
        if imaps && mailboxes().any(|m| !m.imap) {
            restricted.push(("imap", "deny-imap"));
        }
        if pop3s && mailboxes().any(|m| !m.pop3) {
            restricted.push(("pop3", "deny-pop3"));
        }
        let queue = &spec.dovecot.postfix_queue_dir;
        let lmtp = spec
            .postfix
            .lmtp_destination
            .strip_prefix("unix:")
            .unwrap_or("private/dovecot-lmtp");
        let lmtp_socket = if lmtp.starts_with('/') {
            lmtp.to_owned()
        } else {
            format!("{queue}/{lmtp}")
        };
        DovecotConf {
            header,
            hostname: &spec.server.hostname,
            protocols,
            imaps,
            pop3s,
            config_dir: config_dir.display().to_string(),
            mailbox_base: &spec.postfix.mailbox_base,
            mailbox_uid: spec.postfix.mailbox_uid,
            mailbox_gid: spec.postfix.mailbox_gid,
            tls_cert_file: &spec.tls.cert_file,
            tls_key_file: &spec.tls.key_file,
            quota: mailboxes().any(|m| m.quota.is_some()),
            restricted,
            lmtp_destination: &spec.postfix.lmtp_destination,
            lmtp_socket,
            auth_socket: format!("{queue}/private/auth"),
        }
    }
}

/// The userdb: every mailbox (they all receive mail over LMTP), with its
/// quota. Holds no secret.
pub fn users(spec: &Spec, header: &str) -> Vec<u8> {
    let mut out = format!(
        "{header}\n# Dovecot userdb (passwd-file): every mailbox; uid, gid and home come from default_fields\n"
    );
    for domain in &spec.domains {
        for mailbox in &domain.mailboxes {
            let _ = write!(out, "{}@{}:::::::", mailbox.local, domain.name);
            if let Some(bytes) = mailbox.quota {
                let _ = write!(out, "quota_rule=*:bytes={bytes}");
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// The passdb: `address:{SCHEME}hash` for each mailbox with a hash.
/// Secret: written 0640 for Dovecot's auth process only.
pub fn passwd(spec: &Spec, logins: &Logins, header: &str) -> Vec<u8> {
    let mut out = format!(
        "{header}\n# Dovecot passdb (passwd-file): the login hashes; keep this file private\n"
    );
    for domain in &spec.domains {
        for mailbox in &domain.mailboxes {
            let address = format!("{}@{}", mailbox.local, domain.name);
            if let Some(hash) = logins.get(&address) {
                out.push_str(&address);
                out.push(':');
                out.push_str(hash);
                out.push_str("::::::\n");
            }
        }
    }
    out.into_bytes()
}

/// A deny passdb (`deny = yes`): the mailboxes `refused` picks may not log
/// in over that protocol, whatever their password.
pub fn deny_list(
    spec: &Spec,
    header: &str,
    protocol: &str,
    refused: impl Fn(&crate::spec::model::Mailbox) -> bool,
) -> Vec<u8> {
    let mut out =
        format!("{header}\n# Dovecot deny passdb: mailboxes that may not use {protocol}\n");
    for domain in &spec.domains {
        for mailbox in domain.mailboxes.iter().filter(|m| refused(m)) {
            let _ = writeln!(out, "{}@{}", mailbox.local, domain.name);
        }
    }
    out.into_bytes()
}

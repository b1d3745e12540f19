//! The validated spec: every value here has been checked for the place it
//! ends up in (a Postfix file, a lookup table, DNS), names are lower-case
//! A-labels, and alias targets are full addresses. Code that renders reads
//! only these types, never the raw TOML.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

pub use super::raw::{Delivery, MapType, Service};

#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec file as the user named it; rendered files cite it.
    pub path: PathBuf,
    pub server: Server,
    pub postfix: PostfixSettings,
    pub tls: TlsSettings,
    pub dkim: super::dns::DkimSettings,
    pub dns: super::dns::DnsSettings,
    /// `[acme]`, when the spec has one.
    pub acme: Option<super::acme::AcmeSettings>,
    pub dovecot: DovecotSettings,
    pub domains: Vec<Domain>,
}

#[derive(Debug, Clone)]
pub struct Server {
    /// The mail host's name, an A-label FQDN without the trailing dot.
    pub hostname: String,
    pub ipv4: Vec<Ipv4Addr>,
    pub ipv6: Vec<Ipv6Addr>,
    /// Sorted, without duplicates.
    pub services: Vec<Service>,
}

impl Server {
    pub fn offers(&self, service: Service) -> bool {
        self.services.contains(&service)
    }
}

#[derive(Debug, Clone)]
pub struct PostfixSettings {
    pub config_dir: PathBuf,
    pub map_type: MapType,
    pub compatibility_level: String,
    pub message_size_limit: u64,
    pub delivery: Delivery,
    /// Where `virtual(8)` writes Maildirs (used with `Delivery::Virtual`).
    pub mailbox_base: String,
    pub mailbox_uid: u32,
    pub mailbox_gid: u32,
    /// Postfix's LMTP destination, e.g. `unix:private/dovecot-lmtp`.
    pub lmtp_destination: String,
    pub relayhost: Option<String>,
    pub chroot: bool,
    /// Clients on the host itself (`mynetworks`) may relay over SMTP without
    /// authentication. Off by default: local programs use sendmail(1).
    pub local_relay: bool,
    /// Additional `main.cf` parameters, checked to be safe for `main.cf`.
    pub extra: BTreeMap<String, String>,
}

/// `[dovecot]`: where its configuration goes and where the login hashes
/// come from. The mailboxes live under `postfix.mailbox_base`, owned by
/// `postfix.mailbox_uid`/`mailbox_gid`, for Dovecot as for `virtual(8)`.
#[derive(Debug, Clone)]
pub struct DovecotSettings {
    pub enabled: bool,
    pub config_dir: PathBuf,
    /// A file of `address:{SCHEME}hash` lines that `mailctl passwd`
    /// maintains; relative paths were made relative to the spec's directory.
    pub passwords_file: Option<PathBuf>,
    /// Postfix's `queue_directory`: the LMTP and auth sockets go under its
    /// `private/`, where Postfix (chrooted or not) finds them.
    pub postfix_queue_dir: String,
}

#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub cert_file: String,
    pub key_file: String,
}

#[derive(Debug, Clone)]
pub struct Domain {
    /// A-label, lower case.
    pub name: String,
    pub mailboxes: Vec<Mailbox>,
    pub aliases: Vec<Alias>,
    /// Where mail for unknown local parts goes; empty when there is no catch-all.
    pub catch_all: Vec<String>,
    /// Domains whose every address is the same address in this domain.
    pub alias_domains: Vec<String>,
    /// SPF, DKIM, DMARC, MTA-STS, TLS-RPT, MX and `parked` (see `dns.rs`).
    pub dns: super::dns::DomainDns,
}

#[derive(Debug, Clone)]
pub struct Mailbox {
    /// Lower case.
    pub local: String,
    /// Bytes; enforced by the IMAP server that owns the mailbox.
    pub quota: Option<u64>,
    /// `{SCHEME}hash`, checked by `crate::dovecot::password::check_hash`;
    /// `None` when the spec has none (the passwords file may).
    pub password_hash: Option<String>,
    /// The login may read mail over IMAP.
    pub imap: bool,
    /// The login may read mail over POP3.
    pub pop3: bool,
}

#[derive(Debug, Clone)]
pub struct Alias {
    /// Lower case.
    pub local: String,
    /// Full addresses, in the order the spec lists them.
    pub targets: Vec<String>,
}

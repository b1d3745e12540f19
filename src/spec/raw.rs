//! The wire format of `mailctl.toml`: what serde reads, faithfully, before any
//! checking. Every table denies unknown keys, and every value that a later
//! check may complain about keeps its span so the complaint can point at it.
//!
//! Nothing here decides whether a value is *good*; that is `validate.rs`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// The whole spec file. The bulk of a large spec (mailboxes and alias
/// targets) borrows from the spec text (`'a`) instead of being copied.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec<'a> {
    pub version: Spanned<i64>,
    pub server: Spanned<RawServer>,
    #[serde(default)]
    pub postfix: RawPostfix,
    #[serde(default)]
    pub tls: RawTls,
    #[serde(default)]
    pub dkim: super::dns::RawDkimSettings,
    #[serde(default)]
    pub dns: super::dns::RawDnsSettings,
    pub acme: Option<Spanned<super::acme::RawAcme>>,
    #[serde(default)]
    pub dovecot: RawDovecot,
    #[serde(default, rename = "domain", borrow)]
    pub domains: Vec<Spanned<RawDomain<'a>>>,
}

/// `[server]`: the mail host itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub hostname: Spanned<String>,
    #[serde(default)]
    pub ipv4: Vec<Spanned<String>>,
    #[serde(default)]
    pub ipv6: Vec<Spanned<String>>,
    /// Which services the server offers. `None` means the default set.
    pub services: Option<Spanned<Vec<Spanned<Service>>>>,
}

/// A service the mail host offers to the world.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// SMTP on port 25, for mail from other servers.
    Smtp,
    /// Message submission on port 587 with STARTTLS (RFC 6409).
    Submission,
    /// Message submission on port 465 with implicit TLS (RFC 8314).
    Submissions,
    /// IMAP over implicit TLS on port 993.
    Imaps,
    /// POP3 over implicit TLS on port 995.
    Pop3s,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Smtp,
        Service::Submission,
        Service::Submissions,
        Service::Imaps,
        Service::Pop3s,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Smtp => "smtp",
            Service::Submission => "submission",
            Service::Submissions => "submissions",
            Service::Imaps => "imaps",
            Service::Pop3s => "pop3s",
        }
    }

    pub fn port(self) -> u16 {
        match self {
            Service::Smtp => 25,
            Service::Submission => 587,
            Service::Submissions => 465,
            Service::Imaps => 993,
            Service::Pop3s => 995,
        }
    }
}

/// `[postfix]`: where and how the Postfix files are written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPostfix {
    pub config_dir: Option<Spanned<String>>,
    pub map_type: Option<Spanned<MapType>>,
    pub compatibility_level: Option<Spanned<String>>,
    pub message_size_limit: Option<Spanned<i64>>,
    pub delivery: Option<Spanned<Delivery>>,
    pub mailbox_base: Option<Spanned<String>>,
    pub mailbox_uid: Option<Spanned<i64>>,
    pub mailbox_gid: Option<Spanned<i64>>,
    pub lmtp_destination: Option<Spanned<String>>,
    pub relayhost: Option<Spanned<String>>,
    pub chroot: Option<Spanned<bool>>,
    pub local_relay: Option<Spanned<bool>>,
    #[serde(default)]
    pub extra: BTreeMap<Spanned<String>, Spanned<ExtraValue>>,
}

/// The Postfix lookup table type the maps are compiled into.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MapType {
    /// Berkeley DB, Postfix's traditional default (`postmap` builds `NAME.db`).
    Hash,
    /// LMDB (`postmap` builds `NAME.lmdb`; Debian package `postfix-lmdb`).
    Lmdb,
}

impl MapType {
    pub fn name(self) -> &'static str {
        match self {
            MapType::Hash => "hash",
            MapType::Lmdb => "lmdb",
        }
    }

    /// The file `postmap` writes next to the source file.
    pub fn db_suffix(self) -> &'static str {
        match self {
            MapType::Hash => ".db",
            MapType::Lmdb => ".lmdb",
        }
    }
}

/// How Postfix hands mail for a mailbox over.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Postfix's own `virtual(8)` agent writes Maildirs under `mailbox_base`.
    Virtual,
    /// LMTP to a local IMAP server (Dovecot) which owns the mailboxes.
    Lmtp,
}

/// A value under `[postfix.extra]`: Postfix values are strings, but TOML
/// users write numbers and booleans bare, so those are accepted too.
#[derive(Debug, Clone)]
pub struct ExtraValue(pub String);

impl<'de> Deserialize<'de> for ExtraValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtraVisitor;
        impl Visitor<'_> for ExtraVisitor {
            type Value = ExtraValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, an integer or a boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExtraValue, E> {
                Ok(ExtraValue(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExtraValue, E> {
                Ok(ExtraValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExtraValue, E> {
                Ok(ExtraValue(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ExtraValue, E> {
                Ok(ExtraValue(if v { "yes" } else { "no" }.to_owned()))
            }
        }
        deserializer.deserialize_any(ExtraVisitor)
    }
}

/// `[tls]`: the certificate Postfix presents.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub cert_file: Option<Spanned<String>>,
    pub key_file: Option<Spanned<String>>,
}

/// `[dovecot]`: the IMAP/POP3 server that owns the mailboxes, takes mail
/// from Postfix over LMTP and checks submission logins for Postfix (SASL).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDovecot {
    pub enabled: Option<Spanned<bool>>,
    pub config_dir: Option<Spanned<String>>,
    pub passwords_file: Option<Spanned<String>>,
    pub postfix_queue_dir: Option<Spanned<String>>,
}

/// One `[[domain]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain<'a> {
    pub name: Spanned<String>,
    #[serde(default, borrow)]
    pub mailboxes: Vec<Spanned<RawMailbox<'a>>>,
    #[serde(default, borrow)]
    pub aliases: RawAliases<'a>,
    #[serde(borrow)]
    pub catch_all: Option<Spanned<Targets<'a>>>,
    #[serde(default)]
    pub alias_domains: Vec<Spanned<String>>,
    // DNS keys, checked in `dns.rs`.
    pub parked: Option<Spanned<bool>>,
    pub mx: Option<Spanned<Vec<Spanned<super::dns::RawMx>>>>,
    pub spf: Option<Spanned<super::dns::RawSpf>>,
    pub dkim: Option<Spanned<super::dns::RawDomainDkim>>,
    pub dmarc: Option<Spanned<super::dns::RawDmarc>>,
    pub mta_sts: Option<Spanned<super::dns::RawMtaSts>>,
    pub tls_rpt: Option<Spanned<super::dns::RawTlsRpt>>,
}

/// A mailbox: either `"alice"` or `{ local = "alice", quota = "2G" }`,
/// optionally with its login (`password_hash`, `imap`, `pop3`).
#[derive(Debug)]
pub struct RawMailbox<'de> {
    pub local: Spanned<Text<'de>>,
    pub quota: Option<Spanned<String>>,
    pub password_hash: Option<Spanned<String>>,
    pub imap: Option<Spanned<bool>>,
    pub pop3: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMailboxTable<'a> {
    #[serde(borrow)]
    local: Spanned<Text<'a>>,
    quota: Option<Spanned<String>>,
    password_hash: Option<Spanned<String>>,
    imap: Option<Spanned<bool>>,
    pop3: Option<Spanned<bool>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawMailbox<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MailboxVisitor;
        impl<'de> Visitor<'de> for MailboxVisitor {
            type Value = RawMailbox<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a local part such as "alice", or a table such as { local = "alice", quota = "2G" }"#)
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawMailbox<'de>, E> {
                Ok(RawMailbox::bare(Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMailbox<'de>, E> {
                Ok(RawMailbox::bare(Text(Cow::Owned(v.to_owned()))))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawMailbox<'de>, A::Error> {
                let table =
                    RawMailboxTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawMailbox {
                    local: table.local,
                    quota: table.quota,
                    password_hash: table.password_hash,
                    imap: table.imap,
                    pop3: table.pop3,
                })
            }
        }
        deserializer.deserialize_any(MailboxVisitor)
    }
}

impl<'de> RawMailbox<'de> {
    /// A mailbox written as a bare string. Its span is the span of the
    /// array element, which `Spanned<RawMailbox>` around it records.
    fn bare(local: Text<'de>) -> Self {
        RawMailbox {
            local: Spanned::new(0..0, local),
            quota: None,
            password_hash: None,
            imap: None,
            pop3: None,
        }
    }
}

/// `[domain.aliases]`: local part → one target or a list of targets, in the
/// order the TOML parser hands them over (sorted by key), which makes the
/// rendered alias map independent of how the spec is arranged.
///
/// The local parts are copied: a key keeps its span only as an owned string
/// (the TOML deserializer hands a spanned key over as a temporary).
#[derive(Debug, Default)]
pub struct RawAliases<'de>(pub Vec<(Spanned<String>, Spanned<Targets<'de>>)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawAliases<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AliasesVisitor;
        impl<'de> Visitor<'de> for AliasesVisitor {
            type Value = RawAliases<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a table of local part = target(s), such as info = ["alice", "bob"]"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawAliases<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(local) = map.next_key::<Spanned<String>>()? {
                    entries.push((local, map.next_value::<Spanned<Targets>>()?));
                }
                Ok(RawAliases(entries))
            }
        }
        deserializer.deserialize_map(AliasesVisitor)
    }
}

/// Alias targets: `"alice"` or `["alice", "bob@example.net"]`.
#[derive(Debug, Default)]
pub struct Targets<'de>(pub Vec<Spanned<Text<'de>>>);

impl<'de: 'a, 'a> Deserialize<'de> for Targets<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TargetsVisitor;
        impl<'de> Visitor<'de> for TargetsVisitor {
            type Value = Targets<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an address or a list of addresses")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Targets<'de>, E> {
                Ok(Targets(vec![Spanned::new(0..0, Text(Cow::Borrowed(v)))]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Targets<'de>, E> {
                Ok(Targets(vec![Spanned::new(
                    0..0,
                    Text(Cow::Owned(v.to_owned())),
                )]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Targets<'de>, A::Error> {
                let mut targets = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(target) = seq.next_element::<Spanned<Text<'de>>>()? {
                    targets.push(target);
                }
                Ok(Targets(targets))
            }
        }
        deserializer.deserialize_any(TargetsVisitor)
    }
}

/// A string value borrowed from the spec text when the TOML has it verbatim
/// (no escapes), else owned: a large spec has a million of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'de>(pub Cow<'de, str>);

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

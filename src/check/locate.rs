//! Where in the spec each expectation is written, for findings that point
//! at the line to change (`--format github`). The validated model keeps no
//! spans for most DNS keys, so the spec text is read again here with toml's
//! spanned parser; a key the spec leaves out (a default) points at its
//! table, or at the domain's `name`.

use std::collections::HashMap;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use crate::spec::SourceFile;
use crate::spec::diagnostic::Location;

/// Locations by key: `server.hostname`, `dns.caa_issuers`, and per domain
/// `domain:NAME` (the `name` key) and `domain:NAME.spf` and so on.
///
/// Shared (`Arc`): a large spec has tens of thousands of findings pointing
/// at a few thousand locations, each with its line of text; a finding holds
/// a reference rather than its own copy.
#[derive(Debug, Default, Clone)]
pub struct SpecLocations {
    at: HashMap<String, Arc<Location>>,
}

impl SpecLocations {
    /// Read the locations from the spec's text; an unreadable spec gives none.
    pub fn from_source(file: &SourceFile) -> Self {
        let mut at = HashMap::new();
        let Ok(root) = DeTable::parse(&file.text) else {
            return SpecLocations { at };
        };
        let root = root.get_ref();
        for table in ["server", "dns", "dkim"] {
            if let Some((key, value)) = root.get_key_value(table) {
                at.insert(table.to_owned(), Arc::new(file.locate(key.span())));
                if let DeValue::Table(t) = value.get_ref() {
                    for (k, _) in t {
                        at.insert(
                            format!("{table}.{}", k.get_ref()),
                            Arc::new(file.locate(k.span())),
                        );
                    }
                }
            }
        }
        if let Some(DeValue::Array(domains)) = root.get("domain").map(toml::Spanned::get_ref) {
            for domain in domains {
                let DeValue::Table(t) = domain.get_ref() else {
                    continue;
                };
                let Some((name_key, name)) = t.get_key_value("name") else {
                    continue;
                };
                let DeValue::String(name) = name.get_ref() else {
                    continue;
                };
                let name = name.to_ascii_lowercase();
                at.insert(
                    format!("domain:{name}"),
                    Arc::new(file.locate(name_key.span())),
                );
                for (k, v) in t {
                    let key = format!("domain:{name}.{}", k.get_ref());
                    at.insert(key.clone(), Arc::new(file.locate(k.span())));
                    if let DeValue::Table(sub) = v.get_ref() {
                        for (sk, _) in sub {
                            at.insert(
                                format!("{key}.{}", sk.get_ref()),
                                Arc::new(file.locate(sk.span())),
                            );
                        }
                    }
                }
            }
        }
        SpecLocations { at }
    }

    /// The first of `keys` the spec has.
    pub fn first(&self, keys: &[String]) -> Option<Arc<Location>> {
        keys.iter().find_map(|k| self.at.get(k)).cloned()
    }

    /// A domain's key, else its table's key, else its `name`. `domain` may
    /// be an alias domain, which points at the `alias_domains` of its primary.
    pub fn domain(&self, domain: &str, path: &[&str]) -> Option<Arc<Location>> {
        let mut keys = Vec::new();
        for depth in (1..=path.len()).rev() {
            keys.push(format!("domain:{domain}.{}", path[..depth].join(".")));
        }
        keys.push(format!("domain:{domain}"));
        self.first(&keys)
    }

    pub fn key(&self, key: &str) -> Option<Arc<Location>> {
        self.at.get(key).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_fallbacks() {
        let text = "version = 1\n[server]\nhostname = \"mail.example.com\"\n[[domain]]\nname = \"Example.com\"\n[domain.dmarc]\npolicy = \"reject\"\n";
        let file = SourceFile::new("s.toml", text.to_owned());
        let at = SpecLocations::from_source(&file);
        assert_eq!(at.key("server.hostname").unwrap().line, 3);
        assert_eq!(
            at.domain("example.com", &["dmarc", "policy"]).unwrap().line,
            7
        );
        assert_eq!(at.domain("example.com", &["dmarc", "rua"]).unwrap().line, 6);
        assert_eq!(at.domain("example.com", &["spf"]).unwrap().line, 5);
        assert!(at.domain("other.example", &["spf"]).is_none());
    }
}

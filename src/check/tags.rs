//! Tag-value lists (RFC 6376 §3.2) and the two records written in them:
//! DKIM keys (RFC 6376 §3.6.1, RFC 8463) and DMARC policies (RFC 9989).
//! Parsing reports every problem, so a record with one bad tag still says
//! what its other tags are.

/// `tag=value; tag=value`, whitespace around tags and values ignored.
/// Errors: a part without `=`, a bad tag name, a tag given twice.
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for part in text.split(';') {
        let part = part.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
        if part.is_empty() {
            continue;
        }
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!("`{part}` is not `tag=value`"));
        };
        let name = name.trim().to_owned();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic())
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!("`{name}` is not a tag name"));
        }
        if tags.iter().any(|(t, _)| *t == name) {
            return Err(format!("tag `{name}` appears twice"));
        }
        tags.push((name, value.trim().to_owned()));
    }
    Ok(tags)
}

/// A DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DkimRecord {
    /// `k=`, default `rsa`.
    pub key_type: String,
    /// `p=`, whitespace removed; empty means revoked.
    pub p: String,
    /// `t=` flags.
    pub flags: Vec<String>,
}

pub fn parse_dkim(text: &str) -> Result<DkimRecord, String> {
    let tags = parse_tags(text)?;
    if let Some(pos) = tags.iter().position(|(t, _)| t == "v") {
        if pos != 0 {
            return Err("`v=` must be the first tag".into());
        }
        if tags[0].1 != "DKIM1" {
            return Err(format!("`v={}` is not `v=DKIM1`", tags[0].1));
        }
    }
    let mut record = DkimRecord {
        key_type: "rsa".into(),
        ..DkimRecord::default()
    };
    let mut has_p = false;
    for (tag, value) in &tags {
        match tag.as_str() {
            "k" => {
                if !matches!(value.as_str(), "rsa" | "ed25519") {
                    return Err(format!("`k={value}` is not `rsa` or `ed25519`"));
                }
                record.key_type.clone_from(value);
            }
            "p" => {
                has_p = true;
                record.p = value.chars().filter(|c| !c.is_whitespace()).collect();
                if !record
                    .p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                {
                    return Err("`p=` is not base64".into());
                }
            }
            "t" => record.flags = value.split(':').map(|f| f.trim().to_owned()).collect(),
            _ => {}
        }
    }
    if !has_p {
        return Err("there is no `p=` tag".into());
    }
    Ok(record)
}

/// A DMARC record, as far as it parsed, and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmarcRecord {
    pub tags: Vec<(String, String)>,
    /// Invalid values and structure (errors).
    pub errors: Vec<String>,
    /// Tags RFC 9989 does not define.
    pub unknown: Vec<String>,
    /// `pct`, `rf`, `ri`: defined by RFC 7489, removed by RFC 9989.
    pub removed: Vec<String>,
}

impl DmarcRecord {
    pub fn get(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, v)| v.as_str())
    }

    /// The URIs of `rua=` or `ruf=`, each as written.
    pub fn uris(&self, tag: &str) -> Vec<String> {
        self.get(tag)
            .map(|v| {
                v.split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Parse a DMARC record per RFC 9989 §4.7: `v=DMARC1` first, then tags.
pub fn parse_dmarc(text: &str) -> DmarcRecord {
    let mut record = DmarcRecord::default();
    let tags = match parse_tags(text) {
        Ok(tags) => tags,
        Err(e) => {
            record.errors.push(e);
            return record;
        }
    };
    match tags.first() {
        Some((t, v)) if t == "v" && v == "DMARC1" => {}
        Some((t, v)) if t == "v" => record.errors.push(format!("`v={v}` is not `v=DMARC1`")),
        _ => record.errors.push("`v=DMARC1` is not the first tag".into()),
    }
    for (tag, value) in &tags {
        let bad = |what: &str| format!("`{tag}={value}` is not {what}");
        match tag.as_str() {
            "v" => {}
            "p" | "sp" | "np" => {
                if !matches!(value.as_str(), "none" | "quarantine" | "reject") {
                    record.errors.push(bad("`none`, `quarantine` or `reject`"));
                }
            }
            "adkim" | "aspf" => {
                if !matches!(value.as_str(), "r" | "s") {
                    record.errors.push(bad("`r` or `s`"));
                }
            }
            "rua" | "ruf" => {
                for uri in value.split(',').map(str::trim) {
                    let ok = uri
                        .strip_prefix("mailto:")
                        .is_some_and(|a| a.split('!').next().is_some_and(|a| a.contains('@')))
                        || uri.starts_with("https://");
                    if !ok {
                        record
                            .errors
                            .push(format!("`{tag}` URI `{uri}` is not `mailto:ADDRESS`"));
                    }
                }
            }
            "fo" => {
                if !value
                    .split(':')
                    .all(|f| matches!(f.trim(), "0" | "1" | "d" | "s"))
                {
                    record
                        .errors
                        .push(bad("a `:`-separated list of `0`, `1`, `d`, `s`"));
                }
            }
            "psd" => {
                if !matches!(value.as_str(), "y" | "n" | "u") {
                    record.errors.push(bad("`y`, `n` or `u`"));
                }
            }
            "t" => {
                if !matches!(value.as_str(), "y" | "n") {
                    record.errors.push(bad("`y` or `n`"));
                }
            }
            "pct" | "rf" | "ri" => record.removed.push(format!("{tag}={value}")),
            _ => record.unknown.push(format!("{tag}={value}")),
        }
    }
    if record.get("v") == Some("DMARC1") && record.get("p").is_none() {
        record.errors.push("there is no `p=` tag".into());
    }
    record.tags = tags;
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmarc_records() {
        let r = parse_dmarc("v=DMARC1; p=reject; rua=mailto:d@example.com; pct=50; foo=1");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.removed, ["pct=50"]);
        assert_eq!(r.unknown, ["foo=1"]);
        assert_eq!(r.uris("rua"), ["mailto:d@example.com"]);
        assert!(!parse_dmarc("v=DMARC1; p=rejected").errors.is_empty());
        assert!(!parse_dmarc("v=DMARC1 p=none").errors.is_empty());
        assert!(!parse_dmarc("p=quarantine; v=DMARC1").errors.is_empty());
        assert!(
            !parse_dmarc("v=DMARC1; p=none; rua=dmarc@example.com")
                .errors
                .is_empty()
        );
    }

    #[test]
    fn dkim_records() {
        let r = parse_dkim("v=DKIM1; k=ed25519; t=y; p=AB CD=").unwrap();
        assert_eq!((r.key_type.as_str(), r.p.as_str()), ("ed25519", "ABCD="));
        assert_eq!(r.flags, ["y"]);
        assert_eq!(parse_dkim("v=DKIM1; p=").unwrap().p, "");
        assert!(parse_dkim("k=rsa; v=DKIM1; p=AA").is_err());
        assert!(parse_dkim("v=DKIM1; k=rsa").is_err());
    }
}

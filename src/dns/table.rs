//! The human form: per zone, aligned columns (name, type, TTL, requirement,
//! value) with the purpose under each record, then the advice.

use std::fmt::Write as _;

use super::RecordSet;

pub fn format(set: &RecordSet) -> String {
    let mut out = String::new();
    let name_width = set
        .records
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let type_width = 4;
    for (i, domain) in set.domains().into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{domain}");
        let records: Vec<_> = set.records.iter().filter(|r| r.domain == domain).collect();
        if !records.is_empty() {
            let _ = writeln!(
                out,
                "  {:name_width$}  {:type_width$}  {:>6}  {:11}  VALUE",
                "NAME", "TYPE", "TTL", "NEED"
            );
        }
        for r in records {
            let _ = writeln!(
                out,
                "  {:name_width$}  {:type_width$}  {:>6}  {:11}  {}",
                r.name,
                r.rtype.name(),
                r.ttl,
                r.requirement.name(),
                r.value
            );
            let _ = writeln!(out, "  {:name_width$}  └ {}", "", r.purpose);
        }
        for advice in set.advice.iter().filter(|a| a.domain == domain) {
            let _ = writeln!(out, "  note: {}", advice.message);
            if let Some(record) = &advice.record {
                let _ = writeln!(
                    out,
                    "        {} {} {}",
                    record.name,
                    record.rtype.name(),
                    record.value
                );
            }
        }
    }
    out
}

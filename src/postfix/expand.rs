//! `$name` in Postfix values: finding the references (`$name`, `${name}`,
//! `$(name)`, `${name?text}`, `${name:text}`) and expanding them, the way
//! `postconf -x` does for the plain forms.

use super::catalogue::is_name_byte;

/// One `$name` reference inside a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    pub name: &'a str,
    /// Byte offset of the `$` in the value.
    pub offset: usize,
    /// Byte length of the whole reference, `$` and brackets included.
    pub len: usize,
}

/// Every reference in `value`, in order. `$$` is a literal dollar.
pub fn references(value: &str) -> Vec<Reference<'_>> {
    let bytes = value.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => i += 2,
            Some(&open @ (b'{' | b'(')) => {
                let close = if open == b'{' { b'}' } else { b')' };
                let start = i + 2;
                let end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|&&b| is_name_byte(b))
                        .count();
                // `${{$compatibility_level} <level ...}` is an expression,
                // not a name; its inner `$name`s are found on the next pass.
                let close_at = matching(bytes, i + 1, open, close).unwrap_or(bytes.len());
                if end > start {
                    found.push(Reference {
                        name: &value[start..end],
                        offset: i,
                        len: (close_at + 1).min(bytes.len()) - i,
                    });
                    // Text after `?`/`:` may hold more references.
                    i = end;
                } else {
                    i += 2;
                }
            }
            Some(&b) if is_name_byte(b) => {
                let start = i + 1;
                let end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|&&b| is_name_byte(b))
                        .count();
                found.push(Reference {
                    name: &value[start..end],
                    offset: i,
                    len: end - i,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    found
}

fn matching(bytes: &[u8], open_at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open_at) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Expand plain `$name`, `${name}` and `$(name)` references with `lookup`,
/// recursively (to a fixed depth, so a loop cannot hang). A name `lookup`
/// does not know, or a conditional form, is left as written.
pub fn expand(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand_depth(value, lookup, 0)
}

fn expand_depth(value: &str, lookup: &dyn Fn(&str) -> Option<String>, depth: usize) -> String {
    if depth > 10 || !value.contains('$') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut last = 0;
    for r in references(value) {
        if r.offset < last {
            continue;
        }
        let written = &value[r.offset..r.offset + r.len];
        let plain = written == format!("${}", r.name)
            || written == format!("${{{}}}", r.name)
            || written == format!("$({})", r.name);
        out.push_str(&value[last..r.offset]);
        match lookup(r.name).filter(|_| plain) {
            Some(v) => out.push_str(&expand_depth(&v, lookup, depth + 1)),
            None => out.push_str(written),
        }
        last = r.offset + r.len;
    }
    out.push_str(&value[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Vec<&str> {
        references(value).iter().map(|r| r.name).collect()
    }

    #[test]
    fn finds_every_form() {
        assert_eq!(
            names("$a, ${b}, $(c) $$d ${e?x} ${f:$g}"),
            ["a", "b", "c", "e", "f", "g"]
        );
        assert_eq!(
            names("${{$compatibility_level} <level {1} ? {} : {permit_mynetworks}}"),
            ["compatibility_level"]
        );
    }

    #[test]
    fn expands_recursively_and_leaves_unknown_names() {
        let lookup = |name: &str| match name {
            "config_directory" => Some("/etc/postfix".to_owned()),
            "dir" => Some("$config_directory/maps".to_owned()),
            _ => None,
        };
        assert_eq!(
            expand("hash:${dir}/virtual $nope", &lookup),
            "hash:/etc/postfix/maps/virtual $nope"
        );
    }
}

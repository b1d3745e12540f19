//! SPF (RFC 7208): the record parser, a full `check_host()` evaluator with
//! macros, `exp=` and the processing limits of §4.6.4, and a static walk of
//! a record tree that counts its DNS-querying terms and void lookups the way
//! a receiver would in the worst case. DNS goes through `Resolve`, so the
//! same code runs on live DNS and on the `OpenSPF` suite's zone data.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use super::resolver::{LookupError, QueryType, Rdata, Resolve};

/// RFC 7208 §4.6.4: DNS-querying terms per evaluation.
pub const LOOKUP_LIMIT: usize = 10;
/// RFC 7208 §4.6.4: lookups that return no records.
pub const VOID_LIMIT: usize = 2;

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpfResult {
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

impl SpfResult {
    pub fn name(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    fn result(self) -> SpfResult {
        match self {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Qualifier::Pass => "+",
            Qualifier::Fail => "-",
            Qualifier::SoftFail => "~",
            Qualifier::Neutral => "?",
        }
    }
}

/// One piece of a macro-string (RFC 7208 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Macro {
        letter: char,
        url_escape: bool,
        digits: Option<usize>,
        reverse: bool,
        delimiters: String,
    },
}

/// A parsed macro-string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    pieces: Vec<Piece>,
}

impl MacroString {
    fn has_macros(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Macro { .. }))
    }

    /// The text, when it has no macros.
    pub fn literal(&self) -> Option<String> {
        if self.has_macros() {
            return None;
        }
        Some(
            self.pieces
                .iter()
                .map(|p| match p {
                    Piece::Literal(s) => s.as_str(),
                    Piece::Macro { .. } => "",
                })
                .collect(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub v4: u8,
    pub v6: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A(Option<MacroString>, Cidr),
    Mx(Option<MacroString>, Cidr),
    Ptr(Option<MacroString>),
    Ip4(Ipv4Addr, u8),
    Ip6(Ipv6Addr, u8),
    Exists(MacroString),
}

impl Mechanism {
    /// Whether evaluating it costs a DNS query (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A(..)
                | Mechanism::Mx(..)
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub directives: Vec<Directive>,
    pub redirect: Option<MacroString>,
    pub exp: Option<MacroString>,
}

impl Record {
    /// The qualifier of the `all` mechanism, if there is one.
    pub fn all(&self) -> Option<Qualifier> {
        self.directives
            .iter()
            .find(|d| d.mechanism == Mechanism::All)
            .map(|d| d.qualifier)
    }

    pub fn has_ptr(&self) -> bool {
        self.directives
            .iter()
            .any(|d| matches!(d.mechanism, Mechanism::Ptr(_)))
    }
}

/// Whether a TXT record is an SPF record: `v=spf1`, then a space or the end.
pub fn is_spf(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && (bytes.len() == 6 || bytes[6] == b' ')
}

/// Parse a whole record (RFC 7208 §4.6.1). Any error anywhere makes the
/// record invalid (permerror).
pub fn parse(text: &str) -> Result<Record, String> {
    if !is_spf(text) {
        return Err("does not start with `v=spf1`".into());
    }
    if let Some(c) = text
        .chars()
        .find(|c| !c.is_ascii() || (c.is_ascii_control()))
    {
        return Err(format!(
            "contains `{}`; SPF records are printable 7-bit ASCII",
            c.escape_default()
        ));
    }
    let mut record = Record {
        directives: Vec::new(),
        redirect: None,
        exp: None,
    };
    for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
        parse_term(term, &mut record).map_err(|e| format!("`{term}`: {e}"))?;
    }
    Ok(record)
}

fn parse_term(term: &str, record: &mut Record) -> Result<(), String> {
    // A modifier: name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    let name_end = term
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(term.len());
    if term[name_end..].starts_with('=') {
        let name = &term[..name_end];
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err("a modifier name starts with a letter".into());
        }
        let value = &term[name_end + 1..];
        match name.to_ascii_lowercase().as_str() {
            "redirect" => {
                if record.redirect.is_some() {
                    return Err("`redirect` appears twice".into());
                }
                record.redirect = Some(domain_spec(value, false)?);
            }
            "exp" => {
                if record.exp.is_some() {
                    return Err("`exp` appears twice".into());
                }
                record.exp = Some(domain_spec(value, false)?);
            }
            _ => {
                // Unknown modifiers are ignored, but must be well formed.
                macro_string(value, false)?;
            }
        }
        return Ok(());
    }
    let (qualifier, rest) = match term.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &term[1..]),
        b'-' => (Qualifier::Fail, &term[1..]),
        b'~' => (Qualifier::SoftFail, &term[1..]),
        b'?' => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let name = rest[..name_end].to_ascii_lowercase();
    let arg = &rest[name_end..];
    let mechanism = match name.as_str() {
        "all" if arg.is_empty() => Mechanism::All,
        "include" => Mechanism::Include(required_domain(arg)?),
        "exists" => Mechanism::Exists(required_domain(arg)?),
        "a" | "mx" => {
            let (spec, cidr) = split_cidr(arg);
            let domain = match spec {
                "" => None,
                s if s.starts_with(':') => Some(domain_spec(&s[1..], false)?),
                _ => return Err("unknown mechanism".into()),
            };
            let cidr = dual_cidr(cidr)?;
            if name == "a" {
                Mechanism::A(domain, cidr)
            } else {
                Mechanism::Mx(domain, cidr)
            }
        }
        "ptr" => match arg {
            "" => Mechanism::Ptr(None),
            s if s.starts_with(':') => Mechanism::Ptr(Some(domain_spec(&s[1..], false)?)),
            _ => return Err("`ptr` takes no prefix length".into()),
        },
        "ip4" => {
            let text = arg.strip_prefix(':').ok_or("`ip4` needs an address")?;
            let (address, prefix) = match text.split_once('/') {
                Some((a, p)) => (a, cidr_len(p, 32)?),
                None => (text, 32),
            };
            let ip = address
                .parse::<Ipv4Addr>()
                .map_err(|_| format!("`{address}` is not an IPv4 address"))?;
            Mechanism::Ip4(ip, prefix)
        }
        "ip6" => {
            let text = arg.strip_prefix(':').ok_or("`ip6` needs an address")?;
            let (address, prefix) = match text.split_once('/') {
                Some((a, p)) => (a, cidr_len(p, 128)?),
                None => (text, 128),
            };
            let ip = address
                .parse::<Ipv6Addr>()
                .map_err(|_| format!("`{address}` is not an IPv6 address"))?;
            Mechanism::Ip6(ip, prefix)
        }
        _ => return Err("unknown mechanism".into()),
    };
    record.directives.push(Directive {
        qualifier,
        mechanism,
    });
    Ok(())
}

fn required_domain(arg: &str) -> Result<MacroString, String> {
    let spec = arg.strip_prefix(':').ok_or("needs `:domain`")?;
    domain_spec(spec, false)
}

/// Split `domain-spec dual-cidr-length`: the prefix lengths are the
/// `/N`, `//N` or `/N//N` at the very end (a domain-spec may itself hold `/`).
fn split_cidr(arg: &str) -> (&str, &str) {
    fn digits_suffix(s: &str, sep: &str) -> Option<usize> {
        let cut = s.rfind(sep)?;
        let tail = &s[cut + sep.len()..];
        (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(cut)
    }
    let mut end = arg.len();
    if let Some(cut) = digits_suffix(arg, "//") {
        end = cut;
    }
    if let Some(cut) = digits_suffix(&arg[..end], "/")
        && !arg[..cut].ends_with('/')
    {
        end = cut;
    }
    (&arg[..end], &arg[end..])
}

/// `[ip4-cidr-length] [ "/" ip6-cidr-length ]`.
fn dual_cidr(text: &str) -> Result<Cidr, String> {
    let mut cidr = Cidr { v4: 32, v6: 128 };
    if text.is_empty() {
        return Ok(cidr);
    }
    let rest = text.strip_prefix('/').ok_or("bad prefix length")?;
    let (v4, v6) = match rest.strip_prefix('/') {
        Some(v6) => (None, Some(v6)),
        None => match rest.split_once("//") {
            Some((v4, v6)) => (Some(v4), Some(v6)),
            None => (Some(rest), None),
        },
    };
    if let Some(v4) = v4 {
        cidr.v4 = cidr_len(v4, 32)?;
    }
    if let Some(v6) = v6 {
        cidr.v6 = cidr_len(v6, 128)?;
    }
    Ok(cidr)
}

/// A prefix length: no leading zeros, at most `max`.
fn cidr_len(text: &str, max: u8) -> Result<u8, String> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    match text.parse::<u8>() {
        Ok(n) if ok && n <= max => Ok(n),
        _ => Err(format!("`/{text}` is not a prefix length from 0 to {max}")),
    }
}

/// A macro-string (§7.1). `exp_text` allows the `c`, `r`, `t` letters.
fn macro_string(text: &str, exp_text: bool) -> Result<MacroString, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            if !(' '..='~').contains(&c) {
                return Err(format!("`{}` is not allowed here", c.escape_default()));
            }
            literal.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => literal.push('%'),
            Some('_') => literal.push(' '),
            Some('-') => literal.push_str("%20"),
            Some('{') => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                let mut body = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => body.push(c),
                        None => return Err("a macro is not closed with `}`".into()),
                    }
                }
                pieces.push(parse_macro(&body, exp_text)?);
            }
            _ => return Err("`%` must be followed by `{`, `%`, `_` or `-`".into()),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(MacroString { pieces })
}

fn parse_macro(body: &str, exp_text: bool) -> Result<Piece, String> {
    let mut chars = body.chars();
    let letter = chars.next().ok_or("an empty macro")?;
    let lower = letter.to_ascii_lowercase();
    let allowed = match lower {
        's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v' => true,
        'c' | 'r' | 't' => exp_text,
        _ => false,
    };
    if !allowed {
        return Err(format!("`%{{{letter}` is not a macro here"));
    }
    let rest: &str = chars.as_str();
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let digits = if digits_end == 0 {
        None
    } else {
        let n: usize = rest[..digits_end]
            .parse()
            .map_err(|_| "a macro's digit transformer is too large")?;
        if n == 0 {
            return Err("a macro's digit transformer is zero".into());
        }
        Some(n)
    };
    let mut rest = &rest[digits_end..];
    let reverse = if let Some(r) = rest.strip_prefix(['r', 'R']) {
        rest = r;
        true
    } else {
        false
    };
    if let Some(c) = rest
        .chars()
        .find(|c| !matches!(c, '.' | '-' | '+' | ',' | '/' | '_' | '='))
    {
        return Err(format!("`{c}` is not a macro delimiter"));
    }
    Ok(Piece::Macro {
        letter: lower,
        url_escape: letter.is_ascii_uppercase(),
        digits,
        reverse,
        delimiters: rest.to_owned(),
    })
}

/// A domain-spec: a macro-string that ends in `.toplabel` or a macro.
fn domain_spec(text: &str, exp_text: bool) -> Result<MacroString, String> {
    if text.is_empty() {
        return Err("the domain is empty".into());
    }
    let spec = macro_string(text, exp_text)?;
    // domain-end = ( "." toplabel [ "." ] ) / macro-expand
    let ends_with_macro = matches!(spec.pieces.last(), Some(Piece::Macro { .. }))
        || text.ends_with("%%")
        || text.ends_with("%_")
        || text.ends_with("%-");
    if ends_with_macro {
        return Ok(spec);
    }
    let Some(Piece::Literal(tail)) = spec.pieces.last() else {
        return Err("the domain is empty".into());
    };
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    let Some((_, top)) = tail.rsplit_once('.') else {
        return Err(format!("`{text}` is not a fully qualified domain name"));
    };
    if !toplabel(top) {
        return Err(format!("`{top}` is not a valid top-level label"));
    }
    Ok(spec)
}

/// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
fn toplabel(label: &str) -> bool {
    let b = label.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

/// Whether `domain` can be looked up at all (§4.3): at least two labels,
/// each 1 to 63 octets, 253 in all, and no domain literal.
fn valid_domain(domain: &str) -> bool {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && !d.starts_with('[')
        && d.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

// ---------------------------------------------------------------------------
// check_host()

/// The outcome of `check_host()`, with the explanation of a `fail` when the
/// record has a usable `exp=`, and what counted towards the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub result: SpfResult,
    pub explanation: Option<String>,
    /// Why: the term that matched, or the error.
    pub reason: String,
    pub lookups: usize,
    pub voids: usize,
}

/// What `check_host()` is asked: the client address, the MAIL FROM (or
/// empty) and the HELO name.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub ip: IpAddr,
    pub sender: &'a str,
    pub helo: &'a str,
}

/// RFC 7208 §2.3/§2.4: the MAIL FROM identity, or `postmaster@HELO` when
/// MAIL FROM is empty; evaluated for the sender's domain.
pub async fn check_host(resolver: &dyn Resolve, query: &Query<'_>) -> Evaluation {
    let sender = if query.sender.is_empty() {
        format!("postmaster@{}", query.helo)
    } else {
        query.sender.to_owned()
    };
    let (local, domain) = match sender.rsplit_once('@') {
        Some(("", d)) => ("postmaster".to_owned(), d.to_owned()),
        Some((l, d)) => (l.to_owned(), d.to_owned()),
        None => ("postmaster".to_owned(), sender.clone()),
    };
    let sender = format!("{local}@{domain}");
    let ip = match query.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    let mut eval = Evaluator {
        resolver,
        ip,
        sender,
        local,
        sender_domain: domain.clone(),
        helo: query.helo.to_owned(),
        lookups: 0,
        voids: 0,
    };
    let (result, explanation, reason) = eval.check(domain, false).await;
    Evaluation {
        result,
        explanation,
        reason,
        lookups: eval.lookups,
        voids: eval.voids,
    }
}

type Outcome = (SpfResult, Option<String>, String);

struct Evaluator<'r> {
    resolver: &'r dyn Resolve,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    lookups: usize,
    voids: usize,
}

/// A term's effect: matched, did not, or stopped evaluation.
enum Step {
    Match,
    NoMatch,
    Stop(SpfResult, String),
}

impl Evaluator<'_> {
    fn check(
        &mut self,
        domain: String,
        in_include: bool,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + '_>> {
        Box::pin(async move {
            if !valid_domain(&domain) {
                return (
                    SpfResult::None,
                    None,
                    format!("`{domain}` is not a domain name that can be looked up"),
                );
            }
            let records = match self.resolver.query(&domain, QueryType::Txt).await {
                Ok(records) => records,
                Err(LookupError::NxDomain) => {
                    return (SpfResult::None, None, format!("`{domain}` does not exist"));
                }
                Err(e) => {
                    return (
                        SpfResult::TempError,
                        None,
                        format!("TXT lookup for `{domain}` failed: {e}"),
                    );
                }
            };
            let spf: Vec<String> = records
                .iter()
                .filter_map(Rdata::txt_joined_bytes)
                .filter(|t| is_spf_bytes(t))
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .collect();
            let text = match spf.as_slice() {
                [] => {
                    return (
                        SpfResult::None,
                        None,
                        format!("`{domain}` has no SPF record"),
                    );
                }
                [one] => one,
                _ => {
                    return (
                        SpfResult::PermError,
                        None,
                        format!("`{domain}` has {} SPF records", spf.len()),
                    );
                }
            };
            // Non-UTF-8 bytes became U+FFFD, which `parse` refuses as non-ASCII.
            let record = match parse(text) {
                Ok(record) => record,
                Err(e) => {
                    return (
                        SpfResult::PermError,
                        None,
                        format!("the SPF record of `{domain}` is invalid: {e}"),
                    );
                }
            };
            for directive in &record.directives {
                match self.evaluate(&directive.mechanism, &domain).await {
                    Step::NoMatch => {}
                    Step::Stop(result, reason) => return (result, None, reason),
                    Step::Match => {
                        let result = directive.qualifier.result();
                        let reason = format!(
                            "matched `{}` in the record of `{domain}`",
                            describe(directive)
                        );
                        let explanation = if result == SpfResult::Fail && !in_include {
                            self.explain(record.exp.as_ref(), &domain).await
                        } else {
                            None
                        };
                        return (result, explanation, reason);
                    }
                }
            }
            if let Some(redirect) = &record.redirect {
                if let Err(stop) = self.count_lookup() {
                    return (stop.0, None, stop.1);
                }
                let target = match self.expand_domain(redirect, &domain).await {
                    Ok(t) => t,
                    Err(e) => return (SpfResult::PermError, None, e),
                };
                let (result, explanation, reason) = self.check(target.clone(), in_include).await;
                return match result {
                    SpfResult::None => (
                        SpfResult::PermError,
                        None,
                        format!("`redirect={target}` leads to no SPF record ({reason})"),
                    ),
                    r => (r, explanation, reason),
                };
            }
            (
                SpfResult::Neutral,
                None,
                format!("no term of the record of `{domain}` matched"),
            )
        })
    }

    fn count_lookup(&mut self) -> Result<(), (SpfResult, String)> {
        self.lookups += 1;
        if self.lookups > LOOKUP_LIMIT {
            return Err((
                SpfResult::PermError,
                format!("more than {LOOKUP_LIMIT} DNS-querying terms (RFC 7208 §4.6.4)"),
            ));
        }
        Ok(())
    }

    fn void(&mut self) -> Option<Step> {
        self.voids += 1;
        (self.voids > VOID_LIMIT).then(|| {
            Step::Stop(
                SpfResult::PermError,
                format!("more than {VOID_LIMIT} void lookups (RFC 7208 §4.6.4)"),
            )
        })
    }

    async fn evaluate(&mut self, mechanism: &Mechanism, domain: &str) -> Step {
        if mechanism.queries_dns()
            && let Err((result, reason)) = self.count_lookup()
        {
            return Step::Stop(result, reason);
        }
        match mechanism {
            Mechanism::All => Step::Match,
            Mechanism::Ip4(net, prefix) => match self.ip {
                IpAddr::V4(ip) => matches(IpAddr::V4(ip), IpAddr::V4(*net), *prefix),
                IpAddr::V6(_) => Step::NoMatch,
            },
            Mechanism::Ip6(net, prefix) => match self.ip {
                IpAddr::V6(ip) => matches(IpAddr::V6(ip), IpAddr::V6(*net), *prefix),
                IpAddr::V4(_) => Step::NoMatch,
            },
            Mechanism::Include(spec) => {
                let target = match self.target(Some(spec), domain).await {
                    Ok(t) => t,
                    Err(e) => return Step::Stop(SpfResult::PermError, e),
                };
                let (result, _, reason) = self.check(target.clone(), true).await;
                match result {
                    SpfResult::Pass => Step::Match,
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Step::NoMatch,
                    SpfResult::TempError => Step::Stop(SpfResult::TempError, reason),
                    SpfResult::PermError | SpfResult::None => Step::Stop(
                        SpfResult::PermError,
                        format!("`include:{target}`: {reason}"),
                    ),
                }
            }
            Mechanism::A(spec, cidr) => {
                let target = match self.target(spec.as_ref(), domain).await {
                    Ok(t) => t,
                    Err(e) => return Step::Stop(SpfResult::PermError, e),
                };
                match self.addresses(&target).await {
                    Err(e) => Step::Stop(SpfResult::TempError, e),
                    Ok(list) if list.is_empty() => self.void().unwrap_or(Step::NoMatch),
                    Ok(list) => self.any_matches(&list, *cidr),
                }
            }
            Mechanism::Mx(spec, cidr) => {
                let target = match self.target(spec.as_ref(), domain).await {
                    Ok(t) => t,
                    Err(e) => return Step::Stop(SpfResult::PermError, e),
                };
                let hosts = match self.resolver.query(&target, QueryType::Mx).await {
                    Ok(records) => records,
                    Err(LookupError::NxDomain) => Vec::new(),
                    Err(e) => {
                        return Step::Stop(
                            SpfResult::TempError,
                            format!("MX lookup for `{target}` failed: {e}"),
                        );
                    }
                };
                if hosts.is_empty() {
                    return self.void().unwrap_or(Step::NoMatch);
                }
                if hosts.len() > 10 {
                    return Step::Stop(
                        SpfResult::PermError,
                        format!("`{target}` has more than 10 MX records (RFC 7208 §4.6.4)"),
                    );
                }
                for host in &hosts {
                    let Rdata::Mx { exchange, .. } = host else {
                        continue;
                    };
                    if exchange.is_empty() {
                        continue;
                    }
                    match self.addresses(exchange).await {
                        Err(e) => return Step::Stop(SpfResult::TempError, e),
                        Ok(list) => {
                            if let Step::Match = self.any_matches(&list, *cidr) {
                                return Step::Match;
                            }
                        }
                    }
                }
                Step::NoMatch
            }
            Mechanism::Ptr(spec) => {
                let target = match self.target(spec.as_ref(), domain).await {
                    Ok(t) => t,
                    Err(e) => return Step::Stop(SpfResult::PermError, e),
                };
                let names = self.validated_names(true).await;
                if names.is_none() {
                    return self.void().unwrap_or(Step::NoMatch);
                }
                let target = target.to_ascii_lowercase();
                let suffix = format!(".{target}");
                if names
                    .unwrap_or_default()
                    .iter()
                    .any(|n| *n == target || n.ends_with(&suffix))
                {
                    Step::Match
                } else {
                    Step::NoMatch
                }
            }
            Mechanism::Exists(spec) => {
                let target = match self.target(Some(spec), domain).await {
                    Ok(t) => t,
                    Err(e) => return Step::Stop(SpfResult::PermError, e),
                };
                match self.resolver.query(&target, QueryType::A).await {
                    Ok(list) if !list.is_empty() => Step::Match,
                    Ok(_) | Err(LookupError::NxDomain) => self.void().unwrap_or(Step::NoMatch),
                    Err(e) => Step::Stop(
                        SpfResult::TempError,
                        format!("A lookup for `{target}` failed: {e}"),
                    ),
                }
            }
        }
    }

    async fn target(&self, spec: Option<&MacroString>, domain: &str) -> Result<String, String> {
        match spec {
            Some(spec) => self.expand_domain(spec, domain).await,
            None => Ok(domain.to_owned()),
        }
    }

    fn any_matches(&self, list: &[IpAddr], cidr: Cidr) -> Step {
        for address in list {
            let prefix = if address.is_ipv4() { cidr.v4 } else { cidr.v6 };
            if let Step::Match = matches(self.ip, *address, prefix) {
                return Step::Match;
            }
        }
        Step::NoMatch
    }

    /// The A (IPv4 client) or AAAA (IPv6 client) addresses of `name`.
    async fn addresses(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        let qtype = if self.ip.is_ipv4() {
            QueryType::A
        } else {
            QueryType::Aaaa
        };
        if !valid_domain(name) {
            return Ok(Vec::new());
        }
        match self.resolver.query(name, qtype).await {
            Ok(list) => Ok(list
                .iter()
                .filter_map(|r| match r {
                    Rdata::A(a) => Some(IpAddr::V4(*a)),
                    Rdata::Aaaa(a) => Some(IpAddr::V6(*a)),
                    _ => None,
                })
                .collect()),
            Err(LookupError::NxDomain) => Ok(Vec::new()),
            Err(e) => Err(format!("{} lookup for `{name}` failed: {e}", qtype.name())),
        }
    }

    /// The client's host names confirmed by a forward lookup (§5.5), at
    /// most ten PTR names examined. `None` when the PTR lookup gave nothing.
    async fn validated_names(&self, _counting: bool) -> Option<Vec<String>> {
        let reverse = crate::dns::records::reverse_name(self.ip);
        let names = match self.resolver.query(&reverse, QueryType::Ptr).await {
            Ok(list) if !list.is_empty() => list,
            _ => return None,
        };
        let mut validated = Vec::new();
        for record in names.iter().take(10) {
            let Rdata::Ptr(name) = record else { continue };
            if let Ok(list) = self.addresses(name).await
                && list.contains(&self.ip)
            {
                validated.push(name.to_ascii_lowercase());
            }
        }
        Some(validated)
    }

    async fn expand_domain(&self, spec: &MacroString, domain: &str) -> Result<String, String> {
        let mut expanded = self.expand(spec, domain, false).await?;
        // §7.3: drop labels from the left until it fits.
        while expanded.len() > 253 {
            match expanded.split_once('.') {
                Some((_, rest)) => expanded = rest.to_owned(),
                None => break,
            }
        }
        Ok(expanded.trim_end_matches('.').to_owned())
    }

    async fn expand(&self, spec: &MacroString, domain: &str, exp: bool) -> Result<String, String> {
        let mut out = String::new();
        for piece in &spec.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Macro {
                    letter,
                    url_escape,
                    digits,
                    reverse,
                    delimiters,
                } => {
                    let value = match letter {
                        's' => self.sender.clone(),
                        'l' => self.local.clone(),
                        'o' => self.sender_domain.clone(),
                        'd' => domain.to_owned(),
                        'i' => dotted_ip(self.ip),
                        'p' => self.p_macro(domain).await,
                        'v' => if self.ip.is_ipv4() { "in-addr" } else { "ip6" }.to_owned(),
                        'h' => self.helo.clone(),
                        'c' if exp => self.ip.to_string(),
                        'r' if exp => "unknown".to_owned(),
                        't' if exp => std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs())
                            .to_string(),
                        other => return Err(format!("`%{{{other}}}` is not allowed here")),
                    };
                    let delimiters: &str = if delimiters.is_empty() {
                        "."
                    } else {
                        delimiters
                    };
                    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
                    if *reverse {
                        parts.reverse();
                    }
                    if let Some(n) = digits
                        && *n < parts.len()
                    {
                        parts.drain(..parts.len() - n);
                    }
                    let joined = parts.join(".");
                    if *url_escape {
                        out.push_str(&url_escape_text(&joined));
                    } else {
                        out.push_str(&joined);
                    }
                }
            }
        }
        Ok(out)
    }

    /// `%{p}`: a validated name of the client, preferring `domain` or one
    /// of its subdomains; `unknown` when there is none.
    async fn p_macro(&self, domain: &str) -> String {
        let names = self.validated_names(false).await.unwrap_or_default();
        let domain = domain.to_ascii_lowercase();
        let suffix = format!(".{domain}");
        names
            .iter()
            .find(|n| **n == domain)
            .or_else(|| names.iter().find(|n| n.ends_with(&suffix)))
            .or_else(|| names.first())
            .cloned()
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// §6.2: the explanation of a `fail`, or `None` when there is no usable
    /// `exp=` (any error here leaves the default explanation).
    async fn explain(&self, exp: Option<&MacroString>, domain: &str) -> Option<String> {
        let target = self.expand_domain(exp?, domain).await.ok()?;
        if !valid_domain(&target) {
            return None;
        }
        let records = self.resolver.query(&target, QueryType::Txt).await.ok()?;
        let [record] = records.as_slice() else {
            return None;
        };
        let bytes = record.txt_joined_bytes()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        if !text.is_ascii() {
            return None;
        }
        let spec = macro_string(text, true).ok()?;
        self.expand(&spec, domain, true).await.ok()
    }
}

impl Rdata {
    /// TXT strings joined, as bytes.
    pub fn txt_joined_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Rdata::Txt(strings) => Some(strings.concat()),
            _ => None,
        }
    }
}

fn is_spf_bytes(text: &[u8]) -> bool {
    text.len() >= 6
        && text[..6].eq_ignore_ascii_case(b"v=spf1")
        && (text.len() == 6 || text[6] == b' ')
}

fn matches(ip: IpAddr, net: IpAddr, prefix: u8) -> Step {
    let hit = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    };
    if hit { Step::Match } else { Step::NoMatch }
}

/// `%{i}`: dotted quad, or 32 dot-separated nibbles for IPv6.
fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .octets()
            .iter()
            .flat_map(|b| [b >> 4, b & 0xf])
            .map(|n| format!("{n:x}"))
            .collect::<Vec<_>>()
            .join("."),
    }
}

/// Uppercase macro letters: URL-escape everything but unreserved characters.
fn url_escape_text(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A directive as text, for reasons.
fn describe(d: &Directive) -> String {
    let q = if d.qualifier == Qualifier::Pass {
        ""
    } else {
        d.qualifier.symbol()
    };
    let m = match &d.mechanism {
        Mechanism::All => "all".to_owned(),
        Mechanism::Include(_) => "include".to_owned(),
        Mechanism::A(..) => "a".to_owned(),
        Mechanism::Mx(..) => "mx".to_owned(),
        Mechanism::Ptr(_) => "ptr".to_owned(),
        Mechanism::Ip4(ip, p) => format!("ip4:{ip}/{p}"),
        Mechanism::Ip6(ip, p) => format!("ip6:{ip}/{p}"),
        Mechanism::Exists(_) => "exists".to_owned(),
    };
    format!("{q}{m}")
}

// ---------------------------------------------------------------------------
// The static walk

/// What a record tree costs in the worst case: every DNS-querying term of
/// the record and of everything it includes or redirects to (§4.6.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cost {
    pub lookups: usize,
    pub voids: usize,
    /// Problems on the way, each naming where it is: `(true, _)` for a
    /// lookup that failed, `(false, _)` for an include without a record,
    /// an invalid record or a loop.
    pub problems: Vec<(bool, String)>,
    /// Whether a term with a macro could not be counted exactly.
    pub has_macros: bool,
}

/// Walk `domain`'s SPF tree, counting terms and void lookups.
pub async fn cost(resolver: &dyn Resolve, domain: &str, record: &Record) -> Cost {
    let mut cost = Cost::default();
    let mut stack = vec![domain.to_owned()];
    walk(resolver, domain, record, &mut cost, &mut stack).await;
    cost
}

fn walk<'a>(
    resolver: &'a dyn Resolve,
    domain: &'a str,
    record: &'a Record,
    cost: &'a mut Cost,
    stack: &'a mut Vec<String>,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        let mut follow: Vec<String> = Vec::new();
        for d in &record.directives {
            if !d.mechanism.queries_dns() {
                continue;
            }
            cost.lookups += 1;
            let (spec, qtype) = match &d.mechanism {
                Mechanism::Include(spec) => {
                    match spec.literal() {
                        Some(t) => follow.push(t.trim_end_matches('.').to_ascii_lowercase()),
                        None => cost.has_macros = true,
                    }
                    continue;
                }
                Mechanism::A(spec, _) => (spec.as_ref(), QueryType::A),
                Mechanism::Mx(spec, _) => (spec.as_ref(), QueryType::Mx),
                Mechanism::Exists(spec) => (Some(spec), QueryType::A),
                _ => continue,
            };
            let target = match spec.map(MacroString::literal) {
                None => domain.to_owned(),
                Some(Some(t)) => t.trim_end_matches('.').to_owned(),
                Some(None) => {
                    cost.has_macros = true;
                    continue;
                }
            };
            match resolver.query(&target, qtype).await {
                Ok(list) if !list.is_empty() => {}
                Ok(_) | Err(LookupError::NxDomain) => cost.voids += 1,
                Err(e) => cost.problems.push((
                    true,
                    format!("{} lookup for `{target}` failed: {e}", qtype.name()),
                )),
            }
        }
        if record.all().is_none()
            && let Some(redirect) = &record.redirect
        {
            cost.lookups += 1;
            match redirect.literal() {
                Some(t) => follow.push(t.trim_end_matches('.').to_ascii_lowercase()),
                None => cost.has_macros = true,
            }
        }
        for target in follow {
            if cost.lookups > 4 * LOOKUP_LIMIT {
                return;
            }
            if stack.contains(&target) {
                cost.problems.push((
                    false,
                    format!("`{target}` includes itself (a loop through `{domain}`)"),
                ));
                cost.lookups = cost.lookups.max(LOOKUP_LIMIT + 1);
                continue;
            }
            match resolver.query(&target, QueryType::Txt).await {
                Ok(list) => {
                    let spf: Vec<String> = list
                        .iter()
                        .filter_map(Rdata::txt_joined)
                        .filter(|t| is_spf(t))
                        .collect();
                    match spf.as_slice() {
                        [] => {
                            cost.voids += usize::from(list.is_empty());
                            cost.problems.push((false, format!("`{target}` (included by `{domain}`) has no SPF record")));
                        }
                        [one] => match parse(one) {
                            Ok(sub) => {
                                stack.push(target.clone());
                                walk(resolver, &target, &sub, cost, stack).await;
                                stack.pop();
                            }
                            Err(e) => cost
                                .problems
                                .push((false, format!("the SPF record of `{target}` (included by `{domain}`) is invalid: {e}"))),
                        },
                        _ => cost
                            .problems
                            .push((false, format!("`{target}` (included by `{domain}`) has {} SPF records", spf.len()))),
                    }
                }
                Err(LookupError::NxDomain) => {
                    cost.voids += 1;
                    cost.problems.push((
                        false,
                        format!("`{target}` (included by `{domain}`) does not exist"),
                    ));
                }
                Err(e) => cost
                    .problems
                    .push((true, format!("TXT lookup for `{target}` failed: {e}"))),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::resolver::MemoryResolver;

    fn run<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn parses_terms() {
        let r =
            parse("v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28//64 mx -all exp=e.%{d}").unwrap();
        assert_eq!(r.directives.len(), 4);
        assert_eq!(r.all(), Some(Qualifier::Fail));
        assert!(r.exp.is_some());
        assert!(parse("v=spf1 ip4:192.0.2.0/33").is_err());
        assert!(parse("v=spf1 inclde:x.example").is_err());
        assert!(parse("v=spf1 a:foo").is_err());
        assert!(parse("v=spf1 redirect=a.example redirect=b.example").is_err());
        assert!(parse("v=spf1 -all foo=bar").is_ok());
    }

    #[test]
    fn evaluates_with_includes() {
        let mut zone = MemoryResolver::new();
        zone.txt("example.com", "v=spf1 include:_spf.example.net -all");
        zone.txt("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 ~all");
        let q = |ip: &str| Query {
            ip: ip.parse().unwrap(),
            sender: "a@example.com",
            helo: "mail.example.com",
        };
        let e = run(check_host(&zone, &q("192.0.2.7")));
        assert_eq!(e.result, SpfResult::Pass);
        assert_eq!(e.lookups, 1);
        let e = run(check_host(&zone, &q("198.51.100.1")));
        assert_eq!(e.result, SpfResult::Fail);
        let r = parse("v=spf1 include:_spf.example.net -all").unwrap();
        let c = run(cost(&zone, "example.com", &r));
        assert_eq!((c.lookups, c.voids), (1, 0));
    }
}

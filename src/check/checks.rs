//! Expected vs observed. `plan` turns the records `mailctl dns` builds
//! (`dns::build`, the single source of what is expected) into jobs, one per
//! record set; `run` asks DNS for each concurrently and turns the answers
//! into findings, in the plan's order whatever order the answers came in.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::locate::SpecLocations;
use super::resolver::{LookupError, QueryType, Rdata, Resolve};
use super::spf::{self, SpfResult};
use super::tags;
use crate::dkim::PublicKey;
use crate::dns::{RecordSet, RecordType};
use crate::spec::Spec;
use crate::spec::diagnostic::Location;
use crate::spec::model::Service;

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    /// Published differs from intended (error level).
    Fail,
    /// Works, but is risky or deprecated.
    Warning,
    /// The question could not be answered (timeout, SERVFAIL, REFUSED).
    LookupFailed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warning => "warning",
            Status::LookupFailed => "lookup-failed",
        }
    }

    /// `error`, `warning`, or nothing for a pass.
    pub fn severity(self) -> Option<&'static str> {
        match self {
            Status::Pass => None,
            Status::Fail | Status::LookupFailed => Some("error"),
            Status::Warning => Some("warning"),
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The zone the record belongs in.
    pub domain: String,
    /// The owner name queried.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    /// A stable id (see `CHECKS`).
    pub check: &'static str,
    pub status: Status,
    pub severity: Option<&'static str>,
    /// One line: what was checked and what came of it.
    pub message: String,
    pub expected: String,
    /// As published (control characters escaped), even when invalid.
    pub found: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Where the spec says what is expected (shared: many findings point at
    /// the same line).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_location"
    )]
    pub spec: Option<Arc<Location>>,
}

/// Serialise the location itself: serde's `Arc` support is behind a feature
/// this crate does not turn on.
#[allow(clippy::ref_option)]
fn serialize_location<S: serde::Serializer>(
    at: &Option<Arc<Location>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    at.as_deref().serialize(serializer)
}

/// Every check id, its severity when it does not pass, and what it checks.
pub const CHECKS: &[(&str, &str, &str)] = &[
    (
        "mx",
        "error",
        "the MX set equals the spec (hosts and priorities)",
    ),
    (
        "mx-host-resolves",
        "error",
        "every published MX host has an A or AAAA record",
    ),
    (
        "host-address",
        "error",
        "the mail host's A/AAAA records equal the spec's addresses",
    ),
    (
        "mta-sts-host",
        "error",
        "the MTA-STS web host's A/AAAA records equal the spec's addresses",
    ),
    (
        "address",
        "error",
        "other A/AAAA records equal what `mailctl dns` lists",
    ),
    (
        "ptr",
        "error",
        "the PTR of each server address names the mail host",
    ),
    (
        "fcrdns",
        "error",
        "the PTR name resolves back to the address (forward-confirmed reverse DNS)",
    ),
    ("spf-record", "error", "exactly one `v=spf1` TXT record"),
    (
        "spf-syntax",
        "error",
        "the SPF record parses (RFC 7208 §4.6, §5, §7)",
    ),
    (
        "spf-includes",
        "error",
        "every `include:`/`redirect=` target has exactly one valid SPF record",
    ),
    (
        "spf-lookups",
        "error",
        "at most 10 DNS-querying terms, counted through includes and redirects (RFC 7208 §4.6.4)",
    ),
    (
        "spf-void-lookups",
        "error",
        "at most 2 lookups that return nothing (RFC 7208 §4.6.4)",
    ),
    (
        "spf-pass",
        "error",
        "each server address evaluates to `pass` under a full check_host()",
    ),
    ("spf-all", "error", "the `all` qualifier equals the spec's"),
    (
        "spf-ptr",
        "warning",
        "the record uses `ptr` (RFC 7208 §5.5: do not use)",
    ),
    (
        "spf-permissive-all",
        "warning",
        "`+all` or `?all`: the record does not reject forgeries",
    ),
    (
        "spf-length",
        "warning",
        "a string over 255 bytes, or a record over 450 bytes (RFC 7208 §3.4)",
    ),
    (
        "dkim-record",
        "error",
        "exactly one DKIM key record at each selector",
    ),
    (
        "dkim-syntax",
        "error",
        "the DKIM record's tags parse (RFC 6376 §3.6.1)",
    ),
    ("dkim-revoked", "error", "`p=` is empty: the key is revoked"),
    (
        "dkim-key",
        "error",
        "`p=` equals the public key of the local private key",
    ),
    (
        "dkim-testing",
        "warning",
        "`t=y`: receivers treat signatures as a test",
    ),
    ("dkim-weak-key", "warning", "an RSA key under 2048 bits"),
    (
        "dmarc-record",
        "error",
        "exactly one record at `_dmarc` starting with `v=DMARC1`",
    ),
    (
        "dmarc-syntax",
        "error",
        "every tag value is valid (RFC 9989)",
    ),
    (
        "dmarc-unknown-tag",
        "warning",
        "tags RFC 9989 does not define",
    ),
    (
        "dmarc-removed-tag",
        "warning",
        "`pct`, `rf` or `ri`, which RFC 9989 removed",
    ),
    ("dmarc-policy", "error", "`p=` equals the spec's policy"),
    (
        "dmarc-subdomain-policy",
        "error",
        "`sp=` and `np=` (in effect) equal the spec's",
    ),
    (
        "dmarc-alignment",
        "error",
        "`adkim=` and `aspf=` (in effect) equal the spec's",
    ),
    (
        "dmarc-reports",
        "error",
        "`rua=` and `ruf=` equal the spec's report addresses",
    ),
    (
        "dmarc-report-auth",
        "error",
        "a report destination in another domain publishes its `_report._dmarc` authorisation",
    ),
    (
        "mta-sts-record",
        "error",
        "exactly one `v=STSv1` record at `_mta-sts`",
    ),
    (
        "mta-sts-id",
        "error",
        "the `id=` equals the id of the current policy",
    ),
    (
        "tls-rpt-record",
        "error",
        "exactly one `v=TLSRPTv1` record at `_smtp._tls`",
    ),
    ("tls-rpt-rua", "error", "the `rua=` equals the spec's"),
    (
        "srv",
        "error",
        "the client SRV records equal the spec's services (when the server offers any)",
    ),
    (
        "caa",
        "error",
        "CAA records exist and allow the configured ACME CA",
    ),
    (
        "tlsa",
        "error",
        "a TLSA record matches the current certificate's key",
    ),
    (
        "tlsa-next",
        "error",
        "a TLSA record matches the next key (`next.pub.pem` beside the certificate), when there is one",
    ),
];

/// Replace control characters (and other invisible formatting) with escapes,
/// so a hostile record cannot drive the terminal or forge output lines.
pub fn sanitize(text: &str) -> String {
    // Nearly everything a check prints is printable ASCII, which has nothing
    // to escape: copy it whole instead of char by char.
    if text.bytes().all(|b| matches!(b, b' '..=b'~')) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The identity of a check on one record set.
#[derive(Debug, Clone)]
struct Subject {
    domain: String,
    name: String,
    rtype: RecordType,
}

impl Subject {
    fn finding(
        &self,
        check: &'static str,
        status: Status,
        message: String,
        expected: &str,
        found: &str,
    ) -> Finding {
        Finding {
            domain: self.domain.clone(),
            name: self.name.clone(),
            rtype: self.rtype,
            check,
            status,
            severity: status.severity(),
            message,
            expected: expected.to_owned(),
            found: sanitize(found),
            hint: None,
            spec: None,
        }
    }
}

trait Hint {
    fn hint(self, hint: impl Into<String>) -> Self;
    fn at(self, at: Option<&Arc<Location>>) -> Self;
}

impl Hint for Finding {
    fn hint(mut self, hint: impl Into<String>) -> Self {
        if self.status != Status::Pass {
            self.hint = Some(hint.into());
        }
        self
    }

    fn at(mut self, at: Option<&Arc<Location>>) -> Self {
        self.spec = at.cloned();
        self
    }
}

/// One record set to check.
#[derive(Debug, Clone)]
enum Job {
    Mx {
        domain: String,
        expected: Vec<String>,
        at: Option<Arc<Location>>,
    },
    Addresses {
        domain: String,
        name: String,
        check: &'static str,
        v4: Vec<Ipv4Addr>,
        v6: Vec<Ipv6Addr>,
        at: Option<Arc<Location>>,
    },
    Spf {
        domain: String,
        name: String,
        expected: String,
        addresses: Vec<IpAddr>,
        helo: String,
        at: Option<Arc<Location>>,
        at_all: Option<Arc<Location>>,
    },
    Dkim {
        domain: String,
        selector: String,
        expected: Option<PublicKey>,
        at: Option<Arc<Location>>,
    },
    Dmarc {
        domain: String,
        expected: String,
        at: DmarcAt,
    },
    ReportAuth {
        domain: String,
        name: String,
        at: Option<Arc<Location>>,
    },
    MtaSts {
        domain: String,
        expected: String,
        at: Option<Arc<Location>>,
    },
    TlsRpt {
        domain: String,
        expected: String,
        at: Option<Arc<Location>>,
    },
    Set {
        domain: String,
        name: String,
        rtype: RecordType,
        check: &'static str,
        expected: Vec<String>,
        at: Option<Arc<Location>>,
    },
    Caa {
        domain: String,
        issuers: Vec<String>,
        at: Option<Arc<Location>>,
    },
    Tlsa {
        domain: String,
        name: String,
        /// The current certificate's record (when there is a certificate),
        /// then the next key's (when there is one), as `mailctl dns` lists
        /// them.
        current: Option<String>,
        next: Option<String>,
        at: Option<Arc<Location>>,
    },
    Ptr {
        domain: String,
        ip: IpAddr,
        host: String,
        at: Option<Arc<Location>>,
    },
}

#[derive(Debug, Clone, Default)]
struct DmarcAt {
    record: Option<Arc<Location>>,
    policy: Option<Arc<Location>>,
    subdomain: Option<Arc<Location>>,
    alignment: Option<Arc<Location>>,
    reports: Option<Arc<Location>>,
}

/// The checks for a spec, ready to run.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    jobs: Vec<Job>,
}

impl Plan {
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

/// A zone's DKIM key file and its public half (or why it could not be read).
pub type DkimKey = (crate::dkim::KeyRef, Result<PublicKey, String>);

/// The zones of `set` in first-seen order, as `RecordSet::domains` gives
/// them, but with a set of the names seen: `domains` searches a list for
/// every record, which with a thousand zones took a fifth of the run.
pub fn zones(set: &RecordSet) -> Vec<&str> {
    let mut seen = HashSet::new();
    let names = set.records.iter().map(|r| r.domain.as_str());
    let names = names.chain(set.advice.iter().map(|a| a.domain.as_str()));
    names.filter(|name| seen.insert(*name)).collect()
}

/// Plan the checks of `set` (already limited to the wanted zones). `keys`
/// are the DKIM keys of those zones with their public halves.
pub fn plan(spec: &Spec, set: &RecordSet, keys: &[DkimKey], at: &SpecLocations) -> Plan {
    let host = spec.server.hostname.as_str();
    let zones = zones(set);
    // Indexes built once: looking these up by scanning the spec, the records
    // or the keys for every zone made planning quadratic in the zone count.
    // An alias zone's settings are in the `alias_domains` of the (first)
    // domain that lists it.
    let mut primary_of: HashMap<&str, &str> = HashMap::new();
    for d in &spec.domains {
        for alias in &d.alias_domains {
            primary_of.entry(alias.as_str()).or_insert(d.name.as_str());
        }
    }
    let parked: HashSet<&str> = spec
        .domains
        .iter()
        .filter(|d| d.dns.parked)
        .map(|d| d.name.as_str())
        .collect();
    let mut records_of: HashMap<&str, Vec<&crate::dns::Record>> = HashMap::new();
    for r in &set.records {
        records_of.entry(r.domain.as_str()).or_default().push(r);
    }
    let mut keys_of: HashMap<&str, Vec<&DkimKey>> = HashMap::new();
    for key in keys {
        keys_of.entry(key.0.domain.as_str()).or_default().push(key);
    }
    let mut advice_of: HashMap<&str, Vec<&crate::dns::Advice>> = HashMap::new();
    for a in &set.advice {
        advice_of.entry(a.domain.as_str()).or_default().push(a);
    }
    let loc = |zone: &str, path: &[&str]| match primary_of.get(zone) {
        Some(primary) => at.domain(primary, &["alias_domains"]),
        None => at.domain(zone, path),
    };
    let server_at = |v6: bool| {
        let keys = if v6 {
            ["server.ipv6", "server.ipv4"]
        } else {
            ["server.ipv4", "server.ipv6"]
        };
        at.first(&[
            keys[0].into(),
            keys[1].into(),
            "server.hostname".into(),
            "server".into(),
        ])
    };
    let offers_clients = [
        Service::Submission,
        Service::Submissions,
        Service::Imaps,
        Service::Pop3s,
    ]
    .into_iter()
    .any(|s| spec.server.offers(s));
    let server_ips: Vec<IpAddr> = spec
        .server
        .ipv4
        .iter()
        .map(|ip| IpAddr::V4(*ip))
        .chain(spec.server.ipv6.iter().map(|ip| IpAddr::V6(*ip)))
        .collect();

    let mut jobs = Vec::new();
    let mut done: BTreeSet<(String, RecordType)> = BTreeSet::new();
    for zone in &zones {
        let records = records_of.get(zone).map_or(&[][..], Vec::as_slice);
        for r in records {
            if !done.insert((r.name.clone(), r.rtype)) && r.rtype != RecordType::TXT {
                continue;
            }
            let values = |rtype: RecordType| -> Vec<String> {
                records
                    .iter()
                    .filter(|o| o.name == r.name && o.rtype == rtype)
                    .map(|o| o.value.clone())
                    .collect()
            };
            match r.rtype {
                RecordType::MX => jobs.push(Job::Mx {
                    domain: zone.to_string(),
                    expected: values(RecordType::MX),
                    at: loc(zone, &["mx"]),
                }),
                RecordType::A | RecordType::AAAA => {
                    if !done.insert((r.name.clone(), RecordType::A)) && r.rtype == RecordType::AAAA
                    {
                        continue;
                    }
                    done.insert((r.name.clone(), RecordType::AAAA));
                    let (check, place) = if r.name == host {
                        ("host-address", server_at(r.rtype == RecordType::AAAA))
                    } else if r.name.starts_with("mta-sts.") {
                        ("mta-sts-host", loc(zone, &["mta_sts"]))
                    } else {
                        ("address", loc(zone, &[]))
                    };
                    jobs.push(Job::Addresses {
                        domain: zone.to_string(),
                        name: r.name.clone(),
                        check,
                        v4: values(RecordType::A)
                            .iter()
                            .filter_map(|v| v.parse().ok())
                            .collect(),
                        v6: values(RecordType::AAAA)
                            .iter()
                            .filter_map(|v| v.parse().ok())
                            .collect(),
                        at: place,
                    });
                }
                RecordType::TXT => {
                    let v = r.value.as_str();
                    if v.starts_with("v=spf1") {
                        let addresses = server_ips
                            .iter()
                            .filter(|ip| {
                                let term = if ip.is_ipv4() {
                                    format!("ip4:{ip}")
                                } else {
                                    format!("ip6:{ip}")
                                };
                                v.split(' ').any(|t| t == term)
                            })
                            .copied()
                            .collect();
                        let (spf_at, all_at) = if r.name == host {
                            (server_at(false), server_at(false))
                        } else {
                            (
                                loc(zone, &["spf", "mechanisms"]),
                                loc(zone, &["spf", "all"]),
                            )
                        };
                        jobs.push(Job::Spf {
                            domain: zone.to_string(),
                            name: r.name.clone(),
                            expected: r.value.clone(),
                            addresses,
                            helo: host.to_owned(),
                            at: spf_at,
                            at_all: all_at,
                        });
                    } else if r.name.contains("._report._dmarc.") {
                        let source = r.name.split("._report._dmarc.").next().unwrap_or_default();
                        jobs.push(Job::ReportAuth {
                            domain: zone.to_string(),
                            name: r.name.clone(),
                            at: loc(source, &["dmarc", "rua"]),
                        });
                    } else if r.name.starts_with("_dmarc.") {
                        for (key, public) in keys_of.get(zone).into_iter().flatten().copied() {
                            jobs.push(Job::Dkim {
                                domain: zone.to_string(),
                                selector: key.selector.clone(),
                                expected: public.as_ref().ok().cloned(),
                                at: loc(zone, &["dkim", "selectors"])
                                    .or_else(|| at.key("dkim.selector")),
                            });
                        }
                        let alias = primary_of.contains_key(zone);
                        let parked = parked.contains(zone);
                        let dmarc_at = |key: &str| {
                            if parked {
                                loc(zone, &["parked"])
                            } else {
                                loc(zone, &["dmarc", key])
                            }
                        };
                        jobs.push(Job::Dmarc {
                            domain: zone.to_string(),
                            expected: r.value.clone(),
                            at: DmarcAt {
                                record: if alias { loc(zone, &[]) } else { dmarc_at("") },
                                policy: dmarc_at("policy"),
                                subdomain: dmarc_at("subdomain_policy"),
                                alignment: dmarc_at("adkim"),
                                reports: dmarc_at("rua"),
                            },
                        });
                    } else if r.name.starts_with("_mta-sts.") {
                        jobs.push(Job::MtaSts {
                            domain: zone.to_string(),
                            expected: r.value.clone(),
                            at: loc(zone, &["mta_sts"]),
                        });
                    } else if r.name.starts_with("_smtp._tls.") {
                        jobs.push(Job::TlsRpt {
                            domain: zone.to_string(),
                            expected: r.value.clone(),
                            at: loc(zone, &["tls_rpt", "rua"]),
                        });
                    }
                }
                RecordType::SRV => {
                    if offers_clients {
                        jobs.push(Job::Set {
                            domain: zone.to_string(),
                            name: r.name.clone(),
                            rtype: RecordType::SRV,
                            check: "srv",
                            expected: values(RecordType::SRV),
                            at: at.first(&["server.services".into(), "server".into()]),
                        });
                    }
                }
                RecordType::CAA => jobs.push(Job::Caa {
                    domain: zone.to_string(),
                    issuers: spec.dns.caa_issuers.clone(),
                    at: at.first(&["dns.caa_issuers".into(), "dns".into()]),
                }),
                RecordType::TLSA => {
                    // Without a certificate `mailctl dns` lists only the next
                    // key's record (if any): the first value is the current
                    // one only when the certificate exists.
                    let mut values = values(RecordType::TLSA).into_iter();
                    let current = if std::path::Path::new(&spec.tls.cert_file).exists() {
                        values.next()
                    } else {
                        None
                    };
                    jobs.push(Job::Tlsa {
                        domain: zone.to_string(),
                        name: r.name.clone(),
                        current,
                        next: values.next(),
                        at: at.first(&["dns.tlsa".into(), "dns".into()]),
                    });
                }
                RecordType::PTR => {}
            }
        }
        for advice in advice_of.get(zone).into_iter().flatten() {
            let Some(record) = &advice.record else {
                continue;
            };
            match record.rtype {
                RecordType::PTR => {
                    if let Some(ip) = server_ips
                        .iter()
                        .find(|ip| crate::dns::records::reverse_name(**ip) == record.name)
                    {
                        jobs.push(Job::Ptr {
                            domain: zone.to_string(),
                            ip: *ip,
                            host: host.to_owned(),
                            at: server_at(ip.is_ipv6()),
                        });
                    }
                }
                RecordType::TXT if record.name.contains("._report._dmarc.") => {
                    jobs.push(Job::ReportAuth {
                        domain: zone.to_string(),
                        name: record.name.clone(),
                        at: loc(zone, &["dmarc", "rua"]),
                    });
                }
                _ => {}
            }
        }
    }
    Plan { jobs }
}

/// Jobs running at once. The resolver bounds the queries in flight; this
/// bounds the jobs waiting on them, so that a spec of thousands of zones does
/// not hold every job's future (and its partial findings) in memory at once.
/// A few times the default query concurrency keeps the resolver busy.
const JOBS_IN_FLIGHT: usize = 256;

/// Run every job, at most `concurrency` queries in flight (bounded by the
/// resolver), and return the findings in plan order, grouped by zone.
pub async fn run(plan: Plan, resolver: Arc<dyn Resolve>) -> Vec<Finding> {
    let count = plan.jobs.len();
    let mut pending = plan.jobs.into_iter().enumerate();
    let mut results: Vec<Vec<Finding>> = vec![Vec::new(); count];
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.len() < JOBS_IN_FLIGHT {
            let Some((i, job)) = pending.next() else {
                break;
            };
            let resolver = Arc::clone(&resolver);
            tasks.spawn(async move { (i, run_job(job, resolver.as_ref()).await) });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        let (i, findings) = done.expect("a check task panicked");
        results[i] = findings;
    }
    let findings: Vec<Finding> = results.into_iter().flatten().collect();
    // Group by zone, in first-seen order, keeping each zone's own order
    // (the sort is stable). A map from zone to rank keeps this linear in
    // the number of findings.
    let mut zones: HashMap<&str, usize> = HashMap::new();
    let rank: Vec<usize> = findings
        .iter()
        .map(|f| {
            let next = zones.len();
            *zones.entry(f.domain.as_str()).or_insert(next)
        })
        .collect();
    drop(zones);
    let mut ranked: Vec<(usize, Finding)> = rank.into_iter().zip(findings).collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, f)| f).collect()
}

/// A problem found walking an SPF tree: (a lookup failed, what).
type Problem = (bool, String);

/// What one job yields, boxed so that the jobs can recurse and spawn.
type JobFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Vec<Finding>> + Send + 'a>>;

fn run_job(job: Job, r: &dyn Resolve) -> JobFuture<'_> {
    Box::pin(async move {
        match job {
            Job::Mx {
                domain,
                expected,
                at,
            } => mx(r, domain, expected, at.as_ref()).await,
            Job::Addresses {
                domain,
                name,
                check,
                v4,
                v6,
                at,
            } => addresses(r, domain, name, check, &v4, &v6, at.as_ref()).await,
            Job::Spf {
                domain,
                name,
                expected,
                addresses,
                helo,
                at,
                at_all,
            } => {
                spf_checks(
                    r,
                    domain,
                    name,
                    &expected,
                    &addresses,
                    &helo,
                    at.as_ref(),
                    at_all.as_ref(),
                )
                .await
            }
            Job::Dkim {
                domain,
                selector,
                expected,
                at,
            } => dkim(r, domain, &selector, expected.as_ref(), at.as_ref()).await,
            Job::Dmarc {
                domain,
                expected,
                at,
            } => dmarc(r, domain, &expected, &at).await,
            Job::ReportAuth { domain, name, at } => report_auth(r, domain, name, at.as_ref()).await,
            Job::MtaSts {
                domain,
                expected,
                at,
            } => mta_sts(r, domain, &expected, at.as_ref()).await,
            Job::TlsRpt {
                domain,
                expected,
                at,
            } => tls_rpt(r, domain, &expected, at.as_ref()).await,
            Job::Set {
                domain,
                name,
                rtype,
                check,
                expected,
                at,
            } => set_check(r, domain, name, rtype, check, expected, at.as_ref()).await,
            Job::Caa {
                domain,
                issuers,
                at,
            } => caa(r, domain, &issuers, at.as_ref()).await,
            Job::Tlsa {
                domain,
                name,
                current,
                next,
                at,
            } => tlsa(r, domain, name, current, next, at.as_ref()).await,
            Job::Ptr {
                domain,
                ip,
                host,
                at,
            } => ptr(r, domain, ip, &host, at.as_ref()).await,
        }
    })
}

/// The records, or the lookup-failed finding. NXDOMAIN is no records.
async fn fetch(
    r: &dyn Resolve,
    s: &Subject,
    qtype: QueryType,
    check: &'static str,
    expected: &str,
) -> Result<Vec<Rdata>, Finding> {
    match r.query(&s.name, qtype).await {
        Ok(list) => Ok(list),
        Err(LookupError::NxDomain) => Ok(Vec::new()),
        Err(e) => Err(s
            .finding(check, Status::LookupFailed, format!("{} lookup for {} failed: {e}", qtype.name(), s.name), expected, &e.to_string())
            .hint("check that the name server answers for this zone (`--nameserver`), and try a longer `--timeout`")),
    }
}

fn txts(list: &[Rdata]) -> Vec<String> {
    list.iter().filter_map(Rdata::txt_joined).collect()
}

fn show(list: &[String]) -> String {
    if list.is_empty() {
        "(none)".to_owned()
    } else {
        list.join(" | ")
    }
}

fn present(rdata: &Rdata) -> String {
    match rdata {
        Rdata::A(a) => a.to_string(),
        Rdata::Aaaa(a) => a.to_string(),
        Rdata::Mx {
            preference,
            exchange,
        } => format!("{preference} {exchange}."),
        Rdata::Txt(_) => rdata.txt_joined().unwrap_or_default(),
        Rdata::Ptr(name) => format!("{name}."),
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => {
            if target.is_empty() {
                format!("{priority} {weight} {port} .")
            } else {
                format!("{priority} {weight} {port} {target}.")
            }
        }
        Rdata::Caa { flags, tag, value } => format!("{flags} {tag} \"{value}\""),
        Rdata::Tlsa {
            usage,
            selector,
            matching,
            data,
        } => {
            use std::fmt::Write as _;
            let mut s = format!("{usage} {selector} {matching} ");
            for b in data {
                let _ = write!(s, "{b:02x}");
            }
            s
        }
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

async fn mx(
    r: &dyn Resolve,
    domain: String,
    expected: Vec<String>,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        name: domain.clone(),
        domain,
        rtype: RecordType::MX,
    };
    let want = sorted(expected.iter().map(|v| v.to_ascii_lowercase()).collect());
    let shown = want.join(", ");
    let list = match fetch(r, &s, QueryType::Mx, "mx", &shown).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let got = sorted(list.iter().map(present).collect());
    let mut out = Vec::new();
    if got == want {
        out.push(
            s.finding(
                "mx",
                Status::Pass,
                format!("MX of {}: {shown}", s.name),
                &shown,
                &got.join(", "),
            )
            .at(at),
        );
    } else {
        out.push(
            s.finding("mx", Status::Fail, format!("MX of {} differs from the spec", s.name), &shown, &show(&got))
                .hint("publish exactly the MX records `mailctl dns` lists; mail goes to the wrong host or nowhere")
                .at(at),
        );
    }
    for record in &list {
        let Rdata::Mx { exchange, .. } = record else {
            continue;
        };
        if exchange.is_empty() {
            continue;
        }
        let host = Subject {
            domain: s.domain.clone(),
            name: exchange.clone(),
            rtype: RecordType::A,
        };
        let resolved = match r.query(exchange, QueryType::A).await {
            Ok(a) if !a.is_empty() => Ok(true),
            Ok(_) | Err(LookupError::NxDomain) => match r.query(exchange, QueryType::Aaaa).await {
                Ok(a) => Ok(!a.is_empty()),
                Err(LookupError::NxDomain) => Ok(false),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        out.push(
            match resolved {
                Ok(true) => host.finding(
                    "mx-host-resolves",
                    Status::Pass,
                    format!("MX host {exchange} resolves"),
                    "an A or AAAA record",
                    "resolves",
                ),
                Ok(false) => host
                    .finding(
                        "mx-host-resolves",
                        Status::Fail,
                        format!("MX host {exchange} has no address"),
                        "an A or AAAA record",
                        "(none)",
                    )
                    .hint(
                        "an MX must name a host with A/AAAA records (not a CNAME, not an address)",
                    ),
                Err(e) => host.finding(
                    "mx-host-resolves",
                    Status::LookupFailed,
                    format!("address lookup for MX host {exchange} failed: {e}"),
                    "an A or AAAA record",
                    &e.to_string(),
                ),
            }
            .at(at),
        );
    }
    out
}

async fn addresses(
    r: &dyn Resolve,
    domain: String,
    name: String,
    check: &'static str,
    v4: &[Ipv4Addr],
    v6: &[Ipv6Addr],
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let wants: [(RecordType, QueryType, Vec<String>); 2] = [
        (
            RecordType::A,
            QueryType::A,
            v4.iter().map(ToString::to_string).collect(),
        ),
        (
            RecordType::AAAA,
            QueryType::Aaaa,
            v6.iter().map(ToString::to_string).collect(),
        ),
    ];
    for (rtype, qtype, want) in wants {
        if want.is_empty() {
            continue;
        }
        let s = Subject {
            domain: domain.clone(),
            name: name.clone(),
            rtype,
        };
        let want = sorted(want);
        let shown = want.join(", ");
        match fetch(r, &s, qtype, check, &shown).await {
            Err(f) => out.push(f.at(at)),
            Ok(list) => {
                let got = sorted(list.iter().map(present).collect());
                out.push(
                    if got == want {
                        s.finding(
                            check,
                            Status::Pass,
                            format!("{} of {name}: {shown}", rtype.name()),
                            &shown,
                            &shown,
                        )
                    } else {
                        s.finding(
                            check,
                            Status::Fail,
                            format!("{} of {name} differs from the spec", rtype.name()),
                            &shown,
                            &show(&got),
                        )
                        .hint("publish the server's addresses from the spec (`mailctl dns`)")
                    }
                    .at(at),
                );
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn spf_checks(
    r: &dyn Resolve,
    domain: String,
    name: String,
    expected: &str,
    addresses: &[IpAddr],
    helo: &str,
    at: Option<&Arc<Location>>,
    at_all: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let mut out = Vec::new();
    let list = match fetch(r, &s, QueryType::Txt, "spf-record", expected).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let spf_records: Vec<&Rdata> = list
        .iter()
        .filter(|rd| rd.txt_joined().is_some_and(|t| spf::is_spf(&t)))
        .collect();
    let texts: Vec<String> = spf_records
        .iter()
        .filter_map(|rd| rd.txt_joined())
        .collect();
    let [record] = spf_records.as_slice() else {
        let message = if texts.is_empty() {
            format!("no SPF record at {name}")
        } else {
            format!(
                "{} SPF records at {name}; receivers treat that as permerror",
                texts.len()
            )
        };
        out.push(s.finding("spf-record", Status::Fail, message, expected, &show(&texts))
            .hint("publish exactly one TXT record starting with `v=spf1`, the one `mailctl dns` lists").at(at));
        return out;
    };
    let text = record.txt_joined().unwrap_or_default();
    out.push(
        s.finding(
            "spf-record",
            Status::Pass,
            format!("one SPF record at {name}"),
            expected,
            &text,
        )
        .at(at),
    );

    if let Rdata::Txt(strings) = record
        && (strings.iter().any(|p| p.len() > 255) || text.len() > 450)
    {
        out.push(
            s.finding(
                "spf-length",
                Status::Warning,
                format!("the SPF record at {name} is {} bytes", text.len()),
                "strings of at most 255 bytes, a record under 450 bytes",
                &text,
            )
            .hint("long records may not fit a UDP answer; use fewer terms (RFC 7208 §3.4)")
            .at(at),
        );
    }
    let parsed = match spf::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            out.push(s.finding("spf-syntax", Status::Fail, format!("the SPF record at {name} is invalid: {e}"), expected, &text)
                .hint("receivers treat an invalid record as permerror: publish the record `mailctl dns` lists").at(at));
            return out;
        }
    };
    out.push(
        s.finding(
            "spf-syntax",
            Status::Pass,
            format!("the SPF record at {name} parses"),
            "valid SPF",
            &text,
        )
        .at(at),
    );

    let cost = spf::cost(r, &name, &parsed).await;
    let (failed, problems): (Vec<&Problem>, Vec<&Problem>) =
        cost.problems.iter().partition(|(failure, _)| *failure);
    if let Some((_, e)) = failed.first() {
        out.push(
            s.finding(
                "spf-includes",
                Status::LookupFailed,
                format!("cannot follow the SPF record at {name}: {e}"),
                "every include resolvable",
                e,
            )
            .at(at),
        );
    } else if problems.is_empty() {
        out.push(
            s.finding(
                "spf-includes",
                Status::Pass,
                format!("every include of {name} has one valid SPF record"),
                "one valid record per include",
                "ok",
            )
            .at(at),
        );
    } else {
        let all: Vec<&str> = problems.iter().map(|(_, p)| p.as_str()).collect();
        out.push(
            s.finding(
                "spf-includes",
                Status::Fail,
                format!("an include of {name} is broken: {}", all[0]),
                "one valid record per include",
                &all.join("; "),
            )
            .hint("receivers give permerror for the whole record: fix or remove the include")
            .at(at),
        );
    }
    let lookups = format!("{} DNS-querying terms", cost.lookups);
    out.push(if cost.lookups > spf::LOOKUP_LIMIT {
        s.finding("spf-lookups", Status::Fail, format!("the SPF record at {name} needs {} DNS-querying terms; RFC 7208 allows {}", cost.lookups, spf::LOOKUP_LIMIT), "at most 10", &lookups)
            .hint("receivers give permerror: flatten includes into ip4:/ip6: terms, or drop includes you no longer use")
    } else {
        s.finding("spf-lookups", Status::Pass, format!("the SPF record at {name} needs {lookups}"), "at most 10", &lookups)
    }.at(at));
    let voids = format!("{} void lookups", cost.voids);
    out.push(if cost.voids > spf::VOID_LIMIT {
        s.finding("spf-void-lookups", Status::Fail, format!("the SPF record at {name} has {} lookups that return nothing; RFC 7208 allows {}", cost.voids, spf::VOID_LIMIT), "at most 2", &voids)
            .hint("remove terms that name hosts or domains that no longer exist")
    } else {
        s.finding("spf-void-lookups", Status::Pass, format!("the SPF record at {name} has {voids}"), "at most 2", &voids)
    }.at(at));

    for ip in addresses {
        let sender = format!("postmaster@{name}");
        let eval = spf::check_host(
            r,
            &spf::Query {
                ip: *ip,
                sender: &sender,
                helo,
            },
        )
        .await;
        let found = format!("{} ({})", eval.result, eval.reason);
        out.push(match eval.result {
            SpfResult::Pass => s.finding("spf-pass", Status::Pass, format!("{ip} passes SPF for {name}"), "pass", &found),
            SpfResult::TempError => s.finding("spf-pass", Status::LookupFailed, format!("SPF for {ip} at {name} could not be evaluated"), "pass", &found),
            _ => s.finding("spf-pass", Status::Fail, format!("{ip} does not pass SPF for {name}: {}", eval.result), "pass", &found)
                .hint(format!("the server's own address must pass: add `ip{}:{ip}` (the record `mailctl dns` lists has it)", if ip.is_ipv4() { 4 } else { 6 })),
        }.at(at));
    }

    let want_all = spf::parse(expected)
        .ok()
        .and_then(|e| e.all())
        .map_or("-all".to_owned(), |q| format!("{}all", q.symbol()));
    let got_all = match (parsed.all(), &parsed.redirect) {
        (Some(q), _) => format!("{}all", q.symbol()),
        (None, Some(_)) => "no `all` (a redirect decides)".to_owned(),
        (None, None) => "no `all` (neutral by default)".to_owned(),
    };
    out.push(if got_all == want_all {
        s.finding("spf-all", Status::Pass, format!("SPF at {name} ends with {want_all}"), &want_all, &got_all)
    } else {
        s.finding("spf-all", Status::Fail, format!("SPF at {name} ends with {got_all}, the spec says {want_all}"), &want_all, &got_all)
            .hint("the `all` term says what receivers do with mail from other hosts; publish the spec's")
    }.at(at_all));

    if parsed.has_ptr() {
        out.push(
            s.finding(
                "spf-ptr",
                Status::Warning,
                format!("the SPF record at {name} uses `ptr`"),
                "no `ptr`",
                &text,
            )
            .hint("RFC 7208 §5.5: `ptr` is slow and unreliable; use `ip4:`, `ip6:`, `a` or `mx`")
            .at(at),
        );
    }
    if let Some(q @ (spf::Qualifier::Pass | spf::Qualifier::Neutral)) = parsed.all() {
        out.push(
            s.finding(
                "spf-permissive-all",
                Status::Warning,
                format!("the SPF record at {name} ends with `{}all`", q.symbol()),
                "`-all` or `~all`",
                &text,
            )
            .hint("with `+all` or `?all` anyone can send as this domain without SPF failing")
            .at(at_all),
        );
    }
    out
}

async fn dkim(
    r: &dyn Resolve,
    domain: String,
    selector: &str,
    expected: Option<&PublicKey>,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let name = format!("{selector}._domainkey.{domain}");
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let want = expected.map_or_else(|| "a DKIM key record".to_owned(), PublicKey::txt);
    let list = match fetch(r, &s, QueryType::Txt, "dkim-record", &want).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let texts = txts(&list);
    let mut out = Vec::new();
    let [text] = texts.as_slice() else {
        let message = if texts.is_empty() {
            format!("no DKIM record for selector `{selector}`")
        } else {
            format!("{} TXT records for selector `{selector}`", texts.len())
        };
        out.push(s.finding("dkim-record", Status::Fail, message, &want, &show(&texts))
            .hint("publish the record `mailctl dkim show` prints; without it receivers cannot verify signatures").at(at));
        return out;
    };
    out.push(
        s.finding(
            "dkim-record",
            Status::Pass,
            format!("a DKIM record for selector `{selector}`"),
            &want,
            text,
        )
        .at(at),
    );
    let record = match tags::parse_dkim(text) {
        Ok(rec) => rec,
        Err(e) => {
            out.push(
                s.finding(
                    "dkim-syntax",
                    Status::Fail,
                    format!("the DKIM record for `{selector}` is invalid: {e}"),
                    &want,
                    text,
                )
                .hint("publish the record `mailctl dkim show` prints")
                .at(at),
            );
            return out;
        }
    };
    out.push(
        s.finding(
            "dkim-syntax",
            Status::Pass,
            format!("the DKIM record for `{selector}` parses"),
            "valid tags",
            text,
        )
        .at(at),
    );
    if record.p.is_empty() {
        out.push(
            s.finding(
                "dkim-revoked",
                Status::Fail,
                format!("the DKIM key for `{selector}` is revoked (empty `p=`)"),
                &want,
                text,
            )
            .hint("an empty `p=` revokes the key: every signature with this selector fails")
            .at(at),
        );
        return out;
    }
    if let Some(key) = expected {
        let same = STANDARD.decode(&record.p).ok().as_deref()
            == STANDARD.decode(key.p_value()).ok().as_deref()
            && record.key_type == key.key_type();
        out.push(if same {
            s.finding("dkim-key", Status::Pass, format!("the DKIM key for `{selector}` is the local key"), &want, text)
        } else {
            s.finding("dkim-key", Status::Fail, format!("the DKIM key for `{selector}` is not the local key"), &want, text)
                .hint("signatures made with the local key fail: publish the record `mailctl dkim show` prints")
        }.at(at));
    }
    if record.flags.iter().any(|f| f == "y") {
        out.push(s.finding("dkim-testing", Status::Warning, format!("the DKIM key for `{selector}` is in test mode (`t=y`)"), "no `t=y`", text)
            .hint("receivers may ignore failed signatures in test mode; remove `t=y` once signing works").at(at));
    }
    if record.key_type == "rsa"
        && let Some(bits) = rsa_bits(&record.p)
        && bits < 2048
    {
        out.push(
            s.finding(
                "dkim-weak-key",
                Status::Warning,
                format!("the DKIM key for `{selector}` is RSA {bits}"),
                "RSA 2048 bits or more",
                text,
            )
            .hint("rotate to a new selector with `mailctl dkim keygen` (RSA 2048, 3072 or Ed25519)")
            .at(at),
        );
    }
    out
}

fn rsa_bits(p: &str) -> Option<usize> {
    use rsa::pkcs8::DecodePublicKey as _;
    use rsa::traits::PublicKeyParts as _;
    let der = STANDARD.decode(p).ok()?;
    let key = rsa::RsaPublicKey::from_public_key_der(&der)
        .ok()
        .or_else(|| {
            use rsa::pkcs1::DecodeRsaPublicKey as _;
            rsa::RsaPublicKey::from_pkcs1_der(&der).ok()
        })?;
    Some(key.n().bits())
}

/// The report addresses of `rua`/`ruf`, normalised for comparison.
fn report_uris(record: &tags::DmarcRecord, tag: &str) -> Vec<String> {
    sorted(
        record
            .uris(tag)
            .iter()
            .map(|u| u.split('!').next().unwrap_or_default().to_ascii_lowercase())
            .collect(),
    )
}

async fn dmarc(r: &dyn Resolve, domain: String, expected: &str, at: &DmarcAt) -> Vec<Finding> {
    let name = format!("_dmarc.{domain}");
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let list = match fetch(r, &s, QueryType::Txt, "dmarc-record", expected).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at.record.as_ref())],
    };
    let texts = txts(&list);
    let dmarc: Vec<&String> = texts
        .iter()
        .filter(|t| t.trim_start().starts_with("v=DMARC1"))
        .collect();
    let mut out = Vec::new();
    let [text] = dmarc.as_slice() else {
        let (message, hint) = if dmarc.is_empty() && texts.iter().any(|t| t.contains("DMARC1")) {
            (
                format!("no record at {name} starts with `v=DMARC1`"),
                "`v=DMARC1` must be the first tag; receivers ignore the record otherwise",
            )
        } else if dmarc.is_empty() {
            (
                format!("no DMARC record at {name}"),
                "publish the record `mailctl dns` lists",
            )
        } else {
            (
                format!(
                    "{} DMARC records at {name}; receivers then apply none",
                    dmarc.len()
                ),
                "keep exactly one `v=DMARC1` record",
            )
        };
        out.push(
            s.finding(
                "dmarc-record",
                Status::Fail,
                message,
                expected,
                &show(&texts),
            )
            .hint(hint)
            .at(at.record.as_ref()),
        );
        return out;
    };
    out.push(
        s.finding(
            "dmarc-record",
            Status::Pass,
            format!("one DMARC record at {name}"),
            expected,
            text,
        )
        .at(at.record.as_ref()),
    );
    let published = tags::parse_dmarc(text);
    let wanted = tags::parse_dmarc(expected);
    if published.errors.is_empty() {
        out.push(
            s.finding(
                "dmarc-syntax",
                Status::Pass,
                format!("the DMARC record at {name} parses"),
                "valid tags",
                text,
            )
            .at(at.record.as_ref()),
        );
    } else {
        out.push(
            s.finding(
                "dmarc-syntax",
                Status::Fail,
                format!(
                    "the DMARC record at {name} is invalid: {}",
                    published.errors.join("; ")
                ),
                expected,
                text,
            )
            .hint("receivers may ignore an invalid record: publish the record `mailctl dns` lists")
            .at(at.record.as_ref()),
        );
    }
    if !published.unknown.is_empty() {
        out.push(
            s.finding(
                "dmarc-unknown-tag",
                Status::Warning,
                format!(
                    "the DMARC record at {name} has tags RFC 9989 does not define: {}",
                    published.unknown.join(", ")
                ),
                expected,
                text,
            )
            .hint("receivers ignore unknown tags; check for typos")
            .at(at.record.as_ref()),
        );
    }
    if !published.removed.is_empty() {
        out.push(
            s.finding(
                "dmarc-removed-tag",
                Status::Warning,
                format!(
                    "the DMARC record at {name} uses tags RFC 9989 removed: {}",
                    published.removed.join(", ")
                ),
                expected,
                text,
            )
            .hint("receivers ignore `pct`, `rf` and `ri` now; `pct` no longer limits the policy")
            .at(at.record.as_ref()),
        );
    }
    let effective = |rec: &tags::DmarcRecord| {
        let p = rec.get("p").unwrap_or("none").to_owned();
        let sp = rec.get("sp").map_or_else(|| p.clone(), str::to_owned);
        let np = rec.get("np").map_or_else(|| sp.clone(), str::to_owned);
        let adkim = rec.get("adkim").unwrap_or("r").to_owned();
        let aspf = rec.get("aspf").unwrap_or("r").to_owned();
        (p, sp, np, adkim, aspf)
    };
    let (p1, sp1, np1, ad1, as1) = effective(&wanted);
    let (p2, sp2, np2, ad2, as2) = effective(&published);
    let compare = |check: &'static str,
                   what: &str,
                   want: String,
                   got: String,
                   at: Option<&Arc<Location>>,
                   hint: &str| {
        if want == got {
            s.finding(
                check,
                Status::Pass,
                format!("DMARC {what} at {name}: {want}"),
                &want,
                &got,
            )
            .at(at)
        } else {
            s.finding(
                check,
                Status::Fail,
                format!("DMARC {what} at {name} is {got}, the spec says {want}"),
                &want,
                &got,
            )
            .hint(hint)
            .at(at)
        }
    };
    out.push(compare(
        "dmarc-policy",
        "policy",
        format!("p={p1}"),
        format!("p={p2}"),
        at.policy.as_ref(),
        "publish the spec's policy; a weaker one lets forged mail through",
    ));
    // `sp` and `np` are compared when either record sets them: when neither
    // does, they follow `p`, which `dmarc-policy` compares.
    let explicit = |tag: &str| wanted.get(tag).is_some() || published.get(tag).is_some();
    let (want_sub, got_sub) = match (explicit("sp"), explicit("np")) {
        (false, false) => (String::from("sp, np: as p"), String::from("sp, np: as p")),
        (true, false) => (format!("sp={sp1}"), format!("sp={sp2}")),
        (false, true) => (format!("np={np1}"), format!("np={np2}")),
        (true, true) => (format!("sp={sp1} np={np1}"), format!("sp={sp2} np={np2}")),
    };
    out.push(compare(
        "dmarc-subdomain-policy",
        "subdomain policy",
        want_sub,
        got_sub,
        at.subdomain.as_ref(),
        "publish the spec's `sp=`/`np=` (`sp` defaults to `p`, `np` to `sp`)",
    ));
    out.push(compare(
        "dmarc-alignment",
        "alignment",
        format!("adkim={ad1} aspf={as1}"),
        format!("adkim={ad2} aspf={as2}"),
        at.alignment.as_ref(),
        "publish the spec's `adkim=`/`aspf=` (default `r`)",
    ));
    let reports = |rec: &tags::DmarcRecord| {
        format!(
            "rua={} ruf={}",
            report_uris(rec, "rua").join(","),
            report_uris(rec, "ruf").join(",")
        )
    };
    out.push(compare(
        "dmarc-reports",
        "report addresses",
        reports(&wanted),
        reports(&published),
        at.reports.as_ref(),
        "publish the spec's `rua=`/`ruf=`; reports go elsewhere or nowhere",
    ));
    out
}

async fn report_auth(
    r: &dyn Resolve,
    domain: String,
    name: String,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let list = match fetch(r, &s, QueryType::Txt, "dmarc-report-auth", "v=DMARC1").await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let texts = txts(&list);
    vec![if texts.iter().any(|t| t.trim_start().starts_with("v=DMARC1")) {
        s.finding("dmarc-report-auth", Status::Pass, format!("{name} authorises the reports"), "v=DMARC1", &show(&texts))
    } else {
        s.finding("dmarc-report-auth", Status::Fail, format!("no report authorisation at {name}"), "v=DMARC1", &show(&texts))
            .hint("receivers send no reports to another domain unless it publishes this record (RFC 9989 §3.3.1)")
    }.at(at)]
}

/// A TXT record that must be there exactly once, told by its version tag
/// (`v=STSv1`, `v=TLSRPTv1`).
struct OnlyRecord {
    check: &'static str,
    /// What the messages call it.
    kind: &'static str,
    version: &'static str,
}

impl OnlyRecord {
    /// The finding: passing, with the one record; failing, with none, when
    /// there is no such record or more than one.
    fn find<'t>(
        &self,
        s: &Subject,
        texts: &'t [String],
        expected: &str,
    ) -> (Option<&'t String>, Finding) {
        let found: Vec<&String> = texts
            .iter()
            .filter(|t| t.starts_with(self.version))
            .collect();
        let (check, kind, name) = (self.check, self.kind, &s.name);
        if let [text] = found.as_slice() {
            let pass = format!("one {kind} record at {name}");
            return (
                Some(text),
                s.finding(check, Status::Pass, pass, expected, text),
            );
        }
        let fail = format!("{} {kind} records at {name}", found.len());
        let hint = format!(
            "publish exactly one `{}` record, the one `mailctl dns` lists",
            self.version
        );
        (
            None,
            s.finding(check, Status::Fail, fail, expected, &show(texts))
                .hint(hint),
        )
    }
}

/// The value of tag `name` in a `tag=value; ...` record.
fn tag(text: &str, name: &str) -> Option<String> {
    tags::parse_tags(text)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

async fn mta_sts(
    r: &dyn Resolve,
    domain: String,
    expected: &str,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let name = format!("_mta-sts.{domain}");
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let list = match fetch(r, &s, QueryType::Txt, "mta-sts-record", expected).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let texts = txts(&list);
    let only = OnlyRecord {
        check: "mta-sts-record",
        kind: "MTA-STS",
        version: "v=STSv1",
    };
    let (text, found) = only.find(&s, &texts, expected);
    let mut out = vec![found.at(at)];
    let Some(text) = text else {
        return out;
    };
    let want = tag(expected, "id").unwrap_or_default();
    let got = tag(text, "id");
    out.push(match got {
        Some(got) if got == want => s.finding("mta-sts-id", Status::Pass, format!("the MTA-STS id at {name} is the current policy's"), &format!("id={want}"), &format!("id={got}")),
        got => s.finding("mta-sts-id", Status::Fail, format!("the MTA-STS id at {name} is not the current policy's"), &format!("id={want}"), &got.map_or_else(|| (*text).clone(), |g| format!("id={g}")))
            .hint("senders fetch a changed policy only when the id changes: publish the id `mailctl dns` lists"),
    }.at(at));
    out
}

async fn tls_rpt(
    r: &dyn Resolve,
    domain: String,
    expected: &str,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let name = format!("_smtp._tls.{domain}");
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TXT,
    };
    let list = match fetch(r, &s, QueryType::Txt, "tls-rpt-record", expected).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let texts = txts(&list);
    let only = OnlyRecord {
        check: "tls-rpt-record",
        kind: "TLS-RPT",
        version: "v=TLSRPTv1",
    };
    let (text, found) = only.find(&s, &texts, expected);
    let mut out = vec![found.at(at)];
    let Some(text) = text else {
        return out;
    };
    let rua = |t: &str| {
        let list = tag(t, "rua").unwrap_or_default();
        sorted(
            list.split(',')
                .map(|u| u.trim().to_ascii_lowercase())
                .filter(|u| !u.is_empty())
                .collect(),
        )
        .join(",")
    };
    let (want, got) = (rua(expected), rua(text));
    out.push(
        if want == got {
            s.finding(
                "tls-rpt-rua",
                Status::Pass,
                format!("TLS-RPT reports at {name} go to {want}"),
                &want,
                &got,
            )
        } else {
            s.finding(
                "tls-rpt-rua",
                Status::Fail,
                format!("TLS-RPT reports at {name} go elsewhere than the spec says"),
                &want,
                &got,
            )
            .hint("publish the spec's `rua=`")
        }
        .at(at),
    );
    out
}

async fn set_check(
    r: &dyn Resolve,
    domain: String,
    name: String,
    rtype: RecordType,
    check: &'static str,
    expected: Vec<String>,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        domain,
        name: name.clone(),
        rtype,
    };
    let qtype = match rtype {
        RecordType::SRV => QueryType::Srv,
        _ => QueryType::Txt,
    };
    let want = sorted(expected.iter().map(|v| v.to_ascii_lowercase()).collect());
    let shown = want.join(", ");
    let list = match fetch(r, &s, qtype, check, &shown).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let got = sorted(
        list.iter()
            .map(|rd| present(rd).to_ascii_lowercase())
            .collect(),
    );
    vec![
        if got == want {
            s.finding(
                check,
                Status::Pass,
                format!("{} of {name}: {shown}", rtype.name()),
                &shown,
                &shown,
            )
        } else {
            s.finding(
                check,
                Status::Fail,
                format!("{} of {name} differs from the spec", rtype.name()),
                &shown,
                &show(&got),
            )
            .hint("publish the records `mailctl dns` lists")
        }
        .at(at),
    ]
}

async fn caa(
    r: &dyn Resolve,
    domain: String,
    issuers: &[String],
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        name: domain.clone(),
        domain,
        rtype: RecordType::CAA,
    };
    let want = issuers
        .iter()
        .map(|i| format!("issue \"{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let list = match fetch(r, &s, QueryType::Caa, "caa", &want).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let issue: Vec<String> = list
        .iter()
        .filter_map(|rd| match rd {
            Rdata::Caa { tag, value, .. } if tag.eq_ignore_ascii_case("issue") => Some(
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase(),
            ),
            _ => None,
        })
        .collect();
    let got = show(&list.iter().map(present).collect::<Vec<_>>());
    let missing: Vec<&String> = issuers
        .iter()
        .filter(|i| !issue.contains(&i.to_ascii_lowercase()))
        .collect();
    vec![if list.is_empty() {
        s.finding("caa", Status::Fail, format!("no CAA records at {}", s.name), &want, &got)
            .hint("without CAA any CA may issue certificates for the domain; publish the records `mailctl dns` lists")
    } else if missing.is_empty() {
        s.finding("caa", Status::Pass, format!("CAA at {} allows {}", s.name, issuers.join(", ")), &want, &got)
    } else {
        s.finding("caa", Status::Fail, format!("CAA at {} does not allow {}", s.name, missing.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")), &want, &got)
            .hint("the ACME CA will refuse to issue: add an `issue` record for it")
    }.at(at)]
}

async fn tlsa(
    r: &dyn Resolve,
    domain: String,
    name: String,
    current: Option<String>,
    next: Option<String>,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let s = Subject {
        domain,
        name: name.clone(),
        rtype: RecordType::TLSA,
    };
    let current = current.map(|v| v.to_ascii_lowercase());
    let next = next.map(|v| v.to_ascii_lowercase());
    let shown = current
        .iter()
        .chain(&next)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let list = match fetch(r, &s, QueryType::Tlsa, "tlsa", &shown).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let got: Vec<String> = list.iter().map(present).collect();
    let mut findings = Vec::new();
    if let Some(current) = current {
        findings.push(if got.contains(&current) {
            s.finding("tlsa", Status::Pass, format!("TLSA at {name} matches the current certificate's key"), &current, &show(&got))
        } else {
            s.finding("tlsa", Status::Fail, format!("no TLSA record at {name} matches the current certificate's key"), &current, &show(&got))
                .hint("DANE senders will refuse to deliver: publish the TLSA record `mailctl dns` lists before the certificate changes")
        }.at(at));
    }
    // `mailctl dns` lists the next key's record too (a rollover in
    // progress): it must be published before the key is switched in.
    if let Some(next) = next {
        findings.push(if got.contains(&next) {
            s.finding("tlsa-next", Status::Pass, format!("TLSA at {name} matches the next key"), &next, &show(&got))
        } else {
            s.finding("tlsa-next", Status::Fail, format!("no TLSA record at {name} matches the next key (next.pub.pem)"), &next, &show(&got))
                .hint("publish it now: once the certificate switches to that key, DANE senders refuse to deliver until its record is in DNS and cached")
        }.at(at));
    }
    findings
}

async fn ptr(
    r: &dyn Resolve,
    domain: String,
    ip: IpAddr,
    host: &str,
    at: Option<&Arc<Location>>,
) -> Vec<Finding> {
    let name = crate::dns::records::reverse_name(ip);
    let s = Subject {
        domain: domain.clone(),
        name: name.clone(),
        rtype: RecordType::PTR,
    };
    let want = format!("{host}.");
    let list = match fetch(r, &s, QueryType::Ptr, "ptr", &want).await {
        Ok(list) => list,
        Err(f) => return vec![f.at(at)],
    };
    let names: Vec<String> = list
        .iter()
        .filter_map(|rd| {
            if let Rdata::Ptr(n) = rd {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect();
    let shown = show(&names.iter().map(|n| format!("{n}.")).collect::<Vec<_>>());
    let mut out = Vec::new();
    if names.iter().any(|n| n == host) {
        out.push(
            s.finding(
                "ptr",
                Status::Pass,
                format!("the PTR of {ip} names {host}"),
                &want,
                &shown,
            )
            .at(at),
        );
    } else {
        out.push(s.finding("ptr", Status::Fail, format!("the PTR of {ip} does not name {host}"), &want, &shown)
            .hint("ask the owner of the address (your hosting provider) to set its reverse DNS to the mail host; many receivers refuse mail otherwise").at(at));
        return out;
    }
    let fwd = Subject {
        domain,
        name: host.to_owned(),
        rtype: if ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::AAAA
        },
    };
    let qtype = if ip.is_ipv4() {
        QueryType::A
    } else {
        QueryType::Aaaa
    };
    out.push(match fetch(r, &fwd, qtype, "fcrdns", &ip.to_string()).await {
        Err(f) => f,
        Ok(list) => {
            let got: Vec<String> = list.iter().map(present).collect();
            if got.contains(&ip.to_string()) {
                fwd.finding("fcrdns", Status::Pass, format!("{host} resolves back to {ip}"), &ip.to_string(), &show(&got))
            } else {
                fwd.finding("fcrdns", Status::Fail, format!("{host} does not resolve back to {ip}"), &ip.to_string(), &show(&got))
                    .hint("forward-confirmed reverse DNS needs the PTR name's A/AAAA to include the address")
            }
        }
    }.at(at));
    out
}

/// How a run ended, for the exit code and the summary.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub lookup_failures: usize,
    pub queries_sent: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], queries_sent: usize) -> Self {
        let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
        Summary {
            checks: findings.len(),
            passed: count(Status::Pass),
            failed: count(Status::Fail),
            warnings: count(Status::Warning),
            lookup_failures: count(Status::LookupFailed),
            queries_sent,
        }
    }
}

#[cfg(test)]
mod tests {

    /// The README's table of checks is this catalogue, row for row.
    #[test]
    fn the_readme_lists_every_check() {
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
        )
        .expect("README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|l| {
                l.starts_with("| `") && (l.contains("| error |") || l.contains("| warning |"))
            })
            .collect();
        for (id, severity, text) in super::CHECKS {
            let row = format!("| `{id}` | {severity} | {text} |");
            assert!(
                rows.contains(&row.as_str()),
                "README.md lacks the row\n{row}"
            );
        }
        assert_eq!(
            rows.len(),
            super::CHECKS.len(),
            "README.md lists checks that do not exist: {rows:#?}"
        );
    }
    use super::sanitize;

    #[test]
    fn sanitize_escapes_what_could_drive_a_terminal_and_keeps_the_rest() {
        assert_eq!(sanitize("v=spf1 -all ~!"), "v=spf1 -all ~!");
        assert_eq!(sanitize("a\x1b[2Jb\n\x7f"), "a\\u{1b}[2Jb\\n\\u{7f}");
        assert_eq!(sanitize("caf\u{e9}\u{202e}x"), "caf\u{e9}\\u{202e}x");
        assert_eq!(sanitize("tab\there"), "tab\\there");
    }
}

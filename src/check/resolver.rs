//! The resolver seam: `Resolve` is the one thing the checks and the SPF
//! evaluator ask DNS through. `HickoryResolver` asks real servers (hickory,
//! UDP with TCP fallback on truncation); `MemoryResolver` answers from zone
//! data held in memory (the RFC 7208 suite, unit tests). `Shared` sits in
//! front of either: it sends each distinct question once, however many
//! domains ask it (common SPF includes), bounds the queries in flight, and
//! counts what was sent.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore};

/// The record types the checks ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryType {
    A,
    Aaaa,
    Mx,
    Txt,
    Ptr,
    Srv,
    Caa,
    Tlsa,
}

impl QueryType {
    pub fn name(self) -> &'static str {
        match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Mx => "MX",
            QueryType::Txt => "TXT",
            QueryType::Ptr => "PTR",
            QueryType::Srv => "SRV",
            QueryType::Caa => "CAA",
            QueryType::Tlsa => "TLSA",
        }
    }
}

/// One record of an answer, in the form the checks compare. Names are
/// lower case, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rdata {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings, as sent (not joined, not decoded).
    Txt(Vec<Vec<u8>>),
    Ptr(String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Caa {
        flags: u8,
        tag: String,
        value: String,
    },
    Tlsa {
        usage: u8,
        selector: u8,
        matching: u8,
        data: Vec<u8>,
    },
}

impl Rdata {
    /// TXT strings joined without a separator (RFC 7208 §3.3, RFC 6376
    /// §3.6.2.2), lossily decoded for display and parsing.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            Rdata::Txt(strings) => Some(String::from_utf8_lossy(&strings.concat()).into_owned()),
            _ => None,
        }
    }
}

/// Why a question got no usable answer. `NxDomain` is an answer (the name
/// does not exist); the others are failures to get one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("the name does not exist (NXDOMAIN)")]
    NxDomain,
    #[error("the query timed out")]
    Timeout,
    #[error("the server failed (SERVFAIL)")]
    ServFail,
    #[error("the server refused the query (REFUSED)")]
    Refused,
    #[error("{0}")]
    Other(String),
}

impl LookupError {
    /// Whether this is a failure to get an answer (as opposed to NXDOMAIN).
    pub fn is_failure(&self) -> bool {
        !matches!(self, LookupError::NxDomain)
    }
}

/// Records of the asked type (empty: the name exists, with no such records).
pub type Answer = Result<Vec<Rdata>, LookupError>;

pub type AnswerFuture<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// Ask DNS one question. Implementations must be cheap to call
/// concurrently.
pub trait Resolve: Send + Sync {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a>;
}

/// One question, answered once, shared by everyone who asks it.
type Slot = Arc<OnceCell<Answer>>;

/// The single-flight cache and the bound on queries in flight.
pub struct Shared<R> {
    inner: R,
    slots: Mutex<HashMap<(String, QueryType), Slot>>,
    permits: Semaphore,
    sent: AtomicUsize,
}

impl<R: Resolve> Shared<R> {
    pub fn new(inner: R, concurrency: usize) -> Self {
        Shared {
            inner,
            slots: Mutex::new(HashMap::new()),
            permits: Semaphore::new(concurrency.max(1)),
            sent: AtomicUsize::new(0),
        }
    }

    /// Distinct questions sent (not counting the resolver's own retries).
    pub fn queries_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }
}

impl<R: Resolve> Resolve for Shared<R> {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a> {
        Box::pin(async move {
            let key = (name.trim_end_matches('.').to_ascii_lowercase(), qtype);
            let slot = {
                let mut slots = self.slots.lock().expect("slots lock");
                Arc::clone(slots.entry(key).or_default())
            };
            slot.get_or_init(|| async {
                let _permit = self.permits.acquire().await.expect("never closed");
                self.sent.fetch_add(1, Ordering::Relaxed);
                self.inner.query(name, qtype).await
            })
            .await
            .clone()
        })
    }
}

// ---------------------------------------------------------------------------
// Real DNS

/// hickory-resolver, on the tokio runtime the command started.
pub struct HickoryResolver {
    resolver: hickory_resolver::TokioResolver,
}

/// How to reach DNS.
#[derive(Debug, Clone)]
pub struct ResolverSettings {
    /// Empty: the system resolver (`/etc/resolv.conf`).
    pub nameservers: Vec<SocketAddr>,
    /// Per attempt; one retry follows a failed attempt.
    pub timeout: Duration,
    /// Queries in flight at most (`Shared` keeps the bound; the direct
    /// transport sizes itself by it).
    pub concurrency: usize,
}

impl HickoryResolver {
    pub fn new(settings: &ResolverSettings) -> Result<Self, LookupError> {
        use hickory_resolver::Resolver;
        use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
        use hickory_resolver::net::runtime::TokioRuntimeProvider;

        let mut builder = if settings.nameservers.is_empty() {
            Resolver::builder_tokio().map_err(|e| {
                LookupError::Other(format!(
                    "cannot read the system resolver configuration: {e}"
                ))
            })?
        } else {
            let servers = settings
                .nameservers
                .iter()
                .map(|address| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = address.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = address.port();
                    NameServerConfig::new(address.ip(), true, vec![udp, tcp])
                })
                .collect();
            Resolver::builder_with_config(
                ResolverConfig::from_name_servers(servers),
                TokioRuntimeProvider::default(),
            )
        };
        let options = builder.options_mut();
        options.timeout = settings.timeout;
        options.attempts = 1;
        // `Shared` caches; names are always absolute, so no search list.
        options.cache_size = 0;
        options.ndots = 0;
        options.preserve_intermediates = false;
        let resolver = builder
            .build()
            .map_err(|e| LookupError::Other(format!("cannot set up the resolver: {e}")))?;
        Ok(HickoryResolver { resolver })
    }
}

impl Resolve for HickoryResolver {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a> {
        use hickory_resolver::proto::op::ResponseCode;

        Box::pin(async move {
            let rtype = record_type(qtype);
            let fqdn = format!("{}.", name.trim_end_matches('.'));
            let lookup = match self.resolver.lookup(fqdn.as_str(), rtype).await {
                Ok(lookup) => lookup,
                Err(e) => {
                    use hickory_resolver::net::{DnsError, NetError};
                    return match &e {
                        _ if e.is_nx_domain() => Err(LookupError::NxDomain),
                        _ if e.is_no_records_found() => Ok(Vec::new()),
                        NetError::Timeout => Err(LookupError::Timeout),
                        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
                            Err(LookupError::ServFail)
                        }
                        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => {
                            Err(LookupError::Refused)
                        }
                        other => Err(LookupError::Other(other.to_string())),
                    };
                }
            };
            Ok(lookup
                .answers()
                .iter()
                .filter(|record| record.record_type() == rtype)
                .filter_map(|record| rdata(&record.data))
                .collect())
        })
    }
}

/// hickory's name for a record type.
pub(crate) fn record_type(qtype: QueryType) -> hickory_resolver::proto::rr::RecordType {
    use hickory_resolver::proto::rr::RecordType;
    match qtype {
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
        QueryType::Mx => RecordType::MX,
        QueryType::Txt => RecordType::TXT,
        QueryType::Ptr => RecordType::PTR,
        QueryType::Srv => RecordType::SRV,
        QueryType::Caa => RecordType::CAA,
        QueryType::Tlsa => RecordType::TLSA,
    }
}

/// A record's data in the form the checks compare (`None` for types they
/// never ask for).
pub(crate) fn rdata(data: &hickory_resolver::proto::rr::RData) -> Option<Rdata> {
    use hickory_resolver::proto::rr::RData;
    let name_of = |n: &hickory_resolver::proto::rr::Name| {
        n.to_ascii().trim_end_matches('.').to_ascii_lowercase()
    };
    Some(match data {
        RData::A(a) => Rdata::A(a.0),
        RData::AAAA(a) => Rdata::Aaaa(a.0),
        RData::MX(mx) => Rdata::Mx {
            preference: mx.preference,
            exchange: name_of(&mx.exchange),
        },
        RData::TXT(txt) => Rdata::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
        RData::PTR(ptr) => Rdata::Ptr(name_of(&ptr.0)),
        RData::SRV(srv) => Rdata::Srv {
            priority: srv.priority,
            weight: srv.weight,
            port: srv.port,
            target: name_of(&srv.target),
        },
        RData::CAA(caa) => Rdata::Caa {
            flags: if caa.issuer_critical { 128 } else { 0 } | caa.reserved_flags,
            tag: caa.tag.clone(),
            value: String::from_utf8_lossy(&caa.value).into_owned(),
        },
        RData::TLSA(tlsa) => Rdata::Tlsa {
            usage: u8::from(tlsa.cert_usage),
            selector: u8::from(tlsa.selector),
            matching: u8::from(tlsa.matching),
            data: tlsa.cert_data.clone(),
        },
        _ => return None,
    })
}

/// The resolver a check-dns run asks through: the given name servers
/// directly, or hickory-resolver with the system configuration (see
/// `direct` for why two).
pub enum Dns {
    Direct(super::direct::DirectResolver),
    System(Box<HickoryResolver>),
}

impl Dns {
    /// Must run inside the tokio runtime.
    pub fn new(settings: &ResolverSettings) -> Result<Self, LookupError> {
        if settings.nameservers.is_empty() {
            HickoryResolver::new(settings).map(|h| Dns::System(Box::new(h)))
        } else {
            super::direct::DirectResolver::new(
                settings.nameservers.clone(),
                settings.timeout,
                settings.concurrency,
            )
            .map(Dns::Direct)
        }
    }
}

impl Resolve for Dns {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a> {
        match self {
            Dns::Direct(direct) => direct.query(name, qtype),
            Dns::System(system) => system.query(name, qtype),
        }
    }
}

// ---------------------------------------------------------------------------
// Zone data in memory

/// Answers from records held in memory: what a name has, and which names
/// time out. A name that is not there is NXDOMAIN.
#[derive(Debug, Default, Clone)]
pub struct MemoryResolver {
    names: HashMap<String, MemoryName>,
}

#[derive(Debug, Default, Clone)]
struct MemoryName {
    records: Vec<(QueryType, Rdata)>,
    /// Questions with no records of the asked type time out.
    timeout: bool,
    /// Follow this name instead.
    cname: Option<String>,
}

impl MemoryResolver {
    pub fn new() -> Self {
        MemoryResolver::default()
    }

    fn entry(&mut self, name: &str) -> &mut MemoryName {
        self.names
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
    }

    /// Add a record (the type follows from the data).
    pub fn add(&mut self, name: &str, rdata: Rdata) {
        let qtype = match &rdata {
            Rdata::A(_) => QueryType::A,
            Rdata::Aaaa(_) => QueryType::Aaaa,
            Rdata::Mx { .. } => QueryType::Mx,
            Rdata::Txt(_) => QueryType::Txt,
            Rdata::Ptr(_) => QueryType::Ptr,
            Rdata::Srv { .. } => QueryType::Srv,
            Rdata::Caa { .. } => QueryType::Caa,
            Rdata::Tlsa { .. } => QueryType::Tlsa,
        };
        self.entry(name).records.push((qtype, rdata));
    }

    /// A TXT record of one string.
    pub fn txt(&mut self, name: &str, text: &str) {
        self.add(name, Rdata::Txt(vec![text.as_bytes().to_vec()]));
    }

    /// The name exists but has no records (yet).
    pub fn touch(&mut self, name: &str) {
        self.entry(name);
    }

    /// Questions for `name` whose type it has no records of time out.
    pub fn timeout(&mut self, name: &str) {
        self.entry(name).timeout = true;
    }

    pub fn cname(&mut self, name: &str, target: &str) {
        self.entry(name).cname = Some(target.trim_end_matches('.').to_ascii_lowercase());
    }

    /// The answer, following up to eight CNAMEs.
    pub fn answer(&self, name: &str, qtype: QueryType) -> Answer {
        let mut current = name.trim_end_matches('.').to_ascii_lowercase();
        for _ in 0..8 {
            let Some(entry) = self.names.get(&current) else {
                return Err(LookupError::NxDomain);
            };
            let found: Vec<Rdata> = entry
                .records
                .iter()
                .filter(|(t, _)| *t == qtype)
                .map(|(_, r)| r.clone())
                .collect();
            if !found.is_empty() {
                return Ok(found);
            }
            if let Some(target) = &entry.cname {
                current.clone_from(target);
                continue;
            }
            if entry.timeout {
                return Err(LookupError::Timeout);
            }
            return Ok(Vec::new());
        }
        Err(LookupError::ServFail)
    }
}

impl Resolve for MemoryResolver {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a> {
        Box::pin(std::future::ready(self.answer(name, qtype)))
    }
}

/// `IP[:PORT]` or `[IPv6]:PORT`; the port defaults to 53.
pub fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!("`{text}` is not an address: use IP, IP:PORT or [IPv6]:PORT (a name server is an address, not a name)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers() {
        assert_eq!(
            parse_nameserver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(parse_nameserver("::1").unwrap().port(), 53);
        assert_eq!(parse_nameserver("[::1]:54").unwrap().port(), 54);
        assert!(parse_nameserver("ns1.example.com").is_err());
    }

    #[test]
    fn memory_answers() {
        let mut zone = MemoryResolver::new();
        zone.txt("Example.com.", "v=spf1 -all");
        zone.timeout("slow.example");
        zone.cname("alias.example.com", "example.com");
        assert_eq!(zone.answer("example.com", QueryType::Txt).unwrap().len(), 1);
        assert_eq!(zone.answer("example.com", QueryType::A), Ok(vec![]));
        assert_eq!(
            zone.answer("alias.example.com", QueryType::Txt)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            zone.answer("nope.example", QueryType::A),
            Err(LookupError::NxDomain)
        );
        assert_eq!(
            zone.answer("slow.example", QueryType::A),
            Err(LookupError::Timeout)
        );
    }

    #[test]
    fn one_question_is_sent_once() {
        let mut zone = MemoryResolver::new();
        zone.txt("example.com", "x");
        let shared = Shared::new(zone, 4);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (a, b) = tokio::join!(
                shared.query("example.com", QueryType::Txt),
                shared.query("EXAMPLE.com.", QueryType::Txt)
            );
            assert_eq!(a, b);
        });
        assert_eq!(shared.queries_sent(), 1);
    }
}

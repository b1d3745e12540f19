//! Asking the `--nameserver` servers directly: queries go out of a few
//! long-lived UDP sockets per address family (one per `PER_SOCKET` queries
//! in flight), and one task per socket reads the answers and hands each to
//! the query it belongs to. Messages are built and parsed with
//! hickory-proto; only the transport is ours.
//!
//! Why not hickory-resolver here: it opens, binds, registers and closes a
//! new socket for every query (seven system calls) and runs each answer
//! through its pool, cache and retry layers. Over 1,000 domains (~9,000
//! questions) that was 28% of check-dns's instructions and most of its
//! system time, against a server that answers in microseconds. The
//! system-resolver path keeps hickory-resolver: a recursive resolver on the
//! network is where its random source port per query is worth the cost.
//!
//! An answer is taken only if it comes from the server asked, carries the
//! query's random id, and repeats its question (name, type and class); any
//! other datagram is dropped and the query goes on waiting (RFC 1035 §7.3,
//! RFC 5452 §9.1). A query waits `timeout` (sending its datagram again
//! after 333 ms and 666 ms without an answer, as hickory-resolver does),
//! then is asked once more (of the next server, when there are several)
//! with a new id. A truncated answer is asked again over TCP. Names follow
//! hickory-resolver's rules, so both paths answer alike: CNAME chains are
//! followed (a new question when the answer stops at a CNAME, at most
//! eight deep), and the special-use names of RFC 6761 (`localhost`,
//! `127.in-addr.arpa`, `invalid`, ...) are answered without asking.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::op::{DnsRequest, DnsRequestOptions, Message, MessageType, Query};
use hickory_resolver::proto::rr::domain::usage::{self, ResolverUsage};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::resolver::{Answer, AnswerFuture, LookupError, QueryType, Rdata, Resolve};

/// CNAMEs followed before giving up (hickory-resolver's depth).
const MAX_CNAME_DEPTH: u8 = 8;

/// The largest datagram a server can send.
const MAX_DATAGRAM: usize = 65_535;

/// The receive buffer asked of the kernel, so that a burst of answers to
/// many queries in flight is queued, not dropped (each dropped answer
/// would cost a resend).
const RECEIVE_BUFFER: usize = 4 << 20;

/// Queries in flight per socket; sockets are taken in turn. One socket is
/// the fastest for the default bound (64) on a small machine: the server
/// sees one client, as dnsperf is. But a server that spreads its load over
/// several sockets by source port (`SO_REUSEPORT`: Knot, NSD, Unbound)
/// then queues every query in one socket, and Knot dropped queries from
/// ~250 in flight on, each costing a resend; more source ports spread
/// them. An answer counts only on the socket its query went out of, so
/// more sockets do not widen what a forger can hit.
const PER_SOCKET: usize = 64;

/// However many queries are in flight.
const MAX_SOCKETS: usize = 16;

/// Within one attempt, the same datagram is sent again when no answer came
/// after `RESEND_AFTER`, up to `SENDS` times, as hickory-resolver does (its
/// retry floor): a datagram lost on the way costs a third of a second, not
/// a whole `--timeout`.
const RESEND_AFTER: Duration = Duration::from_millis(333);
const SENDS: u32 = 3;

/// Queries waiting for their answer, by id.
type Waiting = Arc<Mutex<HashMap<u16, Waiter>>>;

struct Waiter {
    /// Which query this is: ids are reused as soon as they are free.
    serial: u64,
    server: SocketAddr,
    /// The local address of the socket the query went out of: the answer
    /// must arrive there.
    local: SocketAddr,
    query: Query,
    answer: oneshot::Sender<Message>,
}

/// One socket, and the task that reads it.
struct Socket {
    udp: Arc<UdpSocket>,
    local: SocketAddr,
    reader: JoinHandle<()>,
}

/// Asks the given servers itself (see the module documentation).
pub struct DirectResolver {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    v4: Vec<Socket>,
    v6: Vec<Socket>,
    waiting: Waiting,
    serials: AtomicU64,
    /// Which server a question asks first: the servers take turns, so
    /// every `--nameserver` is used and a dead one delays only its share.
    turns: AtomicUsize,
}

/// Why one attempt got no answer.
enum Failure {
    /// Worth a retry.
    Timeout,
    /// The answer is final (a broken socket, no free id).
    Final(LookupError),
}

impl DirectResolver {
    /// Bind the sockets and start their readers; must run inside the tokio
    /// runtime.
    pub fn new(
        servers: Vec<SocketAddr>,
        timeout: Duration,
        in_flight: usize,
    ) -> Result<Self, LookupError> {
        let sockets = in_flight.div_ceil(PER_SOCKET).clamp(1, MAX_SOCKETS);
        let waiting = Waiting::default();
        let bind = |any: SocketAddr| -> Result<Socket, LookupError> {
            let cannot = |e: std::io::Error| {
                LookupError::Other(format!("cannot open a UDP socket on `{any}`: {e}"))
            };
            let std_socket = std::net::UdpSocket::bind(any).map_err(cannot)?;
            std_socket.set_nonblocking(true).map_err(cannot)?;
            // Best effort: the kernel caps it at `net.core.rmem_max`.
            let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&std_socket, RECEIVE_BUFFER);
            let local = std_socket.local_addr().map_err(cannot)?;
            let socket = Arc::new(UdpSocket::from_std(std_socket).map_err(cannot)?);
            let reader = tokio::spawn(read_answers(
                Arc::clone(&socket),
                local,
                Arc::clone(&waiting),
            ));
            Ok(Socket {
                udp: socket,
                local,
                reader,
            })
        };
        let family = |wanted: bool, any: SocketAddr| {
            let count = if wanted { sockets } else { 0 };
            (0..count).map(|_| bind(any)).collect::<Result<Vec<_>, _>>()
        };
        let v4 = family(
            servers.iter().any(SocketAddr::is_ipv4),
            (Ipv4Addr::UNSPECIFIED, 0).into(),
        )?;
        let v6 = family(
            servers.iter().any(SocketAddr::is_ipv6),
            (Ipv6Addr::UNSPECIFIED, 0).into(),
        )?;
        Ok(DirectResolver {
            servers,
            timeout,
            v4,
            v6,
            waiting,
            serials: AtomicU64::new(0),
            turns: AtomicUsize::new(0),
        })
    }

    /// The answer to one question, following CNAMEs.
    async fn lookup(&self, name: Name, rtype: RecordType) -> Answer {
        let mut query = Query::query(name, rtype);
        for depth in 0..MAX_CNAME_DEPTH {
            if let Some(answer) = special_use(&query) {
                return answer;
            }
            let message = self.exchange(&query).await?;
            match read_answer(&query, &message)? {
                Outcome::Records(records) => return Ok(records),
                Outcome::Cname(target) if depth + 1 < MAX_CNAME_DEPTH => {
                    query = Query::query(target, rtype);
                }
                Outcome::Cname(_) | Outcome::Nothing => {
                    return if message.metadata.response_code == ResponseCode::NXDomain {
                        Err(LookupError::NxDomain)
                    } else {
                        Ok(Vec::new())
                    };
                }
            }
        }
        unreachable!("the loop returns at its last turn")
    }

    /// One question to the servers: an attempt, and one retry (of the next
    /// server, when there are several) after a timeout; over TCP when the
    /// UDP answer is truncated.
    async fn exchange(&self, query: &Query) -> Result<Message, LookupError> {
        let mut last = LookupError::Timeout;
        let first = self.turns.fetch_add(1, Ordering::Relaxed);
        for attempt in 0..2 {
            let server = self.servers[(first + attempt) % self.servers.len()];
            match self.udp(server, query).await {
                Ok(message) if message.metadata.truncation => {
                    return self.tcp(server, query).await;
                }
                Ok(message) => return Ok(message),
                Err(Failure::Timeout) => last = LookupError::Timeout,
                Err(Failure::Final(e)) => return Err(e),
            }
        }
        Err(last)
    }

    async fn udp(&self, server: SocketAddr, query: &Query) -> Result<Message, Failure> {
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        let sockets = if server.is_ipv4() { &self.v4 } else { &self.v6 };
        let turn = usize::try_from(serial % sockets.len() as u64).expect("below the count");
        let (socket, local) = (&sockets[turn].udp, sockets[turn].local);
        let (answer, answered) = oneshot::channel();
        let (id, bytes) = {
            let mut waiting = self.waiting.lock().expect("waiting lock");
            let (id, bytes) = (0..100)
                .map(|_| request(query))
                .find(|(id, _)| !waiting.contains_key(id))
                .ok_or_else(|| Failure::Final(LookupError::Other("no free query id".to_owned())))?;
            waiting.insert(
                id,
                Waiter {
                    serial,
                    server,
                    local,
                    query: query.clone(),
                    answer,
                },
            );
            (id, bytes)
        };
        // Whatever happens next (an answer, a timeout, this future dropped),
        // the id is free again afterwards.
        let _forget = Forget {
            waiting: &self.waiting,
            id,
            serial,
        };
        let bytes = bytes.map_err(|e| Failure::Final(LookupError::Other(e)))?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut answered = answered;
        for send in 1..=SENDS {
            socket.send_to(&bytes, server).await.map_err(|e| {
                Failure::Final(LookupError::Other(format!(
                    "cannot send to `{server}`: {e}"
                )))
            })?;
            let wait = if send < SENDS {
                deadline.min(tokio::time::Instant::now() + RESEND_AFTER)
            } else {
                deadline
            };
            match tokio::time::timeout_at(wait, &mut answered).await {
                Ok(Ok(message)) => return Ok(message),
                // The readers stopped: the resolver is being dropped.
                Ok(Err(_)) => return Err(Failure::Timeout),
                Err(_) if wait >= deadline => return Err(Failure::Timeout),
                Err(_) => {}
            }
        }
        Err(Failure::Timeout)
    }

    async fn tcp(&self, server: SocketAddr, query: &Query) -> Result<Message, LookupError> {
        let exchange = async {
            let (id, bytes) = request(query);
            let bytes = bytes.map_err(LookupError::Other)?;
            let io = |e: std::io::Error| LookupError::Other(format!("TCP to `{server}`: {e}"));
            let mut stream = TcpStream::connect(server).await.map_err(io)?;
            let length = u16::try_from(bytes.len()).expect("a query fits in 64 KiB");
            let mut framed = Vec::with_capacity(bytes.len() + 2);
            framed.extend_from_slice(&length.to_be_bytes());
            framed.extend_from_slice(&bytes);
            stream.write_all(&framed).await.map_err(io)?;
            // A server may send other messages first (RFC 7766 §7); skip
            // those that are not the answer.
            loop {
                let length = stream.read_u16().await.map_err(io)?;
                let mut buffer = vec![0; usize::from(length)];
                stream.read_exact(&mut buffer).await.map_err(io)?;
                if let Some(message) = matching(&buffer, id, query) {
                    return Ok(message);
                }
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(LookupError::Timeout))
    }
}

impl Drop for DirectResolver {
    fn drop(&mut self) {
        for socket in self.v4.iter().chain(&self.v6) {
            socket.reader.abort();
        }
    }
}

impl Resolve for DirectResolver {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> AnswerFuture<'a> {
        Box::pin(async move {
            let fqdn = format!("{}.", name.trim_end_matches('.'));
            let name = Name::from_utf8(&fqdn)
                .map_err(|e| LookupError::Other(format!("`{fqdn}` is not a domain name: {e}")))?;
            self.lookup(name, super::resolver::record_type(qtype)).await
        })
    }
}

/// Frees a waiting query's id when the query ends, however it ends.
struct Forget<'a> {
    waiting: &'a Mutex<HashMap<u16, Waiter>>,
    id: u16,
    serial: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        let mut waiting = self.waiting.lock().expect("waiting lock");
        // Once answered, the id may already be another query's: leave that
        // one waiting (removing it would lose that query its answer).
        if waiting
            .get(&self.id)
            .is_some_and(|w| w.serial == self.serial)
        {
            waiting.remove(&self.id);
        }
    }
}

/// A query message as hickory-resolver would send it (recursion desired,
/// EDNS(0) with its payload size), with a new random id.
fn request(query: &Query) -> (u16, Result<Vec<u8>, String>) {
    let request = DnsRequest::from_query(query.clone(), DnsRequestOptions::default());
    let id = request.metadata.id;
    let bytes = request
        .to_vec()
        .map_err(|e| format!("cannot encode the query for `{}`: {e}", query.name()));
    (id, bytes)
}

/// The datagram parsed, if it answers query `id` with the same question.
fn matching(bytes: &[u8], id: u16, query: &Query) -> Option<Message> {
    // The id first: no parsing for what is not ours.
    if bytes.get(..2)? != id.to_be_bytes() {
        return None;
    }
    let message = Message::from_vec(bytes).ok()?;
    let asked = message.metadata.message_type == MessageType::Response
        && message.queries.len() == 1
        && message.queries[0] == *query;
    asked.then_some(message)
}

/// Read one socket until it breaks, handing each answer to its query.
async fn read_answers(socket: Arc<UdpSocket>, local: SocketAddr, waiting: Waiting) {
    let mut buffer = vec![0; MAX_DATAGRAM];
    loop {
        let (length, from) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            // ICMP errors of earlier sends on some systems, unreachable
            // networks, a moment without memory: none of them is an answer,
            // and none ends the socket. Stopping here would leave every
            // query on this socket to wait out its timeout with no reason
            // given; a short pause keeps a lasting error from spinning.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let datagram = &buffer[..length];
        let Some(id) = datagram.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
            continue;
        };
        let mut waiting = waiting.lock().expect("waiting lock");
        let Some(waiter) = waiting.get(&id) else {
            continue;
        };
        // Only on the socket the query went out of: every socket reads the
        // one map of waiting ids, and a forger must not get to aim at all
        // of them.
        if waiter.local != local {
            continue;
        }
        // Compare address and port only: a v4-mapped or scoped form of the
        // same address is the same server.
        if from.ip().to_canonical() != waiter.server.ip().to_canonical()
            || from.port() != waiter.server.port()
        {
            continue;
        }
        let Some(message) = matching(datagram, id, &waiter.query) else {
            continue;
        };
        let waiter = waiting.remove(&id).expect("looked up above");
        // The query may have stopped waiting just now; then nobody wants it.
        let _ = waiter.answer.send(message);
    }
}

/// What an answer says about the question.
enum Outcome {
    /// Records of the asked type (none when the name has none).
    Records(Vec<Rdata>),
    /// The name is an alias, and the answer stops before the records: ask
    /// for the target.
    Cname(Name),
    /// No records of the type (the response code says whether the name
    /// exists).
    Nothing,
}

/// The records of `query`'s type at its name or, through the CNAMEs in
/// the answer, at its target; response codes other than NOERROR and
/// NXDOMAIN are failures.
fn read_answer(query: &Query, message: &Message) -> Result<Outcome, LookupError> {
    match message.metadata.response_code {
        ResponseCode::NoError | ResponseCode::NXDomain => {}
        ResponseCode::ServFail => return Err(LookupError::ServFail),
        ResponseCode::Refused => return Err(LookupError::Refused),
        code => return Err(LookupError::Other(format!("error response: {code}"))),
    }
    let sections = message
        .answers
        .iter()
        .chain(&message.authorities)
        .chain(&message.additionals);
    if let Some(foreign) = sections
        .filter(|r| r.record_type() != RecordType::OPT)
        .find(|r| r.dns_class != query.query_class())
    {
        return Err(LookupError::Other(format!(
            "foreign class record in response: {} {} {}",
            foreign.name,
            foreign.dns_class,
            foreign.record_type()
        )));
    }
    // The CNAMEs in answer order, from the name asked.
    let mut owners = vec![query.name().clone()];
    for record in &message.answers {
        if let RData::CNAME(target) = &record.data {
            if record.name == *owners.last().expect("never empty") {
                owners.push(target.0.clone());
            }
        }
    }
    let records: Vec<Rdata> = message
        .answers
        .iter()
        .filter(|r| r.record_type() == query.query_type() && owners.contains(&r.name))
        .filter_map(|r| super::resolver::rdata(&r.data))
        .collect();
    Ok(if !records.is_empty() {
        Outcome::Records(records)
    } else if owners.len() > 1 {
        Outcome::Cname(owners.pop().expect("more than one"))
    } else {
        Outcome::Nothing
    })
}

/// RFC 6761 names, answered here as hickory-resolver answers them:
/// loopback names with the loopback addresses and `localhost.`, `invalid`
/// and `onion` names with NXDOMAIN.
fn special_use(query: &Query) -> Option<Answer> {
    let name = query.name();
    let loopback = [
        &*usage::LOCALHOST,
        &*usage::IN_ADDR_ARPA_127,
        &*usage::IP6_ARPA_1,
    ];
    let usage = if let Some(zone) = loopback.into_iter().find(|z| z.zone_of(name)) {
        zone
    } else if usage::INVALID.zone_of(name) {
        &*usage::INVALID
    } else if usage::ONION.zone_of(name) {
        &*usage::ONION
    } else {
        return None;
    };
    match usage.resolver() {
        ResolverUsage::Loopback => Some(Ok(match query.query_type() {
            RecordType::A => vec![Rdata::A(Ipv4Addr::LOCALHOST)],
            RecordType::AAAA => vec![Rdata::Aaaa(Ipv6Addr::LOCALHOST)],
            RecordType::PTR => vec![Rdata::Ptr("localhost".to_owned())],
            _ => Vec::new(),
        })),
        ResolverUsage::NxDomain => Some(Err(LookupError::NxDomain)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use hickory_resolver::proto::op::OpCode;
    use hickory_resolver::proto::rr::Record;
    use hickory_resolver::proto::rr::rdata::{A, CNAME};

    use super::*;

    /// What the test server does with one query.
    enum Reply {
        /// Send this from the server's address.
        Send(Message),
        /// Send this from another port: a stranger's forgery.
        Forge(Message),
    }

    /// A name server on loopback. `script` gets each UDP query and how many
    /// came before it; a TCP query gets the first `Send` of `script`'s
    /// replies with the truncation flag cleared.
    struct Server {
        address: SocketAddr,
        udp_queries: Arc<Mutex<Vec<Message>>>,
        tcp_queries: Arc<AtomicUsize>,
    }

    type Script = Arc<dyn Fn(&Message, usize) -> Vec<Reply> + Send + Sync>;

    async fn serve(
        script: impl Fn(&Message, usize) -> Vec<Reply> + Send + Sync + 'static,
    ) -> Server {
        let script: Script = Arc::new(script);
        // UDP and TCP on one port: the port the kernel gives the UDP socket
        // may be taken for TCP (another test's connection), so try again.
        let (socket, tcp) = loop {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let address = socket.local_addr().unwrap();
            if let Ok(tcp) = tokio::net::TcpListener::bind(address).await {
                break (socket, tcp);
            }
        };
        // Room for every query in flight: a dropped query would look like
        // a lost answer.
        rustix::net::sockopt::set_socket_recv_buffer_size(&socket, RECEIVE_BUFFER).unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = socket.local_addr().unwrap();
        let udp_queries = Arc::new(Mutex::new(Vec::new()));
        let tcp_queries = Arc::new(AtomicUsize::new(0));
        let (seen, udp_script) = (Arc::clone(&udp_queries), Arc::clone(&script));
        tokio::spawn(async move {
            let mut buffer = vec![0; MAX_DATAGRAM];
            loop {
                let (length, client) = socket.recv_from(&mut buffer).await.unwrap();
                let query = Message::from_vec(&buffer[..length]).unwrap();
                let before = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(query.clone());
                    seen.len() - 1
                };
                for reply in udp_script(&query, before) {
                    match reply {
                        Reply::Send(m) => socket.send_to(&m.to_vec().unwrap(), client).await,
                        Reply::Forge(m) => stranger.send_to(&m.to_vec().unwrap(), client).await,
                    }
                    .unwrap();
                }
            }
        });
        let counted = Arc::clone(&tcp_queries);
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = tcp.accept().await.unwrap();
                let length = stream.read_u16().await.unwrap();
                let mut buffer = vec![0; usize::from(length)];
                stream.read_exact(&mut buffer).await.unwrap();
                let query = Message::from_vec(&buffer).unwrap();
                counted.fetch_add(1, Ordering::SeqCst);
                let Some(Reply::Send(mut answer)) = script(&query, 0)
                    .into_iter()
                    .find(|r| matches!(r, Reply::Send(_)))
                else {
                    continue;
                };
                answer.metadata.truncation = false;
                let bytes = answer.to_vec().unwrap();
                let mut framed = u16::try_from(bytes.len()).unwrap().to_be_bytes().to_vec();
                framed.extend_from_slice(&bytes);
                stream.write_all(&framed).await.unwrap();
            }
        });
        Server {
            address,
            udp_queries,
            tcp_queries,
        }
    }

    impl Server {
        fn udp_queries(&self) -> Vec<Message> {
            self.udp_queries.lock().unwrap().clone()
        }
    }

    /// The answer to `query` with `code` and these A records.
    fn answer(query: &Message, code: ResponseCode, addresses: &[[u8; 4]]) -> Message {
        let mut message = Message::response(query.metadata.id, OpCode::Query);
        message.metadata.response_code = code;
        message.add_query(query.queries[0].clone());
        for a in addresses {
            message.add_answer(Record::from_rdata(
                query.queries[0].name().clone(),
                300,
                RData::A(A::new(a[0], a[1], a[2], a[3])),
            ));
        }
        message
    }

    fn resolver(server: &Server) -> DirectResolver {
        DirectResolver::new(vec![server.address], Duration::from_millis(300), 64).unwrap()
    }

    const GOOD: [u8; 4] = [192, 0, 2, 1];
    const FORGED: [u8; 4] = [192, 0, 2, 66];

    #[tokio::test]
    async fn only_the_answer_with_our_id_question_and_server_is_taken() {
        let server = serve(|query, _| {
            let mut wrong_id = answer(query, ResponseCode::NoError, &[FORGED]);
            wrong_id.metadata.id = query.metadata.id.wrapping_add(1);
            let mut wrong_question = answer(query, ResponseCode::NoError, &[FORGED]);
            wrong_question.queries[0] =
                Query::query(Name::from_ascii("other.example.").unwrap(), RecordType::A);
            let mut wrong_type = answer(query, ResponseCode::NoError, &[FORGED]);
            wrong_type.queries[0].set_query_type(RecordType::AAAA);
            let mut not_a_response = answer(query, ResponseCode::NoError, &[FORGED]);
            not_a_response.metadata.message_type = MessageType::Query;
            vec![
                Reply::Send(wrong_id),
                Reply::Send(wrong_question),
                Reply::Send(wrong_type),
                Reply::Send(not_a_response),
                Reply::Forge(answer(query, ResponseCode::NoError, &[FORGED])),
                Reply::Send(answer(query, ResponseCode::NoError, &[GOOD])),
            ]
        })
        .await;
        let dns = resolver(&server);
        assert_eq!(
            dns.query("www.example", QueryType::A).await,
            Ok(vec![Rdata::A(GOOD.into())])
        );
        assert_eq!(server.udp_queries().len(), 1);
    }

    /// A server that drops the first query and answers every later one.
    async fn serve_after_one_drop() -> Server {
        serve(|query, before| {
            if before == 0 {
                Vec::new()
            } else {
                vec![Reply::Send(answer(query, ResponseCode::NoError, &[GOOD]))]
            }
        })
        .await
    }

    #[tokio::test]
    async fn a_timeout_is_retried_once_with_a_new_id() {
        let server = serve_after_one_drop().await;
        let dns = resolver(&server);
        assert_eq!(
            dns.query("www.example", QueryType::A).await,
            Ok(vec![Rdata::A(GOOD.into())])
        );
        let queries = server.udp_queries();
        assert_eq!(queries.len(), 2);
        assert_eq!(queries[0].queries, queries[1].queries);
        assert_ne!(queries[0].metadata.id, queries[1].metadata.id);
    }

    #[tokio::test]
    async fn a_lost_datagram_is_sent_again_before_the_timeout() {
        let server = serve_after_one_drop().await;
        let dns = DirectResolver::new(vec![server.address], Duration::from_secs(30), 64).unwrap();
        assert_eq!(
            dns.query("www.example", QueryType::A).await,
            Ok(vec![Rdata::A(GOOD.into())])
        );
        let queries = server.udp_queries();
        assert_eq!(queries.len(), 2);
        // The same datagram: an answer to either is the answer.
        assert_eq!(queries[0].to_vec().unwrap(), queries[1].to_vec().unwrap());
    }

    #[tokio::test]
    async fn two_timeouts_are_a_timeout() {
        let server = serve(|_, _| Vec::new()).await;
        let dns = resolver(&server);
        assert_eq!(
            dns.query("www.example", QueryType::A).await,
            Err(LookupError::Timeout)
        );
        assert_eq!(server.udp_queries().len(), 2);
        assert!(dns.waiting.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_truncated_answer_is_asked_again_over_tcp() {
        let server = serve(|query, _| {
            let mut truncated = answer(query, ResponseCode::NoError, &[GOOD]);
            truncated.metadata.truncation = true;
            vec![Reply::Send(truncated)]
        })
        .await;
        let dns = resolver(&server);
        assert_eq!(
            dns.query("www.example", QueryType::A).await,
            Ok(vec![Rdata::A(GOOD.into())])
        );
        assert_eq!(server.udp_queries().len(), 1);
        assert_eq!(server.tcp_queries.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_finished_query_leaves_the_next_owner_of_its_id_waiting() {
        let server = serve(|_, _| Vec::new()).await;
        let dns = resolver(&server);
        let query = Query::query(Name::from_ascii("www.example.").unwrap(), RecordType::A);
        let (answer, _answered) = oneshot::channel();
        dns.waiting.lock().unwrap().insert(
            7,
            Waiter {
                serial: 2,
                server: server.address,
                local: dns.v4[0].local,
                query,
                answer,
            },
        );
        // Query 1 had id 7, was answered, and ends only now.
        drop(Forget {
            waiting: &dns.waiting,
            id: 7,
            serial: 1,
        });
        assert!(dns.waiting.lock().unwrap().contains_key(&7));
        drop(Forget {
            waiting: &dns.waiting,
            id: 7,
            serial: 2,
        });
        assert!(dns.waiting.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn many_queries_in_flight_are_each_answered_once() {
        let server =
            serve(|query, _| vec![Reply::Send(answer(query, ResponseCode::NoError, &[GOOD]))])
                .await;
        let direct =
            DirectResolver::new(vec![server.address], Duration::from_millis(300), 1_000).unwrap();
        assert_eq!(direct.v4.len(), MAX_SOCKETS);
        let dns = Arc::new(super::super::resolver::Shared::new(direct, 1_000));
        let mut queries = tokio::task::JoinSet::new();
        for i in 0..3_000 {
            let dns = Arc::clone(&dns);
            queries.spawn(async move { dns.query(&format!("n{i}.example"), QueryType::A).await });
        }
        while let Some(answer) = queries.join_next().await {
            assert_eq!(answer.unwrap(), Ok(vec![Rdata::A(GOOD.into())]));
        }
        // Not one answer lost to a reused id (it would have been retried).
        assert_eq!(server.udp_queries().len(), 3_000);
    }

    #[tokio::test]
    async fn response_codes() {
        let server = serve(|query, _| {
            let code = match query.queries[0].name().to_ascii().as_str() {
                "servfail.example." => ResponseCode::ServFail,
                "refused.example." => ResponseCode::Refused,
                "nxdomain.example." => ResponseCode::NXDomain,
                "formerr.example." => ResponseCode::FormErr,
                _ => ResponseCode::NoError,
            };
            vec![Reply::Send(answer(query, code, &[]))]
        })
        .await;
        let dns = resolver(&server);
        let ask = |name: &'static str| dns.query(name, QueryType::Txt);
        assert_eq!(ask("servfail.example").await, Err(LookupError::ServFail));
        assert_eq!(ask("refused.example").await, Err(LookupError::Refused));
        assert_eq!(ask("nxdomain.example").await, Err(LookupError::NxDomain));
        assert!(matches!(
            ask("formerr.example").await,
            Err(LookupError::Other(_))
        ));
        assert_eq!(ask("empty.example").await, Ok(Vec::new()));
        // No retry for an answer, however bad.
        assert_eq!(server.udp_queries().len(), 5);
    }

    #[tokio::test]
    async fn cnames_are_followed_in_the_answer_and_by_asking_again() {
        let name = |text: &str| Name::from_ascii(text).unwrap();
        let server = serve(move |query, _| {
            let asked = query.queries[0].name().to_ascii();
            let mut reply = answer(query, ResponseCode::NoError, &[]);
            let cname = |from: &str, to: &str| {
                Record::from_rdata(name(from), 300, RData::CNAME(CNAME(name(to))))
            };
            let a = |at: &str| Record::from_rdata(name(at), 300, RData::A(A::new(192, 0, 2, 1)));
            match asked.as_str() {
                // The whole chain in one answer.
                "inside.example." => {
                    reply.add_answer(cname("inside.example.", "target.example."));
                    reply.add_answer(a("target.example."));
                }
                // The answer stops at the alias: ask for the target.
                "outside.example." => {
                    reply.add_answer(cname("outside.example.", "target.example."));
                }
                "target.example." => {
                    reply.add_answer(a("target.example."));
                }
                // An A record of a name nobody asked for is not an answer.
                "stray.example." => {
                    reply.add_answer(a("elsewhere.example."));
                }
                _ => reply.metadata.response_code = ResponseCode::NXDomain,
            }
            vec![Reply::Send(reply)]
        })
        .await;
        let dns = resolver(&server);
        let good = Ok(vec![Rdata::A(GOOD.into())]);
        assert_eq!(dns.query("inside.example", QueryType::A).await, good);
        assert_eq!(server.udp_queries().len(), 1);
        assert_eq!(dns.query("outside.example", QueryType::A).await, good);
        assert_eq!(server.udp_queries().len(), 3);
        assert_eq!(dns.query("stray.example", QueryType::A).await, Ok(vec![]));
    }

    #[tokio::test]
    async fn loopback_and_invalid_names_are_answered_without_asking() {
        let server = serve(|_, _| panic!("nothing should be asked")).await;
        let dns = resolver(&server);
        assert_eq!(
            dns.query("1.0.1.127.in-addr.arpa", QueryType::Ptr).await,
            Ok(vec![Rdata::Ptr("localhost".into())])
        );
        assert_eq!(
            dns.query("localhost", QueryType::A).await,
            Ok(vec![Rdata::A(Ipv4Addr::LOCALHOST)])
        );
        assert_eq!(
            dns.query("mail.invalid", QueryType::Mx).await,
            Err(LookupError::NxDomain)
        );
        assert!(server.udp_queries().is_empty());
    }

    /// With two sockets, a datagram from the server's address with the
    /// right id and question, but sent to the socket the query did not go
    /// out of, is not the answer; the same answer on the right socket is.
    #[tokio::test]
    async fn an_answer_counts_only_on_the_socket_its_query_left_from() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = server.local_addr().unwrap();
        let dns = DirectResolver::new(vec![address], Duration::from_millis(1500), 128).unwrap();
        assert_eq!(dns.v4.len(), 2);
        let ports: Vec<u16> = dns.v4.iter().map(|s| s.local.port()).collect();
        tokio::spawn(async move {
            let mut buffer = vec![0; 4096];
            // The first attempt: the answer goes to the other socket only.
            let (n, client) = server.recv_from(&mut buffer).await.unwrap();
            let query = Message::from_vec(&buffer[..n]).unwrap();
            let other = ports.iter().copied().find(|p| *p != client.port()).unwrap();
            let forged = answer(&query, ResponseCode::NoError, &[FORGED]);
            let bytes = forged.to_vec().unwrap();
            server.send_to(&bytes, ("127.0.0.1", other)).await.unwrap();
            // Every later datagram (resends, the retry) gets its answer on
            // the socket it came from.
            loop {
                let (n, client) = server.recv_from(&mut buffer).await.unwrap();
                let query = Message::from_vec(&buffer[..n]).unwrap();
                let real = answer(&query, ResponseCode::NoError, &[GOOD]);
                server
                    .send_to(&real.to_vec().unwrap(), client)
                    .await
                    .unwrap();
            }
        });
        let got = dns.query("www.example", QueryType::A).await;
        assert_eq!(got, Ok(vec![Rdata::A(GOOD.into())]));
    }

    /// Every `--nameserver` is asked: questions start at each in turn, and
    /// a question whose first server times out goes to the next.
    #[tokio::test]
    async fn the_servers_take_turns() {
        let good =
            || serve(|query, _| vec![Reply::Send(answer(query, ResponseCode::NoError, &[GOOD]))]);
        let (first, second, third) = (good().await, good().await, good().await);
        let dead = serve(|_, _| Vec::new()).await;
        let servers = vec![first.address, second.address, third.address, dead.address];
        // A timeout long enough that a busy machine answers in time.
        let dns = DirectResolver::new(servers, Duration::from_secs(1), 64).unwrap();
        for i in 0..8 {
            let got = dns.query(&format!("n{i}.example"), QueryType::A).await;
            assert_eq!(got, Ok(vec![Rdata::A(GOOD.into())]), "n{i}");
        }
        // Eight questions over four servers: two start at each; the two
        // that start at the dead one are answered by the first.
        assert_eq!(first.udp_queries().len(), 4);
        assert_eq!(second.udp_queries().len(), 2);
        assert_eq!(third.udp_queries().len(), 2);
        // Each of the two was sent, and maybe resent, within its timeout.
        let sent = dead.udp_queries().len();
        assert!((2..=2 * SENDS as usize).contains(&sent), "{sent}");
    }
}

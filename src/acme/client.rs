//! Talking to the CA with instant-acme: the HTTP client (the system's roots
//! plus `[acme] ca_bundle`), the account (created once, stored 0600 per
//! directory), renewal information (RFC 9773), and one order from new to a
//! certificate chain, with retries for `badNonce` and transient failures.

use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::Request;
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, BodyWrapper, BytesResponse,
    CertificateIdentifier, ChallengeType, Error, HttpClient, Identifier, NewAccount, NewOrder,
    OrderStatus, RetryPolicy,
};
use sha2::{Digest as _, Sha256};

use super::dns01::{self, TxtRecord};
use super::http01::{Responder, Webroot};
use super::{AcmeError, create_dir, write_atomic};
use crate::spec::acme::{AcmeSettings, Challenge};

/// How long one HTTP request to the CA may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Progress for people; the caller decides where it goes.
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// hyper with rustls on ring, the platform's roots and the extra ones, and a
/// timeout on every request.
struct Client {
    inner: hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        BodyWrapper<Bytes>,
    >,
}

impl HttpClient for Client {
    fn request(
        &self,
        req: Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, Error>> + Send>> {
        let future = HttpClient::request(&self.inner, req);
        Box::pin(async move {
            match tokio::time::timeout(REQUEST_TIMEOUT, future).await {
                Ok(result) => result,
                Err(_) => Err(Error::Other("the request timed out".into())),
            }
        })
    }
}

fn http_client(ca_bundle: Option<&Path>) -> Result<Client, AcmeError> {
    let mut extra = Vec::new();
    if let Some(path) = ca_bundle {
        let bundle = |reason: String| AcmeError::CaBundle {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bundle(e.to_string()))?;
        extra = super::certificate::pem_certificates(&text)
            .into_iter()
            .map(rustls::pki_types::CertificateDer::from)
            .collect();
        if extra.is_empty() {
            return Err(bundle("it holds no PEM certificate".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()).map_err(
            |e| AcmeError::CaBundle {
                path: ca_bundle.map(Path::to_path_buf).unwrap_or_default(),
                reason: e.to_string(),
            },
        )?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| AcmeError::Key {
            reason: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    let inner = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(connector);
    Ok(Client { inner })
}

/// Whether an error is worth another try: a rejected nonce, a server error,
/// or a failed connection.
fn transient(e: &Error) -> bool {
    match e {
        Error::Api(problem) => {
            matches!(
                problem.r#type.as_deref(),
                Some(
                    "urn:ietf:params:acme:error:badNonce"
                        | "urn:ietf:params:acme:error:serverInternal"
                )
            ) || problem.status.is_some_and(|s| s >= 500)
        }
        Error::Hyper(_) | Error::Other(_) => true,
        _ => false,
    }
}

fn is_connection(e: &Error) -> bool {
    matches!(e, Error::Hyper(_) | Error::Other(_))
}

/// Run `f` again on transient errors, with exponential backoff: up to ten
/// tries for ACME problems, three for connection failures.
async fn retry<T>(mut f: impl AsyncFnMut() -> Result<T, Error>) -> Result<T, Error> {
    let mut delay = Duration::from_millis(100);
    let mut tries = 0;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                tries += 1;
                let limit = if is_connection(&e) { 3 } else { 10 };
                if !transient(&e) || tries >= limit {
                    return Err(e);
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// The account file for a directory: one account per CA.
pub fn account_path(state_dir: &Path, directory: &str) -> PathBuf {
    let host: String = directory
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = Sha256::digest(directory.as_bytes());
    let short = hash[..6].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    state_dir
        .join("accounts")
        .join(format!("{host}-{short}"))
        .join("account.json")
}

/// Log in to the CA: the stored account for this directory, or a new one
/// (stored 0600) when there is none and the terms are agreed.
pub async fn connect(
    settings: &AcmeSettings,
    directory: &str,
    progress: Progress<'_>,
) -> Result<Account, AcmeError> {
    let http = http_client(settings.ca_bundle.as_deref())?;
    let path = account_path(&settings.state_dir, directory);
    let unreachable = |source| AcmeError::Unreachable {
        directory: directory.to_owned(),
        source,
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let _: AccountCredentials =
                serde_json::from_slice(&bytes).map_err(|e| AcmeError::Io {
                    action: "read the ACME account",
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                })?;
            drop(http);
            // Restoring fetches the directory; that is where an unreachable CA shows.
            retry(async || {
                let http = http_client(settings.ca_bundle.as_deref())
                    .map_err(|e| Error::Other(Box::new(e)))?;
                let credentials: AccountCredentials = serde_json::from_slice(&bytes)?;
                Account::builder_with_http(Box::new(http))
                    .from_credentials(credentials)
                    .await
            })
            .await
            .map_err(unreachable)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !settings.agree_tos {
                return Err(AcmeError::TermsNotAgreed {
                    directory: directory.to_owned(),
                });
            }
            let contact = settings.contact.as_ref().map(|c| format!("mailto:{c}"));
            let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
            let new_account = NewAccount {
                contact: &contacts,
                terms_of_service_agreed: true,
                only_return_existing: false,
            };
            let mut first = Some(http);
            let (account, credentials) = retry(async || {
                let http = match first.take() {
                    Some(http) => http,
                    None => http_client(settings.ca_bundle.as_deref())
                        .map_err(|e| Error::Other(Box::new(e)))?,
                };
                Account::builder_with_http(Box::new(http))
                    .create(&new_account, directory.to_owned(), None)
                    .await
            })
            .await
            .map_err(|source| match source {
                Error::Api(_) => AcmeError::Server {
                    action: "create the account".into(),
                    source,
                },
                source => unreachable(source),
            })?;
            let json = serde_json::to_vec_pretty(&credentials).expect("credentials serialise");
            create_dir(path.parent().expect("account dir"), 0o700)?;
            write_atomic(&path, &json, 0o600)?;
            progress(&format!("created an ACME account at `{directory}`"));
            Ok(account)
        }
        Err(source) => Err(AcmeError::Io {
            action: "read the ACME account",
            path,
            source,
        }),
    }
}

/// The CA's suggested renewal window for a certificate (RFC 9773): `start`,
/// `end` and when to ask again, all Unix seconds. `None` when the CA offers
/// no renewal information.
pub async fn renewal_window(
    account: &Account,
    leaf_der: &[u8],
) -> Result<Option<(i64, i64, i64)>, AcmeError> {
    let der = rustls::pki_types::CertificateDer::from(leaf_der.to_vec());
    let Ok(id) = CertificateIdentifier::try_from(&der) else {
        return Ok(None);
    };
    match retry(async || account.renewal_info(&id).await).await {
        Ok((info, retry_after)) => {
            let now = unix_now();
            let again = now
                + i64::try_from(retry_after.as_secs())
                    .unwrap_or(0)
                    .clamp(60, 86_400);
            Ok(Some((
                info.suggested_window.start.unix_timestamp(),
                info.suggested_window.end.unix_timestamp(),
                again,
            )))
        }
        Err(Error::Unsupported(_)) => Ok(None),
        Err(source) => Err(AcmeError::Server {
            action: "give renewal information".into(),
            source,
        }),
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// One challenge to answer.
struct Pending {
    /// As ordered: `*.example.com` for a wildcard.
    identifier: String,
    /// The name the TXT record goes under (without `*.`).
    base: String,
    token: String,
    key_authorization: String,
}

/// Text from the network, made safe to print.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn problem_text(problem: &instant_acme::Problem) -> String {
    let mut text = problem.detail.clone().unwrap_or_default();
    if let Some(kind) = &problem.r#type {
        let kind = kind.trim_start_matches("urn:ietf:params:acme:error:");
        text = if text.is_empty() {
            kind.to_owned()
        } else {
            format!("{text} ({kind})")
        };
    }
    sanitize(&text)
}

fn server(action: &str) -> impl FnOnce(Error) -> AcmeError + '_ {
    move |source| AcmeError::Server {
        action: action.to_owned(),
        source,
    }
}

/// Order a certificate for `names`, answer its challenges, and finalise it
/// with a CSR signed by `key`. Returns the PEM chain.
pub async fn order(
    account: &Account,
    settings: &AcmeSettings,
    names: &[String],
    key: &rcgen::KeyPair,
    progress: Progress<'_>,
) -> Result<String, AcmeError> {
    let identifiers: Vec<Identifier> = names.iter().map(|n| Identifier::Dns(n.clone())).collect();
    let new_order = NewOrder::new(&identifiers);
    let mut order = retry(async || account.new_order(&new_order).await)
        .await
        .map_err(server("create the order"))?;
    let kind = settings.challenge.kind();
    let challenge_type = match kind {
        crate::spec::acme::ChallengeKind::Http01 => ChallengeType::Http01,
        crate::spec::acme::ChallengeKind::Dns01 => ChallengeType::Dns01,
    };

    // Every authorization the order needs, fetched with retries (the
    // stream caches what it has fetched, so a new stream resumes).
    let thumbprint = account.key_thumbprint().to_owned();
    let mut pending = Vec::new();
    let mut tries = 0;
    'fetch: loop {
        pending.clear();
        let mut authorizations = order.authorizations();
        while let Some(result) = authorizations.next().await {
            match result {
                Ok(authz) => {
                    let identifier = authz.identifier().to_string();
                    match authz.status {
                        AuthorizationStatus::Valid => continue,
                        AuthorizationStatus::Pending => {}
                        status => {
                            return Err(AcmeError::Validation {
                                identifier,
                                challenge: kind.name(),
                                detail: format!("the authorization is {status:?}").to_lowercase(),
                            });
                        }
                    }
                    let Some(challenge) =
                        authz.challenges.iter().find(|c| c.r#type == challenge_type)
                    else {
                        return Err(AcmeError::NoChallenge {
                            identifier,
                            challenge: kind.name(),
                        });
                    };
                    let Identifier::Dns(base) = authz.identifier().identifier.clone() else {
                        continue;
                    };
                    pending.push(Pending {
                        identifier,
                        base,
                        key_authorization: format!("{}.{thumbprint}", challenge.token),
                        token: challenge.token.clone(),
                    });
                }
                Err(e) if transient(&e) && tries < 10 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue 'fetch;
                }
                Err(e) => return Err(server("give the order's authorizations")(e)),
            }
        }
        break;
    }

    // Publish the answers; they are withdrawn when this function returns.
    let mut responder = None;
    let mut webroot = None;
    let mut published = Vec::new();
    match &settings.challenge {
        Challenge::HttpStandalone(address) => {
            let r = Responder::start(*address).await?;
            for p in &pending {
                r.add(&p.token, &p.key_authorization);
            }
            progress(&format!("answering http-01 on {}", r.address));
            responder = Some(r);
        }
        Challenge::HttpWebroot(root) => {
            let mut w = Webroot::new(root)?;
            for p in &pending {
                w.add(&p.token, &p.key_authorization)?;
            }
            webroot = Some(w);
        }
        Challenge::Dns(dns) => {
            let secret = dns01::read_secret(&dns.tsig_secret_file)?;
            for p in &pending {
                published.push(TxtRecord {
                    name: format!("_acme-challenge.{}", p.base),
                    value: URL_SAFE_NO_PAD.encode(Sha256::digest(p.key_authorization.as_bytes())),
                });
            }
            let result = dns01::publish(dns, &secret, &published, progress).await;
            if let Err(e) = result {
                dns01::withdraw(dns, &secret, &published, progress);
                return Err(e);
            }
        }
    }

    let result = solve(
        &mut order,
        &pending,
        challenge_type,
        kind.name(),
        names,
        key,
    )
    .await;

    drop(responder);
    drop(webroot);
    if let Challenge::Dns(dns) = &settings.challenge
        && !published.is_empty()
    {
        if let Ok(secret) = dns01::read_secret(&dns.tsig_secret_file) {
            dns01::withdraw(dns, &secret, &published, progress);
        }
    }
    result
}

/// Tell the CA the answers are ready, wait for the order, finalise it.
async fn solve(
    order: &mut instant_acme::Order,
    pending: &[Pending],
    challenge_type: ChallengeType,
    challenge: &'static str,
    names: &[String],
    key: &rcgen::KeyPair,
) -> Result<String, AcmeError> {
    let mut authorizations = order.authorizations();
    while let Some(result) = authorizations.next().await {
        let mut authz = result.map_err(server("give the order's authorizations"))?;
        if authz.status != AuthorizationStatus::Pending {
            continue;
        }
        let identifier = authz.identifier().to_string();
        if !pending.iter().any(|p| p.identifier == identifier) {
            continue;
        }
        let Some(mut handle) = authz.challenge(challenge_type.clone()) else {
            continue;
        };
        retry(async || handle.set_ready().await)
            .await
            .map_err(|e| match e {
                Error::Api(problem) => AcmeError::Validation {
                    identifier: identifier.clone(),
                    challenge,
                    detail: problem_text(&problem),
                },
                e => server("accept the challenge answer")(e),
            })?;
    }

    let brisk = RetryPolicy::new()
        .initial_delay(Duration::from_millis(200))
        .backoff(1.25)
        .timeout(Duration::from_secs(120));
    let status = retry(async || order.poll_ready(&brisk).await).await;
    match status {
        Ok(OrderStatus::Ready) => {}
        Ok(_) | Err(Error::Api(_)) => {
            return Err(diagnose(order, challenge, names, status.err()).await);
        }
        Err(e) => return Err(server("validate the order")(e)),
    }

    let csr = super::keys::csr(names, key)?;
    retry(async || order.finalize_csr(&csr).await)
        .await
        .map_err(server("finalise the order"))?;
    retry(async || order.poll_certificate(&brisk).await)
        .await
        .map_err(server("issue the certificate"))
}

/// Why an order became invalid: the first failed challenge, by name.
async fn diagnose(
    order: &mut instant_acme::Order,
    challenge: &'static str,
    names: &[String],
    error: Option<Error>,
) -> AcmeError {
    let mut authorizations = order.authorizations();
    while let Some(Ok(mut authz)) = authorizations.next().await {
        let refreshed = retry(async || {
            authz.refresh().await.map(|s| {
                (
                    s.status,
                    s.challenges
                        .iter()
                        .find_map(|c| c.error.as_ref().map(problem_text)),
                )
            })
        })
        .await;
        let Ok((status, problem)) = refreshed else {
            continue;
        };
        if status == AuthorizationStatus::Invalid {
            let detail = problem.unwrap_or_else(|| "the authorization is invalid".into());
            return AcmeError::Validation {
                identifier: authz.identifier().to_string(),
                challenge,
                detail,
            };
        }
    }
    let detail = match error {
        Some(Error::Api(problem)) => problem_text(&problem),
        Some(e) => sanitize(&e.to_string()),
        None => "no reason given".into(),
    };
    AcmeError::OrderInvalid {
        names: names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
        detail,
    }
}

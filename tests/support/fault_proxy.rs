//! A fault proxy between gpufleet and the real test API server: a TLS server on 127.0.0.1
//! that passes each request on to the API server (through a kube client of its own, as the
//! server's admin) unless a fault the test set answers it instead: a watch that expires
//! (410), throttling (429 with `Retry-After`), a server error (500, 503), a refusal (401,
//! 403), a kind not served (404); and, chosen when it starts, a certificate that does not fit
//! (signed by an authority the kubeconfig does not trust, expired, or for another host
//! name). So the client under test is gpufleet's own, whole: its kubeconfig, TLS, watches
//! and retries meet answers a real server gives.
//!
//! It records every request it sees (method, resource, whether a watch, its query, what it
//! answered), for tests that count requests (LISTs per minute) or check what was asked
//! (watch bookmarks).
#![allow(dead_code)]

use base64::Engine as _;
use http_body_util::BodyExt as _;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, date_time_ymd};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The certificate the proxy presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certificate {
    /// For 127.0.0.1, signed by the authority its kubeconfig names: it fits.
    Good,
    /// Signed by an authority the kubeconfig does not name (`x509: certificate signed by
    /// unknown authority`).
    UnknownAuthority,
    /// Signed by the right authority, but it expired in 2021.
    Expired,
    /// Signed by the right authority, for `apiserver.elsewhere.example` only.
    OtherHost,
}

/// The host name [`Certificate::OtherHost`] is for.
pub const OTHER_HOST: &str = "apiserver.elsewhere.example";

/// What a fault answers instead of the API server.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A watch that ends at once with an `ERROR` event `410 Expired` (`too old resource
    /// version`), as a server whose watch cache has moved past the watch's resourceVersion.
    Gone,
    /// An HTTP status with a Kubernetes `Status` body, and `Retry-After` (seconds) when given.
    Status {
        code: u16,
        reason: &'static str,
        message: String,
        retry_after: Option<u64>,
    },
    /// An HTTP status with a plain-text body, as API priority and fairness answers 429:
    /// `Too many requests, please try again later.` with `Retry-After`.
    Text {
        code: u16,
        body: String,
        retry_after: Option<u64>,
    },
}

impl Answer {
    /// 429 as API priority and fairness sends it: plain text, `Retry-After: seconds`.
    pub fn throttled(seconds: u64) -> Answer {
        Answer::Text {
            code: 429,
            body: "Too many requests, please try again later.\n".into(),
            retry_after: Some(seconds),
        }
    }

    /// A `Status` answer without `Retry-After`.
    pub fn status(code: u16, reason: &'static str, message: impl Into<String>) -> Answer {
        Answer::Status {
            code,
            reason,
            message: message.into(),
            retry_after: None,
        }
    }
}

/// A fault: which requests it answers, and how.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Only requests for this resource (its plural, `baremetalhosts`); `None`: every one.
    pub resource: Option<String>,
    /// Only watches (`Some(true)`) or only the rest (`Some(false)`); `None`: both.
    pub watch: Option<bool>,
    pub answer: Answer,
}

impl Fault {
    /// Answers every request with `answer`.
    pub fn every(answer: Answer) -> Fault {
        Fault {
            resource: None,
            watch: None,
            answer,
        }
    }

    /// Answers the requests for `resource` (a plural) with `answer`.
    pub fn on(resource: &str, answer: Answer) -> Fault {
        Fault {
            resource: Some(resource.into()),
            watch: None,
            answer,
        }
    }

    /// Answers only the watches of `resource` (every resource for `None`).
    pub fn watches(resource: Option<&str>, answer: Answer) -> Fault {
        Fault {
            resource: resource.map(str::to_string),
            watch: Some(true),
            answer,
        }
    }

    fn answers(&self, seen: &Seen) -> bool {
        self.resource
            .as_deref()
            .is_none_or(|r| seen.resource.as_deref() == Some(r))
            && self.watch.is_none_or(|w| w == seen.watch)
    }
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The resource asked for (its plural), when the path names one.
    pub resource: Option<String>,
    /// Whether it is a watch (`watch=true`, or `watch=1`).
    pub watch: bool,
    /// Whether it names one object (`…/baremetalhosts/gpu-01`) rather than the collection.
    pub named: bool,
    /// When it arrived.
    pub at: Instant,
    /// The status a fault answered with; `None` when it was passed on.
    pub faulted: Option<u16>,
}

impl Seen {
    /// A LIST: a GET of a collection that is not a watch.
    pub fn is_list(&self) -> bool {
        self.method == "GET" && !self.watch && !self.named && self.resource.is_some()
    }
}

struct State {
    faults: Vec<Fault>,
    seen: Vec<Seen>,
    /// Bumped to end every watch stream passed on so far.
    cut: tokio::sync::watch::Sender<u64>,
}

impl Default for State {
    fn default() -> Self {
        State {
            faults: Vec::new(),
            seen: Vec::new(),
            cut: tokio::sync::watch::channel(0).0,
        }
    }
}

/// A watch's answer, passed on until the proxy cuts its watches ([`FaultProxy::cut_watches`]),
/// as an API server ends every watch of a kind whose CRD is deleted.
struct Cuttable {
    inner: Body,
    cut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
}

impl http_body::Body for Cuttable {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.cut.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        std::pin::Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map(|frame| frame.map(|f| f.map_err(Into::into)))
    }
}

/// The proxy; stopped when dropped.
pub struct FaultProxy {
    pub addr: SocketAddr,
    /// The authority a kubeconfig for the proxy trusts, PEM.
    ca_pem: String,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `(resource, named)` of an API path: `/api/v1/namespaces/ns/pods/p` → `(pods, true)`,
/// `/apis/metal3.io/v1alpha1/baremetalhosts` → `(baremetalhosts, false)`.
fn resource_of(path: &str) -> (Option<String>, bool) {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match parts.as_slice() {
        ["api", _version, rest @ ..] => rest,
        ["apis", _group, _version, rest @ ..] => rest,
        _ => return (None, false),
    };
    let rest = match rest {
        ["namespaces", _ns, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    match rest {
        [] => (None, false),
        [resource] => (Some(resource.to_string()), false),
        [resource, ..] => (Some(resource.to_string()), true),
    }
}

fn certificates(
    kind: Certificate,
) -> (String, rustls::pki_types::CertificateDer<'static>, KeyPair) {
    let authority = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("a CA key");
        let cert = params.self_signed(&key).expect("a CA certificate");
        (cert.pem(), Issuer::new(params, key))
    };
    let (trusted_pem, trusted) = authority("gpufleet fault proxy CA");
    let (_, stranger) = authority("someone else's CA");
    let names = match kind {
        Certificate::OtherHost => vec![OTHER_HOST.to_string()],
        _ => vec!["127.0.0.1".to_string(), "localhost".to_string()],
    };
    let mut params = CertificateParams::new(names).expect("leaf params");
    if kind == Certificate::Expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().expect("a leaf key");
    let issuer = match kind {
        Certificate::UnknownAuthority => &stranger,
        _ => &trusted,
    };
    let leaf = params.signed_by(&key, issuer).expect("a leaf certificate");
    (trusted_pem, leaf.der().clone(), key)
}

type Body = kube::client::Body;

/// What the proxy answers with: an answer of its own or the API server's, or a watch it can
/// cut.
type Answered = http_body_util::Either<Body, Cuttable>;

fn answer(answer: &Answer) -> http::Response<Body> {
    let (code, content_type, body, retry_after) = match answer {
        Answer::Gone => {
            let event = serde_json::json!({"type": "ERROR", "object": {"kind": "Status",
                "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "too old resource version: 1 (4242)", "reason": "Expired",
                "code": 410}});
            (200, "application/json", format!("{event}\n"), None)
        }
        Answer::Status {
            code,
            reason,
            message,
            retry_after,
        } => {
            let mut status = serde_json::json!({"kind": "Status", "apiVersion": "v1",
                "metadata": {}, "status": "Failure", "message": message, "reason": reason,
                "details": {}, "code": code});
            if let Some(s) = retry_after {
                status["details"]["retryAfterSeconds"] = serde_json::json!(s);
            }
            (*code, "application/json", status.to_string(), *retry_after)
        }
        Answer::Text {
            code,
            body,
            retry_after,
        } => (
            *code,
            "text/plain; charset=utf-8",
            body.clone(),
            *retry_after,
        ),
    };
    let mut response = http::Response::builder()
        .status(code)
        .header(http::header::CONTENT_TYPE, content_type);
    if let Some(s) = retry_after {
        response = response.header(http::header::RETRY_AFTER, s.to_string());
    }
    response
        .body(Body::from(body.into_bytes()))
        .expect("a response")
}

/// Passes `request` on to the API server through `upstream`, streaming the answer back.
async fn pass_on(
    upstream: &kube::Client,
    request: http::Request<hyper::body::Incoming>,
) -> http::Response<Body> {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let mut forward = http::Request::builder().method(parts.method).uri(
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
    );
    for (name, value) in &parts.headers {
        // The proxy's own connection and credentials are not the API server's.
        if !matches!(
            name.as_str(),
            "host" | "authorization" | "connection" | "transfer-encoding" | "content-length"
        ) {
            forward = forward.header(name, value);
        }
    }
    let forward = forward.body(Body::from(bytes)).expect("a request");
    match upstream.send(forward).await {
        Ok(response) => response,
        Err(e) => http::Response::builder()
            .status(502)
            .body(Body::from(format!("fault proxy: {e}").into_bytes()))
            .expect("a response"),
    }
}

impl FaultProxy {
    /// Starts a proxy to the API server `upstream` reaches, presenting `certificate`.
    pub async fn start(upstream: kube::Client, certificate: Certificate) -> FaultProxy {
        let (ca_pem, leaf, key) = certificates(certificate);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("the proxy's certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = shared.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |request: http::Request<_>| {
                        let state = state.clone();
                        let upstream = upstream.clone();
                        async move {
                            let path = request.uri().path().to_string();
                            let query = request.uri().query().unwrap_or_default().to_string();
                            let (resource, named) = resource_of(&path);
                            let watch = query
                                .split('&')
                                .any(|p| p == "watch=true" || p == "watch=1");
                            let mut seen = Seen {
                                method: request.method().to_string(),
                                path,
                                query,
                                resource,
                                watch,
                                named,
                                at: Instant::now(),
                                faulted: None,
                            };
                            let fault = {
                                let state = state.lock().unwrap();
                                state.faults.iter().find(|f| f.answers(&seen)).cloned()
                            };
                            let response = match &fault {
                                Some(fault) => {
                                    let response = answer(&fault.answer);
                                    seen.faulted = Some(response.status().as_u16());
                                    response.map(http_body_util::Either::Left)
                                }
                                None if seen.watch => {
                                    let mut cut = state.lock().unwrap().cut.subscribe();
                                    let response = pass_on(&upstream, request).await;
                                    response.map(|inner| {
                                        http_body_util::Either::Right(Cuttable {
                                            inner,
                                            cut: Box::pin(async move {
                                                let _ = cut.changed().await;
                                            }),
                                        })
                                    })
                                }
                                None => pass_on(&upstream, request)
                                    .await
                                    .map(http_body_util::Either::Left),
                            };
                            state.lock().unwrap().seen.push(seen);
                            Ok::<http::Response<Answered>, std::convert::Infallible>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        FaultProxy {
            addr,
            ca_pem,
            state,
            task,
        }
    }

    /// Answers what `faults` match (the first that does) instead of the API server; an
    /// empty list passes everything on.
    pub fn set(&self, faults: Vec<Fault>) {
        self.state.lock().unwrap().faults = faults;
    }

    /// Ends every watch passed on so far, as an API server ends the watches of a kind whose
    /// CustomResourceDefinition is deleted; watches started after go on.
    pub fn cut_watches(&self) {
        self.state.lock().unwrap().cut.send_modify(|n| *n += 1);
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Forgets the requests seen so far.
    pub fn forget(&self) {
        self.state.lock().unwrap().seen.clear();
    }

    /// How many LISTs of `resource` were seen.
    pub fn lists(&self, resource: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.is_list() && s.resource.as_deref() == Some(resource))
            .count()
    }

    /// Writes a kubeconfig to `path` whose context `context` reaches the API server through
    /// this proxy, trusting the proxy's authority, with a token the proxy does not need.
    pub fn write_kubeconfig(&self, path: &Path, context: &str) {
        let ca = base64::engine::general_purpose::STANDARD.encode(&self.ca_pem);
        let text = format!(
            "apiVersion: v1\nkind: Config\n\
             clusters: [{{name: {context}, cluster: {{server: 'https://{}', certificate-authority-data: {ca}}}}}]\n\
             users: [{{name: {context}-user, user: {{token: through-the-fault-proxy}}}}]\n\
             contexts: [{{name: {context}, context: {{cluster: {context}, user: {context}-user}}}}]\n\
             current-context: {context}\n",
            self.addr
        );
        std::fs::write(path, text).expect("the kubeconfig is written");
    }
}

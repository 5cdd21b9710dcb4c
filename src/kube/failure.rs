//! A watch's failure as the operator needs it: what kind ([`Trouble`]), the server's answer
//! or the client's error in words, with the fix where one helps (as kubectl says an x509
//! failure, a refused token, a forbidden verb), and how long the server asked to wait; and
//! the retry policy that spaces the attempts so a struggling server is never stormed.

use crate::decode::FleetKind;
use crate::event::Trouble;
use kube::runtime::utils::Backoff as _;
use kube::runtime::watcher::{self, DefaultBackoff};
use std::time::Duration;
use tokio::time::Instant;

/// How long a watch must have stayed healthy (listed, and no failure since) before its
/// retry pauses start over from the shortest: client-go's reflector resets its backoff after
/// the same two minutes. A watch that fails again sooner (a server that answers every watch
/// `410 Gone`) keeps backing off across its lists and watches.
pub const HEALTHY_RESET: Duration = Duration::from_secs(120);

/// The pause, at least, before a failure no retry helps ([`Trouble::is_permanent`]: refused
/// credentials, a forbidden verb, a certificate that does not fit, a kind not served) is
/// tried again: renewed credentials, a new RoleBinding or a reinstalled CRD are found within
/// a minute, and a server is never asked again and again in vain.
pub const PERMANENT_PAUSE: Duration = Duration::from_secs(60);

/// The longest `Retry-After` honoured: a server asking for more is asked again after this
/// (a hostile or confused answer cannot stop a watch for hours).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The pauses between a watch's attempts, across its lists and watches: kube-runtime's
/// watcher backoff ([`DefaultBackoff`], client-go's reflector backoff: 0.8 s doubling up to
/// 30 s, each with a random jitter of up to as much again, so watches do not retry in
/// lockstep), started over only once the watch has stayed healthy for [`HEALTHY_RESET`];
/// at least the server's `Retry-After` (up to [`MAX_RETRY_AFTER`]); at least
/// [`PERMANENT_PAUSE`] for a failure no retry helps. It never gives up.
#[derive(Default)]
pub struct RetryPolicy {
    backoff: DefaultBackoff,
    healthy_since: Option<Instant>,
}

impl RetryPolicy {
    /// The watch listed its kind whole at `at`: healthy from then, until it fails.
    pub fn synced(&mut self, at: Instant) {
        self.healthy_since = Some(at);
    }

    /// The pause before the next attempt after `failure` at `now`.
    pub fn pause(&mut self, failure: &Failure, now: Instant) -> Duration {
        if self
            .healthy_since
            .take()
            .is_some_and(|since| now.saturating_duration_since(since) >= HEALTHY_RESET)
        {
            self.backoff.reset();
        }
        let mut pause = self.backoff.next().unwrap_or(super::watch::LONGEST_PAUSE);
        if failure.trouble.is_permanent() {
            pause = pause.max(PERMANENT_PAUSE);
        }
        if let Some(asked) = failure.retry_after {
            pause = pause.max(asked.min(MAX_RETRY_AFTER));
        }
        pause
    }
}

/// One failure of a watch, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub trouble: Trouble,
    /// One line: the answer or the error, and the fix where one helps.
    pub reason: String,
    /// What the server asked to wait (`Retry-After`, or its Status's `retryAfterSeconds`).
    pub retry_after: Option<Duration>,
}

/// Who and where a watch asks, for the words of a refusal.
#[derive(Clone, Debug, Default)]
pub struct Asking {
    /// The kube context.
    pub context: Option<String>,
    /// The kubeconfig user (or the impersonated one).
    pub user: Option<String>,
    /// What the client authenticates with: `the token`, `the client certificate`, …
    pub credentials: Option<String>,
    /// The namespace watched; `None` for a cluster-scoped kind or every namespace.
    pub namespace: Option<String>,
}

impl Asking {
    fn on_context(&self) -> String {
        self.context
            .as_deref()
            .map(|c| format!(" (context {c})"))
            .unwrap_or_default()
    }
}

/// `metal3.io/v1alpha1` (or `v1` for the core group) of kind `K`.
pub fn api_version<K: FleetKind>() -> String {
    let (group, version) = (K::group(&()), K::version(&()));
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// `baremetalhosts.metal3.io` of kind `K`, as RBAC names it.
fn resource<K: FleetKind>() -> String {
    let group = K::group(&());
    if group.is_empty() {
        K::plural(&()).to_string()
    } else {
        format!("{}.{group}", K::plural(&()))
    }
}

/// Reads a watch's error: its kind of trouble, what to say, and what the server asked to
/// wait. A `404` is read here as any other answer ([`Trouble::NotServed`]); whether the kind
/// is optional is the caller's business.
pub fn classify<K: FleetKind>(error: &watcher::Error, asking: &Asking) -> Failure {
    let (inner, verb) = match error {
        watcher::Error::InitialListFailed(e) => (Some(e), "list"),
        watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => (Some(e), "watch"),
        watcher::Error::WatchError(status) => return answered::<K>(status, "watch", asking),
        watcher::Error::NoResourceVersion => {
            return Failure {
                trouble: Trouble::Other,
                reason: "the server's list carried no resourceVersion: it cannot be watched".into(),
                retry_after: None,
            };
        }
    };
    match inner {
        Some(kube::Error::Api(status)) => answered::<K>(status, verb, asking),
        Some(e) => match certificate_problem(e) {
            Some(problem) => Failure {
                trouble: Trouble::Certificate,
                reason: certificate_reason(&problem, asking),
                retry_after: None,
            },
            None => Failure {
                trouble: Trouble::Unreachable,
                reason: chain(e),
                retry_after: None,
            },
        },
        None => Failure {
            trouble: Trouble::Other,
            reason: error.to_string(),
            retry_after: None,
        },
    }
}

/// A failure the server answered with `status`.
fn answered<K: FleetKind>(status: &kube::core::Status, verb: &str, asking: &Asking) -> Failure {
    let retry_after = status
        .details
        .as_ref()
        .map(|d| d.retry_after_seconds)
        .filter(|s| *s > 0)
        .map(|s| Duration::from_secs(u64::from(s)));
    let said = status.message.trim();
    let (trouble, reason) = match status.code {
        410 => (
            Trouble::Expired,
            format!("the watch fell too far behind ({said})"),
        ),
        429 => (Trouble::Throttled, format!("the API server says: {said}")),
        401 => (
            Trouble::Unauthorized,
            format!(
                "{} of user {}{} was refused; log in again or renew it in the kubeconfig",
                asking.credentials.as_deref().unwrap_or("the token"),
                asking.user.as_deref().unwrap_or("?"),
                asking.on_context()
            ),
        ),
        403 => (Trouble::Forbidden, forbidden::<K>(said, verb, asking)),
        404 => (
            Trouble::NotServed,
            format!(
                "{} ({}) is not served{} (404)",
                K::FLEET_KIND,
                api_version::<K>(),
                asking.on_context()
            ),
        ),
        code @ 500..=599 => (
            Trouble::ServerError { code },
            format!(
                "the API server says: {}: {said}",
                reason_or(&status.reason, code)
            ),
        ),
        code => (
            Trouble::Other,
            format!("{code} {}: {said}", reason_or(&status.reason, code)),
        ),
    };
    Failure {
        trouble,
        reason,
        retry_after,
    }
}

/// The status's reason, or the HTTP reason phrase of `code` when the body gave none.
fn reason_or(reason: &str, code: u16) -> String {
    match reason {
        "" | "Failed to parse error data" => http::StatusCode::from_u16(code)
            .ok()
            .and_then(|c| c.canonical_reason())
            .unwrap_or("error")
            .replace(' ', ""),
        reason => reason.to_string(),
    }
}

/// `user U cannot list baremetalhosts.metal3.io in namespace N`, and what gpufleet needs. The user is the one the server names (`User "u" cannot …`), else the
/// kubeconfig's.
fn forbidden<K: FleetKind>(said: &str, verb: &str, asking: &Asking) -> String {
    let user = said
        .split_once("User \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(user, _)| user.to_string())
        .or_else(|| asking.user.clone())
        .unwrap_or_else(|| "?".into());
    let verb = said
        .split_once("\" cannot ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or(verb);
    let resource = resource::<K>();
    let place = match &asking.namespace {
        Some(ns) => format!("in namespace {ns}"),
        None if K::FLEET_KIND.is_namespaced() => "in any namespace".to_string(),
        None => "at cluster scope".to_string(),
    };
    format!(
        "user {user} cannot {verb} {resource} {place}{}; gpufleet needs get, list and watch \
         on {resource}: ask for a Role (or ClusterRole) that grants them, or use a context \
         that has them",
        asking.on_context()
    )
}

/// What was wrong with the server's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Not signed by an authority the kubeconfig trusts.
    UnknownAuthority,
    /// Past its `notAfter` (or before its `notBefore`): when, and the time checked.
    Expired { not_after: Option<String> },
    /// For other names than the one connected to.
    OtherName {
        expected: String,
        presented: Vec<String>,
    },
    /// Anything else rustls refused about it.
    Other(String),
}

/// The certificate error somewhere in `error`'s chain of causes, if any: rustls's, as the
/// TLS connector wraps it in an I/O error (whose `source()` skips it, so each I/O error's
/// own error is looked into too).
pub fn certificate_problem(
    error: &(dyn std::error::Error + 'static),
) -> Option<CertificateProblem> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = rustls_problem(e) {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = certificate_problem(inner)
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}

fn rustls_problem(e: &(dyn std::error::Error + 'static)) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(cert) = e.downcast_ref::<rustls::Error>()? else {
        return None;
    };
    let when = |t: &rustls::pki_types::UnixTime| {
        jiff::Timestamp::from_second(t.as_secs() as i64)
            .map(|t| t.to_string())
            .ok()
    };
    Some(match cert {
        C::UnknownIssuer | C::BadSignature => CertificateProblem::UnknownAuthority,
        C::Expired | C::NotValidYet => CertificateProblem::Expired { not_after: None },
        C::ExpiredContext { not_after, .. } => CertificateProblem::Expired {
            not_after: when(not_after),
        },
        C::NotValidYetContext { .. } => CertificateProblem::Expired { not_after: None },
        C::NotValidForName => CertificateProblem::OtherName {
            expected: String::new(),
            presented: Vec::new(),
        },
        C::NotValidForNameContext {
            expected,
            presented,
        } => CertificateProblem::OtherName {
            expected: server_name(expected),
            presented: presented.iter().map(|p| presented_name(p)).collect(),
        },
        other => CertificateProblem::Other(format!("{other:?}")),
    })
}

/// `127.0.0.1` or `api.example` of a rustls server name.
fn server_name(name: &rustls::pki_types::ServerName<'_>) -> String {
    match name {
        rustls::pki_types::ServerName::DnsName(d) => d.as_ref().to_string(),
        rustls::pki_types::ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// A name as rustls presents it (`DnsName("a.example")`, `IpAddress(…)`), as people write it.
fn presented_name(text: &str) -> String {
    text.split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map(|inner| inner.trim_matches('"').to_string())
        .unwrap_or_else(|| text.to_string())
}

/// kubectl's words for an x509 failure, and the fix.
fn certificate_reason(problem: &CertificateProblem, asking: &Asking) -> String {
    let on = asking.on_context();
    match problem {
        CertificateProblem::UnknownAuthority => format!(
            "x509: certificate signed by unknown authority{on}: the API server's certificate \
             is not signed by the kubeconfig's certificate-authority for this cluster; check \
             the server address, or update certificate-authority-data (the cluster's CA may \
             have been rotated)"
        ),
        CertificateProblem::Expired { not_after } => format!(
            "x509: certificate has expired or is not yet valid{}{on}: renew the API server's \
             certificate (kubeadm certs renew), or check this machine's clock",
            not_after
                .as_deref()
                .map(|t| format!(" (valid until {t})"))
                .unwrap_or_default()
        ),
        CertificateProblem::OtherName {
            expected,
            presented,
        } => format!(
            "x509: certificate is valid for {}, not {expected}{on}: connect by a name the \
             certificate carries (the kubeconfig's server), or set tls-server-name for this \
             cluster in the kubeconfig",
            if presented.is_empty() {
                "other names".to_string()
            } else {
                presented.join(", ")
            }
        ),
        CertificateProblem::Other(what) => {
            format!("x509: the API server's certificate was refused ({what}){on}")
        }
    }
}

/// An error and its causes, each said once: `error sending request: … : connection refused`.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

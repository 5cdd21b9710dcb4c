//! Kube clients as kubectl users expect: the kubeconfig read as kubectl reads it
//! ([`read_kubeconfig`]), `--context`, exec plugins and tokens as kube supports them, `--as`
//! impersonation and `--request-timeout`.
//!
//! Building a client runs the user's exec credential plugin and sets up TLS, both of which
//! can block for ever (a plugin waiting for a login that never comes). So a client is built
//! on a thread of its own ([`Attempt`]), under the caller's deadline and with a description
//! of the step it is on, and the caller never waits past its deadline: the CLI gives up with
//! what it was waiting for, the dashboard keeps answering keys and shows it.

use super::answer::RetryAfterLayer;
use super::read_only::ReadOnlyLayer;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Where and as whom to connect.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    /// Context of the platform (management) cluster; default: the current context.
    pub context: Option<String>,
    /// Which kube context reaches each Metal3 cluster holding BareMetalHosts.
    pub bmh_contexts: ContextMap,
    /// Namespace of the BareMetalHosts; default: the providers' `clusterRef.namespace`.
    pub bmh_namespace: Option<String>,
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    /// Timeout of connects and of each non-watch request.
    pub request_timeout: Option<Duration>,
    /// Build clients that refuse every verb but get, list and watch.
    pub read_only: bool,
}

impl ClusterOptions {
    /// The timeout of connects and requests: `--request-timeout`, else the default.
    pub fn timeout(&self) -> Duration {
        self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT)
    }
}

/// Which kube context reaches each Metal3 cluster (a provider's
/// `spec.metal3.clusterRef.cluster`): `--bmh-context CLUSTER=CONTEXT` (repeatable) and the
/// settings file's `[clusters]` table name it per cluster; a bare `--bmh-context CONTEXT` is
/// the context of every cluster not named. Otherwise a cluster is reached through a context
/// named like it when the kubeconfig has one, else through the platform's context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextMap {
    pub by_cluster: BTreeMap<String, String>,
    /// A bare `--bmh-context CONTEXT`.
    pub default: Option<String>,
}

impl ContextMap {
    /// Reads `--bmh-context` values: `CLUSTER=CONTEXT`, or a bare `CONTEXT` (at most one).
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut map = ContextMap::default();
        for value in values {
            match value.split_once('=') {
                Some((cluster, context)) if !cluster.is_empty() && !context.is_empty() => {
                    if let Some(before) = map
                        .by_cluster
                        .insert(cluster.to_string(), context.to_string())
                        .filter(|b| b != context)
                    {
                        return Err(format!(
                            "--bmh-context names two contexts for cluster {cluster}: {before} and {context}"
                        ));
                    }
                }
                Some(_) => {
                    return Err(format!(
                        "--bmh-context {value:?}: write CLUSTER=CONTEXT, or a bare CONTEXT"
                    ));
                }
                None if value.is_empty() => {}
                None => {
                    if let Some(before) = map.default.replace(value.to_string())
                        && before != value
                    {
                        return Err(format!(
                            "--bmh-context is given two bare contexts ({before} and {value}); \
                             name the cluster of each: CLUSTER=CONTEXT"
                        ));
                    }
                }
            }
        }
        Ok(map)
    }

    /// This map over `settings` (a cluster named here wins).
    pub fn over(mut self, settings: &BTreeMap<String, String>) -> Self {
        for (cluster, context) in settings {
            self.by_cluster
                .entry(cluster.clone())
                .or_insert_with(|| context.clone());
        }
        self
    }
}

/// Why a client could not be built (a kubeconfig problem, an exec plugin that failed or did
/// not answer; nothing was sent to a cluster yet).
#[derive(Clone, Debug)]
pub struct ClientError(pub String);

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClientError {}

/// A client and what it was built from.
#[derive(Clone)]
pub struct ClusterClient {
    pub client: Client,
    /// The kubeconfig context used.
    pub context: String,
    /// Who the requests are sent as (the impersonated user, or the kubeconfig user).
    pub user: String,
    pub read_only: bool,
    pub request_timeout: Option<Duration>,
}

/// The User-Agent of every request: `gpufleet/<version>`.
pub const USER_AGENT: &str = concat!("gpufleet/", env!("CARGO_PKG_VERSION"));

/// Default timeout of each non-watch request when `--request-timeout` is not given.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the kubeconfig as kubectl does: `--kubeconfig` (which must exist), else every file
/// `KUBECONFIG` lists, merged (missing ones skipped, the first to set a value wins), else
/// `~/.kube/config`. `current-context: ""` (what `kubectl config unset current-context`
/// leaves) means no current context, not one named "".
///
/// Source: <https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files>.
pub fn read_kubeconfig(explicit: Option<&Path>) -> Result<Kubeconfig, ClientError> {
    read_kubeconfig_from(
        explicit,
        std::env::var_os("KUBECONFIG"),
        std::env::var_os("HOME").map(PathBuf::from),
    )
}

/// [`read_kubeconfig`] with the environment given: the value of `KUBECONFIG` and the home
/// directory.
pub fn read_kubeconfig_from(
    explicit: Option<&Path>,
    kubeconfig_env: Option<OsString>,
    home: Option<PathBuf>,
) -> Result<Kubeconfig, ClientError> {
    if let Some(path) = explicit {
        return read_one(path);
    }
    let listed: Vec<PathBuf> = kubeconfig_env
        .as_deref()
        .map(|v| {
            std::env::split_paths(v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if !listed.is_empty() {
        let mut merged: Option<Kubeconfig> = None;
        for path in listed.iter().filter(|p| p.exists()) {
            let next = read_one(path)?;
            merged = Some(match merged {
                None => next,
                Some(first) => first.merge(next).map_err(|e| {
                    ClientError(format!(
                        "cannot merge the kubeconfig {} into those before it: {e}",
                        path.display()
                    ))
                })?,
            });
        }
        return merged.ok_or_else(|| {
            ClientError(format!(
                "none of the kubeconfig files KUBECONFIG lists exists: {}",
                listed
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
    }
    let default = home
        .map(|h| h.join(".kube").join("config"))
        .ok_or_else(|| ClientError("no kubeconfig: KUBECONFIG and HOME are not set".into()))?;
    if !default.exists() {
        return Err(ClientError(format!(
            "no kubeconfig: KUBECONFIG is not set and {} does not exist; pass --kubeconfig",
            default.display()
        )));
    }
    read_one(&default)
}

/// One kubeconfig file, with an empty `current-context` read as none.
fn read_one(path: &Path) -> Result<Kubeconfig, ClientError> {
    let mut config = Kubeconfig::read_from(path).map_err(|e| {
        ClientError(format!(
            "cannot read the kubeconfig {}: {e}",
            path.display()
        ))
    })?;
    normalize(&mut config);
    Ok(config)
}

/// What kubectl reads as unset: an empty `current-context`.
fn normalize(config: &mut Kubeconfig) {
    if config.current_context.as_deref() == Some("") {
        config.current_context = None;
    }
}

/// Parses kubeconfig text as [`read_kubeconfig`] reads each file. For tests and fuzzing.
pub fn parse_kubeconfig(text: &str) -> Result<Kubeconfig, ClientError> {
    let mut config =
        Kubeconfig::from_yaml(text).map_err(|e| ClientError(format!("not a kubeconfig: {e}")))?;
    normalize(&mut config);
    Ok(config)
}

/// The exec credential plugin a kubeconfig user runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecPlugin {
    pub command: String,
    /// The kubeconfig's `installHint`, shown when the command is missing.
    pub install_hint: Option<String>,
}

/// What one client is built from: the kubeconfig and the context chosen in it. Making a plan
/// only reads; nothing runs yet.
#[derive(Clone, Debug)]
pub struct ClientPlan {
    kubeconfig: Kubeconfig,
    pub context: String,
    /// The kubeconfig user of the context.
    pub kube_user: String,
    pub exec: Option<ExecPlugin>,
}

impl ClientPlan {
    /// The plan for `context` (default: the current context; an empty name counts as none).
    pub fn new(kubeconfig: &Kubeconfig, context: Option<&str>) -> Result<Self, ClientError> {
        let names: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let context_name = context
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .or_else(|| kubeconfig.current_context.clone())
            .ok_or_else(|| {
                ClientError(format!(
                    "the kubeconfig sets no current context; pass --context ({})",
                    if names.is_empty() {
                        "it has no contexts".to_string()
                    } else {
                        format!("it has: {}", names.join(", "))
                    }
                ))
            })?;
        let Some(named) = kubeconfig.contexts.iter().find(|c| c.name == context_name) else {
            let closest = crate::fleet::names::closest(&context_name, names.iter().copied());
            return Err(ClientError(format!(
                "the kubeconfig has no context {context_name:?}; {}",
                if closest.is_empty() {
                    format!("it has: {}", names.join(", "))
                } else {
                    format!("closest: {}", closest.join(", "))
                }
            )));
        };
        let kube_user = named
            .context
            .as_ref()
            .and_then(|c| c.user.clone())
            .unwrap_or_default();
        let exec = kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == kube_user)
            .and_then(|a| a.auth_info.as_ref())
            .and_then(|a| a.exec.as_ref())
            .map(|e| ExecPlugin {
                command: e.command.clone().unwrap_or_default(),
                install_hint: e.install_hint.clone(),
            });
        Ok(ClientPlan {
            kubeconfig: kubeconfig.clone(),
            context: context_name,
            kube_user,
            exec,
        })
    }

    /// Who requests are sent as: the impersonated user, else the kubeconfig user.
    pub fn user(&self, options: &ClusterOptions) -> String {
        options
            .impersonate
            .clone()
            .unwrap_or_else(|| self.kube_user.clone())
    }

    /// What building this client runs that may take long.
    fn step(&self) -> String {
        match &self.exec {
            Some(plugin) => format!(
                "the exec credential plugin {:?} of user {} (context {})",
                plugin.command, self.kube_user, self.context
            ),
            None => format!("the TLS set-up of context {}", self.context),
        }
    }

    /// Builds the client: runs the exec plugin and sets up TLS. It may block for ever; call
    /// it through [`Attempt`].
    async fn build(self, options: &ClusterOptions) -> Result<ClusterClient, ClientError> {
        let context = self.context.clone();
        let failed = |e: &(dyn std::error::Error + 'static)| self.explain(e);
        let mut config = Config::from_custom_kubeconfig(
            self.kubeconfig.clone(),
            &KubeConfigOptions {
                context: Some(context.clone()),
                ..KubeConfigOptions::default()
            },
        )
        .await
        .map_err(|e| failed(&e))?;
        if let Some(user) = &options.impersonate {
            config.auth_info.impersonate = Some(user.clone());
        }
        if !options.impersonate_groups.is_empty() {
            config.auth_info.impersonate_groups = Some(options.impersonate_groups.clone());
        }
        let timeout = options.timeout();
        config.connect_timeout = Some(timeout);
        // No silent retries inside the client (kube's default retries 429, 503 and 504 up to
        // 15 times, for minutes, while a watch shows "syncing 0"): a watch says each answer
        // and waits as its own retry policy says (`failure::RetryPolicy`), and a write
        // reports the answer it met.
        config.default_retry = false;
        // Watches hear from a healthy server every `WATCH_TIMEOUT_SECS`; silence past this
        // is a server that is gone.
        config.read_timeout = Some(super::watch::READ_TIMEOUT);
        // So gpufleet's requests and writes can be told apart in the API server's audit log.
        config.headers.push((
            http::header::USER_AGENT,
            http::HeaderValue::from_static(USER_AGENT),
        ));
        // The server's `Retry-After` reaches the watch as its Status's `retryAfterSeconds`
        // (kube keeps an error's body, not its headers).
        let builder = ClientBuilder::try_from(config)
            .map_err(|e| failed(&e))?
            .with_layer(&RetryAfterLayer);
        let client = if options.read_only {
            builder.with_layer(&ReadOnlyLayer).build()
        } else {
            builder.build()
        };
        Ok(ClusterClient {
            client,
            user: self.user(options),
            context,
            read_only: options.read_only,
            request_timeout: Some(timeout),
        })
    }

    /// A build error as an operator can act on it: a missing or failing exec plugin is named
    /// with the kubeconfig's install hint; its output is never shown (it may hold a token).
    fn explain(&self, e: &(dyn std::error::Error + 'static)) -> ClientError {
        let plugin_error = chain(e).find_map(|s| s.downcast_ref::<kube::client::AuthError>());
        let message = match (plugin_error, &self.exec) {
            (Some(kube::client::AuthError::AuthExecStart(io)), Some(plugin)) => {
                let hint = plugin
                    .install_hint
                    .as_deref()
                    .map(|h| format!("; install hint: {}", h.trim()))
                    .unwrap_or_default();
                if io.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "the exec credential plugin {:?} of user {} was not found{hint}",
                        plugin.command, self.kube_user
                    )
                } else {
                    format!(
                        "the exec credential plugin {:?} of user {} could not start: {io}{hint}",
                        plugin.command, self.kube_user
                    )
                }
            }
            (Some(kube::client::AuthError::AuthExecRun { out, .. }), Some(plugin)) => {
                let said = String::from_utf8_lossy(&out.stderr);
                let said: String = said.trim().chars().take(400).collect();
                format!(
                    "the exec credential plugin {:?} of user {} failed ({}){}",
                    plugin.command,
                    self.kube_user,
                    out.status,
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!(": {said}")
                    }
                )
            }
            _ => chain(e)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": "),
        };
        ClientError(format!("context {}: {message}", self.context))
    }
}

/// What the user of `context` authenticates with, as a refusal names it: `the token`, `the
/// token file /path`, `the client certificate`, `the token of exec credential plugin "x"`,
/// `the password`, `no credentials`. Never the credentials themselves.
pub fn credentials(kubeconfig: &Kubeconfig, context: &str) -> String {
    let user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.as_deref());
    let Some(auth) = kubeconfig
        .auth_infos
        .iter()
        .find(|a| Some(a.name.as_str()) == user)
        .and_then(|a| a.auth_info.as_ref())
    else {
        return "no credentials".into();
    };
    if let Some(exec) = &auth.exec {
        return format!(
            "the token of exec credential plugin {:?}",
            exec.command.as_deref().unwrap_or_default()
        );
    }
    if auth.token.is_some() {
        return "the token".into();
    }
    if let Some(file) = &auth.token_file {
        return format!("the token file {file}");
    }
    if auth.client_certificate.is_some() || auth.client_certificate_data.is_some() {
        return "the client certificate".into();
    }
    if auth.auth_provider.is_some() {
        return "the auth-provider token".into();
    }
    if auth.password.is_some() {
        return "the password".into();
    }
    "no credentials".into()
}

/// An error and its sources.
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |e| e.source())
}

/// The platform client, the default Metal3 client (the platform's unless a bare
/// `--bmh-context` names another), and what it takes to reach each Metal3 cluster: clients
/// for other contexts are built when a provider first names their cluster, and shared by
/// clusters of one context. Every client is built with the same options, so read-only holds
/// for all of them.
#[derive(Clone)]
pub struct Clusters {
    pub platform: ClusterClient,
    pub metal3: ClusterClient,
    kubeconfig: Option<Kubeconfig>,
    options: ClusterOptions,
    by_context: Arc<Mutex<BTreeMap<String, Slot>>>,
    /// Each Metal3 cluster whose client was handed out, and its context.
    reached: Arc<Mutex<BTreeMap<String, String>>>,
}

/// A client being built on a thread of its own, shared by every caller that asks for its
/// context until it answers.
type Building = Shared<BoxFuture<'static, Result<ClusterClient, ClientError>>>;

/// One context's client: built, or being built. A build that does not answer by a caller's
/// deadline stays here, and the next caller waits for the same build: a hung exec plugin
/// costs one thread and one plugin process, not one per retry, and never holds up another
/// context.
enum Slot {
    Ready(ClusterClient),
    Building {
        answer: Building,
        /// What the build waits on ([`ClientPlan::step`]).
        step: String,
        started: Instant,
    },
}

impl Clusters {
    /// Clusters of ready clients and no kubeconfig to build more from: every Metal3 cluster
    /// is reached through the platform's context (for a test against a mock API server, or an
    /// embedder with its own clients).
    pub fn of(platform: ClusterClient, metal3: ClusterClient) -> Clusters {
        Clusters {
            platform,
            metal3,
            kubeconfig: None,
            options: ClusterOptions::default(),
            by_context: Arc::default(),
            reached: Arc::default(),
        }
    }

    /// The context that reaches Metal3 cluster `cluster` (empty: a provider naming none),
    /// and why: named for it, the bare `--bmh-context`, a context of its name, the
    /// platform's. `Err` when the context named for it is not in the kubeconfig: the
    /// cluster cannot be reached, and the message says so.
    pub fn context_for(&self, cluster: &str) -> Result<(String, &'static str), String> {
        let has = |name: &str| {
            self.kubeconfig
                .as_ref()
                .is_some_and(|k| k.contexts.iter().any(|c| c.name == name))
        };
        let map = &self.options.bmh_contexts;
        if let Some(context) = map.by_cluster.get(cluster) {
            return if has(context) || context == &self.platform.context {
                Ok((context.clone(), "named for it"))
            } else {
                let names = self
                    .kubeconfig
                    .iter()
                    .flat_map(|k| k.contexts.iter().map(|c| c.name.as_str()));
                let closest = crate::fleet::names::closest(context, names);
                Err(format!(
                    "the context {context:?} named for it is not in the kubeconfig{}",
                    if closest.is_empty() {
                        String::new()
                    } else {
                        format!("; closest: {}", closest.join(", "))
                    }
                ))
            };
        }
        if map.default.is_some() {
            return Ok((self.metal3.context.clone(), "--bmh-context"));
        }
        if !cluster.is_empty() && has(cluster) {
            return Ok((cluster.to_string(), "a context of its name"));
        }
        Ok((self.platform.context.clone(), "the platform's context"))
    }

    /// The client that reaches Metal3 cluster `cluster` (see [`Clusters::context_for`]),
    /// built on first use. The wait is bounded by the request timeout; a build still running
    /// then is kept, and the next call waits for it again rather than starting another (so
    /// the error says how long it has waited in all, and on what).
    pub async fn metal3_client(&self, cluster: &str) -> Result<ClusterClient, ClientError> {
        let client = self.metal3_client_of(cluster).await?;
        if let Ok(mut reached) = self.reached.lock() {
            reached.insert(cluster.to_string(), client.context.clone());
        }
        Ok(client)
    }

    /// Who asks through `client` (its context and user, and what it authenticates with),
    /// in `namespace` (`None`: every namespace, or a cluster-scoped kind): what a refusal
    /// names.
    pub fn asking(
        &self,
        client: &ClusterClient,
        namespace: Option<String>,
    ) -> super::failure::Asking {
        super::failure::Asking {
            context: Some(client.context.clone()),
            user: Some(client.user.clone()),
            credentials: self
                .kubeconfig
                .as_ref()
                .map(|k| credentials(k, &client.context)),
            namespace,
        }
    }

    /// Each Metal3 cluster whose client was handed out (named ones), with its context.
    pub fn reached(&self) -> Vec<(String, String)> {
        self.reached
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|(c, _)| !c.is_empty())
                    .map(|(c, x)| (c.clone(), x.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn metal3_client_of(&self, cluster: &str) -> Result<ClusterClient, ClientError> {
        let (context, _) = self.context_for(cluster).map_err(ClientError)?;
        if context == self.metal3.context {
            return Ok(self.metal3.clone());
        }
        if context == self.platform.context {
            return Ok(self.platform.clone());
        }
        let (answer, step, started) = {
            let mut slots = self.by_context.lock().map_err(|_| poisoned())?;
            match slots.get(&context) {
                Some(Slot::Ready(client)) => return Ok(client.clone()),
                Some(Slot::Building {
                    answer,
                    step,
                    started,
                }) => (answer.clone(), step.clone(), *started),
                None => {
                    let kubeconfig = self.kubeconfig.as_ref().ok_or_else(|| {
                        ClientError(format!("no kubeconfig to find context {context}"))
                    })?;
                    let plan = ClientPlan::new(kubeconfig, Some(&context))?;
                    let step = plan.step();
                    let answer = build_off_thread(plan, self.options.clone());
                    let started = Instant::now();
                    slots.insert(
                        context.clone(),
                        Slot::Building {
                            answer: answer.clone(),
                            step: step.clone(),
                            started,
                        },
                    );
                    (answer, step, started)
                }
            }
        };
        let deadline = Instant::now() + self.options.timeout();
        let answer = tokio::time::timeout_at(deadline, answer).await;
        let mut slots = self.by_context.lock().map_err(|_| poisoned())?;
        let ours = |slot: Option<&Slot>| matches!(slot, Some(Slot::Building { started: s, .. }) if *s == started);
        match answer {
            Ok(Ok(client)) => {
                slots.insert(context, Slot::Ready(client.clone()));
                Ok(client)
            }
            Ok(Err(e)) => {
                // Failed: the next call starts a new build.
                if ours(slots.get(&context)) {
                    slots.remove(&context);
                }
                Err(e)
            }
            Err(_) => Err(ClientError(format!(
                "no answer after {}s: waiting for {step}",
                started.elapsed().as_secs_f64().round()
            ))),
        }
    }

    /// What building the client of Metal3 cluster `cluster` waits on, and for how long,
    /// while it is being built (`waiting 12s for the exec credential plugin "…" of user u
    /// (context c)`); `None` once built, or before.
    pub fn waiting_for(&self, cluster: &str) -> Option<String> {
        let (context, _) = self.context_for(cluster).ok()?;
        let slots = self.by_context.lock().ok()?;
        match slots.get(&context)? {
            Slot::Building { step, started, .. } => Some(format!(
                "waiting {}s for {step}",
                started.elapsed().as_secs_f64().round()
            )),
            Slot::Ready(_) => None,
        }
    }
}

fn poisoned() -> ClientError {
    ClientError("a client build panicked".into())
}

/// Builds a client on a thread of its own (on the caller's runtime, where the client's
/// background tasks live): its exec plugin or TLS set-up may never return.
fn build_off_thread(plan: ClientPlan, options: ClusterOptions) -> Building {
    let (tx, rx) = oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    let context = plan.context.clone();
    let spawned = std::thread::Builder::new()
        .name("kube-connect".into())
        .spawn(move || {
            let _ = tx.send(runtime.block_on(plan.build(&options)));
        });
    let started = spawned.err().map(|e| {
        ClientError(format!(
            "cannot start a thread to connect to context {context}: {e}"
        ))
    });
    async move {
        if let Some(e) = started {
            return Err(e);
        }
        rx.await.unwrap_or_else(|_| {
            Err(ClientError(
                "connecting ended without an answer".to_string(),
            ))
        })
    }
    .boxed()
    .shared()
}

/// The kubeconfig, and the plans for the platform and (if it differs) the default Metal3
/// context.
pub fn plan(
    options: &ClusterOptions,
) -> Result<(Kubeconfig, ClientPlan, Option<ClientPlan>), ClientError> {
    let kubeconfig = read_kubeconfig(options.kubeconfig.as_deref())?;
    let platform = ClientPlan::new(&kubeconfig, options.context.as_deref())?;
    let metal3 = match options
        .bmh_contexts
        .default
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        Some(ctx) if ctx != platform.context => Some(ClientPlan::new(&kubeconfig, Some(ctx))?),
        _ => None,
    };
    Ok((kubeconfig, platform, metal3))
}

/// One attempt at building the clients, on a thread of its own: reading the kubeconfig,
/// running exec plugins and setting up TLS can each block, and must never block the caller
/// past its deadline. An attempt that never answers is left to itself (the thread is not
/// waited for when the process ends); callers start a new attempt only after the last one
/// answered, so a hung plugin costs one thread, not one per retry.
pub struct Attempt {
    answer: oneshot::Receiver<Result<Clusters, ClientError>>,
    step: Arc<Mutex<String>>,
    started: Instant,
}

impl Attempt {
    /// Starts building the clients for `options`. Needs a tokio runtime (the thread builds
    /// the clients on it).
    pub fn start(options: &ClusterOptions) -> Attempt {
        let (tx, answer) = oneshot::channel();
        let step = Arc::new(Mutex::new("reading the kubeconfig".to_string()));
        let runtime = tokio::runtime::Handle::current();
        let options = options.clone();
        let shared = step.clone();
        let spawned = std::thread::Builder::new()
            .name("kube-connect".into())
            .spawn(move || {
                let _ = tx.send(runtime.block_on(build_clusters(&options, &shared)));
            });
        let (tx, failed) = oneshot::channel();
        let answer = match spawned {
            Ok(_) => answer,
            Err(e) => {
                let _ = tx.send(Err(ClientError(format!(
                    "cannot start a thread to connect: {e}"
                ))));
                failed
            }
        };
        Attempt {
            answer,
            step,
            started: Instant::now(),
        }
    }

    /// What the attempt is doing now, e.g. waiting for an exec plugin.
    pub fn step(&self) -> String {
        self.step.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// How long the attempt has run.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The attempt's answer if it comes by `deadline`; `None` while it is still running.
    pub async fn answer_by(&mut self, deadline: Instant) -> Option<Result<Clusters, ClientError>> {
        match tokio::time::timeout_at(deadline, &mut self.answer).await {
            Ok(Ok(result)) => Some(result),
            Ok(Err(_)) => Some(Err(ClientError(
                "connecting ended without an answer".into(),
            ))),
            Err(_) => None,
        }
    }

    /// Why an attempt still running at its deadline has not connected.
    pub fn not_answered(&self) -> ClientError {
        ClientError(format!(
            "no answer after {}s: waiting for {}",
            self.elapsed().as_secs_f64().round(),
            self.step()
        ))
    }
}

async fn build_clusters(
    options: &ClusterOptions,
    step: &Mutex<String>,
) -> Result<Clusters, ClientError> {
    let set = |text: String| {
        if let Ok(mut s) = step.lock() {
            *s = text;
        }
    };
    let (kubeconfig, platform_plan, metal3_plan) = plan(options)?;
    set(platform_plan.step());
    let platform = platform_plan.build(options).await?;
    let metal3 = match metal3_plan {
        Some(p) => {
            set(p.step());
            p.build(options).await?
        }
        None => platform.clone(),
    };
    Ok(Clusters {
        platform,
        metal3,
        kubeconfig: Some(kubeconfig),
        options: options.clone(),
        by_context: Arc::default(),
        reached: Arc::default(),
    })
}

/// Builds the clients, giving up at `deadline` with what it was waiting for. `progress` is
/// told once, after a moment, what the wait is on (as the watches' progress is).
pub async fn connect_within(
    options: &ClusterOptions,
    deadline: Instant,
    mut progress: impl FnMut(String),
) -> Result<Clusters, ClientError> {
    let mut attempt = Attempt::start(options);
    let first_report = Instant::now() + PROGRESS_AFTER;
    if first_report < deadline
        && let Some(answer) = attempt.answer_by(first_report).await
    {
        return answer;
    }
    if first_report < deadline {
        progress(format!("connecting: waiting for {}", attempt.step()));
    }
    match attempt.answer_by(deadline).await {
        Some(answer) => answer,
        None => Err(attempt.not_answered()),
    }
}

/// Runs blocking set-up work (reading files that may be pipes, say) on a thread of its own
/// and gives up at `deadline`; the thread is then left to itself.
pub async fn off_thread<T: Send + 'static>(
    deadline: Instant,
    what: &str,
    work: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("kube-setup".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| ClientError(format!("cannot start a thread for {what}: {e}")))?;
    match tokio::time::timeout_at(deadline, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ClientError(format!("{what} ended without an answer"))),
        Err(_) => Err(ClientError(format!("{what} did not finish in time"))),
    }
}

/// How long connecting may take before the wait is reported.
pub const PROGRESS_AFTER: Duration = Duration::from_secs(2);

/// Builds the clients within the request timeout.
pub async fn connect(options: &ClusterOptions) -> Result<Clusters, ClientError> {
    connect_within(options, Instant::now() + options.timeout(), |_| {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmh_contexts_name_clusters_or_one_bare_context_and_flags_win_over_settings() {
        let map = ContextMap::parse(["dc1-infra=admin@dc1", "dc2-infra=admin@dc2"]).unwrap();
        assert_eq!(map.by_cluster["dc2-infra"], "admin@dc2");
        assert_eq!(map.default, None);
        let bare = ContextMap::parse(["metal3"]).unwrap();
        assert_eq!(bare.default.as_deref(), Some("metal3"));
        let settings: BTreeMap<String, String> = [
            ("dc1-infra".to_string(), "old@dc1".to_string()),
            ("dc3-infra".to_string(), "admin@dc3".to_string()),
        ]
        .into();
        let merged = map.over(&settings);
        assert_eq!(merged.by_cluster["dc1-infra"], "admin@dc1");
        assert_eq!(merged.by_cluster["dc3-infra"], "admin@dc3");
        for bad in [
            vec!["=ctx"],
            vec!["dc1="],
            vec!["a", "b"],
            vec!["c=x", "c=y"],
        ] {
            let e = ContextMap::parse(bad.clone()).unwrap_err();
            assert!(e.contains("--bmh-context"), "{bad:?}: {e}");
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("gpufleet-kubeconfig-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn config(context: &str, current: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: {context}, cluster: {{server: 'https://127.0.0.1:9'}}}}]\n\
             users: [{{name: u-{context}, user: {{token: t}}}}]\n\
             contexts: [{{name: {context}, context: {{cluster: {context}, user: u-{context}}}}}]\n\
             current-context: \"{current}\"\n"
        )
    }

    #[test]
    fn an_empty_current_context_is_none_and_a_later_file_may_set_it() {
        let d = dir("merge");
        let first = d.join("first");
        let second = d.join("second");
        std::fs::write(&first, config("dev", "")).unwrap();
        std::fs::write(&second, config("prod", "prod")).unwrap();
        let missing = d.join("missing");
        let list = std::env::join_paths([&missing, &first, &second]).unwrap();
        let merged = read_kubeconfig_from(None, Some(list), None).unwrap();
        assert_eq!(merged.current_context.as_deref(), Some("prod"));
        assert_eq!(merged.contexts.len(), 2);
        let plan = ClientPlan::new(&merged, None).unwrap();
        assert_eq!(
            (plan.context.as_str(), plan.kube_user.as_str()),
            ("prod", "u-prod")
        );
        // Alone, an empty current context is none: the error says to pass --context.
        let alone = read_kubeconfig_from(None, Some(first.clone().into()), None).unwrap();
        let e = ClientPlan::new(&alone, None).unwrap_err().to_string();
        assert!(
            e.contains("sets no current context; pass --context (it has: dev)"),
            "{e}"
        );
        assert_eq!(
            ClientPlan::new(&alone, Some("")).unwrap_err().to_string(),
            e
        );
        let e = ClientPlan::new(&alone, Some("dve"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no context \"dve\""), "{e}");
    }

    #[test]
    fn only_an_explicit_kubeconfig_must_exist() {
        let d = dir("missing");
        let missing = d.join("nope");
        let e = read_kubeconfig_from(Some(&missing), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!("cannot read the kubeconfig {}", missing.display())),
            "{e}"
        );
        let e = read_kubeconfig_from(None, Some(missing.clone().into()), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("none of the kubeconfig files KUBECONFIG lists exists"),
            "{e}"
        );
        let e = read_kubeconfig_from(None, None, Some(d.clone()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(".kube/config does not exist; pass --kubeconfig"),
            "{e}"
        );
        // An empty KUBECONFIG is as if unset.
        let e = read_kubeconfig_from(None, Some(OsString::new()), Some(d))
            .unwrap_err()
            .to_string();
        assert!(e.contains(".kube/config does not exist"), "{e}");
    }
}

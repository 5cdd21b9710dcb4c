//! Kube clients as kubectl users expect: kubeconfig from `--kubeconfig`, `KUBECONFIG` or
//! `~/.kube/config`, `--context`, exec plugins and tokens as kube supports them, `--as`
//! impersonation and `--request-timeout`. Building a client never connects: an unreachable
//! context shows up as watch state, not as a hang at start.

use super::read_only::ReadOnlyLayer;
use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where and as whom to connect.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    /// Context of the platform (management) cluster; default: the current context.
    pub context: Option<String>,
    /// Context of the Metal3 cluster holding the BareMetalHosts; default: `context`.
    pub bmh_context: Option<String>,
    /// Namespace of the BareMetalHosts; default: the providers' `clusterRef.namespace`.
    pub bmh_namespace: Option<String>,
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    /// Timeout of connects and of each non-watch request.
    pub request_timeout: Option<Duration>,
    /// Build clients that refuse every verb but get, list and watch.
    pub read_only: bool,
}

/// Why a client could not be built (a kubeconfig problem; nothing was sent yet).
#[derive(Debug)]
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

/// Default timeout of each non-watch request when `--request-timeout` is not given.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

fn read_kubeconfig(options: &ClusterOptions) -> Result<Kubeconfig, ClientError> {
    let result = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    result.map_err(|e| ClientError(format!("cannot read the kubeconfig: {e}")))
}

/// Builds a client for one context.
pub async fn cluster_client(
    options: &ClusterOptions,
    context: Option<&str>,
) -> Result<ClusterClient, ClientError> {
    let kubeconfig = read_kubeconfig(options)?;
    let context_name = context
        .map(str::to_string)
        .or_else(|| kubeconfig.current_context.clone())
        .ok_or_else(|| {
            ClientError("the kubeconfig names no current context; pass --context".into())
        })?;
    let known = kubeconfig.contexts.iter().any(|c| c.name == context_name);
    if !known {
        let names: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let closest = crate::fleet::names::closest(&context_name, names.iter().copied());
        return Err(ClientError(format!(
            "the kubeconfig has no context {context_name:?}; {}",
            if closest.is_empty() {
                format!("it has: {}", names.join(", "))
            } else {
                format!("closest: {}", closest.join(", "))
            }
        )));
    }
    let kube_user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
        .unwrap_or_default();
    let mut config = Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some(context_name.clone()),
            ..KubeConfigOptions::default()
        },
    )
    .await
    .map_err(|e| ClientError(format!("context {context_name}: {e}")))?;
    if let Some(user) = &options.impersonate {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !options.impersonate_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(options.impersonate_groups.clone());
    }
    let timeout = options.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    config.connect_timeout = Some(timeout);
    let builder = ClientBuilder::try_from(config)
        .map_err(|e| ClientError(format!("context {context_name}: {e}")))?;
    let client = if options.read_only {
        builder.with_layer(&ReadOnlyLayer).build()
    } else {
        builder.build()
    };
    Ok(ClusterClient {
        client,
        context: context_name,
        user: options.impersonate.clone().unwrap_or(kube_user),
        read_only: options.read_only,
        request_timeout: Some(timeout),
    })
}

/// The platform client and the Metal3 client (the same one unless `--bmh-context` differs).
#[derive(Clone)]
pub struct Clusters {
    pub platform: ClusterClient,
    pub metal3: ClusterClient,
}

pub async fn connect(options: &ClusterOptions) -> Result<Clusters, ClientError> {
    let platform = cluster_client(options, options.context.as_deref()).await?;
    let metal3 = match &options.bmh_context {
        Some(ctx) if *ctx != platform.context => cluster_client(options, Some(ctx)).await?,
        _ => platform.clone(),
    };
    Ok(Clusters { platform, metal3 })
}

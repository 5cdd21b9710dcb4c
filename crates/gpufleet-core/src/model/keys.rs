//! Well-known label, annotation and property keys. Sources, where a key does not name its
//! own: the operators' guide by section, the vCluster docs (node types and their built-in
//! properties:

//! <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/concepts/machine-types-and-nodetypes.mdx>;
//! OS images: <https://www.vcluster.com/docs/platform/next/use-platform/machines/os-images>),
//! or the public `loft-sh/api` types; `[UNCERTAIN]` where no public material has it.

/// Host label: GPU model (guide, "Recommended labels").
pub const GPU_MODEL: &str = "gpu-model";
/// Host label: number of GPUs in the server (guide, "Recommended labels").
pub const GPU_COUNT: &str = "gpu-count";
/// Host label: physical rack (guide, "Recommended labels").
pub const RACK: &str = "rack";
/// Host label: site (guide, "Recommended labels").
pub const DATACENTER: &str = "datacenter";
/// Host label: NVLink fabric group (guide, "Recommended labels").
pub const NVLINK_DOMAIN: &str = "nvlink-domain";
/// Host label: the tenant a server is reserved for (guide, "Per-tenant node types").
pub const TENANT: &str = "tenant";

/// Host label the platform sets while a claim holds the server (confirmed by a label selector
/// in a public vMetal demo; its value format is not documented, see `fleet::links`).
pub const HOST_NODE_CLAIM: &str = "metal3.vcluster.com/node-claim";
/// Host label naming the project of the claim holding the server. `[UNCERTAIN]` found in no
/// public material: read only to tell apart claims of the same name (`fleet::links`).
pub const HOST_PROJECT: &str = "vcluster.com/project";
/// Claim annotation naming the held BareMetalHost. `[UNCERTAIN]` found in no public material:
/// read only to cross-check a link, never to make one (`fleet::links`).
pub const CLAIM_CLAIMED_NODE: &str = "metal3.vcluster.com/claimed-node";

/// Property: pin a claim to one server (guide, "Server pinning").
pub const SERVER_NAME: &str = "metal3.vcluster.com/server-name";
/// Property: the OSImage a machine is provisioned with (guide, "Rotating OS images").
pub const OS_IMAGE: &str = "vcluster.com/os-image";
/// OSImage property: image URL.
pub const IMAGE_URL: &str = "metal3.vcluster.com/image-url";
/// OSImage property: image checksum.
pub const IMAGE_CHECKSUM: &str = "metal3.vcluster.com/image-checksum";
/// OSImage property: checksum type (md5, sha256, sha512, auto).
pub const IMAGE_CHECKSUM_TYPE: &str = "metal3.vcluster.com/image-checksum-type";
/// Prefix of every Metal3 property of vMetal.
pub const METAL3_PROPERTY_PREFIX: &str = "metal3.vcluster.com/";
/// OSImage property: which provider's UI lists the image (`kubevirt` in the docs).
pub const OS_IMAGE_TYPE: &str = "machines.vcluster.com/os-image-type";
/// The `os-image-type` value read as Metal3. `[UNCERTAIN]` only `kubevirt` is documented.
pub const METAL3_IMAGE_TYPE: &str = "metal3";

/// Built-in node type property: the node type's name.
pub const PROP_NODE_TYPE: &str = "vcluster.com/node-type";
/// Built-in node type property: the provider's name.
pub const PROP_NODE_PROVIDER: &str = "vcluster.com/node-provider";
/// Built-in node type property: instance type (the node type's name).
pub const PROP_INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
/// Built-in node type property: operating system.
pub const PROP_OS: &str = "kubernetes.io/os";
/// Built-in node type property: zone (`global` when unset).
pub const PROP_ZONE: &str = "topology.kubernetes.io/zone";
/// Built-in node type property: region, when set.
pub const PROP_REGION: &str = "topology.kubernetes.io/region";
/// Built-in node type property: capacity type.
pub const PROP_CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";

/// The GPU resource name in node type resources.
pub const RESOURCE_GPU: &str = "nvidia.com/gpu";

/// Labels the platform owns on BareMetalHosts: an operator must not edit them by hand.
pub const PLATFORM_OWNED_HOST_LABELS: &[&str] = &[HOST_NODE_CLAIM, HOST_PROJECT];

/// Claim annotation with the IP address of the held server, as the generator writes it.
/// `[UNCERTAIN]` found in no public material; gpufleet never reads it.
pub const CLAIM_IP_ADDRESS: &str = "nodeclaim.vcluster.com/ip-address";

/// NodeType label: the platform manages the node type (value `platform`). The public
/// `loft-sh/api` types, `NodeProvidedManagedTypeIndicatorLabel`
/// (<https://github.com/loft-sh/api>, `pkg/apis/management/v1` NodeProvider types).
pub const NODE_TYPE_MANAGED_BY: &str = "autoscaling.loft.sh/managed-by";

/// Annotation holding a full copy of the object as kubectl last applied it: never read,
/// dropped when an object is decoded. Kubernetes, "Well-Known Labels, Annotations and
/// Taints" (<https://kubernetes.io/docs/reference/labels-annotations-taints/#kubectl-kubernetes-io-last-applied-configuration>).
pub const LAST_APPLIED_CONFIGURATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Where BareMetalHosts live when a provider's `clusterRef` names no namespace: the namespace
/// the Metal3 Helm chart is installed into in SUSE Edge's public guide
/// (<https://documentation.suse.com/suse-edge/>, "Metal3": `helm install metal3 …
/// --namespace metal3-system`). `[UNCERTAIN]` what the platform itself assumes.
pub const DEFAULT_BMH_NAMESPACE: &str = "metal3-system";

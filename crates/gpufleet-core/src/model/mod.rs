//! Typed resources and the small value types they are made of.
//!
//! Everything here is plain data plus parsing and validation: no I/O, no fleet logic.

pub mod claim;
pub mod hardware_data;
pub mod host;
pub mod keys;
pub mod label_rules;
pub mod machine;
pub mod os_image;
pub mod project;
pub mod properties;
pub mod provider;
pub mod quantity;
mod resource;
pub mod selector;

pub use claim::{ClaimPhase, NodeClaim, NodeClaimSpec, NodeClaimStatus};
pub use hardware_data::HardwareData;
pub use host::{BareMetalHost, BareMetalHostSpec, BareMetalHostStatus, ChecksumType, HostImage};
pub use machine::Machine;
pub use os_image::{OsImage, OsImageSpec};
pub use project::ProjectNamespaces;
pub use properties::{PropertyOperator, PropertyRequirement};
pub use provider::{Metal3NodeType, NodeProvider, NodeType};
pub use quantity::{Measure, Quantity};
pub use resource::Manifest;
pub use selector::LabelQuery;

/// Labels and properties are both string maps; sorted so output is stable.
pub type Labels = std::collections::BTreeMap<String, String>;

//! Typed resources and the small value types they are made of.
//!
//! Everything here is plain data plus parsing and validation: no I/O, no fleet logic.

#[warn(missing_docs)]
pub mod claim;
#[warn(missing_docs)]
pub mod hardware_data;
#[warn(missing_docs)]
pub mod host;
#[warn(missing_docs)]
pub mod keys;
#[warn(missing_docs)]
pub mod label_rules;
#[warn(missing_docs)]
pub mod machine;
#[warn(missing_docs)]
pub mod os_image;
#[warn(missing_docs)]
pub mod project;
#[warn(missing_docs)]
pub mod properties;
#[warn(missing_docs)]
pub mod provider;
#[warn(missing_docs)]
pub mod quantity;
#[warn(missing_docs)]
mod resource;
#[warn(missing_docs)]
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

//! Changes an operator can preview and apply: label edits, pins and OS image rotations.

use crate::fleet::names::NameError;
use crate::model::label_rules::{LabelError, validate_key, validate_value};
use crate::model::selector::SelectorError;
use crate::model::{ChecksumType, LabelQuery, Labels, keys};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Serialized in the audit log (`kind` names the variant); read back for `u` after a
/// restart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Set and remove labels on some BareMetalHosts.
    Label(LabelEdit),
    /// Several label edits as one change, applied in order (an undo restores labels this way).
    /// In JSON: `{"kind": "labels", "edits": [...]}`.
    Labels(#[serde(with = "edits_field")] Vec<LabelEdit>),
    /// Pin a NodeClaim to one server.
    Pin(PinChange),
    /// Point a node type at another OSImage.
    Rotate(Rotation),
}

/// Which hosts a label edit targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostTargets {
    /// Host names (`name` or `namespace/name`).
    Names(Vec<String>),
    /// A kubectl label selector, written in kubectl syntax. It must narrow: an empty
    /// selector is refused ([`ChangeError::EmptySelector`]), never read as every host.
    #[serde(serialize_with = "serialize_display", deserialize_with = "parse_query")]
    Selector(LabelQuery),
    /// Every host, asked for explicitly (`--all`, as kubectl).
    All,
}

/// A list of edits as `{"edits": [...]}`: an internally tagged variant must be an object.
mod edits_field {
    use super::LabelEdit;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Edits<T> {
        edits: T,
    }

    pub fn serialize<S: Serializer>(edits: &[LabelEdit], s: S) -> Result<S::Ok, S::Error> {
        Edits { edits }.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LabelEdit>, D::Error> {
        Ok(Edits::<Vec<LabelEdit>>::deserialize(d)?.edits)
    }
}

fn serialize_display<S: serde::Serializer>(q: &LabelQuery, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(q)
}

fn parse_query<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LabelQuery, D::Error> {
    let text = String::deserialize(d)?;
    LabelQuery::parse(&text).map_err(serde::de::Error::custom)
}

/// Set and remove label keys on some hosts (kubectl label syntax: `key=value`, `key-`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelEdit {
    /// The hosts to edit.
    pub targets: HostTargets,
    /// Labels to set, key to value.
    pub set: Labels,
    /// Label keys to remove.
    pub remove: BTreeSet<String>,
}

/// Pin a Machine (NodeClaim) to one server: set `metal3.vcluster.com/server-name` on an
/// existing claim, or create a claim of `node_type` with it.
///
/// A pin never changes an existing claim's node type: that comes from the claim's own
/// request (`typeRef`, or its `requirements`), which the tenant's pool wrote (guide, "Server
/// pinning"). For an existing claim `node_type` is optional and only says which type the
/// operator expects; the preview says which type the claim gets and warns when it differs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinChange {
    /// The BareMetalHost to pin, by name.
    pub server: String,
    /// The node type (full or short name) the operator expects; required for a new claim.
    pub node_type: Option<String>,
    /// The claim to pin: an existing one or a new one.
    pub target: PinTarget,
}

/// Which NodeClaim a pin sets `metal3.vcluster.com/server-name` on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinTarget {
    /// An existing claim, by namespace and name.
    Existing {
        /// The claim's namespace (a project namespace).
        namespace: String,
        /// The claim's name.
        name: String,
    },
    /// A new claim for a vCluster in a project.
    New {
        /// The virtual cluster the node joins (`spec.vClusterRef`).
        vcluster: String,
        /// The project whose namespace the claim is created in.
        project: String,
    },
}

/// Point a node type at another OSImage, existing or new.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    /// The node type, by full (`<provider>.<type>`) or short name.
    pub node_type: String,
    /// The OSImage's name.
    pub image: String,
    /// The OSImage to create first, when `image` does not exist yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_image: Option<NewImage>,
}

/// An OSImage to create for a rotation: an image URL and its checksum, as the
/// `metal3.vcluster.com/image-*` properties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewImage {
    /// `metal3.vcluster.com/image-url`: where Ironic downloads the image.
    pub url: String,
    /// `metal3.vcluster.com/image-checksum`: the checksum, or a URL to a file of checksums.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `metal3.vcluster.com/image-checksum-type`: one of [`ChecksumType::KNOWN`] (a
    /// [`ChecksumType::Other`] is refused by the preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<ChecksumType>,
}

/// Why a change cannot be previewed. A variant that wraps an error of the rules
/// (`Name`, `Label`, `Selector`) gives it as its `source()`; the text is the cause's text.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ChangeError {
    /// A host name that cannot be read as one.
    #[error("{0}")]
    Name(#[from] NameError),
    /// Several host names that cannot be read, all reported together (`; ` between them).
    #[error("{}", join(.0))]
    Names(Vec<NameError>),
    /// A label key or value the Kubernetes rules refuse.
    #[error("{0}")]
    Label(#[from] LabelError),
    /// A label selector that cannot be read.
    #[error("{0}")]
    Selector(#[from] SelectorError),
    /// Free-form reason for malformed arguments.
    #[error("{0}")]
    Syntax(String),
    /// The key of a label the platform sets on a claimed host; gpufleet never edits it.
    #[error(
        "label {0} is owned by the platform (it marks the claim holding the host); gpufleet will not edit it"
    )]
    PlatformOwnedLabel(String),
    /// A key both set and removed by one edit.
    #[error("label {0} is both set and removed")]
    SetAndRemoved(String),
    /// An edit that sets and removes nothing.
    #[error("the edit sets and removes no label")]
    Empty,
    /// A selector that selects no host (the selector as written).
    #[error("selector {0} selects no host")]
    NoHostSelected(String),
    /// A selector with no requirement: it would select every host.
    #[error(
        "the label selector is empty and would select every host: give one that narrows \
         them (-l rack=r07), name the hosts, or pass --all to edit every host"
    )]
    EmptySelector,
    /// The guide says never to edit an OSImage in place.
    #[error(
        "OSImage {name} exists with another URL or checksum; editing an OSImage in place \
         does not re-provision running Machines (guide, \"Rotating OS images\"): create a new \
         OSImage under a new name"
    )]
    EditsExistingImage {
        /// The OSImage's name.
        name: String,
    },
    /// A pin the fleet cannot take, for people: a new claim whose name is taken, or a host
    /// its claim's node type does not see (another Metal3 cluster or namespace: the pin
    /// property carries only the host's name, which the platform would read as another host).
    #[error("{0}")]
    PinConflict(String),
}

fn join(errors: &[NameError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl LabelEdit {
    /// Reads kubectl label arguments: `key=value` sets, `key-` removes. Validates every
    /// key and value by the Kubernetes rules and refuses the platform's own labels.
    pub fn parse_args<S: AsRef<str>>(
        targets: HostTargets,
        args: &[S],
    ) -> Result<Self, ChangeError> {
        let mut set = Labels::new();
        let mut remove = BTreeSet::new();
        // Each argument is one kubectl word, as a shell hands it over: `'a=b c'` sets `a`
        // to `b c`, which the label value rule then refuses, rather than two words.
        for arg in args {
            let token = arg.as_ref();
            if let Some((k, v)) = token.split_once('=') {
                validate_key(k)?;
                validate_value(v)?;
                set.insert(k.to_string(), v.to_string());
            } else if let Some(k) = token.strip_suffix('-') {
                validate_key(k)?;
                remove.insert(k.to_string());
            } else {
                return Err(ChangeError::Syntax(format!(
                    "{token:?} is neither key=value nor key- (kubectl label syntax)"
                )));
            }
        }
        let edit = LabelEdit {
            targets,
            set,
            remove,
        };
        edit.validate()?;
        Ok(edit)
    }

    /// Checks an edit built by hand: it changes something, every key and value passes the
    /// Kubernetes label rules, no key is both set and removed and no platform-owned key is touched.
    ///
    /// # Errors
    ///
    /// The first [`ChangeError`] found.
    pub fn validate(&self) -> Result<(), ChangeError> {
        if self.set.is_empty() && self.remove.is_empty() {
            return Err(ChangeError::Empty);
        }
        for (k, v) in &self.set {
            validate_key(k)?;
            validate_value(v)?;
        }
        for k in self.set.keys().chain(self.remove.iter()) {
            validate_key(k)?;
            if keys::PLATFORM_OWNED_HOST_LABELS.contains(&k.as_str()) {
                return Err(ChangeError::PlatformOwnedLabel(k.clone()));
            }
        }
        if let Some(k) = self.set.keys().find(|k| self.remove.contains(*k)) {
            return Err(ChangeError::SetAndRemoved(k.clone()));
        }
        Ok(())
    }

    /// The labels a host ends with.
    pub fn apply_to(&self, labels: &Labels) -> Labels {
        let mut out = labels.clone();
        for k in &self.remove {
            out.remove(k);
        }
        out.extend(self.set.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }

    /// The edit that restores one host's labels (`before`) after this edit; `host` names it as
    /// [`HostTargets::Names`] does (host names repeat across clusters: pass its key to be sure).
    pub fn inverse_for(&self, host: &str, before: &Labels) -> LabelEdit {
        let mut set = Labels::new();
        let mut remove = BTreeSet::new();
        for k in self.set.keys().chain(self.remove.iter()) {
            match before.get(k) {
                Some(v) => {
                    set.insert(k.clone(), v.clone());
                }
                None => {
                    remove.insert(k.clone());
                }
            }
        }
        LabelEdit {
            targets: HostTargets::Names(vec![host.to_string()]),
            set,
            remove,
        }
    }

    /// kubectl label arguments for this edit.
    pub fn args(&self) -> Vec<String> {
        self.set
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(self.remove.iter().map(|k| format!("{k}-")))
            .collect()
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Label(e) => {
                let targets = match &e.targets {
                    HostTargets::Names(n) if n.len() <= 3 => n.join(","),
                    HostTargets::Names(n) => format!("{} hosts", n.len()),
                    HostTargets::Selector(q) => format!("-l {q}"),
                    HostTargets::All => "--all".into(),
                };
                write!(f, "label {targets} {}", e.args().join(" "))
            }
            Change::Labels(edits) => {
                let hosts: usize = edits
                    .iter()
                    .map(|e| match &e.targets {
                        HostTargets::Names(n) => n.len(),
                        HostTargets::Selector(_) | HostTargets::All => 1,
                    })
                    .sum();
                write!(
                    f,
                    "restore labels on {} ({})",
                    crate::format::counted(hosts as u64, "host", "hosts"),
                    crate::format::counted(edits.len() as u64, "edit", "edits")
                )
            }
            Change::Pin(p) => {
                let target = match &p.target {
                    PinTarget::Existing { namespace, name } => format!("claim {namespace}/{name}"),
                    PinTarget::New { vcluster, project } => {
                        format!("a new claim for vCluster {vcluster} in project {project}")
                    }
                };
                write!(f, "pin {} to {target}", p.server)?;
                match &p.node_type {
                    Some(t) => write!(f, " as node type {t}"),
                    None => Ok(()),
                }
            }
            Change::Rotate(r) => {
                write!(f, "rotate node type {} to OSImage {}", r.node_type, r.image)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> HostTargets {
        HostTargets::Names(vec!["h1".into()])
    }

    /// A change refused by a rule of the model keeps that rule's error as its `source()`.
    #[test]
    fn a_refused_label_keeps_its_cause() {
        use std::error::Error as _;
        let e = LabelEdit::parse_args(names(), &["bad key!=x"]).unwrap_err();
        let label = e
            .source()
            .and_then(|s| s.downcast_ref::<LabelError>())
            .unwrap_or_else(|| panic!("no label error under {e:?}"));
        assert_eq!(label.what, "key");
        assert_eq!(e.to_string(), label.to_string());
        assert!(
            e.to_string()
                .starts_with("invalid label key \"bad key!\": ")
        );
    }

    #[test]
    fn reads_kubectl_label_syntax() {
        let e = LabelEdit::parse_args(names(), &["tenant=a", "maintenance-", "rack=r1", "dc=x"])
            .unwrap();
        assert_eq!(e.set.len(), 3);
        assert!(e.remove.contains("maintenance"));
        assert_eq!(e.args(), ["dc=x", "rack=r1", "tenant=a", "maintenance-"]);
    }

    #[test]
    fn refuses_bad_edits_with_reasons() {
        let err = |args: &[&str]| {
            LabelEdit::parse_args(names(), args)
                .unwrap_err()
                .to_string()
        };
        assert!(err(&["bad"]).contains("neither key=value"));
        // One argument is one kubectl word: the space is inside the key or the value, and
        // the error names the Kubernetes rule that refuses it.
        let value = err(&["gpu-model=not valid!"]);
        assert!(
            value.starts_with("invalid label value \"not valid!\": a valid label value must be empty or must consist of alphanumeric characters"),
            "{value}"
        );
        assert!(err(&["bad key=v"]).contains("invalid label key \"bad key\""));
        assert!(err(&["rack=r1 dc=x"]).contains("invalid label value \"r1 dc=x\""));
        assert!(err(&["-x=1"]).contains("start and end with an alphanumeric"));
        assert!(err(&["x=has/slash"]).contains("invalid label value"));
        assert!(err(&["metal3.vcluster.com/node-claim-"]).contains("owned by the platform"));
        assert!(err(&["a=1", "a-"]).contains("both set and removed"));
        assert!(err(&[]).contains("sets and removes no label"));
    }

    #[test]
    fn every_change_goes_to_json_and_back() {
        let edit = LabelEdit::parse_args(names(), &["a=1", "b-"]).unwrap();
        let by_selector = LabelEdit::parse_args(
            HostTargets::Selector(LabelQuery::parse("rack=r07,!tenant").unwrap()),
            &["tenant=acme"],
        )
        .unwrap();
        for change in [
            Change::Label(edit.clone()),
            Change::Label(by_selector),
            Change::Labels(vec![edit.clone(), edit]),
            Change::Pin(PinChange {
                server: "h1".into(),
                node_type: None,
                target: PinTarget::Existing {
                    namespace: "p-a".into(),
                    name: "c".into(),
                },
            }),
            Change::Rotate(Rotation {
                node_type: "t".into(),
                image: "i".into(),
                new_image: Some(NewImage {
                    url: "http://x".into(),
                    checksum: None,
                    checksum_type: None,
                }),
            }),
        ] {
            let json = serde_json::to_string(&change).unwrap();
            let back: Change = serde_json::from_str(&json).unwrap();
            assert_eq!(back, change, "{json}");
        }
    }

    /// An audit record keeps the checksum type as the CRD spells it, and reads back a word it
    /// does not know as written (the preview refuses it; the record still loads).
    #[test]
    fn a_new_image_keeps_its_checksum_type_spelled_as_the_crd() {
        for (word, kind) in [
            ("sha256", ChecksumType::Sha256),
            ("SHA-256", ChecksumType::Other("SHA-256".into())),
        ] {
            let image = NewImage {
                url: "http://x".into(),
                checksum: Some("ab".into()),
                checksum_type: Some(kind.clone()),
            };
            let json = serde_json::to_value(&image).unwrap();
            assert_eq!(json["checksum_type"], word);
            let back: NewImage = serde_json::from_value(json).unwrap();
            assert_eq!(back.checksum_type, Some(kind));
        }
    }

    #[test]
    fn inverse_restores_labels() {
        let before: Labels = [
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]
        .into();
        let e = LabelEdit::parse_args(names(), &["a=9", "b-", "c=3"]).unwrap();
        let after = e.apply_to(&before);
        assert_eq!(e.inverse_for("h1", &before).apply_to(&after), before);
    }
}

//! Offline input: files or directories of `kubectl get -o yaml` or `-o json` output, as
//! single objects, multi-document YAML or `List` kinds. A malformed object is reported with
//! its file, document, kind, name and field, and everything else still loads. The same object
//! read twice (two clusters' dumps concatenated, say) is reported with both places.

use super::decode::{DecodeError, Decoded, decode};
use super::event::{Kind, SourceNotes};
use crate::fleet::{FleetObjects, ObjectKey};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// One object or document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProblem {
    pub file: PathBuf,
    /// 1-based document number within a multi-document YAML file.
    pub document: usize,
    /// 0-based index within a `List`, if the object was inside one.
    pub item: Option<usize>,
    pub error: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.file.display(), self.document)?;
        if let Some(i) = self.item {
            write!(f, ", items[{i}]")?;
        }
        write!(f, ": {}", self.error)
    }
}

/// Where one object was read: file, document, and its index within a `List`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// 1-based document number within a multi-document YAML file.
    pub document: usize,
    /// 0-based index within a `List`, if the object was inside one.
    pub item: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} document {}", self.file.display(), self.document)?;
        if let Some(i) = self.item {
            write!(f, ", items[{i}]")?;
        }
        Ok(())
    }
}

/// The same object (kind, namespace and name) read twice. Objects are kept by that key, so
/// the later copy replaces the earlier one; this says so, naming both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub kind: Kind,
    /// Namespace (empty for a cluster-scoped kind) and name.
    pub key: ObjectKey,
    pub first: Origin,
    /// The copy that is used.
    pub second: Origin,
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (namespace, name) = &self.key;
        let object = if namespace.is_empty() {
            name.clone()
        } else {
            format!("{namespace}/{name}")
        };
        write!(
            f,
            "{} {object} is read twice, from {} and from {}: the second copy is used",
            self.kind, self.first, self.second
        )
    }
}

/// What loading found.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub objects: FleetObjects,
    pub loaded: usize,
    pub problems: Vec<LoadProblem>,
    /// Objects of kinds gpufleet does not read, by kind.
    pub ignored: BTreeMap<String, usize>,
    /// Objects read more than once, each later copy beside the one it replaced.
    pub duplicates: Vec<Duplicate>,
    /// Where each object kept was read.
    origins: BTreeMap<(Kind, ObjectKey), Origin>,
}

impl LoadReport {
    /// What was skipped and what deserves a look, one line each, for a source to report.
    pub fn notes(&self) -> SourceNotes {
        SourceNotes {
            skipped: self.problems.iter().map(LoadProblem::to_string).collect(),
            warnings: self.duplicates.iter().map(Duplicate::to_string).collect(),
        }
    }

    /// Every line worth a warning on stderr: problems, then duplicates.
    pub fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        let notes = self.notes();
        notes.skipped.into_iter().chain(notes.warnings)
    }

    /// One line for people: "loaded 1203 objects; skipped 2 malformed objects".
    pub fn summary(&self) -> String {
        let mut s = format!("loaded {} objects", self.loaded);
        if !self.problems.is_empty() {
            s += &format!("; skipped {} that could not be read", self.problems.len());
        }
        if !self.duplicates.is_empty() {
            s += &format!(
                "; {} read twice (the second copy used)",
                self.duplicates.len()
            );
        }
        if !self.ignored.is_empty() {
            let kinds: Vec<String> = self
                .ignored
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            s += &format!("; ignored {}", kinds.join(", "));
        }
        s
    }
}

/// A path that could not be read at all.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

/// File name endings read inside directories.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Loads every file named, and every YAML or JSON file below every directory named.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Result<LoadReport, LoadError> {
    let mut files = Vec::new();
    for p in paths {
        collect_files(p.as_ref(), &mut files)?;
    }
    let mut report = LoadReport::default();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| LoadError {
            path: file.clone(),
            message: e.to_string(),
        })?;
        load_text(&file, &text, &mut report);
    }
    Ok(report)
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let err = |e: std::io::Error| LoadError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            let wanted = entry.is_dir()
                || entry
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e));
            if wanted {
                collect_files(&entry, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Loads one file's text into the report.
pub fn load_text(file: &Path, text: &str, report: &mut LoadReport) {
    let is_json = file.extension().and_then(|e| e.to_str()) == Some("json")
        || text.trim_start().starts_with('{');
    if is_json {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => load_value(file, 1, v, report),
            Err(e) => report.problems.push(LoadProblem {
                file: file.to_path_buf(),
                document: 1,
                item: None,
                error: format!("not valid JSON: {e}"),
            }),
        }
        return;
    }
    for (index, doc) in split_documents(text).into_iter().enumerate() {
        if doc.trim().is_empty() {
            continue;
        }
        match parse_yaml(doc) {
            Ok(Value::Null) => {}
            Ok(v) => load_value(file, index + 1, v, report),
            Err(e) => report.problems.push(LoadProblem {
                file: file.to_path_buf(),
                document: index + 1,
                item: None,
                error: format!("not valid YAML: {e}"),
            }),
        }
    }
}

fn parse_yaml(doc: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! { budget: None };
    serde_saphyr::from_str_with_options(doc, options).map_err(|e| e.to_string())
}

/// Splits a YAML stream at its `---` document markers, so a broken document costs only
/// itself. A marker is `---` at the start of a line (block content is always indented).
pub fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare == "..." {
            docs.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push(&text[start..]);
    docs
}

fn load_value(file: &Path, document: usize, value: Value, report: &mut LoadReport) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let is_list = kind == "List" || (kind.ends_with("List") && value.get("items").is_some());
    if is_list {
        let Some(Value::Array(items)) = value.get("items").cloned() else {
            return;
        };
        for (i, item) in items.into_iter().enumerate() {
            load_one(file, document, Some(i), item, report);
        }
    } else {
        load_one(file, document, None, value, report);
    }
}

fn load_one(
    file: &Path,
    document: usize,
    item: Option<usize>,
    value: Value,
    report: &mut LoadReport,
) {
    let problem = |error: String| LoadProblem {
        file: file.to_path_buf(),
        document,
        item,
        error,
    };
    if !value.is_object() {
        report.problems.push(problem(
            "not a Kubernetes object (expected a mapping with kind and metadata)".into(),
        ));
        return;
    }
    match decode(value) {
        Ok(Decoded::Object(o)) => {
            let origin = Origin {
                file: file.to_path_buf(),
                document,
                item,
            };
            if let Some(first) = report.origins.insert(o.key(), origin.clone()) {
                let (kind, key) = o.key();
                report.duplicates.push(Duplicate {
                    kind,
                    key,
                    first,
                    second: origin,
                });
            }
            report.objects.insert(o);
            report.loaded += 1;
        }
        Ok(Decoded::Ignored(kind)) => *report.ignored.entry(kind).or_default() += 1,
        Err(e @ DecodeError { .. }) => report.problems.push(problem(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_at_markers_only() {
        let docs = split_documents("a: 1\n---\nb: |\n  ---\n  x\n--- \nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[1].contains("  ---"));
    }

    #[test]
    fn a_bad_object_costs_only_itself() {
        let text = r#"
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: good, namespace: m3, labels: {gpu-model: h100}}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: bad, namespace: m3, labels: {gpu-count: 8}}
---
apiVersion: v1
kind: Secret
metadata: {name: bmc}
data: {password: c2VjcmV0}
---
: : not yaml [
---
apiVersion: v1
kind: List
items:
- apiVersion: management.loft.sh/v1
  kind: OSImage
  metadata: {name: img}
- apiVersion: management.loft.sh/v1
  kind: NodeProvider
  metadata: {name: p}
  spec: {metal3: {nodeTypes: [{name: t, resources: {cpu: lots}}]}}
"#;
        let mut report = LoadReport::default();
        load_text(Path::new("fleet.yaml"), text, &mut report);
        assert_eq!(report.loaded, 2, "{:?}", report.problems);
        assert_eq!(report.ignored.get("Secret"), Some(&1));
        let msgs: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:#?}");
        assert!(
            msgs[0].starts_with(
                "fleet.yaml: document 2: BareMetalHost m3/bad: field metadata.labels.gpu-count"
            ),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].contains("document 4: not valid YAML"),
            "{}",
            msgs[1]
        );
        assert!(
            msgs[2].contains(
                "document 5, items[1]: NodeProvider p: field spec.metal3.nodeTypes[0].resources.cpu"
            ),
            "{}",
            msgs[2]
        );
        assert!(report.summary().contains("skipped 3"));
    }

    #[test]
    fn the_same_object_twice_is_reported_with_both_places() {
        let dc1 = r#"
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: gpu-01, namespace: metal3-system, labels: {datacenter: dc1}}
---
apiVersion: management.loft.sh/v1
kind: OSImage
metadata: {name: ubuntu-noble}
"#;
        let dc2 = r#"
apiVersion: v1
kind: List
items:
- apiVersion: metal3.io/v1alpha1
  kind: BareMetalHost
  metadata: {name: gpu-01, namespace: metal3-system, labels: {datacenter: dc2}}
- apiVersion: metal3.io/v1alpha1
  kind: BareMetalHost
  metadata: {name: gpu-01, namespace: other}
- apiVersion: management.loft.sh/v1
  kind: NodeType
  metadata: {name: ubuntu-noble}
"#;
        let mut report = LoadReport::default();
        load_text(Path::new("dc1.yaml"), dc1, &mut report);
        load_text(Path::new("dc2.yaml"), dc2, &mut report);
        let lines: Vec<String> = report.duplicates.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            [
                "BareMetalHost metal3-system/gpu-01 is read twice, from dc1.yaml document 1 and \
              from dc2.yaml document 1, items[0]: the second copy is used"
            ]
        );
        let kept = &report.objects.hosts[&("metal3-system".into(), "gpu-01".into())];
        assert_eq!(kept.metadata.labels.as_ref().unwrap()["datacenter"], "dc2");
        assert_eq!(report.objects.hosts.len(), 2);
        assert!(
            report.summary().contains("1 read twice"),
            "{}",
            report.summary()
        );
        assert_eq!(report.notes().warnings, lines);
    }
}

//! Offline input: files or directories of `kubectl get -o yaml` or `-o json` output, as
//! single objects, multi-document YAML or `List` kinds. A malformed object is reported with
//! its file, document, kind, name and field, and everything else still loads. The same object
//! read twice (two clusters' dumps concatenated, say) is reported with both places.
//!
//! Files are untrusted. Text is UTF-8, with or without a byte-order mark, or UTF-16 with
//! one (what Windows PowerShell writes for `kubectl get ... > f`); anything else is refused
//! naming the file and what it looks like. A file is read up to [`MAX_FILE_BYTES`], and what
//! a document may expand to is bounded relative to its size ([`super::bounded`]). A load
//! that reads nothing says why ([`LoadReport::nothing_loaded`]).

use super::bounded::{Budget, Exceeded, Streamed};
use crate::decode::{DecodeError, Decoded, decode};
use crate::event::{Kind, SourceNotes};
use crate::fleet::{FleetObject, FleetObjects, ObjectKey};
use serde::de::DeserializeSeed;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One object or document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProblem {
    pub file: PathBuf,
    /// 1-based document number within a multi-document YAML file; 0 for the file as a
    /// whole (unreadable, too large, not text).
    pub document: usize,
    /// 0-based index within a `List`, if the object was inside one.
    pub item: Option<usize>,
    pub error: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.document > 0 {
            write!(f, ": document {}", self.document)?;
        }
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
    /// Files read.
    pub files: usize,
    /// Files that held no object at all: empty, or only comments.
    pub empty_files: Vec<PathBuf>,
    /// Files inside the directories named that were not read: not `.yaml`, `.yml` or `.json`.
    pub skipped_files: Vec<PathBuf>,
    /// Objects read more than once, each later copy beside the one it replaced.
    pub duplicates: Vec<Duplicate>,
    /// Where each object kept was read.
    origins: BTreeMap<(Kind, String, ObjectKey), Origin>,
    /// Lines saying which dumps' hosts could not be given a Metal3 cluster, and how to name it.
    pub unnamed_clusters: Vec<String>,
    /// Lines naming clusters given on the command line (`-f dc1-infra=dump/`) that no
    /// provider read names, each with the closest cluster the providers do name.
    pub unknown_clusters: Vec<String>,
    /// The cluster named for the path being read (`-f dc1-infra=dump/`).
    naming: Option<String>,
    /// Every cluster named on the command line, with its path.
    named: Vec<(String, PathBuf)>,
    /// Hosts and HardwareData of dumps that name no cluster, kept until every file is read
    /// (the providers say which clusters there are): see [`LoadReport::finish`].
    pending: Vec<(FleetObject, Origin)>,
}

impl LoadReport {
    /// What was skipped and what deserves a look, one line each, for a source to report.
    pub fn notes(&self) -> SourceNotes {
        SourceNotes {
            skipped: self.problems.iter().map(LoadProblem::to_string).collect(),
            warnings: self
                .duplicates
                .iter()
                .map(Duplicate::to_string)
                .chain(self.unnamed_clusters.iter().cloned())
                .chain(self.unknown_clusters.iter().cloned())
                .collect(),
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
            s += &format!("; ignored {}", self.ignored_kinds());
        }
        s
    }

    /// `3 Secret, 1 Machine`: the kinds ignored, with their counts.
    fn ignored_kinds(&self) -> String {
        self.ignored
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Objects read, rejected or ignored so far.
    fn seen(&self) -> usize {
        self.loaded + self.problems.len() + self.ignored.values().sum::<usize>()
    }

    /// Why nothing was loaded, when nothing was: an empty input is not an empty fleet.
    /// `None` when at least one object loaded.
    pub fn nothing_loaded(&self) -> Option<String> {
        if self.loaded > 0 {
            return None;
        }
        if self.files == 0 && self.problems.is_empty() {
            let mut why = "no .yaml, .yml or .json file was found".to_string();
            if !self.skipped_files.is_empty() {
                why += &format!(
                    " (skipped {} other {}: {})",
                    self.skipped_files.len(),
                    plural(self.skipped_files.len(), "file", "files"),
                    names(&self.skipped_files)
                );
            }
            return Some(why);
        }
        let mut reasons = Vec::new();
        if !self.empty_files.is_empty() {
            reasons.push(format!(
                "{} {} empty or only comments ({})",
                self.empty_files.len(),
                plural(self.empty_files.len(), "file is", "files are"),
                names(&self.empty_files)
            ));
        }
        if !self.problems.is_empty() {
            reasons.push(format!(
                "{} {} could not be read",
                self.problems.len(),
                plural(self.problems.len(), "object or file", "objects or files")
            ));
        }
        if !self.ignored.is_empty() {
            reasons.push(format!(
                "only kinds gpufleet does not read were found ({})",
                self.ignored_kinds()
            ));
        }
        Some(reasons.join("; "))
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The first few paths, for a message.
fn names(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    match paths.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// A path that could not be read at all: `cannot read PATH: MESSAGE`.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {message}", path.display())]
pub struct LoadError {
    /// The path as named.
    pub path: PathBuf,
    /// Why, for people (with the closest path that exists when it does not).
    pub message: String,
    /// The system's error, when one was the cause.
    #[source]
    pub source: Option<std::io::Error>,
}

/// File name endings read inside directories, in any case (`.YAML` too).
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Largest file read: beyond it, a file is refused (a dump of 25,000 hosts is about 100 MiB).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Loads every file named, and every YAML or JSON file below every directory named. A path
/// named that does not exist is an error naming the closest path that does; a file that
/// cannot be read, is too large or is not text costs only itself (a problem in the report), as
/// does anything in a directory that is not a regular file (a named pipe, socket or device, a
/// symbolic link that leads nowhere), which is never opened. A named pipe named on the
/// command line (`-f <(kubectl get ...)`) is read until its writer closes it; a device named
/// there (`/dev/zero`) is refused unread.
///
/// A path may name the Metal3 cluster its BareMetalHosts and HardwareData were read from:
/// `dc1-infra=dump1/` (when no file of that whole name exists). Hosts of a dump that names
/// none belong to the cluster of the nearest directory above them named after a provider's
/// `spec.metal3.clusterRef.cluster` (one directory per cluster), else to the only cluster
/// the providers name; when the providers name several, the report says it cannot tell and
/// how to name it ([`LoadReport::unnamed_clusters`]), and the hosts keep no cluster. A
/// cluster named that no provider names is warned of ([`LoadReport::unknown_clusters`]).
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    let mut visited = BTreeSet::new();
    for p in paths {
        let (cluster, path) = split_cluster(p.as_ref());
        let mut files = Vec::new();
        collect_named(&path, &mut files, &mut report, &mut visited)?;
        if let Some(c) = &cluster {
            report.named.push((c.clone(), path.clone()));
        }
        report.naming = cluster;
        for (file, named) in files {
            match read_file(&file, named) {
                Ok(bytes) => read_bytes(&file, &bytes, &mut report),
                Err(error) => report.skip(file, error),
            }
        }
        report.naming = None;
    }
    report.finish();
    report.check_named_clusters();
    Ok(report)
}

/// `CLUSTER=PATH` as the cluster and the path, when no file is named by the whole text and
/// `CLUSTER` could be a cluster name (non-empty, no `/`); else no cluster and the path as is.
pub fn split_cluster(path: &Path) -> (Option<String>, PathBuf) {
    if let Some(text) = path.to_str()
        && !path.exists()
        && let Some((cluster, rest)) = text.split_once('=')
        && !cluster.is_empty()
        && !cluster.contains('/')
        && !rest.is_empty()
    {
        return (Some(cluster.to_string()), PathBuf::from(rest));
    }
    (None, path.to_path_buf())
}

impl LoadReport {
    /// Gives the hosts (and HardwareData) of dumps that named no cluster their cluster, now
    /// that every provider is read: the nearest directory above the file named after a
    /// provider's cluster, else the one cluster whose providers keep hosts in the host's
    /// namespace, else the only cluster the providers name, else (providers naming none) no
    /// cluster. Where providers name several and nothing tells, the hosts keep no
    /// cluster and [`LoadReport::unnamed_clusters`] says how to name it. Called by
    /// [`load_paths`], [`load_text`] and [`load_bytes`]; does nothing twice.
    pub fn finish(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let known = self.provider_clusters();
        // The clusters whose providers keep hosts in each namespace.
        let mut by_namespace: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (cluster, namespaces) in
            crate::fleet::build::metal3_scopes(self.objects.providers.values().map(|p| p.as_ref()))
        {
            for ns in namespaces {
                by_namespace.entry(ns).or_default().insert(cluster.clone());
            }
        }
        let mut unresolved: BTreeSet<PathBuf> = BTreeSet::new();
        for (mut object, origin) in std::mem::take(&mut self.pending) {
            let by_directory = origin
                .file
                .ancestors()
                .skip(1)
                .filter_map(|d| d.file_name()?.to_str())
                .find(|name| known.contains(*name));
            let namespace = object.metadata().namespace.clone().unwrap_or_default();
            let by_namespace = by_namespace
                .get(&namespace)
                .filter(|cs| cs.len() == 1)
                .and_then(|cs| cs.iter().next())
                .filter(|c| !c.is_empty());
            let cluster = match by_directory.or(by_namespace.map(String::as_str)) {
                Some(c) => c.to_string(),
                None if known.len() == 1 => known.iter().next().cloned().unwrap_or_default(),
                None => {
                    if !known.is_empty() {
                        unresolved.insert(origin.file.clone());
                    }
                    String::new()
                }
            };
            set_cluster(&mut object, &cluster);
            self.keep(object, origin);
        }
        let clusters: Vec<&str> = known.iter().map(String::as_str).collect();
        for file in unresolved {
            self.unnamed_clusters.push(format!(
                "cannot tell which Metal3 cluster the BareMetalHosts of {} belong to: the \
                 providers name clusters {}; name it (-f {}={}) or put the dump in a \
                 directory named after its cluster",
                file.display(),
                clusters.join(", "),
                clusters.first().copied().unwrap_or("CLUSTER"),
                file.display()
            ));
        }
    }

    /// Notes a file (or directory entry) that costs only itself: not read, and why.
    fn skip(&mut self, file: PathBuf, error: String) {
        self.problems.push(LoadProblem {
            file,
            document: 0,
            item: None,
            error,
        });
    }

    /// The Metal3 clusters the providers read name (`spec.metal3.clusterRef.cluster`).
    fn provider_clusters(&self) -> BTreeSet<String> {
        self.objects
            .providers
            .values()
            .map(|p| p.metal3_cluster().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// Warns of each cluster named on the command line (`-f dc1-infra=dump/`) that no
    /// provider read names: its hosts would be seen by no node type, most likely a typo. The
    /// warning names the closest clusters the providers do name, or all of them.
    fn check_named_clusters(&mut self) {
        let known = self.provider_clusters();
        for (cluster, path) in std::mem::take(&mut self.named) {
            if known.contains(&cluster) {
                continue;
            }
            let hint =
                match crate::fleet::names::closest(&cluster, known.iter().map(String::as_str))
                    .as_slice()
                {
                    _ if known.is_empty() => "no NodeProvider was read at all".to_string(),
                    [] => format!(
                        "the providers name {}",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    [one] => format!("did you mean {one}?"),
                    several => format!("did you mean one of {}?", several.join(", ")),
                };
            let line = format!(
                "-f {cluster}={}: no NodeProvider names Metal3 cluster {cluster} \
                 (spec.metal3.clusterRef.cluster), so no node type sees these hosts; {hint}",
                path.display()
            );
            if !self.unknown_clusters.contains(&line) {
                self.unknown_clusters.push(line);
            }
        }
    }

    /// Keeps a decoded object, noting a second copy of one already kept.
    fn keep(&mut self, object: FleetObject, origin: Origin) {
        if let Some(first) = self.origins.insert(object.key(), origin.clone()) {
            let (kind, _, key) = object.key();
            self.duplicates.push(Duplicate {
                kind,
                key,
                first,
                second: origin,
            });
        }
        self.objects.insert(object);
    }
}

/// Stamps a host or HardwareData with the cluster it was read from.
fn set_cluster(object: &mut FleetObject, cluster: &str) {
    match object {
        FleetObject::Host(o) => Arc::make_mut(o).cluster = cluster.to_string(),
        FleetObject::HardwareData(o) => Arc::make_mut(o).cluster = cluster.to_string(),
        _ => {}
    }
}

/// What a path is, as far as reading it goes, looked at without opening it.
#[derive(Debug)]
enum Found {
    Directory,
    /// A regular file.
    File,
    /// A named pipe (FIFO, or `<(kubectl get ...)`): read only when named on the command line,
    /// since opening one waits for a writer.
    Pipe,
    /// Nothing gpufleet reads (a socket, a device such as `/dev/zero`), and why.
    NotAFile(String),
    /// A symbolic link that leads nowhere (dangling, or looping), and why.
    BrokenLink(String),
}

/// Why a FIFO inside a directory is not read.
const PIPE_IN_DIRECTORY: &str = "skipped: a named pipe (FIFO), not a regular file; gpufleet \
    does not open one found in a directory (opening it would wait for a writer)";

/// What is at `path`, following symbolic links; errs only when nothing is there at all.
fn look_at(path: &Path) -> std::io::Result<Found> {
    let link = std::fs::symlink_metadata(path)?;
    if !link.file_type().is_symlink() {
        return Ok(found(link.file_type()));
    }
    Ok(match std::fs::metadata(path) {
        Ok(target) => found(target.file_type()),
        Err(e) => Found::BrokenLink(broken_link(path, &e)),
    })
}

fn found(t: std::fs::FileType) -> Found {
    use std::os::unix::fs::FileTypeExt;
    let not = |what: &str| Found::NotAFile(format!("{what}, not a file of kubectl output"));
    if t.is_dir() {
        Found::Directory
    } else if t.is_file() {
        Found::File
    } else if t.is_fifo() {
        Found::Pipe
    } else if t.is_socket() {
        not("a socket")
    } else if t.is_char_device() {
        not("a character device (such as /dev/zero or a terminal)")
    } else if t.is_block_device() {
        not("a block device")
    } else {
        not("not a regular file")
    }
}

/// Why a symbolic link cannot be followed: `a symbolic link to gone.yaml, which does not exist`.
fn broken_link(path: &Path, e: &std::io::Error) -> String {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        format!("a symbolic link to {target} that loops back on itself")
    } else if e.kind() == std::io::ErrorKind::NotFound {
        format!("a symbolic link to {target}, which does not exist")
    } else {
        format!("a symbolic link to {target} that cannot be followed: {e}")
    }
}

/// Reads a file up to [`MAX_FILE_BYTES`]. It is opened non-blocking and looked at once open,
/// so nothing found in a directory can make gpufleet wait: a named pipe is read only when
/// `named` on the command line (until its writer closes it), and anything else that is not a
/// regular file is refused unread.
fn read_file(path: &Path, named: bool) -> Result<Vec<u8>, String> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = |e: std::io::Error| format!("cannot read it: {e}");
    let too_large = || format!("refused: larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    let pipe = match found(meta.file_type()) {
        Found::File if meta.len() > MAX_FILE_BYTES => return Err(too_large()),
        Found::File => false,
        Found::Pipe if named => {
            // Opened without waiting; now read as a reader would, until the writer closes.
            let flags = fcntl_getfl(&file).map_err(|e| cannot(e.into()))?;
            fcntl_setfl(&file, flags - OFlags::NONBLOCK).map_err(|e| cannot(e.into()))?;
            true
        }
        Found::Pipe => return Err(PIPE_IN_DIRECTORY.into()),
        Found::Directory => return Err("refused: a directory, where a file was expected".into()),
        Found::NotAFile(why) | Found::BrokenLink(why) => return Err(format!("refused: {why}")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    if pipe && bytes.is_empty() {
        return Err(
            "a named pipe (FIFO) that gave nothing: nothing was writing to it when \
                    gpufleet opened it, or its writer wrote nothing"
                .into(),
        );
    }
    Ok(bytes)
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A path named on the command line: a directory is walked, a file or a named pipe is read.
/// Errs when it does not exist (naming the closest sibling that does), is a symbolic link
/// that leads nowhere, or is a directory that cannot be listed; a socket or a device costs
/// only itself (a problem).
fn collect_named(
    path: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    report: &mut LoadReport,
    visited: &mut BTreeSet<PathBuf>,
) -> Result<(), LoadError> {
    let err = |message: String| LoadError {
        path: path.to_path_buf(),
        message,
        source: None,
    };
    let failed = |e: std::io::Error| LoadError {
        path: path.to_path_buf(),
        message: e.to_string(),
        source: Some(e),
    };
    match look_at(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LoadError {
            source: Some(e),
            ..err(missing(path))
        }),
        Err(e) => Err(failed(e)),
        Ok(Found::Directory) => walk(path, out, report, visited).map_err(failed),
        Ok(Found::File | Found::Pipe) => {
            out.push((path.to_path_buf(), true));
            Ok(())
        }
        Ok(Found::NotAFile(why)) => {
            report.skip(path.to_path_buf(), format!("refused: {why}"));
            Ok(())
        }
        Ok(Found::BrokenLink(why)) => Err(err(why)),
    }
}

/// Every manifest below a directory, in name order. Whatever inside is not a regular file or
/// a directory costs only itself, never opened: a named pipe, socket, device or symbolic link
/// leading nowhere is a problem naming it and why (when its name is one gpufleet reads, or
/// it is a link that may have led to a directory), a subdirectory that cannot be listed too.
/// Errs only when `dir` itself cannot be listed.
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    report: &mut LoadReport,
    visited: &mut BTreeSet<PathBuf>,
) -> std::io::Result<()> {
    // A directory reached twice (a symbolic link back up the tree) is read once.
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !visited.insert(real) {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        match entry {
            Ok(e) => entries.push(e.path()),
            Err(e) => report.skip(
                dir.to_path_buf(),
                format!("an entry could not be listed: {e}"),
            ),
        }
    }
    entries.sort();
    for entry in entries {
        let manifest = has_manifest_extension(&entry);
        match look_at(&entry) {
            Err(e) => report.skip(entry, format!("cannot read it: {e}")),
            Ok(Found::Directory) => {
                if let Err(e) = walk(&entry, out, report, visited) {
                    report.skip(entry, format!("cannot list this directory: {e}"));
                }
            }
            Ok(Found::File) if manifest => out.push((entry, false)),
            Ok(Found::Pipe) if manifest => report.skip(entry, PIPE_IN_DIRECTORY.into()),
            Ok(Found::NotAFile(why)) if manifest => report.skip(entry, format!("skipped: {why}")),
            Ok(Found::BrokenLink(why)) => report.skip(entry, format!("skipped: {why}")),
            Ok(Found::File | Found::Pipe | Found::NotAFile(_)) => report.skipped_files.push(entry),
        }
    }
    Ok(())
}

/// Why a path named does not exist, with the closest names beside the first part of it that
/// does not: `it does not exist; did you mean dump/?`.
fn missing(path: &Path) -> String {
    // The first part of the path that does not exist, below the nearest one that does.
    let mut gone = path;
    for ancestor in path.ancestors().skip(1) {
        if ancestor.as_os_str().is_empty() || std::fs::symlink_metadata(ancestor).is_ok() {
            break;
        }
        gone = ancestor;
    }
    let what = if gone == path {
        "it does not exist".to_string()
    } else {
        format!("{} does not exist", gone.display())
    };
    let Some(name) = gone.file_name().and_then(|n| n.to_str()) else {
        return what;
    };
    let parent = gone.parent().filter(|p| !p.as_os_str().is_empty());
    let Ok(entries) = std::fs::read_dir(parent.unwrap_or(Path::new("."))) else {
        return what;
    };
    let siblings: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        // Hidden names only for a hidden name.
        .filter(|s| !s.starts_with('.') || name.starts_with('.'))
        .collect();
    let shown: Vec<String> =
        crate::fleet::names::closest(name, siblings.iter().map(String::as_str))
            .into_iter()
            .map(|s| {
                let p = parent.map_or_else(|| PathBuf::from(&s), |p| p.join(&s));
                let slash = if p.is_dir() { "/" } else { "" };
                format!("{}{slash}", p.display())
            })
            .collect();
    match shown.as_slice() {
        [] => what,
        [one] => format!("{what}; did you mean {one}?"),
        several => format!("{what}; did you mean one of {}?", several.join(", ")),
    }
}

/// How a file's bytes were read as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 behind a byte-order mark (EF BB BF), as Notepad and PowerShell 7 may write.
    Utf8Bom,
    /// UTF-16 little-endian behind FF FE: what Windows PowerShell 5 writes for `>`.
    Utf16Le,
    /// UTF-16 big-endian behind FE FF.
    Utf16Be,
}

/// The text of a file: UTF-8 with or without a byte-order mark, or UTF-16 with one. Anything
/// else is refused with what it looks like (UTF-32, UTF-16 without a mark, gzip, a legacy
/// 8-bit encoding), so nothing is skipped silently.
pub fn decode_text(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), String> {
    let utf16 = |body: &[u8], little: bool, name: &str| -> Result<String, String> {
        if !body.len().is_multiple_of(2) {
            return Err(format!(
                "{name} (byte-order mark {}) with an odd number of bytes: the file is cut short",
                if little { "FF FE" } else { "FE FF" }
            ));
        }
        let units = body.chunks_exact(2).map(|p| {
            if little {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .enumerate()
            .map(|(i, c)| {
                c.map_err(|_| format!("{name} with an unpaired surrogate at byte {}", 2 + 2 * i))
            })
            .collect()
    };
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => {
            Err("refused: UTF-32 text; save it as UTF-8 (or UTF-16 with a byte-order mark)".into())
        }
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(|t| (Cow::Borrowed(t), Encoding::Utf8Bom))
            .map_err(|e| not_utf8(rest, &e, 3)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true, "UTF-16LE")
            .map(|t| (Cow::Owned(t), Encoding::Utf16Le))
            .map_err(|e| format!("refused: {e}")),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false, "UTF-16BE")
            .map(|t| (Cow::Owned(t), Encoding::Utf16Be))
            .map_err(|e| format!("refused: {e}")),
        [0x1F, 0x8B, ..] => Err("refused: gzip-compressed; decompress it first".into()),
        // NUL is valid UTF-8 but never in a manifest: UTF-16 without a mark, or binary.
        _ if bytes.contains(&0) => Err(not_text(bytes, None)),
        _ => std::str::from_utf8(bytes)
            .map(|t| (Cow::Borrowed(t), Encoding::Utf8))
            .map_err(|e| not_utf8(bytes, &e, 0)),
    }
}

fn not_utf8(bytes: &[u8], e: &std::str::Utf8Error, offset: usize) -> String {
    not_text(bytes, Some((e.valid_up_to(), offset)))
}

/// Why bytes are not text gpufleet reads; `invalid` is where UTF-8 decoding failed (and the
/// offset of the bytes within the file).
fn not_text(bytes: &[u8], invalid: Option<(usize, usize)>) -> String {
    let sample = &bytes[..bytes.len().min(512)];
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .enumerate()
            .filter(|(i, b)| i % 2 == parity && **b == 0)
            .count()
    };
    let half = sample.len() / 2;
    let looks = if half > 0 && zeros_at(1) * 2 > half {
        "it looks like UTF-16LE without a byte-order mark".to_string()
    } else if half > 0 && zeros_at(0) * 2 > half {
        "it looks like UTF-16BE without a byte-order mark".to_string()
    } else if let Some((at, offset)) = invalid.filter(|_| !bytes.contains(&0)) {
        format!(
            "byte 0x{:02X} at offset {} is not UTF-8 (Latin-1 or another 8-bit encoding?)",
            bytes[at],
            at + offset
        )
    } else {
        "it looks like a binary file".to_string()
    };
    format!(
        "refused: not UTF-8 text: {looks}; gpufleet reads UTF-8, and UTF-16 with a byte-order mark"
    )
}

/// Loads one file's bytes into the report: decodes its text, then its documents.
pub fn load_bytes(file: &Path, bytes: &[u8], report: &mut LoadReport) {
    read_bytes(file, bytes, report);
    report.finish();
}

fn read_bytes(file: &Path, bytes: &[u8], report: &mut LoadReport) {
    report.files += 1;
    match decode_text(bytes) {
        Ok((text, _)) => {
            let seen = report.seen();
            read_text(file, &text, report);
            if report.seen() == seen {
                report.empty_files.push(file.to_path_buf());
            }
        }
        Err(error) => report.problems.push(LoadProblem {
            file: file.to_path_buf(),
            document: 0,
            item: None,
            error,
        }),
    }
}

/// Loads one file's text into the report.
pub fn load_text(file: &Path, text: &str, report: &mut LoadReport) {
    read_text(file, text, report);
    report.finish();
}

fn read_text(file: &Path, text: &str, report: &mut LoadReport) {
    // A byte-order mark left in the text (a file decoded elsewhere) is not content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_json = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if is_json {
        read_document(file, 1, false, |item| parse_json(text, item), report);
        return;
    }
    for (index, doc) in split_documents(text).into_iter().enumerate() {
        if doc.trim().is_empty() {
            continue;
        }
        // A YAML document of nothing (`---` alone, or `~`) is no object.
        read_document(file, index + 1, true, |item| parse_yaml(doc, item), report);
    }
}

/// What one item of a `List` decoded to, or why it could not be read.
type Item = Result<Decoded, String>;

/// Reads one document with `parse`, which hands each item of a top-level `items` sequence
/// over as it is parsed: each is decoded at once, and only what gpufleet keeps (the typed
/// object) stays, never the document's whole value. A document that cannot be parsed costs
/// only itself: nothing of it is kept, its items neither. With `null_is_nothing`, a
/// document that is `null` holds nothing.
fn read_document(
    file: &Path,
    document: usize,
    null_is_nothing: bool,
    parse: impl FnOnce(&mut dyn FnMut(Value)) -> Result<Streamed, String>,
    report: &mut LoadReport,
) {
    let mut items: Vec<Item> = Vec::new();
    let parsed = parse(&mut |value| items.push(decode_one(value)));
    match parsed {
        Ok(Streamed {
            value: Value::Null, ..
        }) if null_is_nothing => {}
        Ok(streamed) => load_value(file, document, streamed, items, report),
        Err(error) => report.problems.push(LoadProblem {
            file: file.to_path_buf(),
            document,
            item: None,
            error,
        }),
    }
}

fn parse_json(text: &str, item: &mut dyn FnMut(Value)) -> Result<Streamed, String> {
    let budget = Budget::for_input(text.len());
    let mut de = serde_json::Deserializer::from_str(text);
    // The bounded seed counts depth itself; serde_json's own limit would stop it at the same
    // depth with a vaguer message.
    let value = budget.document(item).deserialize(&mut de).and_then(|v| {
        de.end()?;
        Ok(v)
    });
    value.map_err(|e| match budget.exceeded() {
        Some(why) => why.to_string(),
        None => format!("not valid JSON: {e}"),
    })
}

fn parse_yaml(doc: &str, item: &mut dyn FnMut(Value)) -> Result<Streamed, String> {
    // Structure and text are bounded by the bounded seed, relative to the document; the
    // parser's own fixed budgets (sized for configuration files) would refuse a 25,000-host
    // `List`.
    let options = serde_saphyr::options! { budget: None, with_snippet: false };
    let budget = Budget::for_input(doc.len());
    serde_saphyr::with_deserializer_from_str_with_options(doc, options, |de| {
        budget.document(item).deserialize(de)
    })
    .map_err(|e| match budget.exceeded() {
        Some(why) => why.to_string(),
        // The parser's own limits on replaying aliases stop some bombs first: the same refusal.
        None if e.to_string().starts_with("alias replay") => Exceeded::Size {
            input_bytes: doc.len(),
        }
        .to_string(),
        None => format!("not valid YAML: {e}"),
    })
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

/// One document: a `List` (`kind: List`, or a kind ending in `List` with `items`) keeps its
/// items, decoded as they were read; anything else is one object. A document with an
/// `items` sequence that is not a list is an object of a kind with a field `items`, which no
/// kind gpufleet reads has: it is decoded without it, as it would have been with it.
fn load_value(
    file: &Path,
    document: usize,
    streamed: Streamed,
    items: Vec<Item>,
    report: &mut LoadReport,
) {
    let value = streamed.value;
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let has_items = streamed.items.is_some() || value.get("items").is_some();
    let is_list = kind == "List" || (kind.ends_with("List") && has_items);
    match (is_list, streamed.items) {
        (true, Some(_)) => {
            for (i, item) in items.into_iter().enumerate() {
                keep_one(file, document, Some(i), item, report);
            }
        }
        // A list whose items are not a sequence holds nothing to read.
        (true, None) => {}
        (false, _) => {
            drop(items);
            keep_one(file, document, None, decode_one(value), report);
        }
    }
}

/// Decodes one object, or says why it is not one.
fn decode_one(value: Value) -> Item {
    if !value.is_object() {
        return Err("not a Kubernetes object (expected a mapping with kind and metadata)".into());
    }
    decode(value).map_err(|e @ DecodeError { .. }| e.to_string())
}

/// Keeps one decoded object (a host of a dump that names no cluster until every provider is
/// read), counts a kind gpufleet does not read, or notes why it could not be read.
fn keep_one(
    file: &Path,
    document: usize,
    item: Option<usize>,
    read: Item,
    report: &mut LoadReport,
) {
    match read {
        Ok(Decoded::Object(mut o)) => {
            let origin = Origin {
                file: file.to_path_buf(),
                document,
                item,
            };
            report.loaded += 1;
            let of_metal3 = matches!(o, FleetObject::Host(_) | FleetObject::HardwareData(_));
            match (&report.naming, of_metal3) {
                (Some(cluster), true) => {
                    let cluster = cluster.clone();
                    set_cluster(&mut o, &cluster);
                    report.keep(o, origin);
                }
                (None, true) => report.pending.push((o, origin)),
                (_, false) => report.keep(o, origin),
            }
        }
        Ok(Decoded::Ignored(kind)) => *report.ignored.entry(kind).or_default() += 1,
        Err(error) => report.problems.push(LoadProblem {
            file: file.to_path_buf(),
            document,
            item,
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_cannot_be_read_keeps_the_systems_error_as_its_cause() {
        let dir = std::env::temp_dir().join(format!("gpufleet-load-error-{}", std::process::id()));
        let e = load_paths(&[dir.join("dumpp")]).unwrap_err();
        assert!(e.to_string().starts_with("cannot read "), "{e}");
        let cause = std::error::Error::source(&e).expect("the system's error is kept");
        let io = cause
            .downcast_ref::<std::io::Error>()
            .expect("an I/O error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn reads_utf8_and_utf16_behind_a_mark_and_names_what_it_refuses() {
        let (t, e) = decode_text(b"\xEF\xBB\xBFkind: List").unwrap();
        assert_eq!((t.as_ref(), e), ("kind: List", Encoding::Utf8Bom));
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("kïnd".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            decode_text(&le).unwrap(),
            (Cow::Owned("kïnd".into()), Encoding::Utf16Le)
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("k".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&be).unwrap().1, Encoding::Utf16Be);
        let refused = |b: &[u8]| decode_text(b).unwrap_err();
        assert!(refused(&[0xFF, 0xFE, 0x61]).contains("odd number of bytes"));
        assert!(refused(&[0xFF, 0xFE, 0x00, 0xD8]).contains("unpaired surrogate"));
        assert!(refused(&[0x1F, 0x8B, 8, 0]).contains("gzip"));
        assert!(refused(b"k\0i\0n\0d\0").contains("UTF-16LE without a byte-order mark"));
        assert!(refused(b"\0k\0i\0n\0d").contains("UTF-16BE without a byte-order mark"));
        assert!(refused(b"caf\xE9").contains("byte 0xE9 at offset 3"));
        assert!(refused(b"\xEF\xBB\xBFcaf\xE9").contains("byte 0xE9 at offset 6"));
    }

    #[test]
    fn an_empty_load_says_why() {
        let mut report = LoadReport::default();
        assert!(report.nothing_loaded().unwrap().contains("no .yaml"));
        load_bytes(Path::new("a.yaml"), b"# only a comment\n", &mut report);
        assert_eq!(report.empty_files, [PathBuf::from("a.yaml")]);
        assert_eq!(
            report.nothing_loaded().unwrap(),
            "1 file is empty or only comments (a.yaml)"
        );
        load_bytes(Path::new("b.json"), b"{}", &mut report);
        assert!(
            report
                .nothing_loaded()
                .unwrap()
                .contains("1 object or file could not be read")
        );
    }

    /// A `List` is decoded item by item; one item that does not fit costs only itself, and a
    /// list cut short (not valid JSON at its end) costs the whole document, items read before
    /// the cut included, as it did when it was read whole.
    #[test]
    fn a_list_is_read_item_by_item_and_a_broken_one_costs_only_itself() {
        let host = |name: &str, online: &str| {
            format!(
                r#"{{"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
                "metadata": {{"name": "{name}", "namespace": "m3"}}, "spec": {{"online": {online}}}}}"#
            )
        };
        let list = format!(
            r#"{{"apiVersion": "v1", "items": [{}, {}, 7, {}], "kind": "List", "metadata": {{}}}}"#,
            host("a", "true"),
            host("b", "\"yes\""),
            host("c", "false")
        );
        let mut report = LoadReport::default();
        load_text(Path::new("hosts.json"), &list, &mut report);
        assert_eq!(report.loaded, 2, "{:?}", report.problems);
        let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("hosts.json: document 1, items[1]: BareMetalHost m3/b"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("hosts.json: document 1, items[2]: not a Kubernetes object"),
            "{problems:?}"
        );
        let cut = &list[..list.len() - 40];
        let mut report = LoadReport::default();
        load_text(Path::new("cut.json"), cut, &mut report);
        assert_eq!(report.loaded, 0);
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].error.starts_with("not valid JSON"));
        // An object of a kind that is not a list keeps no items: only itself.
        let not_a_list = r#"{"apiVersion": "management.loft.sh/v1", "kind": "OSImage",
            "metadata": {"name": "img"}, "items": [1, 2]}"#;
        let mut report = LoadReport::default();
        load_text(Path::new("image.json"), not_a_list, &mut report);
        assert_eq!(report.loaded, 1, "{:?}", report.problems);
        assert!(report.objects.os_images.contains_key("img"));
    }

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
        let kept =
            &report.objects.hosts[&crate::fleet::HostKey::new("", "metal3-system", "gpu-01")];
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

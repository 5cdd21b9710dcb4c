//! The audit log: one JSON line per applied change (time, kube user, context, change,
//! objects with their resourceVersions before and after, result), appended to a file in the
//! user's state directory. Written after the write returns, whatever it returned.

use super::{WriteError, WriteReport};
use crate::impact::Change;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize)]
pub struct AuditRecord<'a> {
    /// RFC 3339, UTC.
    pub time: String,
    pub user: &'a str,
    pub context: &'a str,
    /// The change as a person reads it.
    pub summary: String,
    pub change: &'a Change,
    /// `applied`, `failed`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<&'a WriteReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a WriteError>,
    /// The change that puts back what this one changed (`impact::undo_of` on the snapshot its
    /// preview saw), so `u` can undo it even after gpufleet restarts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<Change>,
    /// Why there is no `undo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_undo: Option<String>,
}

/// One record of the audit log as read back: what `u` needs of it.
#[derive(Clone, Debug, Deserialize)]
pub struct LoggedEdit {
    pub time: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub report: Option<WriteReport>,
    #[serde(default)]
    pub undo: Option<Change>,
    #[serde(default)]
    pub no_undo: Option<String>,
}

/// The last write in the audit log at `path` that was applied in `context` (the platform's
/// kube context): the edit `u` undoes, whether the dashboard or `gpufleet apply` made it.
/// `Ok(None)` when there is none (or no log yet). Lines that cannot be read are skipped: one
/// damaged line costs only itself.
pub fn last_applied(path: &Path, context: &str) -> std::io::Result<Option<LoggedEdit>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<LoggedEdit>(l).ok())
        .find(|e| e.result == "applied" && in_context(&e.context, context)))
}

/// Whether a record's `context` is the platform context `context`. Records of `apply` written
/// before the record named only the platform's context list the site contexts after it
/// (`platform, dc1 (use1-infra), dc2 (usw2-infra)`): those count as the platform's too.
fn in_context(recorded: &str, context: &str) -> bool {
    recorded == context
        || recorded
            .strip_prefix(context)
            .is_some_and(|rest| rest.starts_with(", "))
}

impl<'a> AuditRecord<'a> {
    pub fn new(
        user: &'a str,
        context: &'a str,
        change: &'a Change,
        outcome: Result<&'a WriteReport, &'a WriteError>,
    ) -> Self {
        AuditRecord {
            undo: None,
            no_undo: None,
            time: jiff::Timestamp::now().to_string(),
            user,
            context,
            summary: change.to_string(),
            change,
            result: if outcome.is_ok() { "applied" } else { "failed" },
            report: outcome.ok(),
            error: outcome.err(),
        }
    }

    /// With the change that undoes this one, or why there is none.
    pub fn with_undo(mut self, undo: Result<Change, String>) -> Self {
        match undo {
            Ok(change) => self.undo = Some(change),
            Err(why) => self.no_undo = Some(why),
        }
        self
    }
}

/// `$XDG_STATE_HOME/gpufleet/audit.jsonl`, else `~/.local/state/gpufleet/audit.jsonl`.
pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("gpufleet").join("audit.jsonl"))
}

/// Appends one record as one line. The directory is created if needed.
pub fn append(path: &Path, record: &AuditRecord) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One write call per record, so concurrent gpufleet processes do not interleave lines.
    file.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::{HostTargets, LabelEdit};
    use crate::write::{WriteMode, WrittenObject};

    #[test]
    fn one_line_per_change_with_versions() {
        let dir = std::env::temp_dir().join(format!("gpufleet-audit-{}", std::process::id()));
        let path = dir.join("nested/audit.jsonl");
        let change = Change::Label(
            LabelEdit::parse_args(HostTargets::Names(vec!["h1".into()]), &["a=b"]).unwrap(),
        );
        let report = WriteReport {
            mode: WriteMode::Commit,
            objects: vec![WrittenObject {
                cluster: None,
                kind: "BareMetalHost".into(),
                namespace: Some("m3".into()),
                name: "h1".into(),
                context: None,
                resource_version_before: Some("7".into()),
                resource_version_after: Some("9".into()),
            }],
        };
        append(
            &path,
            &AuditRecord::new("alice", "prod", &change, Ok(&report)),
        )
        .unwrap();
        let conflict = WriteError::Conflict {
            kind: "BareMetalHost".into(),
            name: "m3/h1".into(),
            what_changed: "labels: a=c added".into(),
        };
        append(
            &path,
            &AuditRecord::new("alice", "prod", &change, Err(&conflict)),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["result"], "applied");
        assert_eq!(
            lines[0]["report"]["objects"][0]["resource_version_after"],
            "9"
        );
        assert_eq!(lines[0]["change"]["kind"], "label");
        assert_eq!(lines[1]["error"]["error"], "conflict");
        assert!(lines[1]["time"].as_str().unwrap().ends_with('Z'));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_last_applied_edit_of_a_context_is_read_back_with_its_undo() {
        let dir = std::env::temp_dir().join(format!("gpufleet-audit-last-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        assert!(last_applied(&path, "prod").unwrap().is_none(), "no log yet");
        let edit = |args: &[&str]| {
            Change::Label(
                LabelEdit::parse_args(HostTargets::Names(vec!["h1".into()]), args).unwrap(),
            )
        };
        let (first, undo_first) = (edit(&["a=b"]), edit(&["a-"]));
        let report = WriteReport {
            mode: WriteMode::Commit,
            objects: Vec::new(),
        };
        append(
            &path,
            &AuditRecord::new("alice", "prod", &first, Ok(&report))
                .with_undo(Ok(undo_first.clone())),
        )
        .unwrap();
        // Another context, a failed write and a damaged line come after: none counts.
        append(
            &path,
            &AuditRecord::new("bob", "staging", &first, Ok(&report)).with_undo(Ok(first.clone())),
        )
        .unwrap();
        let refused = WriteError::Invalid {
            message: "no".into(),
        };
        append(
            &path,
            &AuditRecord::new("alice", "prod", &first, Err(&refused)),
        )
        .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{not json\n"))
            .unwrap();
        let last = last_applied(&path, "prod").unwrap().unwrap();
        assert_eq!(last.user, "alice");
        assert_eq!(last.undo, Some(undo_first));
        assert_eq!(last.report, Some(report));
        std::fs::remove_dir_all(dir).ok();
    }

    /// `u` undoes the newest edit applied in the platform's context, the dashboard's or
    /// `apply`'s: an `apply` record of an older gpufleet named the site contexts after the
    /// platform's (`platform, dc1 (use1-infra), dc2 (usw2-infra)`) and still counts; another
    /// context whose name merely starts alike does not.
    #[test]
    fn an_apply_edit_after_a_dashboard_edit_is_the_one_undone() {
        let dir = std::env::temp_dir().join(format!("gpufleet-audit-apply-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        let edit = |value: &str| {
            Change::Label(
                LabelEdit::parse_args(HostTargets::Names(vec!["h1".into()]), &[value]).unwrap(),
            )
        };
        let report = WriteReport {
            mode: WriteMode::Commit,
            objects: Vec::new(),
        };
        let (dashboard, by_apply, old_apply) = (edit("a=1"), edit("a=2"), edit("a=3"));
        let record = |context: &str, change: &Change| {
            let line = AuditRecord::new("alice", context, change, Ok(&report))
                .with_undo(Ok(change.clone()));
            append(&path, &line).unwrap();
        };
        record("platform", &dashboard);
        record("platform", &by_apply);
        assert_eq!(
            last_applied(&path, "platform")
                .unwrap()
                .unwrap()
                .undo
                .as_ref(),
            Some(&by_apply)
        );
        record("platform, dc1 (use1-infra), dc2 (usw2-infra)", &old_apply);
        assert_eq!(
            last_applied(&path, "platform")
                .unwrap()
                .unwrap()
                .undo
                .as_ref(),
            Some(&old_apply)
        );
        record("platform-b", &dashboard);
        record("platform-b, dc1 (use1-infra)", &dashboard);
        assert_eq!(
            last_applied(&path, "platform")
                .unwrap()
                .unwrap()
                .undo
                .as_ref(),
            Some(&old_apply)
        );
        std::fs::remove_dir_all(dir).ok();
    }
}

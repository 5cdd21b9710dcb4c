//! What a change would do, as lines to read: built from `impact::impact`'s answer, once per
//! change of the input (never per frame). Each piece carries a tone the theme turns into a
//! style, so this file decides what to say and the drawing only how it looks.

use crate::fleet::lints::{Lint, Severity};
use crate::format::thousands;
use crate::impact::{ClaimEffect, ClaimImpact, HostEffect, Impact, Precondition};
use crate::ui::edit::targets::list_names;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Text,
    Muted,
    Header,
    Good,
    Warn,
    Bad,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PLine(pub Vec<(Tone, String)>);

impl PLine {
    pub fn one(tone: Tone, text: impl Into<String>) -> PLine {
        PLine(vec![(tone, text.into())])
    }

    pub fn push(mut self, tone: Tone, text: impl Into<String>) -> PLine {
        self.0.push((tone, text.into()));
        self
    }

    pub fn text(&self) -> String {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// Names listed before "and N more".
const NAMES: usize = 4;
/// Lines of one kind listed before "and N more".
const ROWS: usize = 8;

fn more(lines: &mut Vec<PLine>, total: usize) {
    if total > ROWS {
        lines.push(PLine::one(
            Tone::Muted,
            format!("  … and {} more", thousands((total - ROWS) as u64)),
        ));
    }
}

fn before_after(a: u32, b: u32) -> (Tone, String) {
    let tone = match b.cmp(&a) {
        std::cmp::Ordering::Greater => Tone::Good,
        std::cmp::Ordering::Less => Tone::Warn,
        std::cmp::Ordering::Equal => Tone::Muted,
    };
    (tone, format!("{} → {}", thousands(a), thousands(b)))
}

/// What the write would touch: `patches 3 BareMetalHosts` or `creates 1 OSImage, patches …`,
/// and, for objects read without a resourceVersion (a dump), that their patches would carry
/// no precondition.
fn objects_line(impact: &Impact) -> PLine {
    let mut by_kind: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    for o in &impact.objects {
        *by_kind.entry((o.kind, o.creates)).or_default() += 1;
    }
    if by_kind.is_empty() {
        return PLine::one(Tone::Muted, "writes nothing: the fleet already is as asked");
    }
    let parts: Vec<String> = by_kind
        .iter()
        .map(|((kind, new), n)| {
            let verb = if *new { "creates" } else { "patches" };
            format!("{verb} {n} {kind}{}", if *n == 1 { "" } else { "s" })
        })
        .collect();
    let line = PLine::one(Tone::Header, format!("Writes: {}", parts.join(", ")));
    let unguarded = impact
        .objects
        .iter()
        .filter(|o| o.precondition() == Precondition::None)
        .count();
    match unguarded {
        0 => line,
        n => line.push(
            Tone::Warn,
            format!(
                " ({} without a precondition: read without a resourceVersion)",
                if n == impact.objects.len() {
                    "all".to_string()
                } else {
                    thousands(n as u64)
                }
            ),
        ),
    }
}

fn hosts_section(impact: &Impact, lines: &mut Vec<PLine>) {
    // Only label edits change hosts; a pin or a rotation says what it does to its claims.
    let writes_hosts = impact.objects.iter().any(|o| o.kind == "BareMetalHost");
    if !writes_hosts && !impact.objects.is_empty() {
        return;
    }
    let count = |e: HostEffect| impact.hosts.iter().filter(|h| h.effect == e).count();
    let eligibility = count(HostEffect::EligibilityChanges);
    let labels_only = count(HostEffect::LabelsOnly);
    let claimed = count(HostEffect::UnaffectedUntilDeleted);
    let same = count(HostEffect::NoChange);
    if eligibility + labels_only + claimed + same == 0 {
        return;
    }
    let mut line = PLine::one(
        Tone::Header,
        format!("Hosts: {}", thousands(impact.hosts.len() as u64)),
    );
    for (n, what, tone) in [
        (
            eligibility,
            "change which node types can claim them",
            Tone::Text,
        ),
        (labels_only, "change labels only", Tone::Muted),
        (claimed, "are claimed", Tone::Warn),
        (same, "already are as asked", Tone::Muted),
    ] {
        if n > 0 {
            line = line
                .push(Tone::Muted, " · ")
                .push(tone, format!("{} {what}", thousands(n as u64)));
        }
    }
    lines.push(line);
    let held: Vec<_> = impact
        .hosts
        .iter()
        .filter(|h| h.effect == HostEffect::UnaffectedUntilDeleted)
        .collect();
    let with_cluster = impact.hosts_span_clusters();
    for h in held.iter().take(ROWS) {
        lines.push(
            PLine::one(Tone::Text, format!("  {}", h.shown_name(with_cluster)))
                .push(
                    Tone::Muted,
                    format!(" held by {}", h.claimed_by.as_deref().unwrap_or("?")),
                )
                .push(Tone::Warn, ": no effect until its Machine is deleted"),
        );
    }
    more(lines, held.len());
}

fn node_types_section(impact: &Impact, lines: &mut Vec<PLine>) {
    if impact.node_types.is_empty() {
        return;
    }
    lines.push(PLine::one(
        Tone::Header,
        "Node types: hosts available before → after",
    ));
    let with_cluster = impact.hosts_span_clusters();
    for t in impact.node_types.iter().take(ROWS) {
        let shown = |hosts: &[String]| -> Vec<String> {
            hosts
                .iter()
                .map(|h| t.shown_host(h, with_cluster))
                .collect()
        };
        let (tone, text) = before_after(t.available_before, t.available_after);
        let mut line = PLine::one(Tone::Text, format!("  {} ", t.name)).push(tone, text);
        if !t.gained.is_empty() {
            line = line.push(
                Tone::Good,
                format!(
                    "  gains {}",
                    list_names(shown(&t.gained).iter().map(String::as_str), NAMES)
                ),
            );
        }
        if !t.lost.is_empty() {
            line = line.push(
                Tone::Warn,
                format!(
                    "  loses {}",
                    list_names(shown(&t.lost).iter().map(String::as_str), NAMES)
                ),
            );
        }
        if let (Some(a), Some(b)) = (&t.os_image_before, &t.os_image_after) {
            line = line.push(Tone::Text, format!("  image {a} → {b}"));
        }
        lines.push(line);
    }
    more(lines, impact.node_types.len());
}

fn tenants_section(impact: &Impact, lines: &mut Vec<PLine>) {
    if impact.tenants.is_empty() {
        return;
    }
    lines.push(PLine::one(
        Tone::Header,
        "Tenants: GPUs reserved · eligible now, before → after",
    ));
    for t in impact.tenants.iter().take(ROWS) {
        let (rt, r) = before_after(t.reserved_gpus_before, t.reserved_gpus_after);
        let (et, e) = before_after(t.eligible_gpus_before, t.eligible_gpus_after);
        lines.push(
            PLine::one(Tone::Text, format!("  {} ", t.name))
                .push(Tone::Muted, "reserved ")
                .push(rt, r)
                .push(Tone::Muted, " · eligible ")
                .push(et, e),
        );
    }
    more(lines, impact.tenants.len());
}

fn candidates(c: &ClaimImpact) -> String {
    match (c.candidates_before, c.candidates_after) {
        (Some(a), Some(b)) => format!(" ({a} → {b} candidate servers)"),
        _ => String::new(),
    }
}

fn waiting_claims_section(impact: &Impact, lines: &mut Vec<PLine>) {
    let waiting: Vec<&ClaimImpact> = impact
        .claims
        .iter()
        .filter(|c| {
            matches!(
                c.effect,
                ClaimEffect::BecomesSchedulable
                    | ClaimEffect::LosesLastCandidate
                    | ClaimEffect::LosesACandidate
            )
        })
        .collect();
    if waiting.is_empty() {
        return;
    }
    lines.push(PLine::one(Tone::Header, "Waiting claims"));
    for c in waiting.iter().take(ROWS) {
        let (tone, what) = match c.effect {
            ClaimEffect::BecomesSchedulable => (Tone::Good, "becomes schedulable"),
            ClaimEffect::LosesLastCandidate => (Tone::Bad, "loses its last candidate: it waits"),
            _ => (Tone::Muted, "loses a candidate"),
        };
        lines.push(
            PLine::one(Tone::Text, format!("  {}/{} ", c.namespace, c.name))
                .push(tone, what)
                .push(Tone::Muted, candidates(c)),
        );
    }
    more(lines, waiting.len());
}

fn pin_section(impact: &Impact, lines: &mut Vec<PLine>) {
    for c in &impact.claims {
        match c.effect {
            ClaimEffect::PinSucceeds => lines.push(
                PLine::one(Tone::Good, "Pin: ")
                    .push(Tone::Text, format!("{}/{}", c.namespace, c.name))
                    .push(
                        Tone::Good,
                        format!(
                            " gets {}",
                            c.shown_host(impact.hosts_span_clusters())
                                .as_deref()
                                .unwrap_or("the server")
                        ),
                    ),
            ),
            ClaimEffect::PinFails => lines.push(
                PLine::one(Tone::Bad, "Pin fails: ")
                    .push(Tone::Text, c.reason.clone().unwrap_or_default())
                    .push(
                        Tone::Bad,
                        " — provisioning fails; the platform never falls back to another server",
                    ),
            ),
            _ => {}
        }
    }
}

/// Claims a rotation rolls over in one tenant's rack (or all its racks), and their GPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Rolling {
    claims: u32,
    gpus: u32,
}

impl Rolling {
    fn add(&mut self, claims: u32, gpus: u32) {
        self.claims += claims;
        self.gpus += gpus;
    }
}

/// Rolled-over claims by tenant, then rack, with GPU counts (guide, "Rotating OS images").
fn rollover_section(impact: &Impact, lines: &mut Vec<PLine>) {
    let rolling: Vec<&ClaimImpact> = impact.claims_with(ClaimEffect::RollsOver).collect();
    if rolling.is_empty() {
        return;
    }
    let gpus: u32 = rolling.iter().map(|c| c.gpus).sum();
    lines.push(PLine::one(
        Tone::Header,
        format!(
            "Drift: {} claims ({} GPUs) will be rolled over (re-provisioned with the new image)",
            thousands(rolling.len() as u64),
            thousands(gpus)
        ),
    ));
    let mut by_tenant: BTreeMap<&str, BTreeMap<&str, Rolling>> = BTreeMap::new();
    for c in &rolling {
        by_tenant
            .entry(c.tenant.as_str())
            .or_default()
            .entry(c.rack.as_deref().unwrap_or("(no rack)"))
            .or_default()
            .add(1, c.gpus);
    }
    for (tenant, racks) in by_tenant.iter().take(ROWS) {
        let Rolling { claims: n, gpus: g } =
            racks.values().fold(Rolling::default(), |mut sum, r| {
                sum.add(r.claims, r.gpus);
                sum
            });
        let racks_text: Vec<String> = racks
            .iter()
            .take(NAMES)
            .map(|(r, c)| format!("{r} ×{} ({})", c.claims, c.gpus))
            .collect();
        let rest = racks.len().saturating_sub(NAMES);
        lines.push(
            PLine::one(Tone::Text, format!("  {tenant} "))
                .push(Tone::Warn, format!("{n} claims, {g} GPUs"))
                .push(
                    Tone::Muted,
                    format!(
                        "  racks {}{}",
                        racks_text.join(", "),
                        if rest > 0 {
                            format!(" and {rest} more")
                        } else {
                            String::new()
                        }
                    ),
                ),
        );
    }
    more(lines, by_tenant.len());
}

/// A lint with its severity: `+` introduced, `!` already there and now relied on, `−`
/// resolved.
fn lint_line(l: &Lint, mark: char, with_cluster: bool) -> PLine {
    let tone = match (mark, l.severity) {
        ('−', _) => Tone::Good,
        (_, Severity::Error) => Tone::Bad,
        (_, Severity::Warning) => Tone::Warn,
        (_, Severity::Info) => Tone::Muted,
    };
    let severity = match l.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    PLine::one(tone, format!("  {mark} {severity} {} ", l.id)).push(
        Tone::Muted,
        format!("{}: {}", l.shown_subject(with_cluster), l.message),
    )
}

fn lints_section(impact: &Impact, lines: &mut Vec<PLine>) {
    for (list, mark, title) in [
        (&impact.lints_introduced, '+', "Lints introduced"),
        (
            &impact.lints_that_matter,
            '!',
            "Lints that now matter (already there, on what this change puts to use)",
        ),
        (&impact.lints_resolved, '−', "Lints resolved"),
    ] {
        if list.is_empty() {
            continue;
        }
        lines.push(PLine::one(Tone::Header, title));
        let with_cluster = impact.hosts_span_clusters();
        lines.extend(
            list.iter()
                .take(ROWS)
                .map(|l| lint_line(l, mark, with_cluster)),
        );
        more(lines, list.len());
    }
}

/// The preview of an impact, section by section; empty sections are left out.
pub fn impact_lines(impact: &Impact) -> Vec<PLine> {
    let mut lines = vec![objects_line(impact)];
    for w in &impact.warnings {
        lines.push(PLine::one(Tone::Warn, format!("! {w}")));
    }
    pin_section(impact, &mut lines);
    rollover_section(impact, &mut lines);
    hosts_section(impact, &mut lines);
    node_types_section(impact, &mut lines);
    tenants_section(impact, &mut lines);
    waiting_claims_section(impact, &mut lines);
    lints_section(impact, &mut lines);
    lines
}

/// Why there is nothing to preview (the input is not a valid change).
pub fn refused_lines(why: &str) -> Vec<PLine> {
    why.lines()
        .enumerate()
        .map(|(i, l)| {
            PLine::one(
                Tone::Bad,
                if i == 0 {
                    format!("✗ {l}")
                } else {
                    format!("  {l}")
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Fleet;
    use crate::generate::{GenerateConfig, generate};
    use crate::impact::{Change, HostTargets, LabelEdit, impact};

    #[test]
    fn a_label_preview_says_what_changes() {
        let fleet = Fleet::build(generate(&GenerateConfig::new(120, 2)).objects);
        let names: Vec<String> = fleet
            .hosts()
            .iter()
            .take(40)
            .map(|h| h.name.clone())
            .collect();
        let edit = LabelEdit::parse_args(HostTargets::Names(names), &["gpu-model=zz"]).unwrap();
        let i = impact(&fleet, &Change::Label(edit)).unwrap();
        let text: Vec<String> = impact_lines(&i).iter().map(PLine::text).collect();
        assert!(text[0].starts_with("Writes: patches"), "{text:?}");
        assert!(text.iter().any(|l| l.starts_with("Hosts: 40")), "{text:?}");
        assert!(text.iter().any(|l| l.starts_with("Node types")), "{text:?}");
        assert!(
            text.iter()
                .any(|l| l.contains("no effect until its Machine is deleted")),
            "{text:?}"
        );
        assert_eq!(refused_lines("a\nb")[1].text(), "  b");
    }
}

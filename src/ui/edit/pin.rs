//! The pin dialog: a server, the node type to pin it as (the types whose selector matches
//! it, the first eligible one chosen), and the claim to pin: a pending one (filterable) or
//! a new one for a vCluster in a project. The preview says whether the server is free and
//! matches, what would fail (the platform fails provisioning rather than fall back), which
//! waiting claims lose it, and offers the tenant's vcluster.yaml snippet.

use super::field::Field;
use super::flow::{Flow, Proposal};
use super::labels::FieldStyles;
use super::preview::{PLine, Tone};
use crate::fleet::{ClaimStage, Fleet, FleetView, HostId};
use crate::impact::pin::static_pool_snippet;
use crate::impact::{Change, PinChange, PinTarget};
use crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinFocus {
    NodeType,
    Target,
    Claim,
    Vcluster,
    Project,
}

pub struct PinDialog {
    /// `namespace/name` of the server.
    pub server: String,
    pub server_name: String,
    pub types: Vec<String>,
    pub type_index: usize,
    pub new_claim: bool,
    /// Pending claims the chosen type may pin (unbound, or of that type).
    pub pending: Vec<String>,
    pub filter: Field,
    /// Indices into `pending` that pass the filter.
    pub shown: Vec<usize>,
    pub claim_index: usize,
    pub vcluster: Field,
    pub project: Field,
    pub focus: PinFocus,
    pub snippet: Option<String>,
    /// The snippet was copied (OSC 52) since the change last changed.
    pub copied: bool,
    pub flow: Flow,
}

fn pending_claims(fleet: &Fleet, node_type: Option<&str>) -> Vec<String> {
    let t = node_type.and_then(|n| fleet.resolve_node_type(n).ok());
    let mut out: Vec<String> = fleet
        .claims()
        .iter()
        .filter(|c| c.stage == ClaimStage::Pending && c.host.is_none())
        .filter(|c| c.node_type.is_none() || c.node_type == t)
        .map(|c| c.key())
        .collect();
    out.sort();
    out
}

/// What the preview says about the server and the type before the impact's lines.
fn facts(fleet: &Fleet, h: HostId, node_type: &str) -> Vec<PLine> {
    let host = fleet.host(h);
    let state = match fleet.holder(h) {
        Some(holder) => (
            Tone::Bad,
            format!(
                "claimed by {} (tenant {})",
                match holder {
                    crate::fleet::Holder::Claim(c) => fleet.claim(*c).key(),
                    crate::fleet::Holder::Unknown(k) => k.clone(),
                },
                holder.tenant(fleet)
            ),
        ),
        None if fleet.is_free(h) => (Tone::Good, "available and not claimed".to_string()),
        None => (Tone::Bad, format!("not available: {}", host.state.label())),
    };
    let mut lines =
        vec![PLine::one(Tone::Header, format!("Server {} ", host.name)).push(state.0, state.1)];
    if let Ok(t) = fleet.resolve_node_type(node_type) {
        let derived = fleet.derived(h);
        let (tone, text) = if derived.eligible.contains(&t) {
            (
                Tone::Good,
                "its selector matches the server, which it could claim now",
            )
        } else if derived.matches.contains(&t) {
            (
                Tone::Warn,
                "its selector matches the server, which it cannot claim now",
            )
        } else {
            (Tone::Bad, "its selector does not match the server")
        };
        lines.push(
            PLine::one(
                Tone::Header,
                format!("Node type {} ", fleet.node_type(t).name),
            )
            .push(tone, text),
        );
    }
    lines
}

impl PinDialog {
    pub fn open(fleet: Arc<Fleet>, h: HostId, styles: FieldStyles) -> PinDialog {
        let host = fleet.host(h);
        let derived = fleet.derived(h);
        let mut ids = derived.matches.clone();
        // The first type that could claim it now comes first: the default.
        ids.sort_by_key(|t| !derived.eligible.contains(t));
        if ids.is_empty() {
            ids = fleet.types_in_namespace(&host.namespace).to_vec();
        }
        let types: Vec<String> = ids
            .iter()
            .map(|&t| fleet.node_type(t).name.clone())
            .collect();
        let pending = pending_claims(&fleet, types.first().map(String::as_str));
        let field = |label, text: &str, hint: &str| {
            let mut f = Field::single(label, text, styles.text);
            f.set_placeholder(hint, styles.placeholder);
            f.set_focus(false);
            f
        };
        let mut dialog = PinDialog {
            server: format!("{}/{}", host.namespace, host.name),
            server_name: host.name.clone(),
            types,
            type_index: 0,
            new_claim: pending.is_empty(),
            shown: (0..pending.len()).collect(),
            pending,
            filter: field("claim", "", "type to filter pending claims"),
            claim_index: 0,
            vcluster: field("vCluster", "", "the tenant's vCluster"),
            project: field("project", "", "its project (namespace loft-p-<project>)"),
            focus: PinFocus::NodeType,
            snippet: None,
            copied: false,
            flow: Flow::new(Proposal::empty(fleet.clone(), "")),
        };
        dialog.refresh(fleet, true);
        dialog
    }

    pub fn title(&self) -> String {
        format!("Pin a Machine to server {}", self.server_name)
    }

    pub fn node_type(&self) -> Option<&str> {
        self.types.get(self.type_index).map(String::as_str)
    }

    pub fn selected_claim(&self) -> Option<&str> {
        self.shown
            .get(self.claim_index)
            .and_then(|&i| self.pending.get(i))
            .map(String::as_str)
    }

    pub fn change(&self) -> Result<Change, String> {
        let node_type = self
            .node_type()
            .ok_or("no node type serves this server's namespace")?
            .to_string();
        let target = if self.new_claim {
            let (vcluster, project) = (self.vcluster.text(), self.project.text());
            if vcluster.trim().is_empty() || project.trim().is_empty() {
                return Err("type the vCluster and the project of the new claim".into());
            }
            PinTarget::New {
                vcluster: vcluster.trim().to_string(),
                project: project.trim().to_string(),
            }
        } else {
            let key = self
                .selected_claim()
                .ok_or("no pending claim matches: change the filter, or pin a new claim")?;
            let (namespace, name) = key.split_once('/').unwrap_or(("", key));
            PinTarget::Existing {
                namespace: namespace.to_string(),
                name: name.to_string(),
            }
        };
        Ok(Change::Pin(PinChange {
            server: self.server.clone(),
            node_type: Some(node_type),
            target,
        }))
    }

    pub fn refresh(&mut self, fleet: Arc<Fleet>, force: bool) {
        if force {
            // Claims come and go: list the pending ones of this snapshot, keeping the choice.
            let chosen = self.selected_claim().map(str::to_string);
            self.pending = pending_claims(&fleet, self.node_type());
            self.refilter();
            if let Some(at) =
                chosen.and_then(|c| self.shown.iter().position(|&i| self.pending[i] == c))
            {
                self.claim_index = at;
            }
        }
        let change = self.change();
        // The copy note stands until the input changes.
        self.copied &= change == self.flow.proposal.change;
        if !self.flow.wants_preview(&change, force) {
            return;
        }
        self.snippet = match &change {
            Ok(Change::Pin(pin)) => static_pool_snippet(&fleet, pin).ok(),
            _ => None,
        };
        let server = fleet.resolve_host(&self.server).ok();
        let node_type = self.node_type().unwrap_or_default().to_string();
        let snippet = self.snippet.clone();
        self.flow
            .set_proposal(Proposal::compute(fleet, change, |fleet, _, _| {
                let before = server
                    .map(|h| facts(fleet, h, &node_type))
                    .unwrap_or_default();
                let mut after = Vec::new();
                if let Some(s) = snippet {
                    after.push(PLine::one(
                        Tone::Header,
                        "The tenant's vcluster.yaml static pool (Ctrl-y copies it)",
                    ));
                    after.extend(s.lines().map(|l| PLine::one(Tone::Text, format!("  {l}"))));
                }
                (before, after)
            }));
    }

    fn focus_order(&self) -> &'static [PinFocus] {
        if self.new_claim {
            &[
                PinFocus::NodeType,
                PinFocus::Target,
                PinFocus::Vcluster,
                PinFocus::Project,
            ]
        } else {
            &[PinFocus::NodeType, PinFocus::Target, PinFocus::Claim]
        }
    }

    pub fn move_focus(&mut self, step: isize) {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(at + step).rem_euclid(order.len() as isize) as usize];
        self.filter.set_focus(self.focus == PinFocus::Claim);
        self.vcluster.set_focus(self.focus == PinFocus::Vcluster);
        self.project.set_focus(self.focus == PinFocus::Project);
    }

    fn refilter(&mut self) {
        let needle = self.filter.text().to_lowercase();
        self.shown = (0..self.pending.len())
            .filter(|&i| self.pending[i].to_lowercase().contains(needle.trim()))
            .collect();
        self.claim_index = self.claim_index.min(self.shown.len().saturating_sub(1));
    }

    /// Up and Down: the list in focus, or the kind of target.
    pub fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
        let step = |i: usize, len: usize| {
            (i as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize
        };
        match self.focus {
            PinFocus::NodeType => {
                self.type_index = step(self.type_index, self.types.len());
                self.pending = pending_claims(&fleet, self.node_type());
                self.refilter();
            }
            PinFocus::Target => self.new_claim = !self.new_claim,
            PinFocus::Claim => self.claim_index = step(self.claim_index, self.shown.len()),
            PinFocus::Vcluster | PinFocus::Project => {}
        }
        self.refresh(fleet, false);
    }

    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        match self.focus {
            PinFocus::Target
                if matches!(
                    key.code,
                    KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                ) =>
            {
                self.new_claim = !self.new_claim;
            }
            PinFocus::Claim => {
                if self.filter.key(key) {
                    self.refilter();
                }
            }
            PinFocus::Vcluster => {
                self.vcluster.key(key);
            }
            PinFocus::Project => {
                self.project.key(key);
            }
            PinFocus::NodeType | PinFocus::Target => {}
        }
        self.refresh(fleet, false);
    }

    pub fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
        let field = match self.focus {
            PinFocus::Claim => &mut self.filter,
            PinFocus::Vcluster => &mut self.vcluster,
            PinFocus::Project => &mut self.project,
            _ => return,
        };
        field.paste(text);
        if self.focus == PinFocus::Claim {
            self.refilter();
        }
        self.refresh(fleet, false);
    }
}

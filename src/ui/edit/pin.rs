//! The pin dialog. Opened on a server (`p` in the hosts pane or a host's details): every
//! pending claim, each with whether the pin would hold and why not, or a new claim of a node
//! type that matches the server for a vCluster in a project. Opened on a machine (`p` in the
//! machines pane or a machine's details): the servers a node type its request can get
//! matches, each with the same verdict. The verdicts and the preview come from the
//! platform's own rule (`rules::place_claim` with the pin laid on the claim): a pin never
//! changes a claim's node type, and the platform fails provisioning rather than fall back.

use super::field::Field;
use super::flow::{Flow, Proposal};
use super::labels::FieldStyles;
use super::preview::{PLine, Tone};
use crate::fleet::rules::{TypeRequest, type_serves_request};
use crate::fleet::{ClaimId, ClaimStage, Fleet, FleetView, Holder, HostId};
use crate::impact::pin::{PinRefusal, claim_request_text, pin_verdict, static_pool_snippet};
use crate::impact::{Change, PinChange, PinTarget};
use crate::ui::edit::EditError;
use crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinFocus {
    /// Pending claim or new claim (from a server).
    Target,
    /// The list of pending claims (from a server) or servers (from a claim), and its filter.
    List,
    NodeType,
    Vcluster,
    Project,
}

/// Where the dialog was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinFrom {
    /// A server, as its full key (`cluster/namespace/name`) and as shown
    /// ([`Fleet::shown_name`]: `cluster/name` where the fleet spans clusters).
    Server { key: String, name: String },
    /// A pending claim, as `namespace/name`.
    Claim { key: String },
}

/// One pending claim (from a server) or one server (from a claim), and whether the pin
/// would hold: the node type the claim would get the server as, or why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinChoice {
    /// `namespace/name` of the claim or the server.
    pub key: String,
    /// The node type the claim would get the server as, or why the pin would not hold.
    pub verdict: Result<String, PinRefusal>,
}

impl PinChoice {
    pub fn holds(&self) -> bool {
        self.verdict.is_ok()
    }

    /// One line of the list: the key, then the node type it would get or why not.
    pub fn text(&self) -> String {
        match &self.verdict {
            Ok(t) => format!("✓ {}  holds: as node type {t}", self.key),
            Err(why) => format!("✗ {}  would not hold: {why}", self.key),
        }
    }
}

pub struct PinDialog {
    pub from: PinFrom,
    /// Node types a new claim may name: those whose selector matches the server, the
    /// first that could claim it now first.
    pub types: Vec<String>,
    pub type_index: usize,
    pub new_claim: bool,
    /// Pending claims (from a server) or servers (from a claim), those the pin would hold
    /// for first.
    pub choices: Vec<PinChoice>,
    pub filter: Field,
    /// Indices into `choices` that pass the filter.
    pub shown: Vec<usize>,
    pub choice_index: usize,
    pub vcluster: Field,
    pub project: Field,
    pub focus: PinFocus,
    pub snippet: Option<String>,
    /// What the last copy of the snippet (Ctrl-y) did, until the change changes.
    pub copy_note: Option<String>,
    pub flow: Flow,
}

fn sort_choices(choices: &mut [PinChoice]) {
    choices.sort_by(|a, b| (!a.holds(), &a.key).cmp(&(!b.holds(), &b.key)));
}

/// Every pending claim, with whether pinning it to host `server` would hold.
fn claim_choices(fleet: &Fleet, server: HostId) -> Vec<PinChoice> {
    let mut out: Vec<PinChoice> = fleet
        .claim_ids()
        .filter(|&c| fleet.claim(c).stage == ClaimStage::Pending && fleet.claim(c).host.is_none())
        .map(|c| PinChoice {
            key: fleet.claim(c).key(),
            verdict: pin_verdict(fleet, c, server).map(|t| fleet.node_type(t).name.clone()),
        })
        .collect();
    sort_choices(&mut out);
    out
}

/// The servers a node type the claim's request can get matches, with whether pinning the
/// claim to each would hold.
fn server_choices(fleet: &Fleet, c: ClaimId) -> Vec<PinChoice> {
    let claim = fleet.claim(c);
    let request = TypeRequest::of_claim(fleet, c);
    let types: Vec<_> = match (&claim.type_ref, claim.node_type) {
        (Some(_), Some(t)) => vec![t],
        (Some(_), None) => Vec::new(),
        (None, _) => fleet
            .node_type_ids()
            .filter(|&t| type_serves_request(fleet, t, &request))
            .collect(),
    };
    let mut hosts: Vec<HostId> = types
        .iter()
        .flat_map(|&t| fleet.type_hosts(t).iter().copied())
        .collect();
    hosts.sort();
    hosts.dedup();
    let mut out: Vec<PinChoice> = hosts
        .into_iter()
        .map(|h| {
            let host = fleet.host(h);
            PinChoice {
                key: host.key().to_string(),
                verdict: pin_verdict(fleet, c, h).map(|t| fleet.node_type(t).name.clone()),
            }
        })
        .collect();
    sort_choices(&mut out);
    out
}

fn holder_text(fleet: &Fleet, holder: &Holder) -> String {
    let key = match holder {
        Holder::Claim(c) => fleet.claim(*c).key(),
        Holder::Unknown(k) => k.clone(),
        ambiguous @ Holder::Ambiguous(_) => ambiguous.describe(fleet),
    };
    format!("claimed by {key} (tenant {})", holder.tenant(fleet))
}

/// What the preview says about the server and the claim before the impact's lines.
fn facts(fleet: &Fleet, change: &PinChange, new_claim: bool) -> Vec<PLine> {
    let mut lines = Vec::new();
    if let Ok(h) = fleet.resolve_host(&change.server) {
        let host = fleet.host(h);
        let state = match fleet.holder(h) {
            Some(holder) => (Tone::Bad, holder_text(fleet, holder)),
            None if fleet.is_free(h) => (Tone::Good, "available and not claimed".to_string()),
            None => (Tone::Bad, format!("not available: {}", host.state.label())),
        };
        lines.push(
            PLine::one(Tone::Header, format!("Server {} ", fleet.shown_name(h)))
                .push(state.0, state.1),
        );
        if new_claim
            && let Some(Ok(t)) = change
                .node_type
                .as_deref()
                .map(|n| fleet.resolve_node_type(n))
        {
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
    }
    if let PinTarget::Existing { namespace, name } = &change.target
        && let Some(c) = fleet.claim_by_key(namespace, name)
    {
        lines.push(
            PLine::one(Tone::Header, format!("Machine {namespace}/{name} ")).push(
                Tone::Text,
                format!(
                    "asks for {}; a pin never changes the node type its request gets",
                    claim_request_text(fleet.claim(c))
                ),
            ),
        );
    }
    lines
}

fn field(label: &'static str, hint: &str, styles: FieldStyles) -> Field {
    let mut f = Field::single(label, "", styles.text);
    f.set_placeholder(hint, styles.placeholder);
    f.set_focus(false);
    f
}

impl PinDialog {
    fn new(fleet: Arc<Fleet>, from: PinFrom, types: Vec<String>, styles: FieldStyles) -> Self {
        let hint = match from {
            PinFrom::Server { .. } => "type to filter pending claims",
            PinFrom::Claim { .. } => "type to filter servers",
        };
        PinDialog {
            from,
            types,
            type_index: 0,
            new_claim: false,
            choices: Vec::new(),
            filter: field("filter", hint, styles),
            shown: Vec::new(),
            choice_index: 0,
            vcluster: field("vCluster", "the tenant's vCluster", styles),
            project: field("project", "its project (namespace p-<project>)", styles),
            focus: PinFocus::Target,
            snippet: None,
            copy_note: None,
            flow: Flow::new(Proposal::empty(fleet, "")),
        }
    }

    /// On a server: every pending claim with its verdict, or a new claim.
    pub fn open(fleet: Arc<Fleet>, h: HostId, styles: FieldStyles) -> PinDialog {
        let host = fleet.host(h);
        let derived = fleet.derived(h);
        let mut ids = derived.matches.clone();
        // The first type that could claim it now comes first: the default.
        ids.sort_by_key(|t| !derived.eligible.contains(t));
        if ids.is_empty() {
            ids = fleet.types_in(&host.cluster, &host.namespace).to_vec();
        }
        let types: Vec<String> = ids
            .iter()
            .map(|&t| fleet.node_type(t).name.clone())
            .collect();
        let from = PinFrom::Server {
            key: host.key().to_string(),
            name: fleet.shown_name(h),
        };
        let mut dialog = PinDialog::new(fleet.clone(), from, types, styles);
        dialog.load_choices(&fleet);
        // A pending claim by default when the pin would hold for one; else a new claim.
        dialog.new_claim = !dialog.choices.first().is_some_and(PinChoice::holds);
        dialog.refresh(fleet, true);
        dialog
    }

    /// On a pending claim: the servers it could be pinned to, each with its verdict.
    pub fn open_claim(fleet: Arc<Fleet>, c: ClaimId, styles: FieldStyles) -> PinDialog {
        let from = PinFrom::Claim {
            key: fleet.claim(c).key(),
        };
        let mut dialog = PinDialog::new(fleet.clone(), from, Vec::new(), styles);
        dialog.focus = PinFocus::List;
        dialog.filter.set_focus(true);
        dialog.load_choices(&fleet);
        dialog.refresh(fleet, true);
        dialog
    }

    pub fn title(&self) -> String {
        match &self.from {
            PinFrom::Server { name, .. } => format!("Pin a Machine to server {name}"),
            PinFrom::Claim { key } => format!("Pin Machine {key} to a server"),
        }
    }

    pub fn from_claim(&self) -> bool {
        matches!(self.from, PinFrom::Claim { .. })
    }

    pub fn node_type(&self) -> Option<&str> {
        self.types.get(self.type_index).map(String::as_str)
    }

    pub fn selected(&self) -> Option<&PinChoice> {
        self.shown
            .get(self.choice_index)
            .and_then(|&i| self.choices.get(i))
    }

    fn load_choices(&mut self, fleet: &Fleet) {
        let chosen = self.selected().map(|c| c.key.clone());
        self.choices = match &self.from {
            PinFrom::Server { key, .. } => match fleet.resolve_host(key) {
                Ok(h) => claim_choices(fleet, h),
                Err(_) => Vec::new(),
            },
            PinFrom::Claim { key } => match fleet.resolve_claim(key) {
                Ok(c) => server_choices(fleet, c),
                Err(_) => Vec::new(),
            },
        };
        self.refilter();
        if let Some(at) =
            chosen.and_then(|k| self.shown.iter().position(|&i| self.choices[i].key == k))
        {
            self.choice_index = at;
        }
    }

    pub fn change(&self) -> Result<Change, EditError> {
        let (server, target) = match &self.from {
            PinFrom::Claim { key } => {
                let server = self
                    .selected()
                    .ok_or_else(|| EditError::incomplete("no server matches: change the filter"))?
                    .key
                    .clone();
                (server, existing(key))
            }
            PinFrom::Server { key, .. } if self.new_claim => {
                let (vcluster, project) = (self.vcluster.text(), self.project.text());
                if vcluster.trim().is_empty() || project.trim().is_empty() {
                    return Err(EditError::incomplete(
                        "type the vCluster and the project of the new claim",
                    ));
                }
                let node_type = self.node_type().ok_or_else(|| {
                    EditError::incomplete("no node type serves this server's namespace")
                })?;
                return Ok(Change::Pin(PinChange {
                    server: key.clone(),
                    node_type: Some(node_type.to_string()),
                    target: PinTarget::New {
                        vcluster: vcluster.trim().to_string(),
                        project: project.trim().to_string(),
                    },
                }));
            }
            PinFrom::Server { key, .. } => {
                let claim = self.selected().ok_or_else(|| {
                    EditError::incomplete(
                        "no pending claim matches: change the filter, or pin a new claim",
                    )
                })?;
                (key.clone(), existing(&claim.key))
            }
        };
        Ok(Change::Pin(PinChange {
            server,
            node_type: None,
            target,
        }))
    }

    pub fn refresh(&mut self, fleet: Arc<Fleet>, force: bool) {
        if force {
            // Claims come and go: the choices of this snapshot, keeping the one chosen.
            self.load_choices(&fleet);
        }
        let change = self.change();
        // The copy note stands until the input changes.
        if change != self.flow.proposal.change {
            self.copy_note = None;
        }
        if !self.flow.wants_preview(&change, force) {
            return;
        }
        // The tenant's static pool names the type the claim gets.
        let snippet_type = match (&change, self.selected()) {
            (Ok(Change::Pin(p)), _) if p.node_type.is_some() => p.node_type.clone(),
            (Ok(Change::Pin(_)), Some(choice)) => choice.verdict.clone().ok(),
            _ => None,
        };
        self.snippet = match (&change, snippet_type) {
            (Ok(Change::Pin(pin)), Some(t)) => static_pool_snippet(
                &fleet,
                &PinChange {
                    node_type: Some(t),
                    ..pin.clone()
                },
            )
            .ok(),
            _ => None,
        };
        let snippet = self.snippet.clone();
        let new_claim = self.new_claim && !self.from_claim();
        self.flow
            .set_proposal(Proposal::compute(fleet, change, move |fleet, change, _| {
                let before = match change {
                    Change::Pin(pin) => facts(fleet, pin, new_claim),
                    _ => Vec::new(),
                };
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
        match (self.from_claim(), self.new_claim) {
            (true, _) => &[PinFocus::List],
            (false, true) => &[
                PinFocus::Target,
                PinFocus::NodeType,
                PinFocus::Vcluster,
                PinFocus::Project,
            ],
            (false, false) => &[PinFocus::Target, PinFocus::List],
        }
    }

    pub fn move_focus(&mut self, step: isize) {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(at + step).rem_euclid(order.len() as isize) as usize];
        self.filter.set_focus(self.focus == PinFocus::List);
        self.vcluster.set_focus(self.focus == PinFocus::Vcluster);
        self.project.set_focus(self.focus == PinFocus::Project);
    }

    fn refilter(&mut self) {
        let needle = self.filter.text().to_lowercase();
        self.shown = (0..self.choices.len())
            .filter(|&i| self.choices[i].key.to_lowercase().contains(needle.trim()))
            .collect();
        self.choice_index = self.choice_index.min(self.shown.len().saturating_sub(1));
    }

    /// Up and Down: the list in focus, or the kind of target.
    pub fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
        let step = |i: usize, len: usize| {
            (i as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize
        };
        match self.focus {
            PinFocus::NodeType => self.type_index = step(self.type_index, self.types.len()),
            PinFocus::Target => self.toggle_target(),
            PinFocus::List => self.choice_index = step(self.choice_index, self.shown.len()),
            PinFocus::Vcluster | PinFocus::Project => {}
        }
        self.refresh(fleet, false);
    }

    fn toggle_target(&mut self) {
        if !self.from_claim() {
            self.new_claim = !self.new_claim;
        }
    }

    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        match self.focus {
            PinFocus::Target
                if matches!(
                    key.code,
                    KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                ) =>
            {
                self.toggle_target();
            }
            PinFocus::List => {
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
            PinFocus::List => &mut self.filter,
            PinFocus::Vcluster => &mut self.vcluster,
            PinFocus::Project => &mut self.project,
            _ => return,
        };
        field.paste(text);
        if self.focus == PinFocus::List {
            self.refilter();
        }
        self.refresh(fleet, false);
    }
}

fn existing(key: &str) -> PinTarget {
    let (namespace, name) = key.split_once('/').unwrap_or(("", key));
    PinTarget::Existing {
        namespace: namespace.to_string(),
        name: name.to_string(),
    }
}

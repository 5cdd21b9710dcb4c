//! The rotation dialog: point a node type at another OSImage, an existing one or a new one
//! (name, URL, checksum and its type). The guide's rule stands: a new image is created,
//! never an existing one edited in place; the preview refuses that with the guide's reason
//! and lists the claims that would drift and be rolled over.

use super::field::Field;
use super::flow::{Flow, Proposal};
use super::labels::FieldStyles;
use super::preview::{PLine, Tone};
use crate::fleet::rules::type_os_image;
use crate::fleet::{Fleet, NodeTypeId};
use crate::impact::{Change, NewImage, Rotation};
use crate::model::ChecksumType;
use crate::ui::edit::EditError;
use crossterm::event::KeyEvent;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotateFocus {
    Image,
    Name,
    Url,
    Checksum,
    ChecksumType,
}

pub struct RotateDialog {
    pub node_type: String,
    pub current: Option<String>,
    /// Existing OSImages: name and URL.
    pub images: Vec<(String, String)>,
    /// 0 is "a new OSImage"; `i` is `images[i - 1]`.
    pub image_index: usize,
    pub name: Field,
    pub url: Field,
    pub checksum: Field,
    pub checksum_type: Field,
    pub focus: RotateFocus,
    pub flow: Flow,
}

impl RotateDialog {
    pub fn open(fleet: Arc<Fleet>, t: NodeTypeId, styles: FieldStyles) -> RotateDialog {
        let images: Vec<(String, String)> = fleet
            .objects()
            .os_images
            .iter()
            .map(|(name, image)| (name.clone(), image.url().unwrap_or("").to_string()))
            .collect();
        let field = |label, text: &str, hint: &str| {
            let mut f = Field::single(label, text, styles.text);
            f.set_placeholder(hint, styles.placeholder);
            f.set_focus(false);
            f
        };
        let mut dialog = RotateDialog {
            node_type: fleet.node_type(t).name.clone(),
            current: type_os_image(fleet.as_ref(), t),
            images,
            image_index: 0,
            name: field("name", "", "a new name, e.g. ubuntu-noble-gpu-2026-06"),
            url: field("URL", "", "http://images.example/noble-2026-06.qcow2"),
            checksum: field("checksum", "", "the image's checksum (Ironic verifies it)"),
            checksum_type: field(
                "checksum type",
                ChecksumType::Sha256.as_str(),
                "md5, sha256, sha512 or auto",
            ),
            focus: RotateFocus::Image,
            flow: Flow::new(Proposal::empty(fleet.clone(), "")),
        };
        dialog.refresh(fleet, true);
        dialog
    }

    pub fn title(&self) -> String {
        format!(
            "Rotate the OS image of {} (now {})",
            self.node_type,
            self.current.as_deref().unwrap_or("none")
        )
    }

    pub fn is_new(&self) -> bool {
        self.image_index == 0
    }

    fn image_name(&self) -> String {
        match self.images.get(self.image_index.wrapping_sub(1)) {
            Some((name, _)) if !self.is_new() => name.clone(),
            _ => self.name.text().trim().to_string(),
        }
    }

    pub fn change(&self) -> Result<Change, EditError> {
        let image = self.image_name();
        if image.is_empty() {
            return Err(EditError::incomplete(
                "name the new OSImage, or choose an existing one",
            ));
        }
        let non_empty = |f: &Field| Some(f.text().trim().to_string()).filter(|s| !s.is_empty());
        let new_image = self.is_new().then(|| NewImage {
            url: self.url.text().trim().to_string(),
            checksum: non_empty(&self.checksum),
            checksum_type: non_empty(&self.checksum_type).map(ChecksumType::from),
        });
        Ok(Change::Rotate(Rotation {
            node_type: self.node_type.clone(),
            image,
            new_image,
        }))
    }

    pub fn refresh(&mut self, fleet: Arc<Fleet>, force: bool) {
        let change = self.change();
        if !self.flow.wants_preview(&change, force) {
            return;
        }
        let current = self.current.clone();
        let image = self.image_name();
        self.flow
            .set_proposal(Proposal::compute(fleet, change, |_, _, _| {
                let head = PLine::one(Tone::Header, "OS image ")
                    .push(Tone::Text, current.unwrap_or_else(|| "none".into()))
                    .push(Tone::Muted, " → ")
                    .push(Tone::Text, image);
                (vec![head], Vec::new())
            }));
    }

    fn focus_order(&self) -> &'static [RotateFocus] {
        if self.is_new() {
            &[
                RotateFocus::Image,
                RotateFocus::Name,
                RotateFocus::Url,
                RotateFocus::Checksum,
                RotateFocus::ChecksumType,
            ]
        } else {
            &[RotateFocus::Image]
        }
    }

    fn field_mut(&mut self, focus: RotateFocus) -> Option<&mut Field> {
        match focus {
            RotateFocus::Image => None,
            RotateFocus::Name => Some(&mut self.name),
            RotateFocus::Url => Some(&mut self.url),
            RotateFocus::Checksum => Some(&mut self.checksum),
            RotateFocus::ChecksumType => Some(&mut self.checksum_type),
        }
    }

    pub fn move_focus(&mut self, step: isize) {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(at + step).rem_euclid(order.len() as isize) as usize];
        for f in [
            RotateFocus::Name,
            RotateFocus::Url,
            RotateFocus::Checksum,
            RotateFocus::ChecksumType,
        ] {
            let focused = f == self.focus;
            if let Some(field) = self.field_mut(f) {
                field.set_focus(focused);
            }
        }
    }

    pub fn move_in_list(&mut self, fleet: Arc<Fleet>, delta: isize) {
        if self.focus == RotateFocus::Image {
            let last = self.images.len() as isize;
            self.image_index = (self.image_index as isize + delta).clamp(0, last) as usize;
            self.refresh(fleet, false);
        }
    }

    pub fn text_key(&mut self, fleet: Arc<Fleet>, key: KeyEvent) {
        if let Some(field) = self.field_mut(self.focus) {
            field.key(key);
            self.refresh(fleet, false);
        }
    }

    pub fn paste(&mut self, fleet: Arc<Fleet>, text: &str) {
        if let Some(field) = self.field_mut(self.focus) {
            field.paste(text);
            self.refresh(fleet, false);
        }
    }
}

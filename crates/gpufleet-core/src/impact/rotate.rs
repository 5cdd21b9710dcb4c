//! Planning an OS image rotation: create a new OSImage (never edit one in place), point the
//! node type at it, and every drifted claim is rolled over (guide, "Rotating OS images").

use super::{
    ChangeError, ClaimEffect, HostEffect, NewImage, ObjectVersion, Overlay, Plan, Rotation,
};
use crate::fleet::lints;
use crate::fleet::names::{NameError, closest};
use crate::fleet::rules::{Drift, claim_drift};
use crate::fleet::{Fleet, FleetView, HostId};
use crate::model::os_image::OsImageSpec;
use crate::model::{ChecksumType, Labels, OsImage, keys};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The OSImage a rotation creates.
pub fn new_os_image(name: &str, image: &NewImage) -> OsImage {
    let mut properties = Labels::new();
    properties.insert(keys::IMAGE_URL.into(), image.url.clone());
    if let Some(sum) = &image.checksum {
        properties.insert(keys::IMAGE_CHECKSUM.into(), sum.clone());
    }
    if let Some(kind) = &image.checksum_type {
        properties.insert(keys::IMAGE_CHECKSUM_TYPE.into(), kind.to_string());
    }
    OsImage {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        spec: OsImageSpec {
            properties,
            ..OsImageSpec::default()
        },
    }
}

fn no_checksum(image: &str) -> String {
    format!("OSImage {image} has no checksum: Ironic cannot verify what it writes to the disks")
}

/// OSImage names are cluster-scoped object names: lowercase RFC 1123 subdomains.
fn validate_image_name(name: &str) -> Result<(), ChangeError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && p.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(ChangeError::Syntax(format!(
            "OSImage name {name:?} must be a lowercase RFC 1123 subdomain (e.g. ubuntu-noble-gpu-2026-06)"
        )))
    }
}

pub(super) fn plan<'a>(fleet: &'a Fleet, rotation: &Rotation) -> Result<Plan<'a>, ChangeError> {
    let t = fleet.resolve_node_type(&rotation.node_type)?;
    let info = fleet.node_type(t);
    let mut plan = Plan::new(fleet, host_effect);
    let existing = fleet.os_image(&rotation.image);
    match (existing, &rotation.new_image) {
        (Some(image), Some(new)) => {
            let same = image.url() == Some(new.url.as_str())
                && image.checksum() == new.checksum.as_deref();
            if !same {
                return Err(ChangeError::EditsExistingImage {
                    name: rotation.image.clone(),
                });
            }
            plan.relies_on.images.push(rotation.image.clone());
        }
        // An existing image: whatever lint it has matters once the type points at it.
        (Some(image), None) => {
            if image.checksum().is_none() {
                plan.warnings.push(no_checksum(&rotation.image));
            }
            plan.relies_on.images.push(rotation.image.clone());
        }
        (None, Some(new)) => {
            validate_image_name(&rotation.image)?;
            if new.url.trim().is_empty() {
                return Err(ChangeError::Syntax("a new OSImage needs a URL".into()));
            }
            if let Some(kind) = &new.checksum_type
                && !kind.is_known()
            {
                return Err(ChangeError::Syntax(format!(
                    "checksum type {:?} is not one of {}",
                    kind.as_str(),
                    ChecksumType::known_list()
                )));
            }
            if new.checksum.as_deref().is_none_or(str::is_empty) {
                plan.warnings.push(no_checksum(&rotation.image));
            }
            let image = new_os_image(&rotation.image, new);
            lints::os_image_lints(&image, &mut plan.extra_lints_after);
            plan.overlay.add_image(image);
            plan.objects.push(ObjectVersion {
                cluster: None,
                kind: "OSImage",
                namespace: None,
                name: rotation.image.clone(),
                resource_version: None,
                creates: true,
            });
        }
        (None, None) => {
            return Err(ChangeError::Name(NameError::Unknown {
                kind: "OSImage",
                name: rotation.image.clone(),
                closest: closest(
                    &rotation.image,
                    fleet.objects().os_images.keys().map(String::as_str),
                ),
            }));
        }
    }
    if info.provider_index.is_none() {
        return Err(ChangeError::Syntax(format!(
            "node type {} has no entry in a NodeProvider's nodeTypes[], so there is nothing to repoint",
            info.name
        )));
    }
    let provider = fleet.provider(&info.provider);
    plan.objects.push(ObjectVersion {
        cluster: None,
        kind: "NodeProvider",
        namespace: None,
        name: info.provider.clone(),
        resource_version: provider.and_then(|p| p.metadata.resource_version.clone()),
        creates: false,
    });
    if fleet.type_properties(t).get(keys::OS_IMAGE) == Some(&rotation.image) {
        plan.warnings.push(format!(
            "node type {} already uses OSImage {}",
            info.name, rotation.image
        ));
    }
    let mut props = fleet.type_properties(t).clone();
    props.insert(keys::OS_IMAGE.into(), rotation.image.clone());
    plan.overlay.set_type_properties(t, props);

    for c in fleet.claim_ids() {
        let claim = fleet.claim(c);
        if claim.node_type != Some(t) || claim.host.is_none() {
            continue;
        }
        plan.judged.insert(c);
        if let Drift::Drifted {
            desired,
            actual_url,
        } = claim_drift(&plan.overlay, c)
        {
            let mut line = super::claim_line(fleet, &plan.overlay, c, ClaimEffect::RollsOver);
            line.reason = Some(format!(
                "runs {actual_url}; the node type will want {}",
                desired.url
            ));
            plan.claims.push(line);
            if let Some(h) = claim.host {
                plan.targets.push(h);
            }
        }
    }
    Ok(plan)
}

fn host_effect(_: &Fleet, _: &Overlay, _: HostId) -> HostEffect {
    HostEffect::ReprovisionedByRollover
}

//! Phase 2, the layout: racks of one hardware profile each, filled unit by unit, split evenly
//! across the datacenters; then the racks that tenants reserve.

use super::Rng;
use super::catalog::{Catalog, PROFILES};
use std::collections::{BTreeMap, BTreeSet};

/// A rack: one hardware profile, in one datacenter.
pub(super) struct Rack {
    /// Index into [`Catalog::datacenters`].
    pub dc: usize,
    /// `r01`, `r02`, ... numbered per datacenter.
    pub name: String,
    /// Index into [`PROFILES`].
    pub profile: usize,
}

/// A host's place: its rack and unit.
pub(super) struct PlannedHost {
    /// `<rack>-u<unit>` (`r03-u07`); names repeat across datacenters, as in per-site Metal3
    /// clusters.
    pub name: String,
    /// Index into [`Catalog::datacenters`].
    pub dc: usize,
    /// The rack's name.
    pub rack: String,
    /// Index into [`PROFILES`].
    pub profile: usize,
    /// Unit in the rack, from 1.
    pub unit: usize,
}

/// The catalog, laid out.
pub(super) struct Layout {
    /// The plan before this one.
    pub catalog: Catalog,
    /// Every rack, by datacenter then number.
    pub racks: Vec<Rack>,
    /// Every host, rack by rack.
    pub hosts: Vec<PlannedHost>,
    /// The tenant that reserved a rack, by (datacenter, rack).
    pub reserved: BTreeMap<(usize, String), &'static str>,
    /// The (datacenter, profile, tenant) of every reservation: each gets the tenant its own
    /// node type.
    pub reservations: BTreeSet<(usize, usize, &'static str)>,
}

/// Phase 2: racks and hosts for the catalog, then the reservations.
pub(super) fn plan(catalog: Catalog, rng: &mut Rng) -> Layout {
    let (racks, hosts) = racks(&catalog, rng);
    let mut layout = Layout {
        catalog,
        racks,
        hosts,
        reserved: BTreeMap::new(),
        reservations: BTreeSet::new(),
    };
    reserve(&mut layout, rng);
    layout
}

/// Racks of a profile drawn by weight, per datacenter, until the datacenter's share of the
/// hosts is placed (the first datacenters take one more when the hosts do not split evenly).
fn racks(catalog: &Catalog, rng: &mut Rng) -> (Vec<Rack>, Vec<PlannedHost>) {
    let dc_count = catalog.datacenters.len();
    let mut hosts: Vec<PlannedHost> = Vec::with_capacity(catalog.hosts);
    let mut racks: Vec<Rack> = Vec::new();
    for dc in 0..dc_count {
        let share = catalog.hosts / dc_count + usize::from(dc < catalog.hosts % dc_count);
        let mut placed = 0;
        let mut rack_no = 0;
        while placed < share {
            rack_no += 1;
            let profile = rng.weighted(PROFILES.iter().map(|p| p.weight)).unwrap_or(0);
            let rack = format!("r{rack_no:02}");
            racks.push(Rack {
                dc,
                name: rack.clone(),
                profile,
            });
            for unit in 1..=PROFILES[profile].hosts_per_rack {
                if placed == share {
                    break;
                }
                hosts.push(PlannedHost {
                    name: format!("{rack}-u{unit:02}"),
                    dc,
                    rack: rack.clone(),
                    profile,
                    unit,
                });
                placed += 1;
            }
        }
    }
    (racks, hosts)
}

/// Half the tenants (at least one) reserve whole racks of one profile in one datacenter,
/// 30% of the hosts between them. The first reserves NVL72 racks; the second takes 16 hosts
/// of L40S racks in the first datacenter, where the shared L40S type leaks into
/// reservations; the others take a profile drawn from the free racks.
fn reserve(layout: &mut Layout, rng: &mut Rng) {
    let tenants = layout.catalog.tenants;
    let dc_count = layout.catalog.datacenters.len();
    let reserving = tenants.len().div_ceil(2).max(1).min(tenants.len());
    let reserve_hosts = layout.catalog.hosts * 3 / 10 / reserving.max(1);
    for (i, &tenant) in tenants.iter().take(reserving).enumerate() {
        let dc = if i == 1 { 0 } else { i % dc_count };
        let preferred = match i {
            0 => Some("gb200"),
            1 => Some("l40s"),
            _ => None,
        };
        let free = |r: &&Rack| r.dc == dc && !layout.reserved.contains_key(&(r.dc, r.name.clone()));
        let candidates: Vec<&Rack> = layout.racks.iter().filter(free).collect();
        let preferred_rack = candidates
            .iter()
            .find(|r| Some(PROFILES[r.profile].model) == preferred)
            .copied();
        let Some(profile) = preferred_rack
            .or_else(|| rng.pick(&candidates).copied())
            .map(|r| r.profile)
        else {
            continue;
        };
        let mut got = 0;
        let wanted = if i == 1 { 16 } else { reserve_hosts.max(1) };
        for r in &layout.racks {
            if r.dc == dc
                && r.profile == profile
                && !layout.reserved.contains_key(&(r.dc, r.name.clone()))
                && got < wanted
            {
                layout.reserved.insert((r.dc, r.name.clone()), tenant);
                got += PROFILES[r.profile].hosts_per_rack;
            }
        }
        layout.reservations.insert((dc, profile, tenant));
    }
}

/// The number of a rack's name (`r07` is 7; 0 for a name not of that form).
pub(super) fn rack_number(rack: &str) -> usize {
    rack.trim_start_matches('r').parse().unwrap_or(0)
}

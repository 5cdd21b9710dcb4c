//! The few classes of host state a dashboard colours by, from Metal3's provisioning state,
//! the operational status and whether a claim holds the host.

use super::theme::Theme;
use crate::fleet::{Fleet, FleetView, HostId, OperationalStatus, ProvisioningState};
use ratatui::style::Style;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostClass {
    /// A new claim could get it.
    Free,
    Claimed,
    /// On its way somewhere: registering, inspecting, preparing, provisioning, deprovisioning,
    /// being deleted, or an available host asked to move on.
    Busy,
    Error,
    /// Detached, servicing or delayed.
    Maintenance,
    /// Anything else: unmanaged, consumed outside the platform, unknown.
    Other,
}

impl HostClass {
    pub const ALL: [HostClass; 6] = [
        HostClass::Free,
        HostClass::Claimed,
        HostClass::Busy,
        HostClass::Error,
        HostClass::Maintenance,
        HostClass::Other,
    ];

    pub fn of(fleet: &Fleet, h: HostId) -> HostClass {
        use ProvisioningState as P;
        let host = fleet.host(h);
        match (&host.state.operational, &host.state.provisioning) {
            (OperationalStatus::Error, _) => HostClass::Error,
            // Paused or detached by annotation: taken out of service by hand.
            _ if host.state.paused || host.state.detached => HostClass::Maintenance,
            (
                OperationalStatus::Detached
                | OperationalStatus::Servicing
                | OperationalStatus::Delayed,
                _,
            ) => HostClass::Maintenance,
            (
                _,
                P::Registering
                | P::Inspecting
                | P::MatchProfile
                | P::Preparing
                | P::Provisioning
                | P::Deprovisioning
                | P::PoweringOffBeforeDelete
                | P::Deleting,
            ) => HostClass::Busy,
            // Being deleted, or leaving `available`, whatever its state still reads.
            _ if host.state.is_going_away() => HostClass::Busy,
            _ if host.holder.is_some() => HostClass::Claimed,
            _ if fleet.is_free(h) => HostClass::Free,
            _ => HostClass::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HostClass::Free => "free",
            HostClass::Claimed => "claimed",
            HostClass::Busy => "busy",
            HostClass::Error => "error",
            HostClass::Maintenance => "maintenance",
            HostClass::Other => "other",
        }
    }

    pub fn style(self, theme: &Theme) -> Style {
        let h = &theme.host;
        match self {
            HostClass::Free => h.free,
            HostClass::Claimed => h.claimed,
            HostClass::Busy => h.busy,
            HostClass::Error => h.error,
            HostClass::Maintenance => h.maintenance,
            HostClass::Other => h.other,
        }
    }
}

//! What is due when, in simulated time: timers ordered by due time, then by the order they
//! were set, so timers due at the same moment always fire in the same order.

use crate::fleet::{HostKey, ObjectKey};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Task {
    /// A host's current state or error has run its course. Stale when the host's timer was
    /// set again since (its generation moved on).
    Host { host: HostKey, generation: u64 },
    /// A tenant deletes a claim.
    ClaimExpires(ObjectKey),
    /// A tenant asks for a new claim.
    ClaimArrives,
    /// Some host fails.
    HostFault,
    /// Some free host is re-inspected or re-prepared.
    HostMaintenance,
}

#[derive(Debug)]
struct Timer {
    at: Duration,
    seq: u64,
    task: Task,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Debug, Default)]
pub(super) struct Schedule {
    timers: BinaryHeap<Reverse<Timer>>,
    next_seq: u64,
}

impl Schedule {
    pub(super) fn at(&mut self, at: Duration, task: Task) {
        self.next_seq += 1;
        self.timers.push(Reverse(Timer {
            at,
            seq: self.next_seq,
            task,
        }));
    }

    /// The earliest timer due at or before `now`, with its due time.
    pub(super) fn pop_due(&mut self, now: Duration) -> Option<(Duration, Task)> {
        if self.timers.peek()?.0.at > now {
            return None;
        }
        self.timers.pop().map(|Reverse(t)| (t.at, t.task))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_time_order_then_in_the_order_set() {
        let mut s = Schedule::default();
        let secs = Duration::from_secs;
        s.at(secs(5), Task::HostFault);
        s.at(secs(1), Task::ClaimArrives);
        s.at(secs(5), Task::HostMaintenance);
        assert_eq!(s.pop_due(secs(0)), None);
        assert_eq!(s.pop_due(secs(9)), Some((secs(1), Task::ClaimArrives)));
        assert_eq!(s.pop_due(secs(4)), None);
        assert_eq!(s.pop_due(secs(9)), Some((secs(5), Task::HostFault)));
        assert_eq!(s.pop_due(secs(9)), Some((secs(5), Task::HostMaintenance)));
        assert_eq!(s.pop_due(secs(9)), None);
    }
}

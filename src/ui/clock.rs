//! Ages as the status line shows them (`4s`, `12m`, `3h`, `2d`), and when that text next
//! changes, so the screen is redrawn for the clock only when what it shows changes.

use std::time::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The unit an age is shown in.
fn unit(secs: u64) -> u64 {
    match secs {
        s if s < MINUTE => 1,
        s if s < HOUR => MINUTE,
        s if s < DAY => HOUR,
        _ => DAY,
    }
}

pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    let suffix = match unit(s) {
        1 => "s",
        MINUTE => "m",
        HOUR => "h",
        _ => "d",
    };
    format!("{}{suffix}", s / unit(s))
}

/// How long until `age(d)` shows something else.
pub fn until_change(d: Duration) -> Duration {
    let s = d.as_secs();
    let u = unit(s);
    let next = (s / u + 1) * u;
    Duration::from_secs(next) - d.min(Duration::from_secs(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(age(Duration::from_millis(900)), "0s");
        assert_eq!(age(Duration::from_secs(59)), "59s");
        assert_eq!(age(Duration::from_secs(61)), "1m");
        assert_eq!(age(Duration::from_secs(3 * 3600 + 5)), "3h");
        assert_eq!(age(Duration::from_secs(3 * 86400)), "3d");
    }

    #[test]
    fn the_next_change_is_when_the_text_changes() {
        assert_eq!(
            until_change(Duration::from_millis(1_200)),
            Duration::from_millis(800)
        );
        assert_eq!(
            until_change(Duration::from_secs(61)),
            Duration::from_secs(59)
        );
        let d = Duration::from_secs(7_000);
        assert_ne!(age(d), age(d + until_change(d)));
        assert_eq!(age(d), age(d + until_change(d) - Duration::from_millis(1)));
    }
}

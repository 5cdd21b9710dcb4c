//! One-character marks for tenants and GPU models in the rack grid, with a legend. Each name
//! gets its own first letter when it is free, else another letter of its name, else the next
//! unused character, so `h100` and `h200` read as `h` and `2`, and thirty tenants still fit.

use std::collections::BTreeMap;

/// What the rack grid's letters stand for (`m` switches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkBy {
    Tenant,
    Model,
}

/// The mark of a host no tenant holds or reserves (or with no GPU model label).
pub const UNMARKED: char = '·';

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    by_name: BTreeMap<String, char>,
}

const SPARE: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Marks {
    pub fn assign<'a>(names: impl IntoIterator<Item = &'a str>) -> Marks {
        let mut by_name = BTreeMap::new();
        let mut used: Vec<char> = vec![UNMARKED];
        let mut sorted: Vec<&str> = names.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        for name in sorted {
            let own = name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .flat_map(|c| [c.to_ascii_lowercase(), c.to_ascii_uppercase()]);
            let mark = own
                .chain(SPARE.chars())
                .find(|c| !used.contains(c))
                // Past 62 names the marks repeat; the legend still tells them apart by colour.
                .unwrap_or('?');
            used.push(mark);
            by_name.insert(name.to_string(), mark);
        }
        Marks { by_name }
    }

    pub fn get(&self, name: &str) -> char {
        self.by_name.get(name).copied().unwrap_or(UNMARKED)
    }

    pub fn legend(&self) -> impl Iterator<Item = (char, &str)> {
        self.by_name.iter().map(|(n, c)| (*c, n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_distinct_and_mnemonic() {
        let m = Marks::assign(["h100", "h200", "gb200", "b200", "l40s"]);
        assert_eq!(m.get("b200"), 'b');
        assert_eq!(m.get("gb200"), 'g');
        assert_eq!(m.get("h100"), 'h');
        assert_eq!(m.get("h200"), 'H');
        assert_eq!(m.get("unknown"), UNMARKED);
        let many: Vec<String> = (0..70).map(|i| format!("t{i}")).collect();
        let m = Marks::assign(many.iter().map(String::as_str));
        let distinct: std::collections::BTreeSet<char> = m.legend().map(|(c, _)| c).collect();
        assert!(distinct.len() >= 62);
    }
}

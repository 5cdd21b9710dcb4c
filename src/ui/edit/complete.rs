//! Tab completion of label keys and values from the fleet: the keys every host carries, and
//! for `key=` the values that key has. Built once when the editor opens.

use crate::fleet::Fleet;
use crate::model::keys;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct LabelIndex {
    /// Key → value → hosts carrying it.
    values: BTreeMap<String, BTreeMap<String, u32>>,
}

/// What can follow the word being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// The part of the word the candidates extend: a key, or a value after `=`.
    pub typed: String,
    /// Whole keys, or whole values (with how many hosts carry each).
    pub candidates: Vec<(String, u32)>,
    pub is_value: bool,
}

impl LabelIndex {
    pub fn build(fleet: &Fleet) -> LabelIndex {
        let mut values: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        for host in fleet.hosts() {
            for (k, v) in host.labels() {
                // The platform's own labels cannot be edited: do not offer them.
                if keys::PLATFORM_OWNED_HOST_LABELS.contains(&k.as_str()) {
                    continue;
                }
                *values
                    .entry(k.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default() += 1;
            }
        }
        LabelIndex { values }
    }

    /// Candidates for the last word of `before_cursor`.
    pub fn complete(&self, before_cursor: &str) -> Completion {
        let word = before_cursor
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("");
        match word.split_once('=') {
            Some((key, typed)) => Completion {
                typed: typed.to_string(),
                candidates: self
                    .values
                    .get(key)
                    .into_iter()
                    .flatten()
                    .filter(|(v, _)| v.starts_with(typed) && !v.is_empty())
                    .map(|(v, n)| (v.clone(), *n))
                    .collect(),
                is_value: true,
            },
            None if word.is_empty() => Completion::default(),
            None => Completion {
                typed: word.to_string(),
                candidates: self
                    .values
                    .iter()
                    .filter(|(k, _)| k.starts_with(word))
                    .map(|(k, vs)| (k.clone(), vs.values().sum()))
                    .collect(),
                is_value: false,
            },
        }
    }
}

impl Completion {
    /// What Tab inserts: the candidates' common prefix past what was typed; a single key
    /// also gets its `=`.
    pub fn insertion(&self) -> Option<String> {
        let first = &self.candidates.first()?.0;
        let common = self.candidates.iter().fold(first.as_str(), |acc, (c, _)| {
            let n = acc
                .char_indices()
                .zip(c.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8());
            &acc[..n]
        });
        let mut rest = common.get(self.typed.len()..)?.to_string();
        if self.candidates.len() == 1 && !self.is_value {
            rest.push('=');
        } else if self.candidates.len() == 1 {
            rest.push(' ');
        }
        (!rest.is_empty()).then_some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> LabelIndex {
        let mut values: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        for (k, v, n) in [
            ("gpu-model", "h100", 3),
            ("gpu-model", "h200", 1),
            ("gpu-count", "8", 4),
            ("tenant", "acme", 2),
        ] {
            values
                .entry(k.to_string())
                .or_default()
                .insert(v.to_string(), n);
        }
        LabelIndex { values }
    }

    #[test]
    fn completes_keys_then_values() {
        let i = index();
        let c = i.complete("rack=r1 gpu");
        assert_eq!(c.candidates.len(), 2);
        assert_eq!(c.insertion().as_deref(), Some("-"));
        let c = i.complete("gpu-m");
        assert_eq!(c.insertion().as_deref(), Some("odel="));
        let c = i.complete("gpu-model=h");
        assert!(c.is_value);
        assert_eq!(c.candidates, [("h100".into(), 3), ("h200".into(), 1)]);
        assert_eq!(c.insertion(), None);
        assert_eq!(
            i.complete("gpu-model=h1").insertion().as_deref(),
            Some("00 ")
        );
        assert_eq!(i.complete("").candidates.len(), 0);
        assert_eq!(i.complete("zzz").insertion(), None);
        assert_eq!(i.complete("nokey=").candidates.len(), 0);
    }
}

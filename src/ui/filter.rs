//! The `/` filter: plain text matched case-insensitively against a row's text, or
//! `-l SELECTOR` matched against labels in kubectl's selector syntax.

use crate::model::{LabelQuery, Labels};

#[derive(Clone, Debug, Default)]
pub enum Filter {
    #[default]
    None,
    /// Lower-cased text to find in a row.
    Text(String),
    Labels(LabelQuery),
}

impl Filter {
    /// Reads what was typed after `/`. An invalid selector is an error, shown to the user.
    pub fn parse(input: &str) -> Result<Filter, String> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(Filter::None);
        }
        if let Some(selector) = input
            .strip_prefix("-l ")
            .or_else(|| input.strip_prefix("-l="))
            .or_else(|| (input == "-l").then_some(""))
        {
            return match LabelQuery::parse(selector.trim()) {
                // Empty selectors never mean "everything": a filter of every host would be
                // offered to the label editor as "every host shown".
                Ok(q) if q.selects_all() => Err(
                    "-l needs a selector (e.g. -l gpu-model=h100): an empty one would match every host"
                        .into(),
                ),
                Ok(q) => Ok(Filter::Labels(q)),
                Err(e) => Err(e.to_string()),
            };
        }
        Ok(Filter::Text(input.to_lowercase()))
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Filter::None)
    }

    /// Whether a row passes: `texts` are its searchable columns, `labels` the labels a
    /// selector applies to (none for rows without labels).
    pub fn accepts<'a>(
        &self,
        texts: impl IntoIterator<Item = &'a str>,
        labels: Option<&Labels>,
    ) -> bool {
        match self {
            Filter::None => true,
            Filter::Text(needle) => texts.into_iter().any(|t| contains_lower(t, needle)),
            Filter::Labels(q) => labels.is_some_and(|l| q.matches(l)),
        }
    }

    /// As the title shows it.
    pub fn describe(&self) -> Option<String> {
        match self {
            Filter::None => None,
            Filter::Text(t) => Some(format!("/{t}")),
            Filter::Labels(q) => Some(format!("-l {q}")),
        }
    }
}

/// Case-insensitive substring test without allocating for ASCII text.
fn contains_lower(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        n.is_empty()
            || h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_selector_filters() {
        let mut labels = Labels::new();
        labels.insert("gpu-model".into(), "h100".into());
        let f = Filter::parse("R07").unwrap();
        assert!(f.accepts(["dc1-r07-u01"], None));
        assert!(!f.accepts(["dc1-r08-u01"], None));
        let l = Filter::parse("-l gpu-model=h100").unwrap();
        assert!(l.accepts(["x"], Some(&labels)));
        assert!(!l.accepts(["x"], None));
        assert!(
            !Filter::parse("-l gpu-model in (a100)")
                .unwrap()
                .accepts([], Some(&labels))
        );
        assert!(Filter::parse("-l gpu-model in (").is_err());
        for empty in ["-l", "-l ", "-l  \t", "-l=", "-l ''"] {
            let refused = Filter::parse(empty);
            assert!(
                refused.is_err() || matches!(refused, Ok(Filter::Text(_))),
                "{empty:?}: {refused:?}"
            );
        }
        assert!(
            Filter::parse("-l")
                .unwrap_err()
                .contains("needs a selector")
        );
        assert!(Filter::parse("  ").unwrap().is_none());
        assert!(
            Filter::parse("Ünïcode")
                .unwrap()
                .accepts(["xÜNÏCODEx"], None)
        );
    }
}

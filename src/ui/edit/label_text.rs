//! The label editor's text in kubectl syntax (`key=value`, `key-`, one or many per line),
//! checked as it is typed. Each word is checked alone, so the message names the word and the
//! Kubernetes rule it breaks; a word still being typed at the cursor is a hint, not an error,
//! and is left out of the preview until it is whole.

use crate::impact::{ChangeError, HostTargets, LabelEdit};
use crate::ui::edit::EditError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextProblem {
    /// 1-based line of the word.
    pub line: usize,
    pub word: String,
    pub message: String,
    /// The word under the cursor, not yet `key=value` or `key-`: being typed.
    pub typing: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedText {
    /// Words that form the edit, in order.
    pub words: Vec<String>,
    pub problems: Vec<TextProblem>,
}

fn any_host() -> HostTargets {
    HostTargets::Names(Vec::new())
}

/// Checks every word of `lines`; `cursor` is (line, column) in characters.
pub fn parse(lines: &[String], cursor: (usize, usize)) -> ParsedText {
    let mut out = ParsedText::default();
    for (row, line) in lines.iter().enumerate() {
        for (start, word) in words_with_columns(line) {
            let end = start + word.chars().count();
            let at_cursor = row == cursor.0 && (start..=end).contains(&cursor.1);
            match LabelEdit::parse_args(any_host(), &[word]) {
                Ok(_) => out.words.push(word.to_string()),
                Err(e) => {
                    let typing = at_cursor && matches!(e, ChangeError::Syntax(_));
                    out.problems.push(TextProblem {
                        line: row + 1,
                        word: word.to_string(),
                        message: if typing {
                            "type key=value to set a label, key- to remove one".into()
                        } else {
                            e.to_string()
                        },
                        typing,
                    });
                }
            }
        }
    }
    out
}

/// Words of a line with the character column each starts at.
fn words_with_columns(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start: Option<(usize, usize)> = None;
    let mut out = Vec::new();
    for (col, (i, c)) in line.char_indices().enumerate() {
        if c.is_whitespace() {
            if let Some((s, sc)) = start.take() {
                out.push((sc, &line[s..i]));
            }
        } else if start.is_none() {
            start = Some((i, col));
        }
    }
    if let Some((s, sc)) = start {
        out.push((sc, &line[s..]));
    }
    out.into_iter()
}

impl ParsedText {
    /// Whether only a word being typed is wrong.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| !p.typing)
    }

    /// The edit the whole words make, for `targets`; the first problem otherwise.
    pub fn edit(&self, targets: HostTargets) -> Result<LabelEdit, EditError> {
        if let Some(p) = self.problems.iter().find(|p| !p.typing) {
            return Err(EditError::Text {
                line: p.line,
                message: p.message.clone(),
            });
        }
        Ok(LabelEdit::parse_args(targets, &self.words)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split('\n').map(str::to_string).collect()
    }

    #[test]
    fn names_the_word_and_the_rule_it_breaks() {
        let p = parse(&lines("tenant=acme Bad_=x\nmaintenance-"), (1, 12));
        assert_eq!(p.words, ["tenant=acme", "maintenance-"]);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 1);
        assert!(p.problems[0].message.contains("name part must consist"));
        assert!(p.has_errors());
        assert!(
            p.edit(any_host())
                .unwrap_err()
                .to_string()
                .starts_with("line 1: ")
        );
    }

    #[test]
    fn a_word_being_typed_is_a_hint_and_left_out() {
        let p = parse(&lines("tenant=acme rack"), (0, 16));
        assert!(!p.has_errors());
        assert!(p.problems[0].typing);
        let e = p.edit(any_host()).unwrap();
        assert_eq!(e.args(), ["tenant=acme"]);
        // The same word away from the cursor is an error.
        let p = parse(&lines("rack tenant=acme"), (0, 16));
        assert!(p.has_errors());
        // Whole-edit rules still apply.
        let p = parse(&lines("a=1 a-"), (0, 0));
        assert!(
            p.edit(any_host())
                .unwrap_err()
                .to_string()
                .contains("both set and removed")
        );
        let p = parse(&lines(""), (0, 0));
        assert!(
            p.edit(any_host())
                .unwrap_err()
                .to_string()
                .contains("no label")
        );
        let p = parse(&lines("  ünï=ç  "), (0, 9));
        assert!(p.has_errors());
    }
}

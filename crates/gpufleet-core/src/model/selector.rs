//! Label selectors: from `metav1.LabelSelector` and from kubectl's string syntax
//! (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). Matching is kube-core's
//! [`Expression::matches`], so gpufleet and the API server agree on what matches. Source:
//! Kubernetes docs, "Labels and Selectors",
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors>,
//! and the API reference's `LabelSelector`,
//! <https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/>.

use super::Labels;
use super::label_rules::{validate_key, validate_value};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube_core::{Expression, SelectorExt};
use std::collections::BTreeSet;
use std::fmt;

/// A parsed label selector: every expression must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelQuery {
    expressions: Vec<Expression>,
}

/// Why a selector could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid label selector {input:?}: {reason}")]
pub struct SelectorError {
    /// The selector as given: the text, or a `LabelSelector` in Rust debug form.
    pub input: String,
    /// What is wrong; for text, with the 1-based character position where reading stopped.
    pub reason: String,
}

impl LabelQuery {
    /// A query of these expressions, all of which must hold; none selects everything.
    /// Keys and values are not validated here.
    pub fn new(expressions: Vec<Expression>) -> Self {
        LabelQuery { expressions }
    }

    /// A selector matching every object (what an empty `LabelSelector` means).
    pub fn everything() -> Self {
        LabelQuery::default()
    }

    /// The expressions, in the order given.
    pub fn expressions(&self) -> &[Expression] {
        &self.expressions
    }

    /// Whether the query has no expression, so matches every object. Callers that act on
    /// what a selector matches refuse such a query: an empty selector never means
    /// "everything" to gpufleet.
    pub fn selects_all(&self) -> bool {
        self.expressions.is_empty()
    }

    /// Whether `labels` satisfy every expression (true for an empty query).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.expressions.iter().all(|e| e.matches(labels))
    }

    /// Every label key the selector looks at.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.expressions.iter().map(expression_key)
    }

    /// The values a matching object may carry for `key`, if the selector restricts it to a
    /// finite set (`key=v` or `key in (..)`); `None` when any value (or none) may match.
    pub fn required_values(&self, key: &str) -> Option<BTreeSet<&str>> {
        let mut allowed: Option<BTreeSet<&str>> = None;
        for e in &self.expressions {
            let set: BTreeSet<&str> = match e {
                Expression::Equal(k, v) if k == key => [v.as_str()].into(),
                Expression::In(k, vs) if k == key => vs.iter().map(String::as_str).collect(),
                _ => continue,
            };
            allowed = Some(match allowed {
                Some(prev) => prev.intersection(&set).copied().collect(),
                None => set,
            });
        }
        allowed
    }

    /// Converts a Kubernetes `LabelSelector` (matchLabels and matchExpressions with
    /// In, NotIn, Exists, DoesNotExist).
    ///
    /// Errors: a key or value that is not a valid label key or value, In or NotIn without
    /// values, or another operator. Values given to Exists or DoesNotExist are ignored.
    pub fn from_label_selector(selector: &LabelSelector) -> Result<Self, SelectorError> {
        let err = |reason: String| SelectorError {
            input: format!("{selector:?}"),
            reason,
        };
        let mut expressions = Vec::new();
        for (k, v) in selector.match_labels.iter().flatten() {
            validate_key(k).map_err(|e| err(e.to_string()))?;
            validate_value(v).map_err(|e| err(e.to_string()))?;
            expressions.push(Expression::Equal(k.clone(), v.clone()));
        }
        for r in selector.match_expressions.iter().flatten() {
            validate_key(&r.key).map_err(|e| err(e.to_string()))?;
            let values: BTreeSet<String> = r.values.iter().flatten().cloned().collect();
            for v in &values {
                validate_value(v).map_err(|e| err(e.to_string()))?;
            }
            // apimachinery's `LabelSelectorAsSelector` refuses values on Exists and
            // DoesNotExist ("values set must be empty for exists and does not exist"), so
            // the platform reads such a selector as no selector at all; so does gpufleet.
            let takes_no_values = |op: &str| {
                if values.is_empty() {
                    Ok(())
                } else {
                    Err(err(format!(
                        "operator {op} on key {:?} takes no values, but {} given",
                        r.key,
                        values.len()
                    )))
                }
            };
            let needs_values = |op: &str| {
                if values.is_empty() {
                    Err(err(format!(
                        "operator {op} on key {:?} needs values",
                        r.key
                    )))
                } else {
                    Ok(())
                }
            };
            let e = match r.operator.as_str() {
                "In" => {
                    needs_values("In")?;
                    Expression::In(r.key.clone(), values)
                }
                "NotIn" => {
                    needs_values("NotIn")?;
                    Expression::NotIn(r.key.clone(), values)
                }
                "Exists" => {
                    takes_no_values("Exists")?;
                    Expression::Exists(r.key.clone())
                }
                "DoesNotExist" => {
                    takes_no_values("DoesNotExist")?;
                    Expression::DoesNotExist(r.key.clone())
                }
                other => {
                    return Err(err(format!(
                        "operator {other:?} is not one of In, NotIn, Exists, DoesNotExist"
                    )));
                }
            };
            expressions.push(e);
        }
        Ok(LabelQuery { expressions })
    }

    /// Parses kubectl's selector syntax: requirements separated by `,`, each `k=v`, `k==v`,
    /// `k!=v`, `k in (v,..)`, `k notin (v,..)`, `k` (exists) or `!k` (does not exist);
    /// whitespace between tokens is ignored. Empty input is the empty query
    /// ([`LabelQuery::selects_all`]).
    ///
    /// Errors: an invalid key or value, a missing `,` or `)`, or the numeric `<` and `>`
    /// (not supported); the message gives the position.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        Parser { input, rest: input }.parse_all()
    }
}

fn expression_key(e: &Expression) -> &str {
    match e {
        Expression::In(k, _)
        | Expression::NotIn(k, _)
        | Expression::Equal(k, _)
        | Expression::NotEqual(k, _)
        | Expression::Exists(k)
        | Expression::DoesNotExist(k) => k,
    }
}

impl fmt::Display for LabelQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.expressions.is_empty() {
            return f.write_str("<everything>");
        }
        for (i, e) in self.expressions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

struct Parser<'a> {
    input: &'a str,
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, SelectorError> {
        let at = self.input.len() - self.rest.len();
        Err(SelectorError {
            input: self.input.to_string(),
            reason: format!("{} (at character {})", reason.into(), at + 1),
        })
    }

    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if let Some(r) = self.rest.strip_prefix(token) {
            self.rest = r;
            true
        } else {
            false
        }
    }

    /// A key or value: everything up to a delimiter.
    fn word(&mut self) -> &'a str {
        self.skip_ws();
        let end = self
            .rest
            .find(|c: char| c.is_whitespace() || "=!,()<>".contains(c))
            .unwrap_or(self.rest.len());
        let (w, r) = self.rest.split_at(end);
        self.rest = r;
        w
    }

    fn key(&mut self) -> Result<String, SelectorError> {
        let k = self.word();
        if k.is_empty() {
            return self.fail("expected a label key");
        }
        if let Err(e) = validate_key(k) {
            return self.fail(e.to_string());
        }
        Ok(k.to_string())
    }

    fn value(&mut self) -> Result<String, SelectorError> {
        let v = self.word();
        if let Err(e) = validate_value(v) {
            return self.fail(e.to_string());
        }
        Ok(v.to_string())
    }

    fn value_set(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        if !self.eat("(") {
            return self.fail("expected '(' to start a value set");
        }
        let mut values = BTreeSet::new();
        loop {
            values.insert(self.value()?);
            if self.eat(")") {
                break;
            }
            if !self.eat(",") {
                return self.fail("expected ',' or ')' in a value set");
            }
        }
        Ok(values)
    }

    fn requirement(&mut self) -> Result<Expression, SelectorError> {
        if self.eat("!") {
            return Ok(Expression::DoesNotExist(self.key()?));
        }
        let key = self.key()?;
        self.skip_ws();
        if self.eat("==") || self.eat("=") {
            return Ok(Expression::Equal(key, self.value()?));
        }
        if self.eat("!=") {
            return Ok(Expression::NotEqual(key, self.value()?));
        }
        if self.rest.starts_with(['<', '>']) {
            return self.fail("the numeric operators < and > are not supported by gpufleet");
        }
        let save = self.rest;
        match self.word() {
            "in" => Ok(Expression::In(key, self.value_set()?)),
            "notin" => Ok(Expression::NotIn(key, self.value_set()?)),
            "" => Ok(Expression::Exists(key)),
            other => {
                self.rest = save;
                self.fail(format!(
                    "expected '=', '==', '!=', 'in', 'notin', ',' or the end after key {key:?}, found {other:?}"
                ))
            }
        }
    }

    fn parse_all(mut self) -> Result<LabelQuery, SelectorError> {
        let mut expressions = Vec::new();
        self.skip_ws();
        if self.rest.is_empty() {
            return Ok(LabelQuery { expressions });
        }
        loop {
            expressions.push(self.requirement()?);
            self.skip_ws();
            if self.rest.is_empty() {
                break;
            }
            if !self.eat(",") {
                return self.fail("expected ',' between requirements");
            }
        }
        Ok(LabelQuery { expressions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_every_kubectl_form() {
        let q = LabelQuery::parse("a=b,c!=d,e in (x,y),f notin (z),g,!h").unwrap();
        assert_eq!(q.expressions().len(), 6);
        assert_eq!(q.to_string(), "a=b,c!=d,e in (x,y),f notin (z),g,!h");
        let l = labels(&[("a", "b"), ("c", "x"), ("e", "y"), ("f", "q"), ("g", "")]);
        assert!(q.matches(&l));
        let mut l2 = l.clone();
        l2.insert("h".into(), "1".into());
        assert!(!q.matches(&l2));
    }

    #[test]
    fn tolerates_whitespace_and_double_equals() {
        let q = LabelQuery::parse("  a == b ,  e in ( x , y ) , ! h ").unwrap();
        assert!(q.matches(&labels(&[("a", "b"), ("e", "x")])));
        assert!(LabelQuery::parse("").unwrap().selects_all());
        assert!(
            LabelQuery::parse("a=")
                .unwrap()
                .matches(&labels(&[("a", "")]))
        );
    }

    #[test]
    fn reports_where_and_why() {
        for (bad, why) in [
            ("a=b,", "expected a label key"),
            ("a in x", "expected '('"),
            ("a in (x", "expected ',' or ')'"),
            ("a>3", "not supported"),
            ("-a=b", "start and end with an alphanumeric"),
            ("a=b c=d", "expected ',' between"),
            ("a foo", "found \"foo\""),
        ] {
            let e = LabelQuery::parse(bad).unwrap_err();
            assert!(e.reason.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn converts_label_selectors() {
        let sel = LabelSelector {
            match_labels: Some([("gpu-model".to_string(), "h100".to_string())].into()),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "tenant".into(),
                    operator: "In".into(),
                    values: Some(vec!["a".into(), "b".into()]),
                },
                LabelSelectorRequirement {
                    key: "maintenance".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
            ]),
        };
        let q = LabelQuery::from_label_selector(&sel).unwrap();
        assert!(q.matches(&labels(&[("gpu-model", "h100"), ("tenant", "a")])));
        assert!(!q.matches(&labels(&[("gpu-model", "h100"), ("tenant", "c")])));
        assert_eq!(
            q.required_values("tenant"),
            Some(["a", "b"].into_iter().collect())
        );
        assert_eq!(q.required_values("rack"), None);
        let bad = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "x".into(),
                operator: "Gt".into(),
                values: Some(vec!["1".into()]),
            }]),
        };
        assert!(LabelQuery::from_label_selector(&bad).is_err());
    }

    #[test]
    fn exists_with_values_is_refused_as_apimachinery_refuses_it() {
        let with = |operator: &str, values: Vec<&str>| LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "maintenance".into(),
                operator: operator.into(),
                values: Some(values.into_iter().map(String::from).collect()),
            }]),
        };
        for op in ["Exists", "DoesNotExist"] {
            let e = LabelQuery::from_label_selector(&with(op, vec!["yes"])).unwrap_err();
            assert!(e.to_string().contains("takes no values"), "{e}");
            assert!(LabelQuery::from_label_selector(&with(op, vec![])).is_ok());
        }
        // A value no label can carry is refused too, as labels.NewRequirement does.
        assert!(LabelQuery::from_label_selector(&with("In", vec!["a b"])).is_err());
    }
}

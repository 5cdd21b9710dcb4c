//! Kubernetes rules for label keys and values (apimachinery `validation.IsQualifiedName`
//! and `IsValidLabelValue`). Each error names the rule it breaks, as kubectl would.

/// A label key or value that breaks a Kubernetes rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid label {what} {input:?}: {rule}")]
pub struct LabelError {
    /// `key` or `value`.
    pub what: &'static str,
    /// The key or value as given.
    pub input: String,
    /// The rule broken, in kubectl's words ("name part must be no more than 63 characters").
    pub rule: String,
}

const NAME_RULE: &str = "must consist of alphanumeric characters, '-', '_' or '.', \
and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc')";
const PREFIX_RULE: &str = "prefix part must be a lowercase RFC 1123 subdomain: lowercase \
alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character \
(e.g. 'example.com')";

/// Longest name part of a key, and longest value.
pub const MAX_NAME_LEN: usize = 63;
/// Longest prefix (a DNS subdomain).
pub const MAX_PREFIX_LEN: usize = 253;

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Checks a label key: `[prefix/]name`.
pub fn validate_key(key: &str) -> Result<(), LabelError> {
    let err = |rule: String| LabelError {
        what: "key",
        input: key.to_string(),
        rule,
    };
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Err(err("prefix part must not be empty".into()));
        }
        if prefix.len() > MAX_PREFIX_LEN {
            return Err(err(format!(
                "prefix part must be no more than {MAX_PREFIX_LEN} characters"
            )));
        }
        if !is_dns_subdomain(prefix) {
            return Err(err(PREFIX_RULE.into()));
        }
    }
    if name.is_empty() {
        return Err(err("name part must be non-empty".into()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(err(format!(
            "name part must be no more than {MAX_NAME_LEN} characters"
        )));
    }
    if name.contains('/') {
        return Err(err(
            "a qualified name must consist of a name part with at most one '/' prefix".into(),
        ));
    }
    if !is_name(name) {
        return Err(err(format!("name part {NAME_RULE}")));
    }
    Ok(())
}

/// Checks a label value: empty, or up to 63 name characters.
pub fn validate_value(value: &str) -> Result<(), LabelError> {
    let err = |rule: String| LabelError {
        what: "value",
        input: value.to_string(),
        rule,
    };
    if value.len() > MAX_NAME_LEN {
        return Err(err(format!(
            "must be no more than {MAX_NAME_LEN} characters"
        )));
    }
    if !value.is_empty() && !is_name(value) {
        return Err(err(format!(
            "a valid label value must be empty or {NAME_RULE}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_keys_and_values() {
        for k in [
            "gpu-model",
            "metal3.vcluster.com/node-claim",
            "a",
            "A_b.c",
            "x/y",
        ] {
            validate_key(k).unwrap();
        }
        for v in ["", "h100", "8", "rack-a", "A.b_c-1"] {
            validate_value(v).unwrap();
        }
    }

    #[test]
    fn names_the_rule_broken() {
        let e = validate_key("-bad").unwrap_err();
        assert!(e.to_string().contains("start and end with an alphanumeric"));
        let e = validate_key("Example.com/x").unwrap_err();
        assert!(e.rule.contains("RFC 1123 subdomain"));
        let e = validate_key(&"a".repeat(64)).unwrap_err();
        assert!(e.rule.contains("no more than 63"));
        let e = validate_key("a/b/c").unwrap_err();
        assert!(e.rule.contains("at most one '/'"));
        let e = validate_key("/x").unwrap_err();
        assert!(e.rule.contains("prefix part must not be empty"));
        let e = validate_value("has space").unwrap_err();
        assert!(e.rule.contains("must be empty or"));
        let e = validate_value(&"v".repeat(64)).unwrap_err();
        assert!(e.rule.contains("no more than 63"));
    }
}

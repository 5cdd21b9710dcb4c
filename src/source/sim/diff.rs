//! What changed between two versions of an object, for a conflict message: the paths of the
//! fields that differ, e.g. `metadata.labels.tenant, status.provisioning.state`.

use serde_json::Value;

/// At most this many paths are named; the rest are counted.
const MAX_PATHS: usize = 5;
/// Paths go no deeper than this; a deeper difference is named by its ancestor.
const MAX_DEPTH: usize = 6;

/// The fields that differ between `before` and `after`, leaving out the resourceVersion
/// (which always differs when anything does).
pub(super) fn changed_fields(before: &Value, after: &Value) -> String {
    let mut paths = Vec::new();
    collect(before, after, String::new(), 0, &mut paths);
    paths.retain(|p| p != "metadata.resourceVersion");
    match paths.len() {
        0 => "only its resourceVersion".into(),
        n if n <= MAX_PATHS => paths.join(", "),
        n => format!(
            "{} and {} more",
            paths[..MAX_PATHS].join(", "),
            n - MAX_PATHS
        ),
    }
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

fn collect(a: &Value, b: &Value, path: String, depth: usize, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if depth < MAX_DEPTH => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                collect(va, vb, join(&path, k), depth + 1, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if depth < MAX_DEPTH && x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                collect(va, vb, format!("{path}[{i}]"), depth + 1, out);
            }
        }
        _ => out.push(if path.is_empty() {
            "the whole object".into()
        } else {
            path
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_fields_that_differ() {
        let before = json!({"metadata": {"resourceVersion": "4", "labels": {"a": "1", "b": "2"}},
                            "status": {"provisioning": {"state": "available"}}});
        let after = json!({"metadata": {"resourceVersion": "9", "labels": {"a": "1", "c": "3"}},
                           "status": {"provisioning": {"state": "provisioning"}}});
        assert_eq!(
            changed_fields(&before, &after),
            "metadata.labels.b, metadata.labels.c, status.provisioning.state"
        );
        assert_eq!(changed_fields(&before, &before), "only its resourceVersion");
        let many_a = json!({"k": [1, 2, 3, 4, 5, 6, 7]});
        let many_b = json!({"k": [0, 0, 0, 0, 0, 0, 0]});
        assert_eq!(
            changed_fields(&many_a, &many_b),
            "k[0], k[1], k[2], k[3], k[4] and 2 more"
        );
    }
}

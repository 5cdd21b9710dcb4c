//! The layers ARCHITECTURE.md draws inside the `gpufleet` crate, checked on its source:
//! the dashboard (`src/ui`), the writer interface (`src/write`) and the kube backend
//! (`src/kube`) do not name the sources (`crate::source`), however the path is spelled.
//!
//! Each file under `src/` is parsed with `syn`; every path it names (in `use` trees,
//! expressions, types, patterns, attributes' paths and, token by token, inside macro calls) is
//! resolved from the file's module to a module path: `crate::`, `super::` and `self::` are
//! followed, names brought in by `use … as …` are followed to what they name, and a name that
//! could come from a glob import (`use super::*;`) is tried against that glob's module. A path
//! that resolves to `source` or below, named from a guarded module, is a violation. The
//! rules are the same as the ones `scripts/check-layers` checked by text search, which missed
//! `super::` paths, grouped imports and paths written inline.
//! `scripts/check-layers` runs this binary (`cargo test --test layers`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit_mut::VisitMut;

/// Modules that must not name the sources, as module paths from the crate root.
const GUARDED: &[&str] = &["ui", "write", "kube"];
/// The module they must not name.
const FORBIDDEN: &str = "source";

/// A reference from a guarded module to the forbidden one: file, and the path as written and
/// as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    file: String,
    written: String,
    resolved: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: `{}` names crate::{}",
            self.file, self.written, self.resolved
        )
    }
}

/// The module path of a file under `src/`: `src/ui/panes/hosts.rs` is `ui::panes::hosts`,
/// `src/ui/mod.rs` is `ui`, `src/lib.rs` the root.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// One path segment list as written, before resolution.
type Written = Vec<String>;

/// Resolves a written path from `module` to a module path from the crate root, or `None` when
/// it starts outside the crate (`std::`, a dependency) or climbs above the root.
fn resolve(module: &[String], written: &[String]) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = written;
    match written.first().map(String::as_str) {
        Some("crate") | Some("gpufleet") => rest = &written[1..],
        Some("self") => {
            out = module.to_vec();
            rest = &written[1..];
        }
        Some("super") => {
            out = module.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                out.pop()?;
                rest = &rest[1..];
            }
            // `super::self` is `super`.
        }
        _ => return None,
    }
    for seg in rest {
        match seg.as_str() {
            "self" => {}
            "super" => {
                out.pop()?;
            }
            _ => out.push(seg.clone()),
        }
    }
    Some(out)
}

/// What one file names: each path with the module it is named in, the `use` aliases it
/// declares and the modules it glob-imports.
#[derive(Default)]
struct Names {
    paths: Vec<(Vec<String>, Written)>,
    aliases: BTreeMap<String, (Vec<String>, Written)>,
    globs: Vec<(Vec<String>, Written)>,
}

struct Collector {
    module: Vec<String>,
    names: Names,
}

impl Collector {
    fn use_tree(&mut self, prefix: &mut Written, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                let name = if n.ident == "self" {
                    prefix.last().cloned().unwrap_or_default()
                } else {
                    n.ident.to_string()
                };
                self.names
                    .aliases
                    .insert(name, (self.module.clone(), full.clone()));
                self.names.paths.push((self.module.clone(), full));
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.names
                    .aliases
                    .insert(r.rename.to_string(), (self.module.clone(), full.clone()));
                self.names.paths.push((self.module.clone(), full));
            }
            syn::UseTree::Glob(_) => {
                self.names.globs.push((self.module.clone(), prefix.clone()));
                self.names.paths.push((self.module.clone(), prefix.clone()));
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// Paths inside a macro call are tokens, not syntax: every run `a :: b :: c` counts.
    fn tokens(&mut self, tokens: TokenStream) {
        let mut run: Written = Vec::new();
        let mut colons = 0;
        for tt in tokens {
            match tt {
                TokenTree::Ident(i) => {
                    if colons != 2 {
                        self.flush(&mut run);
                    }
                    run.push(i.to_string());
                    colons = 0;
                }
                TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
                TokenTree::Group(g) => {
                    self.flush(&mut run);
                    colons = 0;
                    self.tokens(g.stream());
                }
                _ => {
                    self.flush(&mut run);
                    colons = 0;
                }
            }
        }
        self.flush(&mut run);
    }

    fn flush(&mut self, run: &mut Written) {
        if !run.is_empty() {
            self.names
                .paths
                .push((self.module.clone(), std::mem::take(run)));
        }
    }
}

impl VisitMut for Collector {
    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit_mut::visit_item_mod_mut(self, m);
        self.module.pop();
    }

    fn visit_item_use_mut(&mut self, u: &mut syn::ItemUse) {
        let mut prefix = Vec::new();
        if u.leading_colon.is_some() {
            // `::name` is an external crate; only `::gpufleet` is this one.
            prefix.push(String::new());
        }
        self.use_tree(&mut prefix, &u.tree);
    }

    fn visit_path_mut(&mut self, p: &mut syn::Path) {
        let mut written: Written = Vec::new();
        if p.leading_colon.is_some() {
            written.push(String::new());
        }
        written.extend(p.segments.iter().map(|s| s.ident.to_string()));
        self.names.paths.push((self.module.clone(), written));
        syn::visit_mut::visit_path_mut(self, p);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit_mut::visit_macro_mut(self, m);
    }
}

/// Every module path `written` can stand for, following aliases and glob imports of its file.
fn candidates(names: &Names, module: &[String], written: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let written: Vec<String> = match written.first().map(String::as_str) {
        Some("") if written.get(1).map(String::as_str) == Some("gpufleet") => written[1..].to_vec(),
        _ => written.to_vec(),
    };
    if let Some(r) = resolve(module, &written) {
        out.push(r);
    }
    let Some(head) = written.first() else {
        return out;
    };
    if matches!(head.as_str(), "crate" | "self" | "super" | "gpufleet" | "") {
        return out;
    }
    // A name brought in by `use`: follow it (once more for an alias of an alias).
    let mut seen = 0;
    let mut current = written.clone();
    while let Some((alias_module, target)) = names.aliases.get(&current[0]) {
        if seen > 8 || target == &current[..1] {
            break;
        }
        seen += 1;
        let mut next = target.clone();
        next.extend(current[1..].iter().cloned());
        if let Some(r) = resolve(alias_module, &next) {
            out.push(r);
            break;
        }
        current = next;
    }
    // A name that may come from a glob import.
    for (glob_module, glob) in &names.globs {
        let mut next = glob.clone();
        next.extend(written.iter().cloned());
        if let Some(r) = resolve(glob_module, &next) {
            out.push(r);
        }
    }
    // A sibling or child module named by its bare name from the crate root (`source::x` in
    // `lib.rs`, or 2015-style): resolved from the root when the file is the root.
    if module.is_empty() {
        out.push(written.clone());
    }
    out
}

fn guarded(module: &[String]) -> bool {
    module
        .first()
        .is_some_and(|m| GUARDED.contains(&m.as_str()))
}

/// The violations in one file, given as `module` (its path from the crate root) and text.
fn check_source(file: &str, module: &[String], text: &str) -> Result<Vec<Violation>, String> {
    let mut ast = syn::parse_file(text).map_err(|e| format!("{file}: cannot parse: {e}"))?;
    let mut c = Collector {
        module: module.to_vec(),
        names: Names::default(),
    };
    c.visit_file_mut(&mut ast);
    let mut out = Vec::new();
    for (at, written) in &c.names.paths {
        if !guarded(at) {
            continue;
        }
        for resolved in candidates(&c.names, at, written) {
            if resolved.first().map(String::as_str) == Some(FORBIDDEN) {
                out.push(Violation {
                    file: file.to_owned(),
                    written: written.join("::"),
                    resolved: resolved.join("::"),
                });
                break;
            }
        }
    }
    out.dedup();
    Ok(out)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The check itself: every file of `src/`.
#[test]
fn the_dashboard_the_writer_and_the_kube_backend_name_no_source() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files).expect("src/ is readable");
    files.sort();
    assert!(
        files.len() > 20,
        "found only {} files under src/",
        files.len()
    );
    let mut violations = Vec::new();
    let mut read_guarded = 0;
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src/");
        let module = module_of(relative);
        if guarded(&module) {
            read_guarded += 1;
        }
        let text = std::fs::read_to_string(path).expect("a source file is UTF-8");
        let file = format!("src/{}", relative.display());
        violations.extend(check_source(&file, &module, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    assert!(read_guarded > 10, "read only {read_guarded} guarded files");
    assert!(
        violations.is_empty(),
        "the dashboard, the writer and the kube backend must not name crate::source:\n{}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[cfg(test)]
mod spellings {
    use super::*;

    fn at(module: &str, text: &str) -> Vec<Violation> {
        let module: Vec<String> = module.split("::").map(str::to_owned).collect();
        check_source("test.rs", &module, text).expect("parses")
    }

    fn fails(module: &str, text: &str) {
        let v = at(module, text);
        assert!(!v.is_empty(), "not caught in {module}: {text}");
    }

    #[test]
    fn a_plain_use_fails() {
        fails("ui::app", "use crate::source::sim::SimConfig;");
    }

    #[test]
    fn a_relative_use_with_an_alias_fails() {
        fails(
            "ui::panes::hosts",
            "use super::super::super::source as feed;",
        );
        fails("write", "use super::source;");
        fails("kube::watch", "use self::super::super::source::replay;");
    }

    #[test]
    fn a_grouped_use_fails() {
        fails(
            "ui::app",
            "use crate::{fleet as _f, source::sim::SimConfig as _A};",
        );
        fails("ui::app", "use crate::{source::{self}, ui};");
    }

    #[test]
    fn an_inline_path_fails() {
        fails(
            "ui::app",
            "fn f() { let _ = crate::source::sim::X::new(); }",
        );
        fails("ui::app", "fn f(_: &crate::source::sim::SimConfig) {}");
        fails(
            "ui::panes::hosts",
            "fn f() { let _ = super::super::super::source::sim::X::new(); }",
        );
    }

    #[test]
    fn a_path_through_an_alias_or_a_glob_or_a_macro_fails() {
        fails(
            "ui::app",
            "use crate as root; fn f() { root::source::x(); }",
        );
        fails(
            "ui::app",
            "use super::super as up; fn f() { up::source::x(); }",
        );
        fails("ui", "use super::*; fn f() { source::sim::x(); }");
        fails(
            "ui::app",
            "fn f() { println!(\"{:?}\", crate::source::sim::X::new()); }",
        );
        fails("ui::app", "mod inner { use super::super::super::source; }");
    }

    #[test]
    fn the_rule_holds_only_for_the_guarded_modules_and_the_source_module() {
        assert!(at("cli::dash", "use crate::source::sim::SimConfig;").is_empty());
        assert!(
            at(
                "ui::app",
                "use crate::write::Writer; use gpufleet_core::source;"
            )
            .is_empty()
        );
        // `super::source` from `ui::panes` is `ui::source`, not the sources.
        assert!(at("ui::panes", "use super::source;").is_empty());
        assert!(at("ui::app", "fn f() { let source = 1; let _ = source; }").is_empty());
    }

    #[test]
    fn module_paths_come_from_file_paths() {
        assert_eq!(
            module_of(Path::new("ui/panes/hosts.rs")),
            ["ui", "panes", "hosts"]
        );
        assert_eq!(module_of(Path::new("ui/mod.rs")), ["ui"]);
        assert!(module_of(Path::new("lib.rs")).is_empty());
    }
}

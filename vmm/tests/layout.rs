//! The shape of the `cr_vmm` library and the libraries under it, `kcr_image`
//! and `agent_proto` (issue 14): no two modules of one crate import each
//! other, and the VMM does not depend on the guest agent.
//!
//! A module is a file (`foo.rs`) or a directory module (`foo/mod.rs`); the
//! crate root only re-exports and is left out, and so is the binary
//! (`src/bin/`). Module A imports module B when a path in A's source (a
//! `use` or an inline path, test code included) names B or an item of B:
//! `crate::…`, `super::…` and `self::…` paths, and `use child::…` of a
//! child module. A `mod` declaration is not an import. Comments and string
//! literals are skipped; a path is resolved to the deepest module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A token of Rust source, as far as paths go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other punctuation character.
    Punct(char),
}

/// The tokens of `src`, without comments, string, byte-string and char
/// literals (lifetimes become an identifier, which is harmless).
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if ch == '\'' {
            if next == Some('\\') {
                // An escaped char literal.
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1; // a lifetime: its name follows as an identifier
            }
        } else if ident_char(ch) {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw strings: r"…", r#"…"#, br#"…"#.
            if (word == "r" || word == "br") && matches!(c.get(i), Some('"' | '#')) {
                let mut hashes = 0;
                while c.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                if c.get(i) == Some(&'"') {
                    i += 1;
                    'raw: while i < c.len() {
                        if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                            i += 1 + hashes;
                            break 'raw;
                        }
                        i += 1;
                    }
                    continue;
                }
            }
            out.push(Tok::Ident(word));
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Parses the path tree at `t[i..]` (`a::b::{c, d::e}`, `x::*`) and
/// pushes every full path onto `out`, each prefixed with `prefix`.
/// Returns the index after it.
fn path_tree(t: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    match t.get(i) {
        Some(Tok::Punct('{')) => {
            i += 1;
            loop {
                match t.get(i) {
                    None => return i,
                    Some(Tok::Punct('}')) => return i + 1,
                    Some(Tok::Punct(',')) => i += 1,
                    _ => {
                        let before = i;
                        i = path_tree(t, i, prefix, out);
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
        }
        Some(Tok::Ident(name)) => {
            let mut p = prefix.to_vec();
            if name != "self" {
                p.push(name.clone());
            }
            if t.get(i + 1) == Some(&Tok::PathSep) {
                path_tree(t, i + 2, &p, out)
            } else {
                out.push(p);
                i + 1
            }
        }
        Some(Tok::Punct('*')) => {
            out.push(prefix.to_vec());
            i + 1
        }
        _ => i,
    }
}

/// The library's modules: module path (`devices::virtio::mmio`) to file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, src: &Path, out: &mut BTreeMap<String, PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(src).unwrap();
            if rel.starts_with("bin") {
                continue;
            }
            if p.is_dir() {
                walk(&p, src, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let mut parts: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
                    parts.pop();
                }
                out.insert(parts.join("::"), p);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The modules that `module` (whose source is `src`) imports, each with
/// the first path that names it.
fn imports(module: &str, src: &str, known: &BTreeMap<String, PathBuf>) -> BTreeMap<String, String> {
    let t = tokens(src);
    let here: Vec<String> = if module.is_empty() {
        vec![]
    } else {
        module.split("::").map(String::from).collect()
    };
    // Braces open, each with the inline module it opens (`mod x {`), if any.
    let mut braces: Vec<Option<String>> = Vec::new();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < t.len() {
        // The module this code is in: the file's, plus inline modules.
        let cur: Vec<String> = here
            .iter()
            .cloned()
            .chain(braces.iter().flatten().cloned())
            .collect();
        let prev = i.checked_sub(1).map(|p| &t[p]);
        match &t[i] {
            Tok::Punct('{') => {
                let inline_mod = match (i.checked_sub(2).map(|p| &t[p]), prev) {
                    (Some(Tok::Ident(m)), Some(Tok::Ident(name))) if m == "mod" => {
                        Some(name.clone())
                    }
                    _ => None,
                };
                braces.push(inline_mod);
                i += 1;
            }
            Tok::Punct('}') => {
                braces.pop();
                i += 1;
            }
            Tok::Ident(w)
                if matches!(w.as_str(), "crate" | "super" | "self")
                    && t.get(i + 1) == Some(&Tok::PathSep)
                    && prev != Some(&Tok::PathSep) =>
            {
                let mut base = match w.as_str() {
                    "crate" => vec![],
                    "super" => cur[..cur.len().saturating_sub(1)].to_vec(),
                    _ => cur.clone(),
                };
                let mut j = i + 2;
                while t.get(j) == Some(&Tok::Ident("super".into()))
                    && t.get(j + 1) == Some(&Tok::PathSep)
                {
                    base.pop();
                    j += 2;
                }
                let mut out = Vec::new();
                i = path_tree(&t, j, &base, &mut out).max(i + 1);
                paths.extend(out);
            }
            // `use child::…` of a child module (uniform paths).
            Tok::Ident(name)
                if prev == Some(&Tok::Ident("use".into()))
                    && t.get(i + 1) == Some(&Tok::PathSep)
                    && known.contains_key(
                        &[cur.as_slice(), std::slice::from_ref(name)]
                            .concat()
                            .join("::"),
                    ) =>
            {
                let mut out = Vec::new();
                i = path_tree(&t, i, &cur, &mut out).max(i + 1);
                paths.extend(out);
            }
            _ => i += 1,
        }
    }
    let mut found = BTreeMap::new();
    for p in paths {
        let target = (1..=p.len())
            .rev()
            .map(|k| p[..k].join("::"))
            .find(|m| known.contains_key(m));
        if let Some(m) = target {
            if m != module {
                found
                    .entry(m)
                    .or_insert_with(|| format!("crate::{}", p.join("::")));
            }
        }
    }
    found
}

/// Every pair of library modules that import each other, described.
fn mutual_imports(src_dir: &Path) -> Vec<String> {
    let known = modules(src_dir);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (m, file) in &known {
        if m.is_empty() {
            continue; // the crate root: `mod` declarations and re-exports
        }
        let src = std::fs::read_to_string(file).unwrap();
        graph.insert(m.clone(), imports(m, &src, &known));
    }
    // A directory imports what any module under it imports: for each
    // import, the two siblings under the deepest common parent (`arch` and
    // `vstate` for `arch::regs` → `vstate::vm`) import each other too.
    let mut siblings: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (a, targets) in &graph {
        for (b, via) in targets {
            let (pa, pb): (Vec<&str>, Vec<&str>) =
                (a.split("::").collect(), b.split("::").collect());
            let common = pa.iter().zip(&pb).take_while(|(x, y)| x == y).count();
            if common < pa.len() && common < pb.len() && common + 1 < pa.len().max(pb.len()) {
                let sa = pa[..=common].join("::");
                let sb = pb[..=common].join("::");
                siblings
                    .entry(sa)
                    .or_default()
                    .entry(sb)
                    .or_insert_with(|| format!("{a} uses {via}"));
            }
        }
    }
    for (a, targets) in siblings {
        let entry = graph.entry(a).or_default();
        for (b, via) in targets {
            entry.entry(b).or_insert(via);
        }
    }
    let mut cycles = BTreeSet::new();
    for (a, targets) in &graph {
        for (b, via) in targets {
            if a < b {
                if let Some(back) = graph.get(b).and_then(|t| t.get(a)) {
                    cycles.insert(format!(
                        "{a} imports {b} ({via}) and {b} imports {a} ({back})"
                    ));
                }
            }
        }
    }
    cycles.into_iter().collect()
}

#[test]
fn no_two_modules_import_each_other() {
    let vmm = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cycles = Vec::new();
    for (krate, src) in [
        ("cr_vmm", vmm.join("src")),
        ("kcr_image", vmm.join("image/src")),
        ("agent_proto", vmm.join("../guest-agent/proto/src")),
    ] {
        cycles.extend(
            mutual_imports(&src)
                .into_iter()
                .map(|c| format!("{krate}: {c}")),
        );
    }
    assert!(
        cycles.is_empty(),
        "library modules that import each other:\n  {}",
        cycles.join("\n  ")
    );
}

#[test]
fn the_vmm_does_not_depend_on_the_guest_agent() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("guest-agent") || l.starts_with("guest_agent"))
        .collect();
    assert!(
        deps.is_empty(),
        "vmm/Cargo.toml depends on the guest agent (use agent-proto): {deps:?}"
    );
}

#[test]
fn the_checker_sees_imports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |p: &str, s: &str| {
        let p = src.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    write(
        "lib.rs",
        "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e; pub mod f;",
    );
    // a <-> b through a nested use tree and an inline path.
    write(
        "a.rs",
        "use crate::{c::X, b::{self as bee}};\n// crate::d::Y in a comment\nconst S: &str = \"crate::d::Z\";",
    );
    write(
        "b/mod.rs",
        "mod inner;\nfn f() { let _ = crate::a::thing(); }\n#[cfg(test)]\nmod tests { use super::*; }",
    );
    // A child importing its parent, the parent not importing it: fine.
    write("b/inner.rs", "use super::super::b::f;");
    // d imports c through `super::`, c imports d through `use crate::d`.
    write("c.rs", "pub struct X; use crate::d;");
    write("d.rs", "fn g() -> super::c::X { todo!() }");
    // Directories e and f import each other through different files.
    write("e/mod.rs", "pub mod x; pub mod z;");
    write("e/x.rs", "use crate::f::y::Y;");
    write("e/z.rs", "pub struct Z;");
    write("f/mod.rs", "pub mod y;");
    write("f/y.rs", "pub struct Y; fn h(_: crate::e::z::Z) {}");
    let cycles = mutual_imports(src);
    assert_eq!(cycles.len(), 3, "{cycles:#?}");
    assert!(
        cycles[2].starts_with("e imports f (e::x uses crate::f::y::Y) and f imports e"),
        "{cycles:#?}"
    );
    assert!(
        cycles[0].starts_with("a imports b (crate::b) and b imports a"),
        "{cycles:#?}"
    );
    assert!(
        cycles[1].starts_with("c imports d (crate::d) and d imports c"),
        "{cycles:#?}"
    );
}

//! No import cycle between the modules of marketlens-core.
//!
//! The core is layered: `domain` at the bottom, then `config`, `normalize`,
//! `analysis`, `recommend`, `quality`, `report`. A cycle between two modules means
//! neither can be read, tested or moved without the other, and cycles only grow. This
//! test reads the crate's own source and fails, naming each cycle and the lines that
//! make it, when one appears.
//!
//! The rule, at every level: the modules directly inside a module — plus that module's
//! own body (what its `mod.rs` defines itself) — depend on each other without a cycle.
//! A reference is any `use` or inline path that names a module of the crate (`crate::`,
//! `super::`, `self::` or a child module's name); a path through a re-export
//! (`pub use child::Item`) counts against the module that defines the item, so
//! `super::Item` from a sibling is an edge to that sibling, not to the parent. Test code
//! (`#[cfg(test)]` items and the files they declare) is left out: tests may reach
//! anywhere. Comments and string literals are skipped.
//!
//! It reads text, not the compiler's resolution, so it knows only paths written out;
//! that is all the core uses (no glob re-exports, no macros that name modules).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[test]
fn core_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let crate_graph = CrateGraph::load(&|rel: &Path| std::fs::read_to_string(src.join(rel)).ok());
    assert!(
        crate_graph.modules.len() > 20,
        "the source tree was not read: {} modules",
        crate_graph.modules.len()
    );
    let cycles = crate_graph.cycles();
    assert!(
        cycles.is_empty(),
        "import cycles between modules of marketlens-core:\n{}",
        cycles.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Reading the source

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Rust tokens with their line numbers, without comments or literals.
fn tokenize(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Skips a string body starting after its opening quote; `hashes` closes raw strings.
    let skip_string = |i: &mut usize, line: &mut usize, raw: bool, hashes: usize| {
        while *i < chars.len() {
            let c = chars[*i];
            if c == '\n' {
                *line += 1;
            }
            if !raw && c == '\\' {
                if chars.get(*i + 1) == Some(&'\n') {
                    *line += 1;
                }
                *i += 2;
                continue;
            }
            *i += 1;
            if c == '"' && (0..hashes).all(|k| chars.get(*i + k) == Some(&'#')) {
                *i += hashes;
                return;
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => {
                i += 1;
                skip_string(&mut i, &mut line, false, 0);
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
                if chars.get(i + 1) == Some(&'\\') {
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            c if c.is_ascii_digit() => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '_'
                        || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
                {
                    i += 1;
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // String prefixes: b"..", r"..", r#".."#, br"..", c"..".
                let raw = word == "r" || word == "br" || word == "cr";
                if matches!(word.as_str(), "b" | "c") && chars.get(i) == Some(&'"') {
                    i += 1;
                    skip_string(&mut i, &mut line, false, 0);
                } else if raw && matches!(chars.get(i), Some('"') | Some('#')) {
                    let mut hashes = 0;
                    while chars.get(i) == Some(&'#') {
                        hashes += 1;
                        i += 1;
                    }
                    i += 1;
                    skip_string(&mut i, &mut line, true, hashes);
                } else {
                    out.push((Token::Ident(word), line));
                }
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                out.push((Token::PathSep, line));
                i += 2;
            }
            c => {
                out.push((Token::Punct(c), line));
                i += 1;
            }
        }
    }
    out
}

fn is_ident(t: Option<&(Token, usize)>, word: &str) -> bool {
    matches!(t, Some((Token::Ident(w), _)) if w == word)
}

fn is_punct(t: Option<&(Token, usize)>, p: char) -> bool {
    matches!(t, Some((Token::Punct(c), _)) if *c == p)
}

/// Removes every item marked `#[cfg(test)]`; returns what is left and the names of the
/// test-only modules declared as files (`#[cfg(test)] mod testing;`).
fn strip_test_items(tokens: Vec<(Token, usize)>) -> (Vec<(Token, usize)>, BTreeSet<String>) {
    let mut kept = Vec::with_capacity(tokens.len());
    let mut test_files = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        let cfg_test = is_punct(tokens.get(i), '#')
            && is_punct(tokens.get(i + 1), '[')
            && is_ident(tokens.get(i + 2), "cfg")
            && is_punct(tokens.get(i + 3), '(')
            && is_ident(tokens.get(i + 4), "test")
            && is_punct(tokens.get(i + 5), ')')
            && is_punct(tokens.get(i + 6), ']');
        if !cfg_test {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        // The item: up to its `;` or the end of its first top-level `{ … }` block.
        let start = i;
        let mut depth = 0i32;
        while i < tokens.len() {
            match &tokens[i].0 {
                Token::Punct('{') | Token::Punct('(') | Token::Punct('[') => depth += 1,
                Token::Punct('}') | Token::Punct(')') | Token::Punct(']') => {
                    depth -= 1;
                    if depth == 0 && tokens[i].0 == Token::Punct('}') {
                        i += 1;
                        break;
                    }
                }
                Token::Punct(';') if depth == 0 => {
                    let item = &tokens[start..i];
                    if let Some(pos) = item.iter().position(|t| t.0 == Token::Ident("mod".into()))
                        && let Some((Token::Ident(name), _)) = item.get(pos + 1)
                    {
                        test_files.insert(name.clone());
                    }
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    (kept, test_files)
}

/// One path of a `use` tree, with the name it binds (its alias or last segment).
#[derive(Debug)]
struct UsePath {
    segments: Vec<String>,
    binds: Option<String>,
    line: usize,
}

/// Expands the tree of a `use` statement starting at `tokens[*i]` (after `use`).
fn parse_use_tree(
    tokens: &[(Token, usize)],
    i: &mut usize,
    prefix: &[String],
    out: &mut Vec<UsePath>,
) {
    let mut segments = prefix.to_vec();
    let line = tokens.get(*i).map_or(0, |t| t.1);
    loop {
        match tokens.get(*i).map(|t| &t.0) {
            Some(Token::PathSep) => *i += 1,
            Some(Token::Punct('{')) => {
                *i += 1;
                while !is_punct(tokens.get(*i), '}') && *i < tokens.len() {
                    parse_use_tree(tokens, i, &segments, out);
                    if is_punct(tokens.get(*i), ',') {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            Some(Token::Punct('*')) => {
                *i += 1;
                out.push(UsePath {
                    segments,
                    binds: None,
                    line,
                });
                return;
            }
            Some(Token::Ident(w)) => {
                segments.push(w.clone());
                *i += 1;
                if tokens.get(*i).map(|t| &t.0) != Some(&Token::PathSep) {
                    let mut binds = if w == "self" {
                        segments.pop();
                        segments.last().cloned()
                    } else {
                        Some(w.clone())
                    };
                    if is_ident(tokens.get(*i), "as") {
                        binds = match tokens.get(*i + 1) {
                            Some((Token::Ident(alias), _)) if alias != "_" => Some(alias.clone()),
                            _ => None,
                        };
                        *i += 2;
                    }
                    out.push(UsePath {
                        segments,
                        binds,
                        line,
                    });
                    return;
                }
            }
            _ => return,
        }
    }
}

/// A module of the crate: its path from the crate root and what it refers to.
#[derive(Debug, Default)]
struct Module {
    file: PathBuf,
    children: BTreeSet<String>,
    /// `pub use` re-exports: the name they bind → the path they name (as written).
    reexports: BTreeMap<String, Vec<String>>,
    /// Paths (as written) that may name modules of the crate, with their line.
    references: Vec<(Vec<String>, usize)>,
}

struct CrateGraph {
    modules: BTreeMap<Vec<String>, Module>,
}

impl CrateGraph {
    /// Reads the crate from `lib.rs` down, through `mod` declarations; `read` gets a file
    /// by its path under `src/`.
    fn load(read: &dyn Fn(&Path) -> Option<String>) -> Self {
        let mut modules = BTreeMap::new();
        let mut pending = vec![(Vec::<String>::new(), PathBuf::from("lib.rs"))];
        while let Some((path, file)) = pending.pop() {
            let text = read(&file).unwrap_or_else(|| panic!("cannot read src/{}", file.display()));
            let (tokens, test_files) = strip_test_items(tokenize(&text));
            let mut module = Module {
                file: file.clone(),
                ..Module::default()
            };
            // A file's children sit in the folder named after it (`a.rs` → `a/`), or in
            // its own folder for `lib.rs` and `mod.rs`.
            let dir = match file.file_name().and_then(|n| n.to_str()) {
                Some("lib.rs") | Some("mod.rs") => {
                    file.parent().unwrap_or(Path::new("")).to_path_buf()
                }
                _ => file.with_extension(""),
            };
            let mut i = 0;
            while i < tokens.len() {
                let prev_is_sep = i > 0 && tokens[i - 1].0 == Token::PathSep;
                match &tokens[i].0 {
                    Token::Ident(w) if w == "mod" => {
                        if let (Some((Token::Ident(name), _)), true) =
                            (tokens.get(i + 1), is_punct(tokens.get(i + 2), ';'))
                        {
                            if !test_files.contains(name) {
                                module.children.insert(name.clone());
                                let flat = dir.join(format!("{name}.rs"));
                                let child_file = if read(&flat).is_some() {
                                    flat
                                } else {
                                    dir.join(name).join("mod.rs")
                                };
                                let mut child = path.clone();
                                child.push(name.clone());
                                pending.push((child, child_file));
                            }
                            i += 3;
                            continue;
                        }
                        i += 1;
                    }
                    Token::Ident(w) if w == "use" && !prev_is_sep => {
                        let public = i > 0
                            && (is_ident(tokens.get(i - 1), "pub")
                                || is_punct(tokens.get(i - 1), ')'));
                        i += 1;
                        let mut paths = Vec::new();
                        parse_use_tree(&tokens, &mut i, &[], &mut paths);
                        for p in paths {
                            if public && let Some(name) = &p.binds {
                                module.reexports.insert(name.clone(), p.segments.clone());
                            }
                            module.references.push((p.segments, p.line));
                        }
                    }
                    Token::Ident(first)
                        if !prev_is_sep
                            && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::PathSep) =>
                    {
                        let line = tokens[i].1;
                        let mut segments = vec![first.clone()];
                        i += 1;
                        while tokens.get(i).map(|t| &t.0) == Some(&Token::PathSep) {
                            match tokens.get(i + 1) {
                                Some((Token::Ident(w), _)) => {
                                    segments.push(w.clone());
                                    i += 2;
                                }
                                _ => break,
                            }
                        }
                        module.references.push((segments, line));
                    }
                    _ => i += 1,
                }
            }
            modules.insert(path, module);
        }
        CrateGraph { modules }
    }

    /// The module where the item a path names is defined, or `None` for a path outside
    /// the crate (std, other crates, local names).
    fn resolve(&self, from: &[String], segments: &[String], depth: usize) -> Option<Vec<String>> {
        if depth > 16 {
            return None;
        }
        let mut here: Vec<String> = from.to_vec();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                here.clear();
                rest = &rest[1..];
            }
            Some("super") | Some("self") => {
                while let Some(first) = rest.first().map(String::as_str) {
                    match first {
                        "super" => {
                            here.pop()?;
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            Some(first) if self.modules.get(from)?.children.contains(first) => {}
            _ => return None,
        }
        for (k, segment) in rest.iter().enumerate() {
            let module = self.modules.get(&here)?;
            if module.children.contains(segment) {
                here.push(segment.clone());
            } else if let Some(target) = module.reexports.get(segment) {
                let mut through = target.clone();
                through.extend(rest[k + 1..].iter().cloned());
                return self.resolve(&here, &through, depth + 1);
            } else {
                break;
            }
        }
        Some(here)
    }

    /// Each cycle, as a line naming the modules and, for each edge, a file and line.
    fn cycles(&self) -> Vec<String> {
        // Graph per parent module: node = a child's name, or "(body)" for the parent's own
        // items; edge → first place that makes it.
        type Edges = BTreeMap<(String, String), String>;
        let mut levels: BTreeMap<Vec<String>, Edges> = BTreeMap::new();
        const BODY: &str = "(body)";
        for (from, module) in &self.modules {
            for (segments, line) in &module.references {
                let Some(to) = self.resolve(from, segments, 0) else {
                    continue;
                };
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                let node =
                    |p: &Vec<String>| p.get(common).cloned().unwrap_or_else(|| BODY.to_string());
                let (a, b) = (node(from), node(&to));
                if a != b {
                    levels
                        .entry(from[..common].to_vec())
                        .or_default()
                        .entry((a, b))
                        .or_insert_with(|| format!("src/{}:{line}", module.file.display()));
                }
            }
        }
        let mut found = Vec::new();
        for (parent, edges) in &levels {
            for component in strongly_connected(edges) {
                let name = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("::")
                };
                let listed: Vec<String> = edges
                    .iter()
                    .filter(|((a, b), _)| component.contains(a) && component.contains(b))
                    .map(|((a, b), at)| format!("  {a} -> {b} ({at})"))
                    .collect();
                found.push(format!(
                    "in {name}: {} depend on each other\n{}",
                    component.iter().cloned().collect::<Vec<_>>().join(", "),
                    listed.join("\n")
                ));
            }
        }
        found
    }
}

/// The strongly connected components with more than one node (Tarjan).
fn strongly_connected(edges: &BTreeMap<(String, String), String>) -> Vec<BTreeSet<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(v: &'a str, next: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in &next[v] {
            if !s.index.contains_key(w) {
                visit(w, next, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.components.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for &v in next.keys() {
        if !state.index.contains_key(v) {
            visit(v, &next, &mut state);
        }
    }
    state.components
}

// ---------------------------------------------------------------------------------------
// The checker itself, on small made-up crates

fn graph_of(files: &[(&str, &str)]) -> CrateGraph {
    let files: BTreeMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_string()))
        .collect();
    CrateGraph::load(&|rel: &Path| files.get(rel).cloned())
}

/// The one cycle the made-up crate has, checked to start with `starts`.
fn the_cycle(files: &[(&str, &str)], starts: &str) -> String {
    let cycles = graph_of(files).cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(cycles[0].starts_with(starts), "{}", cycles[0]);
    cycles[0].clone()
}

fn no_cycle(files: &[(&str, &str)]) {
    let cycles = graph_of(files).cycles();
    assert!(cycles.is_empty(), "{cycles:?}");
}

#[test]
fn finds_a_cycle_between_siblings_through_super() {
    let cycle = the_cycle(
        &[
            ("lib.rs", "pub mod analysis;"),
            ("analysis/mod.rs", "pub mod history;\npub mod market;"),
            ("analysis/history.rs", "use super::market::quantile_sorted;"),
            (
                "analysis/market.rs",
                "fn f() { let h = super::history::PriceHistory::default(); }",
            ),
        ],
        "in analysis: history, market",
    );
    assert!(
        cycle.contains("history -> market (src/analysis/history.rs:1)"),
        "{cycle}"
    );
    assert!(
        cycle.contains("market -> history (src/analysis/market.rs:1)"),
        "{cycle}"
    );
}

#[test]
fn finds_a_cycle_between_top_level_modules_through_grouped_imports() {
    the_cycle(
        &[
            ("lib.rs", "pub mod normalize;\npub mod analysis;"),
            (
                "normalize.rs",
                "use crate::{analysis::sentiment::detect, other::X};",
            ),
            ("analysis/mod.rs", "pub mod history;\npub mod sentiment;"),
            ("analysis/sentiment.rs", "pub fn detect() {}"),
            (
                "analysis/history.rs",
                "use crate::normalize::RateTable as Rates;",
            ),
        ],
        "in crate: analysis, normalize",
    );
}

#[test]
fn a_sibling_reached_through_the_parents_reexport_is_not_a_cycle_with_the_parent() {
    no_cycle(&[
        ("lib.rs", "pub mod domain;"),
        (
            "domain/mod.rs",
            "mod money;\nmod query;\npub use money::Money;\npub use query::Query;",
        ),
        ("domain/money.rs", "pub struct Money;"),
        ("domain/query.rs", "use super::Money;"),
    ]);
    the_cycle(
        &[
            ("lib.rs", "pub mod domain;"),
            (
                "domain/mod.rs",
                "mod money;\nmod query;\npub use query::Query;",
            ),
            ("domain/money.rs", "use super::Query;"),
            ("domain/query.rs", "use super::money::Money;"),
        ],
        "in domain: money, query",
    );
}

#[test]
fn test_code_comments_and_strings_are_not_dependencies() {
    let files = [
        (
            "lib.rs",
            "pub mod a;\npub mod b;\n#[cfg(test)]\nmod testing;",
        ),
        ("a.rs", "use crate::b::B;"),
        (
            "b.rs",
            "// use crate::a::A;\n/* crate::a::A */\nconst S: &str = \"crate::a::A\";\n\
             const R: &str = r#\"crate::a::\"A\"#;\nconst C: char = '\"';\n\
             #[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n",
        ),
    ];
    no_cycle(&files);
    assert!(
        !graph_of(&files)
            .modules
            .contains_key(&vec!["testing".to_string()])
    );
}

#[test]
fn a_parent_body_and_its_child_can_form_a_cycle() {
    the_cycle(
        &[
            ("lib.rs", "pub mod normalize;"),
            (
                "normalize/mod.rs",
                "pub mod resolve;\npub struct Summary;\nfn f() { resolve::run(); }",
            ),
            (
                "normalize/resolve.rs",
                "use super::Summary;\npub fn run() {}",
            ),
        ],
        "in normalize: (body), resolve",
    );
}

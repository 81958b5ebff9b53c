//! The protobuf code the crate compiles is committed under
//! `src/wire/generated/`, so apps that depend on vestnik build without
//! protox and prost-build. This test regenerates it from `proto/*.proto`
//! (parsed by protox, pure Rust, no `protoc`; emitted by prost-build with the
//! crate's settings) and fails when the committed files differ.
//!
//! After changing or adding a `.proto` file (a new package included), run
//!
//! ```text
//! VESTNIK_REGEN_PROTO=1 cargo test --test proto_codegen
//! ```
//!
//! which rewrites `src/wire/generated/`: one `<package>.rs` per protobuf
//! package, as prost-build names it, and `mod.rs`, the module tree that
//! includes them (`src/wire/mod.rs` mounts it as `wire::pb`). Files of
//! packages that no longer exist are removed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const HEADER: &str = "// generated from proto/ by tests/proto_codegen.rs; do not edit\n\
                      // (regenerate: VESTNIK_REGEN_PROTO=1 cargo test --test proto_codegen)\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.proto` file under `proto/`, sorted (the order prost-build sees).
fn proto_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("proto"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .proto files under proto/");
    files
}

/// The module tree over the packages: `vestnik.account.v1` becomes
/// `pub(crate) mod vestnik { pub(crate) mod account { pub(crate) mod v1 {
/// include!("vestnik.account.v1.rs"); } } }`.
fn module_tree(packages: &[String]) -> String {
    #[derive(Default)]
    struct Node {
        file: Option<String>,
        children: BTreeMap<String, Node>,
    }
    fn write(node: &Node, depth: usize, out: &mut String) {
        let pad = "    ".repeat(depth);
        if let Some(f) = &node.file {
            out.push_str(&format!("{pad}include!(\"{f}\");\n"));
        }
        for (name, child) in &node.children {
            out.push_str(&format!("{pad}pub(crate) mod {name} {{\n"));
            write(child, depth + 1, out);
            out.push_str(&format!("{pad}}}\n"));
        }
    }
    let mut tree = Node::default();
    for p in packages {
        let mut node = &mut tree;
        for part in p.split('.') {
            assert!(
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "protobuf package {p:?}: every package needs a name made of plain identifiers"
            );
            node = node.children.entry(part.to_owned()).or_default();
        }
        node.file = Some(format!("{p}.rs"));
    }
    let mut out = String::from(HEADER);
    out.push_str("//\n// The module tree of the protobuf packages, mounted as `wire::pb` by src/wire/mod.rs.\n\n");
    write(&tree, 0, &mut out);
    out
}

/// The files `src/wire/generated/` must hold: name to contents.
fn generate() -> BTreeMap<String, String> {
    let files = proto_files();
    let fds =
        protox::compile(&files, [root().join("proto")]).unwrap_or_else(|e| panic!("proto/ does not compile: {e}"));
    let scratch = std::env::temp_dir().join(format!("vestnik-proto-codegen-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    // The settings build.rs used before the code was committed.
    prost_build::Config::new().skip_debug(["."]).out_dir(&scratch).compile_fds(fds).unwrap();
    let mut out = BTreeMap::new();
    let mut packages = Vec::new();
    for entry in fs::read_dir(&scratch).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let package = name.strip_suffix(".rs").unwrap_or_else(|| panic!("unexpected prost-build output {name}"));
        assert_ne!(package, "_", "a .proto file under proto/ has no `package` line");
        assert_ne!(package, "mod", "a protobuf package may not be called `mod`");
        packages.push(package.to_owned());
        out.insert(name, format!("{HEADER}{}", fs::read_to_string(&path).unwrap()));
    }
    fs::remove_dir_all(&scratch).unwrap();
    packages.sort();
    out.insert("mod.rs".to_owned(), module_tree(&packages));
    out
}

fn committed(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_owned(), fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn committed_protobuf_code_matches_proto() {
    let dir = root().join("src/wire/generated");
    let want = generate();
    if std::env::var_os("VESTNIK_REGEN_PROTO").is_some_and(|v| v == "1") {
        fs::create_dir_all(&dir).unwrap();
        for name in committed(&dir).keys().filter(|n| !want.contains_key(*n)) {
            fs::remove_file(dir.join(name)).unwrap();
        }
        for (name, text) in &want {
            fs::write(dir.join(name), text).unwrap();
        }
        eprintln!("rewrote {} files in {}", want.len(), dir.display());
        return;
    }
    let have = committed(&dir);
    let mut problems = Vec::new();
    for (name, text) in &want {
        match have.get(name) {
            None => problems.push(format!("missing: src/wire/generated/{name}")),
            Some(t) if t != text => problems.push(format!("differs from proto/: src/wire/generated/{name}")),
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|n| !want.contains_key(*n)) {
        problems.push(format!("no longer generated: src/wire/generated/{name}"));
    }
    assert!(
        problems.is_empty(),
        "the committed protobuf code is out of date with proto/:\n  {}\n\
         regenerate it with `VESTNIK_REGEN_PROTO=1 cargo test --test proto_codegen` and commit the result",
        problems.join("\n  ")
    );
}

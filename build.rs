//! Compiles the protobuf schemas in `proto/` with prost-build, parsed by protox
//! (pure Rust), so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("proto")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(&files, ["proto"])?;
    prost_build::Config::new()
        .skip_debug(["."])
        // Secret-bearing byte fields are wrapped by the crate's own types at the
        // `wire` boundary; the generated structs never leave that module.
        .compile_fds(fds)?;
    Ok(())
}

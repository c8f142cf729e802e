//! Pins the features of the host crates behind the bundled DuckDB's build script (see
//! the `[build-dependencies]` note in Cargo.toml). It does nothing at build time.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}

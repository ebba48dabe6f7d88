//! Keystores (samples/make-keystore-samples.sh): every alias, its entry type and
//! certificate values against `keytool -list -v` and openssl
//! (samples/keystores/EXPECTED-keystores.tsv); passwords, --alias and the debug key.

mod common;

use appfiling::report::PackageReport;
use appfiling::Options;
use common::{hex_to_decimal, sample_path, tsv_rows, warning_codes};
use std::process::Command;

const PASSWORDS: [(&str, &str); 4] = [
    ("release.jks", "appfiling"),
    ("release.jceks", "appfiling"),
    ("two-keys.p12", "appfiling"),
    ("debug.keystore", "android"),
];

fn inspect(
    file: &str,
    password: Option<&str>,
    alias: Option<&str>,
) -> Result<PackageReport, appfiling::Error> {
    let options = Options {
        password: password.map(str::to_string),
        alias: alias.map(str::to_string),
        ..Options::default()
    };
    appfiling::inspect_path(&sample_path(&format!("keystores/{file}")), &options)
}

#[test]
fn every_alias_matches_keytool_and_openssl() {
    let rows = tsv_rows(&sample_path("keystores/EXPECTED-keystores.tsv"));
    assert_eq!(rows.len(), 7);
    for (file, password) in PASSWORDS {
        let p = inspect(file, Some(password), None).unwrap();
        let keystore = p.keystore.as_ref().unwrap();
        assert_eq!(keystore.integrity.as_str(), "verified", "{file}");
        let expected: Vec<_> = rows.iter().filter(|r| r["keystore"] == file).collect();
        let mut aliases: Vec<&str> = keystore.entries.iter().map(|e| e.alias.as_str()).collect();
        aliases.sort();
        let wanted: Vec<&str> = expected.iter().map(|r| r["alias"].as_str()).collect();
        assert_eq!(aliases, wanted, "{file}");
        for row in expected {
            let entry = keystore
                .entries
                .iter()
                .find(|e| e.alias == row["alias"])
                .unwrap();
            let kind = match row["entry_type"].as_str() {
                "PrivateKeyEntry" => "private_key",
                "trustedCertEntry" => "trusted_certificate",
                other => panic!("{other}"),
            };
            assert_eq!(entry.kind.as_str(), kind, "{file} {}", entry.alias);
            let leaf = &entry.chain[0];
            assert_eq!(leaf.certificate.sha1, row["sha1"], "{file} {}", entry.alias);
            assert_eq!(leaf.certificate.sha256, row["sha256"]);
            assert_eq!(leaf.certificate.md5, row["md5"]);
            let modulus = leaf.public_key.modulus_hex.as_deref().unwrap_or("-");
            assert_eq!(modulus, row["modulus"], "{file} {}", entry.alias);
        }
        // A store with one private key files it; the 公钥 is the decimal modulus.
        let private: Vec<_> = rows
            .iter()
            .filter(|r| r["keystore"] == file && r["entry_type"] == "PrivateKeyEntry")
            .collect();
        if let [only] = private[..] {
            let filing = p.filing.as_ref().unwrap();
            assert_eq!(filing.signature_md5_field, only["md5"]);
            assert_eq!(
                filing.public_key.as_deref(),
                Some(hex_to_decimal(&only["modulus"]).as_str())
            );
        } else {
            assert!(p.filing.is_none());
            assert!(warning_codes(&p).contains(&"several_aliases"));
        }
    }
}

#[test]
fn jks_certificates_need_no_password_but_a_wrong_one_is_refused() {
    for file in ["release.jks", "release.jceks"] {
        let p = inspect(file, None, None).unwrap();
        assert_eq!(p.keystore.as_ref().unwrap().integrity.as_str(), "unchecked");
        assert_eq!(warning_codes(&p), ["keystore_integrity_unchecked"]);
        assert_eq!(p.keystore.as_ref().unwrap().entries.len(), 2);
        let e = inspect(file, Some("wrong"), None).unwrap_err();
        assert_eq!(e.kind.code(), "password", "{file}");
    }
    // PKCS#12 keeps certificates encrypted: no password, no values.
    let e = inspect("two-keys.p12", None, None).unwrap_err();
    assert_eq!(e.kind.code(), "password");
}

#[test]
fn alias_chooses_the_key_to_file() {
    let rows = tsv_rows(&sample_path("keystores/EXPECTED-keystores.tsv"));
    let row = rows
        .iter()
        .find(|r| r["keystore"] == "two-keys.p12" && r["alias"] == "upload")
        .unwrap();
    // Java compares aliases without case.
    let p = inspect("two-keys.p12", Some("appfiling"), Some("UPLOAD")).unwrap();
    let entries = &p.keystore.as_ref().unwrap().entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(p.filing.as_ref().unwrap().signature_md5_field, row["md5"]);
    let reason = &p.filing.as_ref().unwrap().reason;
    assert_eq!(
        reason,
        "the private key of alias upload, chosen with --alias"
    );
    // Without --alias, a keystore of one key says so.
    let p = inspect("release.jks", None, None).unwrap();
    assert!(p
        .filing
        .unwrap()
        .reason
        .contains("the keystore's only private key"));
    let e = inspect("two-keys.p12", Some("appfiling"), Some("nope")).unwrap_err();
    assert_eq!(e.kind.code(), "no_such_alias");
    assert!(e.to_string().contains("it has: legacy, upload"), "{e}");
}

#[test]
fn the_debug_keystore_is_flagged() {
    let p = inspect("debug.keystore", Some("android"), None).unwrap();
    assert!(warning_codes(&p).contains(&"debug_certificate"));
}

#[test]
fn the_command_line_takes_the_alias_and_the_password_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args([
            "inspect",
            "--format",
            "json",
            "--alias",
            "legacy",
            "--password-env",
            "KS_PASS",
        ])
        .arg(sample_path("keystores/two-keys.p12"))
        .env("KS_PASS", "appfiling")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let package = &json["packages"][0];
    assert_eq!(package["format"], "pkcs12");
    assert_eq!(package["signers"][0]["alias"], "legacy");
    assert_eq!(package["keystore"]["entries"].as_array().unwrap().len(), 1);
}

/// A wrong PKCS#12 password is called a wrong password, whether the MAC or an encrypted
/// part gives it away; none is not.
#[test]
fn a_wrong_pkcs12_password_says_so() {
    let e = inspect("two-keys.p12", Some("wrong"), None).unwrap_err();
    assert_eq!(e.kind.code(), "password");
    let said = e.to_string();
    assert!(
        said.contains("wrong password for this PKCS#12 file"),
        "{said}"
    );
    assert!(
        !said.contains("PKCS#5") && !said.contains("MAC tag"),
        "{said}"
    );
    let e = inspect("two-keys.p12", None, None).unwrap_err();
    assert!(e.to_string().contains("needs a password"), "{e}");
    assert!(!e.to_string().contains("wrong password"), "{e}");

    // Integrity by MAC alone (nothing encrypted): the MAC is what tells.
    let dir = std::env::temp_dir().join(format!("appfiling-keystores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p12 = dir.join("mac-only.p12");
    let made = Command::new("openssl")
        .args(["pkcs12", "-export", "-certpbe", "NONE", "-keypbe", "NONE"])
        .args(["-passout", "pass:right", "-in"])
        .arg(sample_path("keys/ios-distribution.pem"))
        .arg("-inkey")
        .arg(sample_path("keys/ios-distribution.key"))
        .arg("-out")
        .arg(&p12)
        .status()
        .unwrap();
    assert!(made.success());
    let options = |password: &str| Options {
        password: Some(password.into()),
        ..Options::default()
    };
    appfiling::inspect_path(&p12, &options("right")).unwrap();
    let e = appfiling::inspect_path(&p12, &options("wrong")).unwrap_err();
    let said = e.to_string();
    assert!(
        said.contains("wrong password for this PKCS#12 file: its integrity check (MAC) fails"),
        "{said}"
    );
    assert!(!said.contains("MAC tag mismatch"), "{said}");
}

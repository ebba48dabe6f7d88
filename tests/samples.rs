//! The project's own samples (samples/make-samples.sh), checked against what
//! aapt and apksigner recorded in samples/EXPECTED.tsv, and against openssl.

mod common;

use appfiling::report::{PackageReport, Scheme};
use std::collections::BTreeMap;

fn expected() -> Vec<BTreeMap<String, String>> {
    common::tsv_rows(&common::sample_path("EXPECTED.tsv"))
}

fn inspect(file: &str) -> PackageReport {
    appfiling::inspect_path(&common::sample_path(file), &appfiling::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn warned(p: &PackageReport, code: &str) -> bool {
    p.warnings.iter().any(|w| w.code.as_str() == code)
}

#[test]
fn identity_matches_aapt_badging() {
    let rows = expected();
    assert_eq!(rows.len(), 7);
    for row in &rows {
        let p = inspect(&row["file"]);
        let file = &row["file"];
        assert_eq!(
            p.package_name.as_deref(),
            Some(row["package"].as_str()),
            "{file}"
        );
        assert_eq!(
            p.version_code.map(|v| v.to_string()),
            Some(row["version_code"].clone()),
            "{file}"
        );
        assert_eq!(
            p.version_name.as_deref(),
            Some(row["version_name"].as_str()),
            "{file}"
        );
        assert_eq!(
            p.min_sdk.map(|v| v.to_string()),
            Some(row["min_sdk"].clone()),
            "{file}"
        );
        assert_eq!(
            p.target_sdk.map(|v| v.to_string()),
            Some(row["target_sdk"].clone()),
            "{file}"
        );
        assert_eq!(
            p.debuggable.unwrap_or(false).to_string(),
            row["debuggable"],
            "{file}"
        );
        assert_eq!(p.app_names.get("default"), Some(&row["label"]), "{file}");
        assert_eq!(
            p.app_names.get("zh-CN"),
            Some(&row["label_zh_CN"]),
            "{file}"
        );
        assert_eq!(
            p.app_names.get("zh-TW"),
            Some(&row["label_zh_TW"]),
            "{file}"
        );
        // The name to file is the zh-CN label.
        assert_eq!(p.app_name.as_ref(), Some(&row["label_zh_CN"]), "{file}");
        assert_eq!(p.icon.as_ref(), Some(&row["icon"]), "{file}");
    }
}

#[test]
fn signers_match_apksigner() {
    for row in expected().iter().filter(|r| r["verifies"] == "yes") {
        let file = &row["file"];
        let p = inspect(file);
        let schemes: Vec<&str> = row["schemes"].split(',').collect();
        for scheme in &schemes {
            assert!(
                p.schemes.iter().any(|s| s.name() == *scheme),
                "{file}: {scheme} missing"
            );
        }
        let used: Vec<_> = p
            .signers
            .iter()
            .filter(|s| schemes.contains(&s.scheme.name()))
            .collect();
        let split = |col: &str| row[col].split(';').map(String::from).collect::<Vec<_>>();
        let (shas, md5s, keys, dns) = (
            split("cert_sha256"),
            split("cert_md5"),
            split("pubkey_sha256"),
            split("signer_dn"),
        );
        for i in 0..shas.len() {
            let signer = used
                .iter()
                .find(|s| s.key.certificate.sha256 == shas[i])
                .unwrap_or_else(|| panic!("{file}: signer {} not reported", shas[i]));
            assert_eq!(signer.key.certificate.md5, md5s[i], "{file}");
            assert_eq!(signer.key.public_key.spki_sha256, keys[i], "{file}");
            assert_eq!(signer.key.certificate.subject, dns[i], "{file}");
        }
        // apksigner's first signer is the one Android uses: it is the one to file.
        let filing = p.filing.as_ref().unwrap();
        assert_eq!(filing.signer_sha256, shas[0], "{file}");
        assert_eq!(filing.signature_md5_field, md5s[0], "{file}");
        assert_eq!(filing.package_name, p.package_name);
    }
}

#[test]
fn public_keys_match_openssl() {
    let mut checked = 0;
    for row in expected() {
        let p = inspect(&row["file"]);
        for signer in &p.signers {
            let ossl = common::openssl_describe(&signer.key.certificate.der_base64);
            assert_eq!(signer.key.certificate.sha1, ossl.sha1);
            let key = &signer.key.public_key;
            if key.algorithm.as_str() == "RSA" {
                assert_eq!(key.modulus_hex, ossl.modulus, "{}", row["file"]);
                assert_eq!(
                    key.modulus_decimal.as_deref(),
                    Some(common::hex_to_decimal(ossl.modulus.as_deref().unwrap()).as_str())
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} RSA signers checked");
}

#[test]
fn the_filing_block_of_each_kind_of_sample() {
    let p = inspect("sample-v1v2v3-rsa.apk");
    let f = p.filing.as_ref().unwrap();
    assert_eq!(f.signer_scheme, Scheme::V3);
    assert_eq!(f.public_key_format.map(|v| v.as_str()), Some("decimal"));
    assert_eq!(f.public_key, p.signers[0].key.public_key.modulus_decimal);
    assert_eq!(f.signature_md5_field.len(), 32);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    let p = inspect("sample-v2-ec.apk");
    let f = p.filing.as_ref().unwrap();
    assert_eq!(f.public_key_format.map(|v| v.as_str()), Some("ec_point"));
    assert_eq!(f.public_key.as_ref().unwrap().len(), 130);
    assert!(f.public_key.as_ref().unwrap().starts_with("04"));
    assert!(warned(&p, "ec_key"));

    let p = inspect("sample-rotation.apk");
    assert_eq!(p.lineage.len(), 2);
    assert_eq!(
        p.lineage[0].key.certificate.subject,
        "CN=appfiling sample release, O=appfiling, C=CN"
    );
    assert_eq!(
        p.lineage[1].key.certificate.sha256,
        p.filing.as_ref().unwrap().signer_sha256
    );
    assert!(p.lineage[0].capabilities.contains(&"installed_data"));
    assert!(warned(&p, "key_rotation"));
    assert!(p
        .filing
        .as_ref()
        .unwrap()
        .reason
        .contains("older key in the rotation lineage"));

    let p = inspect("sample-two-signers.apk");
    assert!(warned(&p, "multiple_signers"));

    let p = inspect("sample-debug.apk");
    assert!(warned(&p, "debug_certificate") && warned(&p, "debuggable"));

    let p = inspect("sample-v1-only-target34.apk");
    assert_eq!(p.schemes, [Scheme::V1]);
    assert!(warned(&p, "v1_only_target_30"));
    assert!(!warned(&inspect("sample-v1-only.apk"), "v1_only_target_30"));
}

//! `appfiling explain VALUE PACKAGE…`: each kind of wrong value, taken from a bundled sample
//! (or the corpus), is named for what it is, with its exit code. The values themselves come
//! from independent tools: apksigner's recorded output (samples/expected/), openssl on the
//! samples' keys and signature blocks, coreutils' md5sum/sha1sum/sha256sum.

mod common;

use common::{appfiling, sample_path};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::shell as sh;

/// The fingerprint openssl computes for a PEM certificate, uppercase hex without colons.
fn openssl_fingerprint(pem: &Path, algorithm: &str) -> String {
    let line = sh(&format!(
        "openssl x509 -in '{}' -noout -fingerprint -{algorithm}",
        pem.display()
    ));
    line.split_once('=').unwrap().1.replace(':', "")
}

/// The certificate of an APK's v1 signature block, as PEM in a temporary file.
fn v1_certificate(apk: &str, name: &str) -> PathBuf {
    let pem = sh(&format!(
        "unzip -p samples/{apk} 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509"
    ));
    common::temp_file("explain", name, format!("{pem}\n").as_bytes())
}

/// A line of apksigner's recorded output for a sample ("Signer #1 public key MD5 digest").
fn apksigner_line(sample: &str, label: &str) -> String {
    let path = sample_path(&format!("expected/{sample}.apksigner.txt"));
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("Signer #1 {label}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{}: no {label}", path.display()))
        .to_uppercase()
}

fn expected(file: &str, row: &str, column: &str) -> String {
    common::tsv_by(&sample_path(file), "certificate")[row][column].clone()
}

fn apk_expected(file: &str, column: &str) -> String {
    common::tsv_by(&sample_path("EXPECTED.tsv"), "file")[file][column].clone()
}

/// `explain` in text and in JSON: exit code, stdout, and the JSON document.
fn explain(value: &str, paths: &[&str]) -> (i32, String, Value) {
    let mut args = vec!["explain", value];
    args.extend(paths);
    let text = appfiling(&args);
    let mut args = vec!["explain", "--format", "json", value];
    args.extend(paths);
    let json = appfiling(&args);
    assert_eq!(text.status.code(), json.status.code());
    let document = serde_json::from_slice(&json.stdout).unwrap_or(Value::Null);
    (
        text.status.code().unwrap(),
        String::from_utf8(text.stdout).unwrap(),
        document,
    )
}

/// The value is identified as `kind` in the first package, and the text says `words`.
fn assert_named(value: &str, package: &str, kind: &str, words: &[&str]) -> String {
    let (code, text, json) = explain(value, &[package]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(json["matches"][0]["kind"], kind, "{json:#}");
    assert_eq!(json["matches"][0]["path"], package);
    assert!(
        text.starts_with(&format!("{package}: ")),
        "the line names the package: {text}"
    );
    for word in words {
        assert!(text.contains(word), "{word:?} missing from: {text}");
    }
    text
}

const RSA_APK: &str = "samples/sample-v1v2v3-rsa.apk";

#[test]
fn the_public_key_md5_apksigner_prints_is_not_the_certificate_md5() {
    // apksigner verify -v --print-certs: "Signer #1 public key MD5 digest".
    let key_md5 = apksigner_line("sample-v1v2v3-rsa", "public key MD5 digest");
    let cert_md5 = apk_expected("sample-v1v2v3-rsa.apk", "cert_md5");
    assert_ne!(key_md5, cert_md5);
    assert_named(
        &key_md5.to_lowercase(),
        RSA_APK,
        "public_key_digest",
        &[
            "the MD5 of the public key (SubjectPublicKeyInfo)",
            "not of the certificate itself",
            "public key MD5 digest",
            &format!("the 签名MD5值 to file is the MD5 of the v3 signer's certificate: {cert_md5}"),
        ],
    );
    let key_sha256 = apk_expected("sample-v1v2v3-rsa.apk", "pubkey_sha256");
    assert_named(
        &key_sha256,
        RSA_APK,
        "public_key_digest",
        &["the SHA-256 of the public key"],
    );
}

#[test]
fn another_fingerprint_of_the_right_certificate() {
    let cert_md5 = apk_expected("sample-v1v2v3-rsa.apk", "cert_md5");
    let sha1 = apksigner_line("sample-v1v2v3-rsa", "certificate SHA-1 digest");
    assert_named(
        &sha1,
        RSA_APK,
        "other_fingerprint",
        &[
            "the SHA-1 of the v3 signer's certificate",
            "the wrong hash",
            "Android's 签名MD5值 is the certificate's MD5",
            &cert_md5,
        ],
    );
    let sha256 = apk_expected("sample-v1v2v3-rsa.apk", "cert_sha256");
    assert_named(
        &sha256,
        RSA_APK,
        "other_fingerprint",
        &["the SHA-256 of the v3 signer's certificate"],
    );
    // iOS: the MD5 where the SHA-1 is wanted (openssl, samples/ios/EXPECTED-ios.tsv).
    let md5 = expected("ios/EXPECTED-ios.tsv", "ios-distribution", "md5");
    let sha1 = expected("ios/EXPECTED-ios.tsv", "ios-distribution", "sha1");
    assert_named(
        &md5,
        "samples/ios/sample.ipa",
        "other_fingerprint",
        &[
            "the MD5 of the executable's signing certificate",
            "iOS's 签名MD5值 is the certificate's SHA-1",
            &sha1,
        ],
    );
}

#[test]
fn the_root_or_intermediate_of_a_chain_instead_of_the_leaf() {
    let leaf = expected("harmony/EXPECTED-harmony.tsv", "release", "sha1");
    let intermediate = expected("harmony/EXPECTED-harmony.tsv", "intermediate", "sha1");
    for package in ["samples/harmony/sample.app", "samples/harmony/sample.hap"] {
        assert_named(
            &intermediate,
            package,
            "chain_certificate",
            &[
                "the chain's intermediate CA certificate",
                "not the leaf certificate that signs the app",
                &format!("the SHA-1 of the HAP's signing certificate: {leaf}"),
            ],
        );
    }
    let root = openssl_fingerprint(&sample_path("keys/harmony-root.pem"), "md5");
    assert_named(
        &root,
        "samples/harmony/sample.app",
        "chain_certificate",
        &["the MD5 of the chain's root CA certificate"],
    );
    // A HarmonyOS .cer chain file: the root, not the leaf.
    assert_named(
        &root,
        "samples/harmony/sample-chain.cer",
        "chain_certificate",
        &["the chain's root CA certificate", &leaf],
    );
    // iOS: the root of the code signature's chain, and of a certificate chain file.
    let root = openssl_fingerprint(&sample_path("keys/ios-test-ca.pem"), "sha1");
    for package in ["samples/ios/sample.ipa", "samples/ios/sample-chain.pem"] {
        assert_named(
            &root,
            package,
            "chain_certificate",
            &["the chain's root CA certificate"],
        );
    }
}

#[test]
fn the_certificate_that_signed_the_profile() {
    let apple = openssl_fingerprint(&sample_path("keys/ios-profile-signing.pem"), "sha1");
    assert_named(
        &apple,
        "samples/ios/sample.ipa",
        "profile_signer",
        &[
            "the certificate that signed the provisioning profile",
            "not the app",
        ],
    );
}

#[test]
fn a_development_certificate_is_named() {
    // The development profile files its development certificate: the value is the right
    // field of it, and the note says the package is not valid for filing.
    let development = expected("ios/EXPECTED-ios.tsv", "ios-development", "sha1");
    let (code, text, json) = explain(
        &development,
        &[
            "samples/ios/sample.ipa",
            "samples/ios/sample-development.mobileprovision",
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        json["matches"][0]["path"],
        "samples/ios/sample-development.mobileprovision"
    );
    assert_eq!(json["unmatched"][0], "samples/ios/sample.ipa");
    assert!(text.contains("not valid for filing"), "{text}");
    assert!(text.contains("is a development certificate"), "{text}");
    assert!(
        text.contains("samples/ios/sample.ipa: the value matches nothing there"),
        "{text}"
    );
}

#[test]
fn a_development_certificate_in_the_profile_of_a_corpus_ipa() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let ipa = corpus.join("icyleaf-app-info/apple-tv.ipa");
    // openssl reads the profile's CMS content; each DeveloperCertificate's SHA-1 is taken
    // with openssl x509, and the one whose subject says "Development" is the value.
    let script = format!(
        "unzip -p '{}' 'Payload/*.app/embedded.mobileprovision' | openssl cms -verify -noverify -inform der 2>/dev/null",
        ipa.display()
    );
    let plist = sh(&script);
    let array = plist
        .split("<key>DeveloperCertificates</key>")
        .nth(1)
        .unwrap();
    let array = array.split("</array>").next().unwrap();
    let mut found = None;
    for data in array.split("<data>").skip(1) {
        let b64: String = data
            .split("</data>")
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64.as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        );
        let file = common::temp_file("explain", "developer.pem", pem.as_bytes());
        let subject = sh(&format!(
            "openssl x509 -in '{}' -noout -subject",
            file.display()
        ));
        if subject.contains("Apple Development") {
            found = Some(openssl_fingerprint(&file, "sha1"));
            break;
        }
    }
    let sha1 = found.expect("apple-tv.ipa's profile lists an Apple Development certificate");
    let ipa = ipa.to_str().unwrap();
    let (code, text, json) = explain(&sha1, &[ipa]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(json["matches"][0]["kind"], "development_certificate");
    assert!(
        text.contains("a development certificate in the profile's DeveloperCertificates"),
        "{text}"
    );
    assert!(text.contains("not valid for filing"), "{text}");
}

#[test]
fn an_older_key_of_the_rotation_lineage() {
    // The v1 block of sample-rotation.apk is signed with the key it rotated from.
    let old = v1_certificate("sample-rotation.apk", "rotation-old.pem");
    let old_md5 = openssl_fingerprint(&old, "md5");
    let new_md5 = apk_expected("sample-rotation.apk", "cert_md5");
    assert_ne!(old_md5, new_md5);
    assert_named(
        &old_md5,
        "samples/sample-rotation.apk",
        "older_key",
        &[
            "an older key in the rotation lineage",
            "the signing key was rotated",
            "变更备案",
            &new_md5,
        ],
    );
}

#[test]
fn another_signer_of_the_package() {
    let md5s = apk_expected("sample-two-signers.apk", "cert_md5");
    let (filed, second) = md5s.split_once(';').unwrap();
    assert_named(
        second,
        "samples/sample-two-signers.apk",
        "other_signer",
        &[
            "second signer",
            "not the certificate the filing takes",
            filed,
        ],
    );
}

#[test]
fn the_digest_of_the_package_file_itself() {
    for tool in ["md5sum", "sha1sum", "sha256sum"] {
        let digest = sh(&format!("{tool} {RSA_APK} | cut -d' ' -f1"));
        assert_named(
            &digest,
            RSA_APK,
            "package_file_digest",
            &["of the package file itself, not of its signing certificate"],
        );
    }
}

/// The modulus of the release key, as openssl prints it (hex).
fn release_modulus() -> String {
    let pem = v1_certificate("sample-v1v2v3-rsa.apk", "release.pem");
    let line = sh(&format!(
        "openssl x509 -in '{}' -noout -modulus",
        pem.display()
    ));
    line.strip_prefix("Modulus=").unwrap().to_string()
}

#[test]
fn the_modulus_in_the_other_base() {
    let hex = release_modulus();
    let decimal = common::hex_to_decimal(&hex);
    assert_named(
        &hex,
        RSA_APK,
        "modulus_other_base",
        &[
            "the RSA modulus, in hex",
            "Android's 公钥 is the modulus in decimal",
            &decimal,
        ],
    );
    assert_named(
        &decimal,
        RSA_APK,
        "public_key",
        &["this is the 公钥 to file"],
    );
    // iOS files the hex modulus (samples/ios/EXPECTED-ios.tsv, openssl -modulus).
    let hex = expected("ios/EXPECTED-ios.tsv", "ios-distribution", "modulus");
    assert_named(
        &common::hex_to_decimal(&hex),
        "samples/ios/sample.ipa",
        "modulus_other_base",
        &["in decimal", "iOS's 公钥 is the modulus in hex", &hex],
    );
}

#[test]
fn pem_spki_and_base64_forms() {
    let pem = v1_certificate("sample-v1v2v3-rsa.apk", "forms.pem");
    let pem = pem.display();
    let decimal = common::hex_to_decimal(&release_modulus());
    let forms = [
        (
            sh(&format!("openssl x509 -in '{pem}' -noout -pubkey")),
            "as a PEM block (BEGIN PUBLIC KEY)",
        ),
        (
            sh(&format!(
                "openssl x509 -in '{pem}' -noout -pubkey | grep -v -- ----- | tr -d '\\n'"
            )),
            "as a SubjectPublicKeyInfo (SPKI) in Base64",
        ),
        (
            sh(&format!(
                "openssl x509 -in '{pem}' -noout -pubkey | openssl pkey -pubin -outform der | od -An -v -tx1 | tr -d ' \\n'"
            )),
            "as a SubjectPublicKeyInfo (SPKI) in hex",
        ),
        (
            sh(&format!("cat '{pem}'")),
            "as a PEM block (BEGIN CERTIFICATE)",
        ),
        (
            sh(&format!("grep -v -- ----- '{pem}' | tr -d '\\n'")),
            "itself, in Base64",
        ),
    ];
    for (value, words) in forms {
        let text = assert_named(
            &value,
            RSA_APK,
            "encoding",
            &[words, "in an encoding the portal does not take"],
        );
        if words.contains("PUBLIC KEY") || words.contains("SPKI") {
            assert!(text.contains(&decimal), "the 公钥 to file: {text}");
        }
    }
}

#[test]
fn a_truncated_modulus() {
    let hex = release_modulus();
    assert_named(
        &hex[..100],
        RSA_APK,
        "truncated_modulus",
        &["the first 100 of the 512 hex digits", "truncated modulus"],
    );
    let decimal = common::hex_to_decimal(&hex);
    assert_named(
        &decimal[..60],
        RSA_APK,
        "truncated_modulus",
        &["decimal digits", "cut short"],
    );
}

#[test]
fn the_right_values_say_so() {
    let md5 = apk_expected("sample-v1v2v3-rsa.apk", "cert_md5");
    assert_named(
        &md5,
        RSA_APK,
        "signature_fingerprint",
        &["this is the 签名MD5值 to file"],
    );
    let point = expected("harmony/EXPECTED-harmony.tsv", "release", "ec_point");
    assert_named(
        &point,
        "samples/harmony/sample.app",
        "public_key",
        &["the EC point 04‖X‖Y", "this is the 公钥 to file"],
    );
    // A debug build's own value is right, and the package is not valid for filing.
    let debug = apk_expected("sample-debug.apk", "cert_md5");
    assert_named(
        &debug,
        "samples/sample-debug.apk",
        "signature_fingerprint",
        &["not valid for filing", "debug"],
    );
}

#[test]
fn a_value_that_matches_nothing_exits_1() {
    let (code, text, json) = explain("00112233445566778899AABBCCDDEEFF", &[RSA_APK]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the value matches nothing there"), "{text}");
    assert_eq!(json["matches"], Value::Array(vec![]));
    assert_eq!(json["unmatched"][0], RSA_APK);
}

#[test]
fn usage_and_unreadable_inputs() {
    let out = appfiling(&["explain", "  ", RSA_APK]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the value is empty"));
    let out = appfiling(&["explain", "00"]);
    assert_eq!(out.status.code(), Some(2), "a package is required");
    let md5 = apk_expected("sample-v1v2v3-rsa.apk", "cert_md5");
    let out = appfiling(&["explain", &md5, RSA_APK, "no-such.apk"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such.apk"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("this is the 签名MD5值 to file"));
}

#[test]
fn a_keystore_with_several_keys_names_the_alias() {
    // keytool and openssl's values, samples/keystores/EXPECTED-keystores.tsv.
    let rows = common::tsv_rows(&sample_path("keystores/EXPECTED-keystores.tsv"));
    let upload = rows
        .iter()
        .find(|r| r["keystore"] == "two-keys.p12" && r["alias"] == "upload")
        .unwrap();
    let run = |alias: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .arg("explain")
            .args(alias)
            .args(["--password-env", "KS_PASS", &upload["md5"]])
            .arg(sample_path("keystores/two-keys.p12"))
            .env("KS_PASS", "appfiling")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("the MD5 of the certificate of alias upload"),
        "{text}"
    );
    assert!(text.contains("pass --alias"), "{text}");
    let out = run(&["--alias", "upload"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("this is the 签名MD5值 to file"), "{text}");
    assert_eq!(run(&["--alias", "legacy"]).status.code(), Some(1));
}

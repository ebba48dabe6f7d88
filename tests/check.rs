//! `appfiling check`, the filing gate: exit codes and diff text for a match, a
//! changed key, a changed package name and an unreadable file. Every filed and
//! found value is compared with what apksigner and openssl recorded for the
//! samples (samples/EXPECTED.tsv, samples/ios/EXPECTED-ios.tsv).

mod common;

use common::appfiling;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn apksigner(file: &str, column: &str) -> String {
    common::tsv_by(&common::sample_path("EXPECTED.tsv"), "file")[file][column].clone()
}

/// The filing record: the sheet of the release-signed APK and the HarmonyOS pack, as JSON.
/// Each call has a folder of its own: tests run in parallel, and one test's filing.toml
/// being rewritten must never be what another reads.
fn filing_record() -> PathBuf {
    static CALL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("appfiling-check-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("filing.toml");
    std::fs::write(
        &config,
        "[app]\nservice_content = \"x\"\npre_approval = \"无\"\nprovides_sdk = false\nuses_sdk = []\n",
    )
    .unwrap();
    let record = dir.join("filing.json");
    let out = appfiling(&[
        "sheet",
        "--format",
        "json",
        "--force",
        "--config",
        config.to_str().unwrap(),
        "-o",
        record.to_str().unwrap(),
        "samples/sample-v1v2v3-rsa.apk",
        "samples/harmony/sample.app",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    record
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn the_filed_packages_match_and_exit_0() {
    let record = filing_record();
    let out = appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/sample-v1v2v3-rsa.apk",
        "samples/sample-v1-only.apk", // same key, v1 only
        "samples/harmony/sample.app",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.lines().all(|l| l.contains(": matches the filing (")),
        "{text}"
    );
    assert!(text.contains(
        "samples/harmony/sample.app: matches the filing (harmonyos dev.appfiling.sample;"
    ));
}

#[test]
fn a_changed_key_exits_1_with_the_filed_and_found_values() {
    let record = filing_record();
    let out = appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/sample-v2-ec.apk",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let filed = "sample-v1v2v3-rsa.apk";
    let found = "sample-v2-ec.apk";
    let expected = format!(
        "samples/sample-v2-ec.apk: DRIFTED from the filing (android dev.appfiling.sample; record {record}: android dev.appfiling.sample)
  signing certificate SHA-256
    filed:   {}
    package: {}
    the signing key changed: the filing must be updated (变更备案) before release
  签名MD5值 (certificate MD5)
    filed:   {}
    package: {}
    the signing key changed: the filing must be updated (变更备案) before release
",
        apksigner(filed, "cert_sha256"),
        apksigner(found, "cert_sha256"),
        apksigner(filed, "cert_md5"),
        apksigner(found, "cert_md5"),
        record = record.display()
    );
    assert_eq!(stdout(&out), expected);
    // The same in JSON.
    let out = appfiling(&[
        "check",
        "--format",
        "json",
        "--against",
        record.to_str().unwrap(),
        "samples/sample-v2-ec.apk",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &json["results"][0];
    assert_eq!(result["matches"], false);
    let fields: Vec<&str> = result["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["certificate_sha256", "md5"]);
    assert_eq!(
        result["differences"][1]["found"],
        apksigner(found, "cert_md5")
    );
}

#[test]
fn a_changed_package_name_exits_1() {
    let record = filing_record();
    // The detection sample: the release key, another package name.
    let out = appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/detect/sample-detect.apk",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(
        "  包名 / Bundle ID (package name)
    filed:   dev.appfiling.sample
    package: dev.appfiling.detect
    the package name differs: this is another app, or its id changed, which needs its own filing (变更备案)
"
    ), "{text}");
    assert!(
        !text.contains("SHA-256"),
        "the key is the filed one: {text}"
    );
}

#[test]
fn an_unfiled_platform_and_an_unreadable_file() {
    let record = filing_record();
    let out = appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/ios/sample.ipa",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(
        "  platform
    filed:   android, harmonyos
    package: ios
    ios was not filed: add the platform to the filing (变更备案) before release
"
    ));
    let out = appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/sample-v1v2v3-rsa.apk",
        "Cargo.toml",
    ]);
    assert_eq!(out.status.code(), Some(3), "a package could not be read");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Cargo.toml: not a package appfiling reads"),
        "{stderr}"
    );
    assert!(stdout(&out).contains("samples/sample-v1v2v3-rsa.apk: matches the filing"));
}

#[test]
fn expectations_on_the_command_line() {
    let ios = common::tsv_by(&common::sample_path("ios/EXPECTED-ios.tsv"), "certificate");
    let sha1 = &ios["ios-distribution"]["sha1"];
    // Colons and lower case, as keytool and Keychain print them.
    let with_colons: String = sha1
        .to_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    let run = |package: &str, sha1: &str| {
        appfiling(&[
            "check",
            "--expect-package",
            package,
            "--expect-sha1",
            sha1,
            "samples/ios/sample.ipa",
        ])
    };
    assert_eq!(
        run("dev.appfiling.sample", &with_colons).status.code(),
        Some(0)
    );
    let out = run("dev.appfiling.sample", &"0".repeat(40));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&format!("    package: {sha1}\n")));
    // Usage: no record at all, or both kinds.
    assert_eq!(
        appfiling(&["check", "samples/ios/sample.ipa"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        appfiling(&[
            "check",
            "--against",
            "x.json",
            "--expect-md5",
            "00",
            "samples/ios/sample.ipa"
        ])
        .status
        .code(),
        Some(2)
    );
    let out = appfiling(&["check", "--against", "Cargo.toml", "samples/ios/sample.ipa"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--against Cargo.toml: not JSON"));
}

#[test]
fn a_keystore_is_checked_by_its_key_alone() {
    let record = filing_record();
    let run = |keystore: &str| {
        Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(["check", "--password-env", "KS_PASS", "--against"])
            .arg(&record)
            .arg(common::sample_path(keystore))
            .env("KS_PASS", "appfiling")
            .output()
            .unwrap()
    };
    // The key the release APK was signed with, before there is a build.
    let out = run("keys/release.p12");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("matches the filing (android (no package name);"));
    // Another key: the certificate differs, the missing package name is not a drift.
    let out = run("keystores/release.jks");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("signing certificate SHA-256"), "{text}");
    assert!(!text.contains("包名 / Bundle ID"), "{text}");
    // Several private keys: --alias chooses the one compared.
    let rows = common::tsv_rows(&common::sample_path("keystores/EXPECTED-keystores.tsv"));
    let upload = rows
        .iter()
        .find(|r| r["keystore"] == "two-keys.p12" && r["alias"] == "upload")
        .unwrap();
    let run = |alias: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .arg("check")
            .args(alias)
            .args(["--password-env", "KS_PASS", "--expect-md5", &upload["md5"]])
            .arg(common::sample_path("keystores/two-keys.p12"))
            .env("KS_PASS", "appfiling")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("pass --alias to choose the one to compare"));
    assert_eq!(run(&["--alias", "upload"]).status.code(), Some(0));
    assert_eq!(run(&["--alias", "legacy"]).status.code(), Some(1));
}

/// The cases: each wrong shape is a usage error (exit 2) that says what the value
/// is, before any package is read (no-such.apk would be exit 3), never "the signing key
/// changed" (exit 1).
#[test]
fn expected_values_of_the_wrong_shape_are_usage_errors() {
    let sha1 = "3F2A0011223344556677889900AABBCCDDEEFF9C";
    for (option, value, words) in [
        ("--expect-md5", "zz", "not hexadecimal"),
        (
            "--expect-md5",
            "7968DB9B00295F591264B807E65BE7",
            "takes the 32 hex digits",
        ),
        (
            "--expect-md5",
            sha1,
            "40 hex digits is a SHA-1, not an MD5: use --expect-sha1",
        ),
        (
            "--expect-sha1",
            "7968DB9B00295F591264B807E65BE754",
            "use --expect-md5",
        ),
        ("--expect-sha256", sha1, "use --expect-sha1"),
    ] {
        let out = appfiling(&["check", option, value, "no-such.apk"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{option} {value}: {stderr}");
        assert!(stderr.contains(words), "{option} {value}: {stderr}");
        assert!(!stderr.contains("no-such.apk"), "{stderr}");
    }
}

/// An empty or mistyped build folder must not pass the gate: a directory in which no package
/// is found is an error (exit 3) that names it; one with a package beside other files passes.
#[test]
fn a_directory_without_a_package_fails_the_gate() {
    let root = std::env::temp_dir().join(format!("appfiling-check-dirs-{}", std::process::id()));
    let (empty, notes, build) = (root.join("empty"), root.join("notes"), root.join("build"));
    for dir in [&empty, &notes, &build] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(notes.join("README.md"), b"release notes").unwrap();
    std::fs::write(build.join("README.md"), b"release notes").unwrap();
    std::fs::copy(
        "samples/sample-v1v2v3-rsa.apk",
        build.join("app-release.apk"),
    )
    .unwrap();
    let gate = |dir: &std::path::Path| {
        appfiling(&[
            "check",
            "--expect-package",
            "dev.appfiling.sample",
            dir.to_str().unwrap(),
        ])
    };
    for dir in [&empty, &notes] {
        let out = gate(dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains("no package found in the directory"),
            "{stderr}"
        );
        assert!(stderr.contains(dir.to_str().unwrap()), "{stderr}");
    }
    let out = gate(&build);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&root);
}

use common::shell as pipeline;

/// What openssl says of the certificate in an APK's v1 signature block: `-modulus`,
/// `-fingerprint -md5`… (the value after '=', without colons).
fn v1_openssl(apk: &str, args: &str) -> String {
    let line = pipeline(&format!(
        "unzip -p samples/{apk} 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout {args}"
    ));
    line.split_once('=').unwrap().1.replace(':', "")
}

/// `check --format json` with these arguments: the exit code and the first difference.
fn first_difference(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let out = appfiling(&all);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        out.status.code().unwrap(),
        json["results"][0]["differences"][0].clone(),
    )
}

/// The linter: a filed value that is something else in the package is named for what it
/// is (text and JSON `kind`), with the value to file; the exit code stays 1.
#[test]
fn a_wrong_filed_value_is_named_for_what_it_is() {
    let apk = "samples/sample-v1v2v3-rsa.apk";
    let cert_md5 = apksigner("sample-v1v2v3-rsa.apk", "cert_md5");
    // apksigner verify -v --print-certs, recorded beside the sample.
    let apksigner_text = std::fs::read_to_string(common::sample_path(
        "expected/sample-v1v2v3-rsa.apksigner.txt",
    ))
    .unwrap();
    let key_md5 = apksigner_text
        .lines()
        .find_map(|l| l.strip_prefix("Signer #1 public key MD5 digest: "))
        .unwrap();
    let package_md5 = pipeline(&format!("md5sum {apk} | cut -d' ' -f1"));
    let package_sha256 = pipeline(&format!("sha256sum {apk} | cut -d' ' -f1"));
    let rotated_from = v1_openssl("sample-rotation.apk", "-fingerprint -md5");
    let second_signer = apksigner("sample-two-signers.apk", "cert_md5");
    let second_signer = second_signer.split_once(';').unwrap().1;
    let harmony_root = pipeline(
        "openssl x509 -in samples/keys/harmony-root.pem -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :",
    );
    let profile_signer = pipeline(
        "openssl x509 -in samples/keys/ios-profile-signing.pem -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :",
    );
    let cases: [(&str, &str, &str, &str, &str); 7] = [
        (
            "--expect-md5",
            key_md5,
            apk,
            "public_key_digest",
            "the MD5 of the public key (SubjectPublicKeyInfo)",
        ),
        (
            "--expect-md5",
            &package_md5,
            apk,
            "package_file_digest",
            "the package file itself",
        ),
        (
            "--expect-sha256",
            &package_sha256,
            apk,
            "package_file_digest",
            "the SHA-256 of the package file itself",
        ),
        (
            "--expect-md5",
            &rotated_from,
            "samples/sample-rotation.apk",
            "older_key",
            "an older key in the rotation lineage",
        ),
        (
            "--expect-md5",
            second_signer,
            "samples/sample-two-signers.apk",
            "other_signer",
            "not the certificate the filing takes",
        ),
        (
            "--expect-sha1",
            &harmony_root,
            "samples/harmony/sample.app",
            "chain_certificate",
            "the chain's root CA certificate",
        ),
        (
            "--expect-sha1",
            &profile_signer,
            "samples/ios/sample.ipa",
            "profile_signer",
            "signed the provisioning profile",
        ),
    ];
    for (option, value, package, kind, words) in cases {
        let out = appfiling(&["check", option, value, package]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{option} {value}: {text}");
        assert!(text.contains(words), "{option} {value}: {text}");
        assert!(
            !text.contains("the signing key changed"),
            "{option} {value}: {text}"
        );
        let (code, difference) = first_difference(&[option, value, package]);
        assert_eq!(code, 1);
        assert_eq!(difference["kind"], kind, "{difference:#}");
        assert!(difference["meaning"]
            .as_str()
            .unwrap()
            .starts_with("the filed value is "));
    }
    // The value to file is said: the certificate's MD5 apksigner printed.
    let text = stdout(&appfiling(&["check", "--expect-md5", key_md5, apk]));
    assert!(
        text.contains(&format!(
            "the 签名MD5值 to file is the MD5 of the v3 signer's certificate: {cert_md5}"
        )),
        "{text}"
    );
    // A value that is nothing in the package is still a changed key.
    let (code, difference) = first_difference(&["--expect-md5", &"0".repeat(32), apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["kind"], Value::Null);
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("the signing key changed"));
}

#[test]
fn a_development_certificate_filed_instead_of_the_distribution_one() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let ipa = corpus.join("icyleaf-app-info/apple-tv.ipa");
    // openssl reads the profile inside the IPA; the first DeveloperCertificate with an
    // "Apple Development" subject gives the value.
    let plist = pipeline(&format!(
        "unzip -p '{}' 'Payload/*.app/embedded.mobileprovision' | openssl cms -verify -noverify -inform der 2>/dev/null",
        ipa.display()
    ));
    let certificates = plist
        .split("<key>DeveloperCertificates</key>")
        .nth(1)
        .unwrap()
        .split("</array>")
        .next()
        .unwrap();
    let sha1 = certificates
        .split("<data>")
        .skip(1)
        .find_map(|data| {
            let b64: String = data
                .split("</data>")
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            let describe = |args: &str| {
                pipeline(&format!(
                    "echo '{b64}' | openssl base64 -d -A | openssl x509 -inform der -noout {args}"
                ))
            };
            describe("-subject")
                .contains("Apple Development")
                .then(|| describe("-fingerprint -sha1"))
        })
        .expect("apple-tv.ipa's profile lists an Apple Development certificate");
    let sha1 = sha1.split_once('=').unwrap().1.replace(':', "");
    let (code, difference) =
        first_difference(&["--no-verify", "--expect-sha1", &sha1, ipa.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        difference["kind"], "development_certificate",
        "{difference:#}"
    );
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("a development certificate is not valid for filing"));
}

/// --expect-pubkey: its shape is checked like the other --expect options; the same key in
/// decimal or hex matches (the key did not change); a cut-short modulus or the key's
/// SubjectPublicKeyInfo is named.
#[test]
fn expect_pubkey() {
    let apk = "samples/sample-v1v2v3-rsa.apk";
    let hex = v1_openssl("sample-v1v2v3-rsa.apk", "-modulus");
    let decimal = common::hex_to_decimal(&hex);
    for value in [&decimal, &hex, &hex.to_lowercase()] {
        let out = appfiling(&["check", "--expect-pubkey", value, apk]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    }
    let point = common::tsv_by(
        &common::sample_path("harmony/EXPECTED-harmony.tsv"),
        "certificate",
    )["release"]["ec_point"]
        .clone();
    let out = appfiling(&[
        "check",
        "--expect-pubkey",
        &point,
        "samples/harmony/sample.app",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Another key: the key changed.
    let ios_modulus = common::tsv_by(&common::sample_path("ios/EXPECTED-ios.tsv"), "certificate")
        ["ios-distribution"]["modulus"]
        .clone();
    let (code, difference) = first_difference(&["--expect-pubkey", &ios_modulus, apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["field"], "public_key");
    assert_eq!(difference["found"], decimal.as_str());
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("the signing key changed"));
    let text = stdout(&appfiling(&["check", "--expect-pubkey", &ios_modulus, apk]));
    assert!(text.contains("公钥 (public key)"), "{text}");
    // Cut short, and the SubjectPublicKeyInfo in hex.
    let (code, difference) = first_difference(&["--expect-pubkey", &decimal[..80], apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["kind"], "truncated_modulus");
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("the first 80 of the"));
    let spki_hex = pipeline(&format!(
        "unzip -p {apk} 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout -pubkey | openssl pkey -pubin -outform der | od -An -v -tx1 | tr -d ' \\n'"
    ));
    let (code, difference) = first_difference(&["--expect-pubkey", &spki_hex, apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["kind"], "encoding");
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("as a SubjectPublicKeyInfo (SPKI) in hex"));
    // Shapes: usage errors (exit 2) before any package is read.
    let pem = pipeline(&format!(
        "unzip -p {apk} 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout -pubkey"
    ));
    for (value, words) in [
        (pem.as_str(), "a PEM block is not a 公钥 value"),
        (
            "MIIBIjANBgkqhkiG9w0B+AQ==",
            "neither decimal nor hex digits",
        ),
        (
            "7968DB9B00295F591264B807E65BE754",
            "32 hex digits is an MD5, not a public key: use --expect-md5",
        ),
        (
            "3F2A0011223344556677889900AABBCCDDEEFF9C",
            "use --expect-sha1",
        ),
        ("12345", "too short for a public key"),
    ] {
        let out = appfiling(&["check", "--expect-pubkey", value, "no-such.apk"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.contains(words), "{value}: {stderr}");
    }
}

/// A record's 公钥 is compared too: the sheet's, in any form the sheet writes, and an
/// inspect report's.
#[test]
fn the_public_key_of_an_against_record() {
    let apk = "samples/sample-v1v2v3-rsa.apk";
    let record = filing_record();
    let sheet: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let with_public_key = |value: &str| {
        let mut sheet = sheet.clone();
        for platform in sheet["platforms"].as_array_mut().unwrap() {
            for package in platform["packages"].as_array_mut().unwrap() {
                for field in package["fields"].as_array_mut().unwrap() {
                    if field["key"] == "public_key" {
                        field["value"] = Value::String(value.to_string());
                    }
                }
            }
        }
        let path = record.with_file_name(format!("public-key-{}.json", value.len()));
        std::fs::write(&path, sheet.to_string()).unwrap();
        path
    };
    let hex = v1_openssl("sample-v1v2v3-rsa.apk", "-modulus");
    let spki_base64 = pipeline(&format!(
        "unzip -p {apk} 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout -pubkey | grep -v -- ----- | tr -d '\\n'"
    ));
    // The sheet's own form (decimal), hex, and `--pubkey-format base64`: the same key.
    for value in [common::hex_to_decimal(&hex), hex.clone(), spki_base64] {
        let path = with_public_key(&value);
        let out = appfiling(&["check", "--against", path.to_str().unwrap(), apk]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    }
    let path = with_public_key(&hex[..64 + 2]);
    let (code, difference) = first_difference(&["--against", path.to_str().unwrap(), apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["field"], "public_key");
    assert_eq!(difference["kind"], "truncated_modulus");
    // An inspect report's filing.public_key, replaced by another key's modulus.
    let report = appfiling(&["inspect", "--format", "json", apk]);
    let mut report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let ios_modulus = common::tsv_by(&common::sample_path("ios/EXPECTED-ios.tsv"), "certificate")
        ["ios-distribution"]["modulus"]
        .clone();
    report["packages"][0]["filing"]["public_key"] = Value::String(ios_modulus);
    let path = record.with_file_name("report.json");
    std::fs::write(&path, report.to_string()).unwrap();
    let (code, difference) = first_difference(&["--against", path.to_str().unwrap(), apk]);
    assert_eq!(code, 1);
    assert_eq!(difference["field"], "public_key");
}

/// A debug build is no release: the gate fails on it even when the filed value is its own
/// key, and never calls its key a key change (no 变更备案 for a debug build).
#[test]
fn a_build_not_valid_for_filing_fails_the_gate_without_crying_key_change() {
    let debug_md5 = common::shell(
        "unzip -p samples/sample-debug.apk 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout -fingerprint -md5 | cut -d= -f2 | tr -d :",
    );
    let own = common::appfiling(&[
        "check",
        "--expect-md5",
        &debug_md5,
        "samples/sample-debug.apk",
    ]);
    assert_eq!(own.status.code(), Some(1));
    let text = String::from_utf8_lossy(&own.stdout);
    assert!(
        text.contains("valid for filing?") && text.contains("Android debug certificate"),
        "{text}"
    );
    let release_md5 = common::shell(
        "unzip -p samples/sample-v1v2v3-rsa.apk 'META-INF/*.RSA' | openssl pkcs7 -inform der -print_certs | openssl x509 -noout -fingerprint -md5 | cut -d= -f2 | tr -d :",
    );
    let other = common::appfiling(&[
        "check",
        "--expect-md5",
        &release_md5,
        "samples/sample-debug.apk",
    ]);
    assert_eq!(other.status.code(), Some(1));
    let text = String::from_utf8_lossy(&other.stdout);
    assert!(
        text.contains("not a release build") && !text.contains("the signing key changed"),
        "{text}"
    );
}

/// iOS and HarmonyOS file the certificate's SHA-1: its MD5, though of the right
/// certificate, is a value the portal refuses, so the gate fails on it.
#[test]
fn the_right_certificate_in_the_wrong_hash_fails_the_gate() {
    let md5 = common::shell(
        "openssl x509 -in samples/ios/sample-distribution.cer -inform der -noout -fingerprint -md5 | cut -d= -f2 | tr -d :",
    );
    let out = common::appfiling(&[
        "check",
        "--format",
        "json",
        "--expect-md5",
        &md5,
        "samples/ios/sample.ipa",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let difference = &json["results"][0]["differences"][0];
    assert_eq!(difference["field"], "md5");
    assert_eq!(difference["kind"], "other_fingerprint");
    assert!(difference["meaning"]
        .as_str()
        .unwrap()
        .contains("签名MD5值 is the certificate's SHA-1"));
}

/// A sheet that had errors was not filed: it is no record for the gate.
#[test]
fn a_sheet_with_errors_is_no_filing_record() {
    let sheet = common::appfiling(&["sheet", "--format", "json", "samples/sample-v1v2v3-rsa.apk"]);
    assert_eq!(
        sheet.status.code(),
        Some(1),
        "no filing.toml: required fields missing"
    );
    let record = common::temp_file("check", "failed-sheet.json", &sheet.stdout);
    let out = common::appfiling(&[
        "check",
        "--against",
        record.to_str().unwrap(),
        "samples/sample-v1v2v3-rsa.apk",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("records no filing"));
}

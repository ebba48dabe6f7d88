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

//! `appfiling verify`, `inspect --verify`, and the gate and the sheet refusing a package
//! whose signature does not hold: the issue's own case, one byte flipped in a stored entry
//! of samples/sample-v2-ec.apk (apksigner: "DOES NOT VERIFY … CHUNKED_SHA256 digest
//! mismatch"), which `check --expect-sha256 <its certificate>` used to pass.

mod common;

use common::{appfiling as run, sample_path, temp_file};
use serde_json::Value;

/// samples/sample-v2-ec.apk with one byte of the stored res/mipmap-mdpi-v4/ic_launcher.png
/// flipped (its PNG signature, so the file is still read as before).
fn tampered_v2_apk() -> std::path::PathBuf {
    let original = std::fs::read(sample_path("sample-v2-ec.apk")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&original)).unwrap();
    let entry = zip.by_name("res/mipmap-mdpi-v4/ic_launcher.png").unwrap();
    assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
    let start = entry.data_start().unwrap() as usize;
    let mut tampered = original.clone();
    tampered[start + 1] ^= 0x01;
    temp_file("verify-cli", "tampered-v2-ec.apk", &tampered)
}

fn sha256_of_signer(apk: &str) -> String {
    let out = run(&["inspect", "--format", "json", apk]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["packages"][0]["filing"]["signer_sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn verify_says_which_schemes_hold_for_which_sdk_levels() {
    let out = run(&["verify", "samples/sample-v1v2v3-rsa.apk"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("signature  verified (v1, v2, v3) for SDK 21+"),
        "{text}"
    );
    let out = run(&[
        "verify",
        "--min-sdk",
        "24",
        "--max-sdk",
        "27",
        "samples/sample-v1v2v3-rsa.apk",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("for SDK 24-27"), "{}", stdout(&out));
}

#[test]
fn a_tampered_apk_does_not_verify_and_the_gate_refuses_it() {
    let tampered = tampered_v2_apk();
    let tampered = tampered.to_str().unwrap();

    let out = run(&["verify", tampered]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("signature  DOES NOT VERIFY: "),
        "{}",
        stdout(&out)
    );

    let out = run(&["verify", "--format", "json", tampered]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let verification = &json["packages"][0]["verification"];
    assert_eq!(verification["verified"], false, "{verification}");
    let v2 = verification["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scheme"] == "v2")
        .unwrap_or_else(|| panic!("no v2 scheme in {verification}"));
    assert_eq!(v2["verified"], false);
    assert_eq!(v2["errors"][0]["code"], "digest_mismatch", "{v2}");

    // The certificate is the filed one: only the signature check tells the two apart.
    let sha256 = sha256_of_signer("samples/sample-v2-ec.apk");
    assert_eq!(sha256_of_signer(tampered), sha256);
    let out = run(&[
        "check",
        "--expect-sha256",
        &sha256,
        "samples/sample-v2-ec.apk",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run(&["check", "--expect-sha256", &sha256, tampered]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("DRIFTED"), "{text}");
    assert!(text.contains("signature (does it hold?)"), "{text}");
    assert!(text.contains("DOES NOT VERIFY"), "{text}");
    let out = run(&[
        "check",
        "--format",
        "json",
        "--expect-sha256",
        &sha256,
        tampered,
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"][0]["differences"][0]["field"], "signature");
    let out = run(&["check", "--no-verify", "--expect-sha256", &sha256, tampered]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // The sheet names it as a problem and fails.
    let sheet = temp_file("verify-cli", "sheet.json", b"");
    let out = run(&[
        "sheet",
        "--format",
        "json",
        "--force",
        "-o",
        sheet.to_str().unwrap(),
        tampered,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DOES NOT VERIFY"), "{stderr}");
}

#[test]
fn inspect_verifies_only_when_asked() {
    let out = run(&["inspect", "--format", "json", "samples/sample-v2-ec.apk"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["packages"][0]["verification"], Value::Null);
    let out = run(&["inspect", "--verify", "samples/sample-v2-ec.apk"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    // Right under the filing values.
    let md5 = text.find("签名MD5值").unwrap();
    let line = text.find("  signature  verified (v2").unwrap();
    let chosen = text.find("  chosen: ").unwrap();
    assert!(md5 < chosen && chosen < line, "{text}");
    assert!(!text[..line].contains("\n  app\n"), "{text}");
}

#[test]
fn sdk_levels_are_checked_before_anything_is_read() {
    for args in [
        &[
            "verify",
            "--min-sdk",
            "30",
            "--max-sdk",
            "21",
            "no-such.apk",
        ][..],
        &["inspect", "--min-sdk", "21", "no-such.apk"][..],
        &[
            "check",
            "--no-verify",
            "--max-sdk",
            "21",
            "--expect-md5",
            "00",
            "no-such.apk",
        ][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("sdk"), "{args:?}: {stderr}");
    }
}

#[test]
fn certificates_and_keystores_sign_nothing_to_verify() {
    let out = run(&["verify", "samples/harmony/sample-chain.cer"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("not checked"), "{}", stdout(&out));
}

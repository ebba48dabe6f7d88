//! The JAR signature (v1) against apksigner and keytool, and tampered copies of the
//! samples, each of which must fail with the right code.

mod common;

use appfiling::fuzzing::{verify_jar, zip_integrity};
use appfiling::report::{Scheme, SchemeVerification, VerifyCode};
use appfiling::{inspect_path, Options, VerifyOptions};
use sha2::Digest;
use std::path::{Path, PathBuf};

/// Android's newest level as far as the JAR rules go: none changes after Android 9.
const NEWEST: u32 = u32::MAX;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn codes(scheme: &SchemeVerification) -> Vec<VerifyCode> {
    scheme.errors.iter().map(|f| f.code).collect()
}

/// The row's package as appfiling reads it: its minSdk and whether it carries an APK
/// Signing Block (v2/v3); `None` for what appfiling does not inspect (a JAR).
fn structure(path: &Path) -> Option<(u32, bool)> {
    let report = inspect_path(path, &Options::default()).ok()?;
    let block = report
        .schemes
        .iter()
        .any(|s| matches!(s, Scheme::V2 | Scheme::V3 | Scheme::V31));
    Some((report.min_sdk.unwrap_or(1), block))
}

/// Rows where apksigner 31.0.2 (Debian) is older than the rule appfiling follows.
const NEWER_THAN_APKSIGNER_31: &[&str] = &[
    // apksig since 2022 (and Android 13) refuse a JAR signature of more than 10 signers.
    "aosp-apksig/v1-only-11-signers.apk",
];

/// Rows apksigner refuses for a rule of the APK as a whole (helper A's verdict policy),
/// while their JAR signature itself holds.
const REFUSED_BY_APK_POLICY: &[&str] = &[
    // targetSdk 30+ requires v2.
    "aosp-apksig/v1-ec-p256-targetSdk-30.apk",
    // targetSandboxVersion 2 requires v2.
    "aosp-apksig/v1-only-targetSandboxVersion-2.apk",
];

#[test]
fn jar_verdicts_agree_with_apksigner_and_keytool() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let mut agreed = 0;
    let mut disagreed = Vec::new();
    for row in common::tsv_rows(&corpus.join("EXPECTED-apk.tsv")) {
        let rel = &row["path"];
        let path: PathBuf = corpus.join(rel);
        let tool_says = row["verifies"] == "yes";
        // keytool checks a JAR as current Java does: Android's rules from API 28 on, as
        // appfiling holds bundles.
        let (min_sdk, has_block) = match structure(&path) {
            _ if row["tool"] == "keytool" => (28, false),
            Some(found) => found,
            None => continue,
        };
        // v1-only rows: by the schemes column where the tool verified, by the package's
        // own structure where it did not (apksigner then names no scheme).
        let v1_only = if tool_says {
            row["schemes"] == "v1"
        } else {
            !has_block
        };
        if !v1_only {
            continue;
        }
        let jar = verify_jar(&path, min_sdk, NEWEST, &[]).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let Some((scheme, certificates)) = jar else {
            // No JAR signature: apksigner refuses it too (unsigned).
            if tool_says {
                disagreed.push(format!(
                    "{rel}: no JAR signature found, the tool verified it"
                ));
            } else {
                agreed += 1;
            }
            continue;
        };
        let expected = (tool_says || REFUSED_BY_APK_POLICY.contains(&rel.as_str()))
            && !NEWER_THAN_APKSIGNER_31.contains(&rel.as_str());
        // The signers Android uses are those the tool names, in order.
        if expected && tool_says && row["cert_sha256"] != "-" {
            let found: Vec<String> = certificates
                .iter()
                .map(|der| hex(&sha2::Sha256::digest(der)))
                .collect();
            if found.join(";") != row["cert_sha256"] {
                disagreed.push(format!(
                    "{rel}: signers {found:?}, the tool names {}",
                    row["cert_sha256"]
                ));
                continue;
            }
        }
        if scheme.verified == expected {
            agreed += 1;
        } else {
            disagreed.push(format!(
                "{rel} (minSdk {min_sdk}): appfiling says verified={}, {:?}; the tool says {}",
                scheme.verified, scheme.errors, row["verifies"]
            ));
        }
    }
    println!("JAR verdicts agreeing with apksigner/keytool: {agreed}");
    assert!(
        disagreed.is_empty(),
        "{} disagreements:\n{}",
        disagreed.len(),
        disagreed.join("\n")
    );
    assert!(agreed > 200, "only {agreed} rows compared");
}

/// The bundles through `inspect --verify`: the signed one verifies, the one keytool
/// refuses (BundleConfig.pb changed after signing) fails for that reason.
#[test]
fn bundles_are_verified_by_their_jar_signature() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let options = Options {
        verify: Some(VerifyOptions::default()),
        ..Default::default()
    };
    for (rel, verifies) in [
        ("bundletool/watch-face-from-tool.aab", true),
        ("icyleaf-app-info/android.aab", true),
        ("bundletool/install-time-permanent-modules.aab", false),
    ] {
        let report = inspect_path(&corpus.join(rel), &options).unwrap();
        let verification = report.verification.unwrap();
        assert_eq!(verification.verified, verifies, "{rel}: {verification:?}");
        if !verifies {
            // keytool names the first: BundleConfig.pb was changed, and proguard.map
            // (listed in the manifest) removed.
            let errors = &verification.schemes[0].errors;
            let has = |code: VerifyCode, entry: &str| {
                errors
                    .iter()
                    .any(|e| e.code == code && e.message.contains(entry))
            };
            assert!(
                has(VerifyCode::DigestMismatch, "BundleConfig.pb"),
                "{rel}: {errors:?}"
            );
            assert!(
                has(VerifyCode::EntryMissing, "proguard.map"),
                "{rel}: {errors:?}"
            );
        }
    }
}

/// Every entry of a zip: name, bytes, deflated or stored.
type Entries = Vec<(String, Vec<u8>, bool)>;

fn entries_of(bytes: &[u8]) -> Entries {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            let deflated = file.compression() != zip::CompressionMethod::Stored;
            (file.name().unwrap().to_string(), data, deflated)
        })
        .collect()
}

/// A zip of `entries` as written afresh (CRCs right; no APK Signing Block).
fn zip_of(entries: &Entries) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, deflated) in entries {
        let method = if *deflated {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn entry<'e>(entries: &'e mut Entries, name: &str) -> &'e mut Vec<u8> {
    &mut entries.iter_mut().find(|(n, ..)| n == name).unwrap().1
}

/// Where an entry's bytes as stored start in the file.
fn data_start(bytes: &[u8], name: &str) -> usize {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let start = zip.by_name(name).unwrap().data_start();
    usize::try_from(start.unwrap()).unwrap()
}

/// Offset of the `nth` record with `signature` (local header PK34, central PK12) whose
/// name is `name`.
fn header_of(bytes: &[u8], signature: &[u8; 4], name: &str) -> usize {
    let name_at = if signature == b"PK\x03\x04" { 30 } else { 46 };
    (0..bytes.len() - name_at - name.len())
        .find(|&at| {
            &bytes[at..at + 4] == signature
                && &bytes[at + name_at..at + name_at + name.len()] == name.as_bytes()
        })
        .unwrap()
}

/// The v1 verdict of `bytes` (written to a temporary file) over `min..=max`, with the
/// signing-block schemes the APK verifier would report.
fn verify_bytes(
    name: &str,
    bytes: &[u8],
    min: u32,
    max: u32,
    schemes: &[u32],
) -> SchemeVerification {
    let path = common::temp_file("verify_jar", name, bytes);
    verify_jar(&path, min, max, schemes).unwrap().unwrap().0
}

fn integrity_codes(name: &str, bytes: &[u8]) -> Vec<VerifyCode> {
    let path = common::temp_file("verify_jar", name, bytes);
    zip_integrity(&path, true)
        .unwrap()
        .iter()
        .map(|f| f.code)
        .collect()
}

const V1_ONLY: &str = "sample-v1-only.apk";
const V1V2V3: &str = "sample-v1v2v3-rsa.apk";

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(common::sample_path(name)).unwrap()
}

#[test]
fn the_samples_verify() {
    for (name, schemes) in [(V1_ONLY, &[][..]), (V1V2V3, &[2, 3][..])] {
        let scheme = verify_bytes(name, &sample(name), 21, NEWEST, schemes);
        assert!(scheme.verified, "{name}: {scheme:?}");
        assert!(integrity_codes(name, &sample(name)).is_empty(), "{name}");
        // Rewritten afresh (same entries, new zip), the v1-only sample still verifies.
        if schemes.is_empty() {
            let rewritten = zip_of(&entries_of(&sample(name)));
            assert!(verify_bytes("rewritten.apk", &rewritten, 21, NEWEST, &[]).verified);
        }
    }
}

#[test]
fn tampered_signature_files_fail() {
    for name in [V1_ONLY, V1V2V3] {
        let original = entries_of(&sample(name));
        // One byte of the digest AndroidManifest.xml's section holds in MANIFEST.MF.
        let mut entries = original.clone();
        let manifest = entry(&mut entries, "META-INF/MANIFEST.MF");
        let at = find(manifest, b"Name: AndroidManifest.xml") + 30;
        manifest[at + 20] ^= 1;
        let scheme = verify_bytes("manifest.apk", &zip_of(&entries), 21, NEWEST, &[2, 3]);
        assert!(
            codes(&scheme).contains(&VerifyCode::DigestMismatch),
            "{name}: {scheme:?}"
        );

        // One byte of the .SF.
        let mut entries = original.clone();
        entry(&mut entries, "META-INF/RELEASE.SF")[40] ^= 1;
        let scheme = verify_bytes("sf.apk", &zip_of(&entries), 21, NEWEST, &[2, 3]);
        assert_eq!(
            codes(&scheme),
            [VerifyCode::SignatureMismatch],
            "{name}: {scheme:?}"
        );

        // The last byte of the signature block: its signature.
        let mut entries = original.clone();
        let block = entry(&mut entries, "META-INF/RELEASE.RSA");
        let last = block.len() - 1;
        block[last] ^= 1;
        let scheme = verify_bytes("rsa.apk", &zip_of(&entries), 21, NEWEST, &[2, 3]);
        assert_eq!(
            codes(&scheme),
            [VerifyCode::SignatureMismatch],
            "{name}: {scheme:?}"
        );
    }
}

#[test]
fn changed_added_and_removed_entries_fail() {
    let original = entries_of(&sample(V1_ONLY));
    // A deflated entry changed and deflated again (its CRC right): its digest fails.
    let mut entries = original.clone();
    entry(&mut entries, "AndroidManifest.xml")[100] ^= 1;
    let scheme = verify_bytes("deflated.apk", &zip_of(&entries), 21, NEWEST, &[]);
    assert_eq!(codes(&scheme), [VerifyCode::DigestMismatch], "{scheme:?}");

    // An entry the manifest does not name.
    let mut entries = original.clone();
    entries.push(("assets/added.txt".into(), b"added".to_vec(), false));
    let scheme = verify_bytes("added.apk", &zip_of(&entries), 21, NEWEST, &[]);
    assert_eq!(codes(&scheme), [VerifyCode::EntryNotCovered], "{scheme:?}");

    // An entry the manifest names, removed.
    let mut entries = original.clone();
    entries.retain(|(n, ..)| n != "resources.arsc");
    let scheme = verify_bytes("removed.apk", &zip_of(&entries), 21, NEWEST, &[]);
    assert_eq!(codes(&scheme), [VerifyCode::EntryMissing], "{scheme:?}");
    assert!(verify_jar(
        &common::temp_file("verify_jar", "removed.apk", &zip_of(&entries)),
        21,
        NEWEST,
        &[]
    )
    .unwrap()
    .unwrap()
    .1
    .is_empty());
}

#[test]
fn flipped_entry_bytes_fail() {
    for (name, schemes) in [(V1_ONLY, &[][..]), (V1V2V3, &[2, 3][..])] {
        let original = sample(name);
        // A stored entry: its digest and its CRC-32.
        let mut bytes = original.clone();
        bytes[data_start(&original, "resources.arsc") + 10] ^= 1;
        let scheme = verify_bytes("stored.apk", &bytes, 21, NEWEST, schemes);
        assert_eq!(
            codes(&scheme),
            [VerifyCode::CrcMismatch, VerifyCode::DigestMismatch],
            "{name}: {scheme:?}"
        );
        assert_eq!(
            integrity_codes("stored.apk", &bytes),
            [VerifyCode::CrcMismatch]
        );

        // A deflated entry: it no longer inflates, or inflates to other bytes.
        let mut bytes = original.clone();
        bytes[data_start(&original, "AndroidManifest.xml") + 40] ^= 0x10;
        let scheme = verify_bytes("deflated.apk", &bytes, 21, NEWEST, schemes);
        assert!(!scheme.verified, "{name}");
        assert!(
            codes(&scheme).iter().all(|c| matches!(
                c,
                VerifyCode::CrcMismatch | VerifyCode::DigestMismatch | VerifyCode::ReadFailed
            )),
            "{name}: {scheme:?}"
        );
    }
}

#[test]
fn crc_fields_changed_fail() {
    for name in [V1_ONLY, V1V2V3] {
        let original = sample(name);
        // The local header's CRC-32: the local header no longer agrees with the directory.
        let mut bytes = original.clone();
        bytes[header_of(&original, b"PK\x03\x04", "resources.arsc") + 14] ^= 1;
        assert_eq!(
            integrity_codes("local-crc.apk", &bytes),
            [VerifyCode::ZipInconsistent]
        );

        // The central directory's: the entry's bytes no longer match it either.
        let mut bytes = original.clone();
        bytes[header_of(&original, b"PK\x01\x02", "resources.arsc") + 16] ^= 1;
        assert_eq!(
            integrity_codes("central-crc.apk", &bytes),
            [VerifyCode::ZipInconsistent, VerifyCode::CrcMismatch]
        );
        let scheme = verify_bytes("central-crc.apk", &bytes, 21, NEWEST, &[2, 3]);
        assert_eq!(
            codes(&scheme),
            [VerifyCode::CrcMismatch],
            "{name}: {scheme:?}"
        );
    }
}

#[test]
fn stripping_protection_and_sdk_rules() {
    let bytes = sample(V1V2V3);
    // The .SF says v2 and v3 signed too: without them, stripped from API 24 on.
    let scheme = verify_bytes("stripped.apk", &bytes, 21, NEWEST, &[]);
    assert_eq!(
        codes(&scheme),
        [VerifyCode::Stripped, VerifyCode::Stripped],
        "{scheme:?}"
    );
    let scheme = verify_bytes("stripped.apk", &bytes, 21, 27, &[2]);
    assert!(
        scheme.verified,
        "v3 is looked for from API 28 only: {scheme:?}"
    );
    let scheme = verify_bytes("stripped.apk", &bytes, 21, 23, &[]);
    assert!(
        scheme.verified,
        "nothing is looked for before API 24: {scheme:?}"
    );

    // SHA-256 with RSA: not on API 9-17.
    let scheme = verify_bytes("old.apk", &sample(V1_ONLY), 9, NEWEST, &[]);
    assert_eq!(
        codes(&scheme),
        [VerifyCode::AlgorithmNotForSdk],
        "{scheme:?}"
    );
    assert!(scheme.errors[0].message.contains("9-17"), "{scheme:?}");
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

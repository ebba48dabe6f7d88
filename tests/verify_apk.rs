//! APK signature verification (`Options::verify`) against apksigner's verdicts on the
//! shared corpus, on key types, and on tampered copies of the project's samples.

mod common;

use appfiling::report::{PackageReport, Verification, VerifiedScheme, VerifyCode};
use appfiling::{inspect_path, Options, VerifyOptions};
use common::corpus_dir;
use std::path::{Path, PathBuf};

fn verify_with(path: &Path, verify: VerifyOptions) -> Result<Verification, String> {
    let options = Options {
        verify: Some(verify),
        ..Default::default()
    };
    match inspect_path(path, &options) {
        Ok(PackageReport {
            verification: Some(v),
            ..
        }) => Ok(v),
        Ok(_) => Err("no verification in the report".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn verify(path: &Path) -> Result<Verification, String> {
    verify_with(path, VerifyOptions::default())
}

/// Every code of a verification, the package's and each scheme's errors (stamp's aside).
fn error_codes(v: &Verification) -> Vec<VerifyCode> {
    v.errors
        .iter()
        .chain(
            v.schemes
                .iter()
                .filter(|s| s.scheme != VerifiedScheme::Stamp)
                .flat_map(|s| &s.errors),
        )
        .map(|f| f.code)
        .collect()
}

fn describe(v: &Result<Verification, String>) -> String {
    match v {
        Ok(v) => format!(
            "verified={} errors={:?}",
            v.verified,
            v.errors
                .iter()
                .chain(v.schemes.iter().flat_map(|s| &s.errors))
                .map(|f| format!("{}: {}", f.code, f.message))
                .collect::<Vec<_>>()
        ),
        Err(e) => format!("error: {e}"),
    }
}

/// Debian's apksigner 31 predates APK Signature Scheme v3.1: for these APKs it checks the
/// v3.0 signer alone. Their verdicts under the v3.1 rules (apksig's own ApkVerifierTest
/// states them) replace its column.
const V31_VERDICTS: &[(&str, bool)] = &[
    // The v3 signer's rotation-min-SDK attribute names a v3.1 block that was stripped.
    ("aosp-apksig/v31-block-stripped-v3-attr-value-33.apk", false),
    // The v3 signer says rotation applies from 33, the v3.1 signer starts at 34.
    ("aosp-apksig/v31-tgt-34-v3-attr-value-33.apk", false),
    // minSdk 29: the v3 signer covers SDK 24..32 and the v3.1 signer the rest. apksigner
    // 31 reads the v3 block alone, finds it short of the newest SDK, and then wants v2 for
    // targetSdk 30; apksig's ApkVerifierTest verifies it (at minSdk 33).
    (
        "aosp-apksig/v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
        true,
    ),
];

/// Rows where apksig grew a rule after Debian's apksigner 31: the verdict of today's
/// apksig (and Android 13+) replaces its column. apksig's Constants.MAX_APK_SIGNERS, "the
/// maximum number of signers supported by the v1 and v2 APK Signature Schemes", is 10, and
/// V1SchemeVerifier now refuses more; apksigner 31 checked it for v2 only.
const NEWER_APKSIG_VERDICTS: &[(&str, bool)] = &[("aosp-apksig/v1-only-11-signers.apk", false)];

/// `verifies` of EXPECTED-apk.tsv for the apksigner rows.
fn apksigner_rows(corpus: &Path) -> Vec<(String, bool)> {
    common::tsv_rows(&corpus.join("EXPECTED-apk.tsv"))
        .into_iter()
        .filter(|row| row["tool"] == "apksigner")
        .map(|row| {
            let path = row["path"].clone();
            let verifies = V31_VERDICTS
                .iter()
                .chain(NEWER_APKSIG_VERDICTS)
                .find(|(p, _)| *p == path)
                .map_or(row["verifies"] == "yes", |(_, v)| *v);
            (path, verifies)
        })
        .collect()
}

#[test]
fn verdicts_agree_with_apksigner() {
    let Some(corpus) = corpus_dir() else { return };
    let rows = apksigner_rows(&corpus);
    let mut disagree = Vec::new();
    for (path, expected) in &rows {
        let result = verify(&corpus.join(path));
        let verified = result.as_ref().is_ok_and(|v| v.verified);
        if verified != *expected {
            disagree.push(format!(
                "{path}: apksigner says {}, appfiling {}",
                if *expected {
                    "verifies"
                } else {
                    "does not verify"
                },
                describe(&result)
            ));
        }
    }
    println!(
        "{}/{} agree with apksigner ({} judged by the v3.1 rules, {} by today's apksig)",
        rows.len() - disagree.len(),
        rows.len(),
        V31_VERDICTS.len(),
        NEWER_APKSIG_VERDICTS.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

fn sample(name: &str) -> PathBuf {
    common::sample_path(name)
}

fn u16_at(data: &[u8], at: usize) -> usize {
    u16::from_le_bytes([data[at], data[at + 1]]) as usize
}

fn u32_at(data: &[u8], at: usize) -> usize {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize
}

/// Where things lie in a signed APK, found by walking it as the format says.
struct Layout {
    /// (name, method, data offset, compressed size) of each entry.
    entries: Vec<(String, usize, usize, usize)>,
    central_directory: usize,
    end_record: usize,
    signing_block: usize,
}

impl Layout {
    fn of(apk: &[u8]) -> Layout {
        let end_record = (0..apk.len() - 21)
            .rev()
            .find(|&i| apk[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
            .unwrap();
        let central_directory = u32_at(apk, end_record + 16);
        let mut entries = Vec::new();
        let mut at = central_directory;
        while at < end_record {
            let method = u16_at(apk, at + 10);
            let size = u32_at(apk, at + 20);
            let name_len = u16_at(apk, at + 28);
            let extra_len = u16_at(apk, at + 30);
            let comment_len = u16_at(apk, at + 32);
            let local = u32_at(apk, at + 42);
            let name = String::from_utf8_lossy(&apk[at + 46..at + 46 + name_len]).to_string();
            let data = local + 30 + u16_at(apk, local + 26) + u16_at(apk, local + 28);
            entries.push((name, method, data, size));
            at += 46 + name_len + extra_len + comment_len;
        }
        let block_size = u32_at(apk, central_directory - 24);
        Layout {
            entries,
            central_directory,
            end_record,
            signing_block: central_directory - block_size - 8,
        }
    }

    /// The value of the first pair with this ID in the signing block: (offset, length).
    fn block_value(&self, apk: &[u8], id: u32) -> (usize, usize) {
        let mut at = self.signing_block + 8;
        loop {
            let len = u32_at(apk, at);
            if u32_at(apk, at + 8) == id as usize {
                return (at + 12, len - 4);
            }
            at += 8 + len;
        }
    }

    /// The data offset of the first entry with this compression method.
    fn entry(&self, method: usize) -> usize {
        let (_, _, data, size) = self
            .entries
            .iter()
            .find(|(name, m, _, size)| *m == method && *size > 8 && !name.starts_with("META-INF/"))
            .unwrap();
        data + size / 2
    }
}

/// Offsets inside the first signer of a v2 or v3 block whose value starts at `value`:
/// (signed data start, signed data length, the first signature's bytes).
fn first_signer(apk: &[u8], value: usize, v3: bool) -> (usize, usize, usize) {
    let signer = value + 4 + 4; // the signers' length, the first signer's length
    let signed_len = u32_at(apk, signer);
    let signed = signer + 4;
    let mut after = signed + signed_len;
    if v3 {
        after += 8; // min and max SDK
    }
    // signatures' length, first signature's length, algorithm ID, its bytes' length
    (signed, signed_len, after + 16)
}

/// The last byte of the v3 signer's proof-of-rotation lineage: inside the newest node's
/// signature by the older key.
fn lineage_end(apk: &[u8], layout: &Layout) -> usize {
    let (signed, _, _) = first_signer(apk, layout.block_value(apk, V3).0, true);
    let certificates = signed + 4 + u32_at(apk, signed);
    let attributes = certificates + 4 + u32_at(apk, certificates) + 8;
    let end = attributes + 4 + u32_at(apk, attributes);
    let mut at = attributes + 4;
    while at < end {
        let len = u32_at(apk, at);
        if u32_at(apk, at + 4) == 0x3ba0_6f8c {
            return at + 4 + len - 1;
        }
        at += 4 + len;
    }
    panic!("no lineage in the v3 signer")
}

/// A copy of `name` with the byte at `at` flipped, verified for its own SDK range.
fn tampered(name: &str, what: &str, at: impl Fn(&[u8], &Layout) -> usize) -> Verification {
    let mut apk = std::fs::read(sample(name)).unwrap();
    let layout = Layout::of(&apk);
    let offset = at(&apk, &layout);
    apk[offset] ^= 0x01;
    let path = common::temp_file("verify_apk", &format!("{what}-{name}"), &apk);
    let result = verify(&path);
    std::fs::remove_file(&path).ok();
    result.unwrap_or_else(|e| panic!("{what} in {name}: {e}"))
}

fn scheme_codes(v: &Verification, scheme: VerifiedScheme) -> Vec<VerifyCode> {
    v.schemes
        .iter()
        .filter(|s| s.scheme == scheme)
        .flat_map(|s| &s.errors)
        .map(|f| f.code)
        .collect()
}

const V2: u32 = 0x7109_871a;
const V3: u32 = 0xf053_68c0;

#[test]
fn untampered_samples_verify() {
    for name in [
        "sample-v2-ec.apk",
        "sample-v1v2v3-rsa.apk",
        "sample-rotation.apk",
    ] {
        let v = verify(&sample(name)).unwrap();
        assert!(v.verified, "{name}: {}", describe(&Ok(v.clone())));
    }
}

#[test]
fn one_flipped_byte_fails_with_its_reason() {
    use VerifiedScheme::{V2 as S2, V3 as S3};
    use VerifyCode::*;
    type Locate = fn(&[u8], &Layout) -> usize;
    let cases: [(&str, &str, Locate, VerifiedScheme, VerifyCode); 8] = [
        (
            "stored-entry",
            "sample-v2-ec.apk",
            |_, l| l.entry(0),
            S2,
            DigestMismatch,
        ),
        (
            "deflated-entry",
            "sample-v2-ec.apk",
            |_, l| l.entry(8),
            S2,
            DigestMismatch,
        ),
        // The last-modified time of the first central-directory record.
        (
            "central-directory",
            "sample-v2-ec.apk",
            |_, l| l.central_directory + 12,
            S2,
            DigestMismatch,
        ),
        // The end record's entry count on this disk: zip readers ignore it, the digest does not.
        (
            "end-record",
            "sample-v1v2v3-rsa.apk",
            |_, l| l.end_record + 8,
            S3,
            DigestMismatch,
        ),
        (
            "v2-signed-data",
            "sample-v2-ec.apk",
            |apk, l| first_signer(apk, l.block_value(apk, V2).0, false).0 + 20,
            S2,
            SignatureMismatch,
        ),
        (
            "v2-signature",
            "sample-v1v2v3-rsa.apk",
            |apk, l| first_signer(apk, l.block_value(apk, V2).0, false).2 + 10,
            S2,
            SignatureMismatch,
        ),
        // The lineage lies inside the v3 signed data: the v3 signature breaks first, as on Android.
        (
            "v3-lineage",
            "sample-rotation.apk",
            lineage_end,
            S3,
            SignatureMismatch,
        ),
        (
            "v3-signature",
            "sample-rotation.apk",
            |apk, l| first_signer(apk, l.block_value(apk, V3).0, true).2 + 10,
            S3,
            SignatureMismatch,
        ),
    ];
    for (what, name, at, scheme, code) in cases {
        let v = tampered(name, what, at);
        assert!(!v.verified, "{what} in {name} still verifies");
        assert!(
            scheme_codes(&v, scheme).contains(&code),
            "{what} in {name}: expected {code} in {}, got {}",
            scheme.name(),
            describe(&Ok(v.clone()))
        );
    }
}

/// The reason apksigner gives, as a code.
fn apksigner_code(error: &str) -> Option<VerifyCode> {
    if error.contains("signature over signed-data did not verify") {
        Some(VerifyCode::SignatureMismatch)
    } else if error.contains("digest mismatch") {
        Some(VerifyCode::DigestMismatch)
    } else if error.contains("Missing META-INF/MANIFEST.MF") {
        Some(VerifyCode::Unsigned)
    } else {
        None
    }
}

/// RSA 1024–16384, RSA-PSS, DSA 1024–3072 and ECDSA P-256/384/521 in v2 and v3 signers,
/// verified from the SDK level where the scheme starts, as apksigner verified them
/// (tests/data/apksigner-key-types.tsv). Its JDK lacks RSA-PSS: for those APKs the verdict
/// is the one apksig's own tests give them (the name says which do not verify).
#[test]
fn key_types_verify_as_apksigner_says() {
    let Some(corpus) = corpus_dir() else { return };
    let table = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/apksigner-key-types.tsv"
    );
    let mut checked = 0;
    let mut disagree = Vec::new();
    for row in common::tsv_rows(Path::new(table)) {
        let path = &row["path"];
        let min_sdk: u32 = row["min_sdk"].parse().unwrap();
        let error = row.get("first_error").map(String::as_str).unwrap_or("");
        let (verifies, code) = if error.contains("NoSuchAlgorithmException") {
            let broken = path.contains("-sig-does-not-verify");
            (!broken, broken.then_some(VerifyCode::SignatureMismatch))
        } else {
            (row["exit"] == "0", apksigner_code(error))
        };
        let result = verify_with(
            &corpus.join(path),
            VerifyOptions {
                min_sdk: Some(min_sdk),
                max_sdk: None,
            },
        );
        let ok = match (&result, code) {
            (Ok(v), None) => v.verified == verifies,
            (Ok(v), Some(code)) => !v.verified && error_codes(v).contains(&code),
            (Err(_), _) => false,
        };
        if !ok {
            disagree.push(format!(
                "{path}: apksigner {error:?}, appfiling {}",
                describe(&result)
            ));
        }
        checked += 1;
    }
    println!(
        "{}/{checked} key-type APKs agree with apksigner",
        checked - disagree.len()
    );
    assert!(checked > 60, "only {checked} rows");
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// The v3.1 rules on the corpus's v3.1 APKs (apksig's ApkVerifierTest states each
/// outcome), from SDK 24 so that the JAR signature does not enter, and with the range
/// ending before SDK 33, where v3.1 and its stripping protection do not apply.
#[test]
fn v31_rotation_rules() {
    let Some(corpus) = corpus_dir() else { return };
    use VerifyCode::*;
    let cases: &[(&str, Option<u32>, Option<VerifyCode>)] = &[
        ("v31-rsa-2048_2-tgt-33-1-tgt-28.apk", None, None),
        ("v31-rsa-2048_2-tgt-34-1-tgt-28.apk", None, None),
        ("v31-rsa-2048_2-tgt-34-dev-release.apk", None, None),
        ("v31-rsa-2048_2-tgt-10000-dev-release.apk", None, None),
        ("v31-tgt-33-no-v3-attr.apk", None, None),
        (
            "v31-block-stripped-v3-attr-value-33.apk",
            None,
            Some(Stripped),
        ),
        ("v31-block-stripped-v3-attr-value-33.apk", Some(32), None),
        ("v31-tgt-34-v3-attr-value-33.apk", None, Some(SdkMismatch)),
        ("v31-tgt-34-v3-attr-value-33.apk", Some(32), None),
        ("v31-tgt-33-no-v3-block.apk", None, Some(SchemeRequired)),
        (
            "v31-2elem-incorrect-lineage.apk",
            None,
            Some(LineageInvalid),
        ),
        (
            "v31-2elem-lineage-incorrect-digest.apk",
            None,
            Some(DigestMismatch),
        ),
    ];
    for (name, max_sdk, code) in cases {
        let v = verify_with(
            &corpus.join("aosp-apksig").join(name),
            VerifyOptions {
                min_sdk: Some(24),
                max_sdk: *max_sdk,
            },
        )
        .unwrap();
        match code {
            None => assert!(
                v.verified,
                "{name} up to {max_sdk:?}: {}",
                describe(&Ok(v.clone()))
            ),
            Some(code) => assert!(
                !v.verified && error_codes(&v).contains(code),
                "{name}: expected {code}, got {}",
                describe(&Ok(v.clone()))
            ),
        }
    }
    let v = verify_with(
        &corpus.join("aosp-apksig/v31-tgt-33-no-v3-attr.apk"),
        VerifyOptions {
            min_sdk: Some(24),
            max_sdk: None,
        },
    )
    .unwrap();
    assert!(v
        .schemes
        .iter()
        .any(|s| s.scheme == VerifiedScheme::V3 && !s.warnings.is_empty()));
}

/// A split set verifies when each of its APKs does; the messages name the APK.
#[test]
fn a_set_fails_with_the_apk_that_fails() {
    use std::io::Write;
    let good = std::fs::read(sample("sample-v2-ec.apk")).unwrap();
    let mut bad = good.clone();
    let at = Layout::of(&bad).entry(0);
    bad[at] ^= 1;
    let set = |apks: &[(&str, &[u8])], name: &str| {
        let path = std::env::temp_dir().join(format!("verify_apk-{}-{name}", std::process::id()));
        let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        writer.start_file("toc.pb", stored).unwrap();
        for (entry, bytes) in apks {
            writer.start_file(*entry, stored).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        let v = verify(&path);
        std::fs::remove_file(&path).ok();
        v.unwrap()
    };
    let fine = set(&[("base.apk", &good), ("other.apk", &good)], "fine.apks");
    assert!(fine.verified, "{}", describe(&Ok(fine.clone())));
    assert_eq!(fine.schemes.len(), 2);
    let broken = set(&[("base.apk", &good), ("other.apk", &bad)], "broken.apks");
    assert!(!broken.verified);
    let messages: Vec<&str> = broken
        .schemes
        .iter()
        .flat_map(|s| &s.errors)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("other.apk: ")),
        "{messages:?}"
    );
}

/// The corpus's SourceStamp APKs, from SDK 24 (without the JAR signature): the stamp
/// verifies or not as apksig's own tests say, and never decides the package's verdict.
#[test]
fn source_stamps() {
    let Some(corpus) = corpus_dir() else { return };
    use VerifyCode::*;
    let cases: &[(&str, Option<VerifyCode>)] = &[
        ("valid-stamp.apk", None),
        ("stamp-lineage-valid.apk", None),
        ("stamp-unknown-attr.apk", None),
        ("stamp-valid-timestamp-value.apk", None),
        ("stamp-valid-timestamp-16-byte-buffer.apk", None),
        ("stamp-apk-hash-mismatch-v2.apk", Some(SignatureMismatch)),
        ("stamp-apk-hash-mismatch-v3.apk", Some(SignatureMismatch)),
        ("stamp-certificate-mismatch.apk", Some(PublicKeyMismatch)),
        (
            "stamp-valid-timestamp-value-modified.apk",
            Some(SignatureMismatch),
        ),
        ("stamp-invalid-timestamp-value-zero.apk", Some(Malformed)),
        (
            "stamp-invalid-timestamp-value-less-than-zero.apk",
            Some(Malformed),
        ),
        (
            "stamp-timestamp-in-last-8-of-16-byte-buffer.apk",
            Some(Malformed),
        ),
        ("stamp-int-timestamp-value.apk", Some(Malformed)),
        ("stamp-lineage-invalid.apk", Some(LineageInvalid)),
        ("stamp-only-unknown-sigs.apk", Some(UnsupportedAlgorithm)),
    ];
    let mut wrong = Vec::new();
    for (name, code) in cases {
        let v = verify_with(
            &corpus.join("aosp-apksig").join(name),
            VerifyOptions {
                min_sdk: Some(24),
                max_sdk: None,
            },
        )
        .unwrap();
        let stamp = v.schemes.iter().find(|s| s.scheme == VerifiedScheme::Stamp);
        let ok = match (stamp, code) {
            (Some(s), None) => s.verified,
            (Some(s), Some(code)) => !s.verified && s.errors.iter().any(|f| f.code == *code),
            (None, _) => false,
        };
        if !ok || !v.verified {
            wrong.push(format!(
                "{name}: expected {code:?}, got {stamp:?}, package {}",
                describe(&Ok(v.clone()))
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

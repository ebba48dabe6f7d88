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

/// `verifies` of EXPECTED-apk.tsv for the apksigner rows.
fn apksigner_rows(corpus: &Path) -> Vec<(String, bool)> {
    common::tsv_rows(&corpus.join("EXPECTED-apk.tsv"))
        .into_iter()
        .filter(|row| row["tool"] == "apksigner")
        .map(|row| {
            let path = row["path"].clone();
            let verifies = V31_VERDICTS
                .iter()
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
        "{}/{} agree with apksigner",
        rows.len() - disagree.len(),
        rows.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

fn sample(name: &str) -> PathBuf {
    common::sample_path(name)
}

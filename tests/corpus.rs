//! The shared corpus of real packages, checked against apksigner/keytool
//! output (EXPECTED-apk.tsv) and openssl. Skips, saying so, when absent.

mod common;

use appfiling::report::Scheme;
use common::{corpus_dir, openssl_describe};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

struct Expected {
    path: String,
    verifies: bool,
    schemes: Vec<String>,
    md5: Vec<String>,
    sha256: Vec<String>,
    pubkey_sha256: Vec<String>,
}

fn list(field: &str) -> Vec<String> {
    if field == "-" {
        return Vec::new();
    }
    field
        .split([';', ','])
        .map(|s| s.to_ascii_uppercase())
        .collect()
}

fn expected_rows(corpus: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(corpus.join("EXPECTED-apk.tsv")).expect("EXPECTED-apk.tsv");
    let mut rows = Vec::new();
    let mut header: Option<Vec<&str>> = None;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(names) = &header else {
            header = Some(cols);
            continue;
        };
        let get = |name: &str| cols[names.iter().position(|n| *n == name).expect(name)];
        if get("tool") != "apksigner" {
            continue; // AAB rows: tests/bundles.rs
        }
        rows.push(Expected {
            path: get("path").to_string(),
            verifies: get("verifies") == "yes",
            schemes: get("schemes")
                .split(',')
                .filter(|s| *s != "-")
                .map(str::to_lowercase)
                .collect(),
            md5: list(get("cert_md5")),
            sha256: list(get("cert_sha256")),
            pubkey_sha256: list(get("pubkey_sha256")),
        });
    }
    rows
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn apksigner_verified_signers_are_reported() {
    let Some(corpus) = corpus_dir() else { return };
    let rows = expected_rows(&corpus);
    assert!(
        rows.len() > 300,
        "EXPECTED-apk.tsv has only {} APK rows",
        rows.len()
    );
    let mut failures = Vec::new();
    let mut verified = 0;
    for row in rows.iter().filter(|r| r.verifies) {
        verified += 1;
        let path = corpus.join(&row.path);
        let package = match appfiling::inspect_path(&path, &appfiling::Options::default()) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: apksigner verifies it, we fail: {e}", row.path));
                continue;
            }
        };
        let used: Vec<&appfiling::report::Signer> = package
            .signers
            .iter()
            .filter(|s| row.schemes.iter().any(|x| x == s.scheme.name()))
            .collect();
        let have = |f: &dyn Fn(&appfiling::report::Signer) -> String| -> BTreeSet<String> {
            used.iter().map(|s| f(s)).collect()
        };
        let md5s = have(&|s| s.key.certificate.md5.clone());
        let shas = have(&|s| s.key.certificate.sha256.clone());
        let keys = have(&|s| s.key.public_key.spki_sha256.clone());
        for (what, expected, got) in [
            ("md5", &row.md5, &md5s),
            ("sha256", &row.sha256, &shas),
            ("pubkey", &row.pubkey_sha256, &keys),
        ] {
            for value in expected {
                if !got.contains(value) {
                    failures.push(format!(
                        "{}: {what} {value} missing from {:?} signers {got:?}",
                        row.path, row.schemes
                    ));
                }
            }
        }
        for scheme in &row.schemes {
            if !package.schemes.iter().any(|s| s.name() == scheme) {
                failures.push(format!(
                    "{}: scheme {scheme} not reported ({:?})",
                    row.path, package.schemes
                ));
            }
        }
        if package.filing.is_none() {
            failures.push(format!("{}: signed but no filing block", row.path));
        }
    }
    println!(
        "corpus: {verified} apksigner-verified APKs checked against EXPECTED-apk.tsv, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_gives_a_report_or_a_clean_error() {
    let Some(corpus) = corpus_dir() else { return };
    let mut files = Vec::new();
    all_files(&corpus, &mut files);
    let (mut reports, mut errors) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        match catch_unwind(AssertUnwindSafe(|| {
            appfiling::inspect_path(path, &appfiling::Options::default())
        })) {
            Ok(Ok(_)) => reports += 1,
            Ok(Err(e)) => {
                errors += 1;
                let message = e.to_string();
                if !message.contains(&path.display().to_string()) {
                    failures.push(format!("error does not name the file: {message}"));
                }
            }
            Err(_) => failures.push(format!("{}: panicked", path.display())),
        }
    }
    println!(
        "corpus: {} files read: {reports} reports, {errors} clean errors",
        files.len()
    );
    assert!(files.len() > 500);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rsa_moduli_and_fingerprints_match_openssl() {
    let Some(corpus) = corpus_dir() else { return };
    let rows = expected_rows(&corpus);
    // Every distinct certificate reported for a verified APK, checked once.
    let mut certs: BTreeMap<
        String,
        (
            String,
            appfiling::report::PublicKey,
            appfiling::report::Certificate,
        ),
    > = BTreeMap::new();
    for row in rows.iter().filter(|r| r.verifies) {
        let Ok(package) =
            appfiling::inspect_path(&corpus.join(&row.path), &appfiling::Options::default())
        else {
            continue;
        };
        let lineage = package.lineage.iter().map(|n| &n.key);
        for key in package.signers.iter().map(|s| &s.key).chain(lineage) {
            certs
                .entry(key.certificate.sha256.clone())
                .or_insert_with(|| {
                    (
                        row.path.clone(),
                        key.public_key.clone(),
                        key.certificate.clone(),
                    )
                });
        }
    }
    let mut failures = Vec::new();
    let (mut rsa, mut non_der) = (0, 0);
    for (sha256, (path, key, cert)) in &certs {
        let ossl = openssl_describe(&cert.der_base64);
        if !ossl.is_canonical_der {
            // apksigner fingerprints the bytes as stored, openssl its re-encoding:
            // EXPECTED-apk.tsv already checks these against apksigner.
            non_der += 1;
        }
        for (what, ours, theirs) in [
            ("sha256", sha256, &ossl.sha256),
            ("sha1", &cert.sha1, &ossl.sha1),
            ("md5", &cert.md5, &ossl.md5),
        ] {
            if ossl.is_canonical_der && ours != theirs {
                failures.push(format!("{path}: {what} {ours} but openssl says {theirs}"));
            }
        }
        if key.algorithm.as_str() == "RSA" {
            rsa += 1;
            if key.modulus_hex.as_ref() != ossl.modulus.as_ref() {
                failures.push(format!("{path}: modulus differs from openssl for {sha256}"));
            }
            let decimal = key.modulus_decimal.as_deref().unwrap_or_default();
            let from_hex = common::hex_to_decimal(key.modulus_hex.as_deref().unwrap_or_default());
            if decimal != from_hex {
                failures.push(format!("{path}: decimal modulus is not the hex modulus"));
            }
        }
    }
    println!("corpus: {} distinct certificates compared with openssl ({non_der} not DER, fingerprints left to apksigner), {rsa} RSA moduli", certs.len());
    assert!(rsa > 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scheme_specific_cases() {
    let Some(corpus) = corpus_dir() else { return };
    let inspect = |name: &str| {
        appfiling::inspect_path(
            &corpus.join("aosp-apksig").join(name),
            &appfiling::Options::default(),
        )
        .unwrap()
    };

    // v3 rotation: three certificates, oldest first, filing takes the newest.
    let p = inspect("v1v2v3-with-rsa-2048-lineage-3-signers.apk");
    let subjects: Vec<&str> = p
        .lineage
        .iter()
        .map(|n| n.key.certificate.subject.as_str())
        .collect();
    assert_eq!(subjects, ["CN=rsa-2048", "CN=rsa-2048_2", "CN=rsa-2048_3"]);
    let filing = p.filing.as_ref().unwrap();
    assert_eq!(filing.signer_scheme, Scheme::V3);
    assert_eq!(filing.signer_sha256, p.lineage[2].key.certificate.sha256);
    assert!(p.warnings.iter().any(|w| w.code.as_str() == "key_rotation"));
    assert!(!p
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "multiple_signers"));

    // EC key: the filing holds the uncompressed point, with a warning.
    let p = inspect("v2-only-with-ecdsa-sha256-p256.apk");
    let key = &p.signers[0].key.public_key;
    assert_eq!(key.curve.as_deref(), Some("P-256"));
    assert_eq!(
        key.ec_point_hex.as_ref().map(|h| (h.len(), &h[..2])),
        Some((130, "04"))
    );
    assert_eq!(p.filing.as_ref().unwrap().public_key, key.ec_point_hex);
    assert!(p.warnings.iter().any(|w| w.code.as_str() == "ec_key"));

    // DSA: no modulus, and the filing says so.
    let p = inspect("v1-only-with-dsa-sha256-1.2.840.10040.4.1-2048.apk");
    assert_eq!(p.signers[0].key.public_key.bits, Some(2048));
    assert!(p.filing.as_ref().unwrap().public_key.is_none());
    assert!(p.warnings.iter().any(|w| w.code.as_str() == "dsa_key"));

    // An unsigned APK is reported, with a warning and no filing.
    let p = inspect("golden-aligned-in.apk");
    assert!(p.signers.is_empty() && p.filing.is_none());
    assert!(p.warnings.iter().any(|w| w.code.as_str() == "unsigned"));

    // Two signers: both reported, and the ambiguity warned about.
    let p = inspect("two-signers.apk");
    assert_eq!(
        p.signers.iter().filter(|s| s.scheme == Scheme::V2).count(),
        2
    );
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "multiple_signers"));
}

#[test]
fn source_stamp_certificates_match_apksigner() {
    let Some(corpus) = corpus_dir() else { return };
    let raw = std::fs::read_to_string(corpus.join("aosp-apksig/APKSIGNER-verify.txt")).unwrap();
    let mut checked = 0;
    for section in raw.split("===== ").skip(1) {
        let name = section.lines().next().unwrap().trim();
        let Some(line) = section
            .lines()
            .find(|l| l.starts_with("Source Stamp Signer certificate SHA-256 digest: "))
        else {
            continue;
        };
        let expected = line.rsplit(' ').next().unwrap().to_ascii_uppercase();
        let package = appfiling::inspect_path(
            &corpus.join("aosp-apksig").join(name),
            &appfiling::Options::default(),
        )
        .unwrap();
        assert!(package.schemes.contains(&Scheme::SourceStamp), "{name}");
        let stamp = package
            .source_stamp
            .unwrap_or_else(|| panic!("{name}: no stamp certificate"));
        assert_eq!(stamp.certificate.sha256, expected, "{name}");
        checked += 1;
    }
    println!("corpus: {checked} source stamp certificates match apksigner");
    assert!(checked >= 5);
}

/// ORACLE-signers.tsv (openssl plus a small block walker, made for the corpus) is a cross-check, not
/// ground truth; it covers what the 2023 apksigner cannot: v3.1 signers and the block's pair list.
#[test]
fn v31_signers_and_block_ids_match_the_corpus_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let text = std::fs::read_to_string(corpus.join("aosp-apksig/ORACLE-signers.tsv")).unwrap();
    let oracle_name = |name: Option<&str>, id: &str| match name {
        Some("verity-padding") => "verity-pad".to_string(),
        Some("source-stamp-v2") => "stamp-v2".to_string(),
        Some("source-stamp-v1") => id.to_string(),
        Some(other) => other.to_string(),
        None => id.to_string(),
    };
    let (mut blocks, mut v31) = (0, 0);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let Ok(package) = appfiling::inspect_path(
            &corpus.join("aosp-apksig").join(cols[0]),
            &appfiling::Options::default(),
        ) else {
            continue;
        };
        if cols[2] != "-"
            && !package
                .warnings
                .iter()
                .any(|w| w.code.as_str() == "signing_block_malformed")
        {
            let mut expected: Vec<String> = cols[2].split(',').map(String::from).collect();
            let mut ours: Vec<String> = package
                .signing_block
                .iter()
                .map(|b| oracle_name(b.name, &b.id))
                .collect();
            expected.sort();
            ours.sort();
            assert_eq!(ours, expected, "{}", cols[0]);
            blocks += 1;
        }
        if let Some(cert) = cols[5].strip_prefix("cert0=") {
            let sha = cert.split(' ').next().unwrap().to_ascii_uppercase();
            assert!(
                package
                    .signers
                    .iter()
                    .any(|s| s.scheme == Scheme::V31 && s.key.certificate.sha256 == sha),
                "{}: v3.1 signer {sha} missing",
                cols[0]
            );
            assert_eq!(
                package.filing.as_ref().unwrap().signer_scheme,
                Scheme::V31,
                "{}",
                cols[0]
            );
            assert!(package.rotation_min_sdk.is_some(), "{}", cols[0]);
            v31 += 1;
        }
    }
    println!("corpus: {blocks} signing blocks and {v31} v3.1 signers match ORACLE-signers.tsv");
    assert!(blocks > 100 && v31 >= 10);
}

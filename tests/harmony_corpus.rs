//! HarmonyOS files of the shared corpus, checked against its ORACLE-hap.tsv
//! tables (openssl cms) and against live openssl (verify, x509, ec).

mod common;

use appfiling::report::{PackageReport, Scheme};
use common::{corpus_dir, openssl_describe, openssl_ec_point, openssl_verifies_leaf};
use std::collections::{BTreeMap, BTreeSet};

const DIRS: [&str; 3] = [
    "openharmony-hapsigner",
    "smat-lab-haptest",
    "icyleaf-app-info",
];

#[derive(Default)]
struct Oracle {
    magic: Option<String>,
    app_signers: BTreeSet<String>,
    profile: Option<(String, String)>, // (signer sha256, summary)
}

fn oracle(text: &str) -> BTreeMap<String, Oracle> {
    let mut out: BTreeMap<String, Oracle> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        // openharmony-hapsigner has no offset column.
        let (file, magic, signer, summary) = match cols.len() {
            5 => (cols[0], cols[1], cols[3], cols[4]),
            4 => (cols[0], cols[1], cols[2], cols[3]),
            _ => continue,
        };
        let entry = out.entry(file.to_string()).or_default();
        if magic != "-" {
            entry.magic = Some(magic.to_string());
        }
        let Some(sha) = signer.split(' ').next().filter(|s| s.len() == 64) else {
            continue;
        };
        let sha = sha.to_ascii_uppercase();
        if summary.starts_with("profile JSON") {
            entry.profile = Some((sha, summary.to_string()));
        } else {
            entry.app_signers.insert(sha);
        }
    }
    out
}

fn summary_field<'a>(summary: &'a str, key: &str) -> Option<&'a str> {
    summary
        .split(' ')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

#[test]
fn hap_signers_and_profiles_match_the_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    let (mut signers, mut profiles, mut files) = (0, 0, 0);
    for dir in DIRS {
        let Ok(text) = std::fs::read_to_string(corpus.join(dir).join("ORACLE-hap.tsv")) else {
            continue;
        };
        for (file, expected) in oracle(&text) {
            let path = corpus.join(dir).join(&file);
            files += 1;
            let package = match appfiling::inspect_path(&path, &appfiling::Options::default()) {
                Ok(p) => p,
                Err(e) => {
                    assert!(e.to_string().contains(&file), "{e}");
                    if !expected.app_signers.is_empty()
                        && expected.magic.is_some()
                        && !file.starts_with("zip_")
                    {
                        failures.push(format!("{dir}/{file}: oracle finds signers, we fail: {e}"));
                    }
                    continue;
                }
            };
            let what = format!("{dir}/{file}");
            let harmony = package.harmony.as_ref();
            if let Some(magic) = &expected.magic {
                if harmony.and_then(|h| h.sign_block_magic) != Some(magic.as_str())
                    && !package
                        .warnings
                        .iter()
                        .any(|w| w.code.as_str() == "signing_block_malformed")
                {
                    failures.push(format!(
                        "{what}: magic {:?}, oracle {magic}",
                        harmony.and_then(|h| h.sign_block_magic)
                    ));
                }
            }
            if let Some(ours) = package
                .signers
                .iter()
                .find(|s| s.scheme == Scheme::HapSignature)
            {
                signers += 1;
                if !expected.app_signers.contains(&ours.key.certificate.sha256) {
                    failures.push(format!(
                        "{what}: signer {} not among the oracle's {:?}",
                        ours.key.certificate.sha256, expected.app_signers
                    ));
                }
                let filing = package.filing.as_ref().unwrap();
                assert_eq!(
                    filing.signature_md5_field, ours.key.certificate.sha1,
                    "{what}"
                );
            } else if !expected.app_signers.is_empty()
                && !has_warning(
                    &package,
                    &["signature_unreadable", "signing_block_malformed"],
                )
            {
                failures.push(format!("{what}: no signer, and no warning saying why"));
            }
            match (&expected.profile, harmony.and_then(|h| h.profile.as_ref())) {
                (Some((sha, summary)), Some(profile)) => {
                    profiles += 1;
                    let signed_by = profile.signed_by.as_ref().map(|c| c.sha256.clone());
                    if signed_by.as_deref() != Some(sha.as_str()) {
                        failures.push(format!(
                            "{what}: profile signer {signed_by:?}, oracle {sha}"
                        ));
                    }
                    if profile.bundle_name.as_deref() != summary_field(summary, "bundle-name") {
                        failures.push(format!("{what}: profile bundle {:?}", profile.bundle_name));
                    }
                    if profile.kind.as_deref() != summary_field(summary, "type") {
                        failures.push(format!("{what}: profile type {:?}", profile.kind));
                    }
                }
                (Some(_), None)
                    if !has_warning(
                        &package,
                        &["profile_unreadable", "signing_block_malformed"],
                    ) =>
                {
                    failures.push(format!("{what}: profile not reported"))
                }
                _ => {}
            }
        }
    }
    println!("corpus: {files} HarmonyOS files, {signers} HAP signers and {profiles} profiles checked against ORACLE-hap.tsv, {} failures", failures.len());
    assert!(
        signers >= 10 && profiles >= 8,
        "{signers} signers, {profiles} profiles"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn has_warning(p: &PackageReport, codes: &[&str]) -> bool {
    p.warnings.iter().any(|w| codes.contains(&w.code.as_str()))
}

#[test]
fn pem_chain_leaves_are_what_openssl_verify_confirms() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("openharmony-hapsigner/profiles-and-certs");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "pem") {
            continue;
        }
        let package = appfiling::inspect_path(&path, &appfiling::Options::default()).unwrap();
        if package.chain.len() < 2 {
            continue;
        }
        let leaf = &package.signers[0].key.certificate;
        assert_eq!(package.platform.as_str(), "harmonyos", "{}", path.display());
        let others: Vec<&str> = package
            .chain
            .iter()
            .filter(|c| c.key.certificate.sha256 != leaf.sha256)
            .map(|c| c.key.certificate.der_base64.as_str())
            .collect();
        assert!(
            openssl_verifies_leaf(&leaf.der_base64, &others),
            "{}: openssl does not verify the chosen leaf",
            path.display()
        );
        // And no other certificate of the file is a leaf openssl would accept above it.
        for candidate in package.chain.iter().filter(|c| c.role.as_str() != "leaf") {
            let rest: Vec<&str> = package
                .chain
                .iter()
                .filter(|c| c.key.certificate.sha256 != candidate.key.certificate.sha256)
                .map(|c| c.key.certificate.der_base64.as_str())
                .collect();
            let is_root = candidate.role.as_str() == "root";
            assert!(is_root || openssl_verifies_leaf(&candidate.key.certificate.der_base64, &rest));
        }
        assert_eq!(
            package.filing.as_ref().unwrap().signature_md5_field,
            leaf.sha1
        );
        checked += 1;
    }
    println!("corpus: {checked} PEM chains: the chosen leaf verifies with openssl");
    assert!(checked >= 4);
}

#[test]
fn harmony_keys_match_openssl() {
    let Some(corpus) = corpus_dir() else { return };
    let mut seen = BTreeSet::new();
    let mut points = 0;
    for dir in DIRS {
        for entry in std::fs::read_dir(corpus.join(dir)).unwrap().flatten() {
            let Ok(package) =
                appfiling::inspect_path(&entry.path(), &appfiling::Options::default())
            else {
                continue;
            };
            if package.platform.as_str() != "harmonyos" {
                continue;
            }
            let profile_cert = package
                .harmony
                .iter()
                .filter_map(|h| h.profile.as_ref()?.certificate.as_ref());
            for key in package
                .signers
                .iter()
                .map(|s| &s.key)
                .chain(package.chain.iter().map(|c| &c.key))
                .chain(profile_cert)
            {
                if !seen.insert(key.certificate.sha256.clone()) {
                    continue;
                }
                let ossl = openssl_describe(&key.certificate.der_base64);
                assert_eq!(key.certificate.sha1, ossl.sha1);
                if key.public_key.algorithm.as_str() == "EC" {
                    assert_eq!(
                        key.public_key.ec_point_hex,
                        openssl_ec_point(&key.certificate.der_base64)
                    );
                    points += 1;
                }
            }
        }
    }
    println!(
        "corpus: {} HarmonyOS certificates match openssl x509, {points} EC points match openssl ec",
        seen.len()
    );
    assert!(points >= 5);
}

/// One entry of a corpus archive, read whole (the corpus files are small).
fn zip_entry(path: &std::path::Path, name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).ok()?).ok()?;
    let mut entry = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    entry.read_to_end(&mut out).ok()?;
    Some(out)
}

/// Real compiler output: the records of each HAP's modules.abc name the sources its own
/// module.json and main_pages profile point at (abilities' srcEntry, pages), and these demo
/// apps carry no third-party SDK.
#[test]
fn ark_bytecode_records_match_the_module_metadata() {
    let Some(corpus) = corpus_dir() else { return };
    let mut checked = 0;
    for dir in DIRS {
        let Ok(files) = std::fs::read_dir(corpus.join(dir)) else {
            continue;
        };
        for path in files.flatten().map(|e| e.path()) {
            if path.extension().is_none_or(|e| e != "hap") {
                continue;
            }
            let Some(code) = zip_entry(&path, "ets/modules.abc") else {
                continue;
            };
            let module: serde_json::Value =
                serde_json::from_slice(&zip_entry(&path, "module.json").unwrap()).unwrap();
            let abc = appfiling::fuzzing::Abc::parse(&code).unwrap();
            let records: Vec<&str> = abc.record_names().collect();
            // The sources module.json and the pages profile name, as "ets/<path>" without extension.
            let mut sources: Vec<String> = module["module"]["abilities"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["srcEntry"].as_str())
                .map(|s| {
                    let s = s.trim_start_matches("./");
                    s.rsplit_once('.').map_or(s, |(stem, _)| stem).to_string()
                })
                .collect();
            if let Some(pages) = zip_entry(&path, "resources/base/profile/main_pages.json") {
                let pages: serde_json::Value = serde_json::from_slice(&pages).unwrap();
                for page in pages["src"].as_array().into_iter().flatten() {
                    sources.push(format!("ets/{}", page.as_str().unwrap()));
                }
            }
            assert!(!sources.is_empty(), "{}: no sources named", path.display());
            let module_name = module["module"]["name"].as_str().unwrap();
            for source in &sources {
                // Before normalized names: <bundle>/<module>/<source>; after: &<module>/src/main/<source>&.
                let found = records.iter().any(|r| {
                    r.ends_with(&format!("/{module_name}/{source}"))
                        || r.contains(&format!("&{module_name}/src/main/{source}&"))
                });
                assert!(
                    found,
                    "{}: no record for {source} in {records:?}",
                    path.display()
                );
            }
            let options = appfiling::Options {
                detect: true,
                ..appfiling::Options::default()
            };
            let report = appfiling::inspect_path(&path, &options).unwrap();
            let detection = report.detection.unwrap();
            assert!(
                detection.sdks.is_empty(),
                "{}: {:?}",
                path.display(),
                detection.sdks
            );
            // The packages are the local libraries the records name, e.g. entry@view → view.
            for package in &detection.packages {
                assert!(
                    records.iter().any(|r| r.contains(&format!("@{package}/"))),
                    "{}: {package} not in {records:?}",
                    path.display()
                );
            }
            println!(
                "{}: {} records, sources {sources:?} found, packages {:?}",
                path.display(),
                records.len(),
                detection.packages
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} HAPs with Ark bytecode");
}

//! iOS files of the shared corpus, checked against its ORACLE-ios.tsv tables
//! (made with `openssl cms` by the corpus) and against live openssl.

mod common;

use appfiling::report::{PackageReport, Profile, Scheme};
use common::{corpus_dir, openssl_describe};
use std::collections::BTreeSet;
use std::path::Path;

const DIRS: [&str; 6] = [
    "emonti-pliney",
    "fastlane",
    "fdroidserver",
    "icyleaf-app-info",
    "icyleaf-qyer-mobile-app",
    "saucelabs-isign",
];

/// `key=value` fields of a " | "-separated oracle summary.
fn field<'a>(summary: &'a str, key: &str) -> Option<&'a str> {
    summary
        .split(" | ")
        .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
}

fn check_profile(what: &str, profile: &Profile, summary: &str, failures: &mut Vec<String>) {
    let mut fail = |m: String| failures.push(format!("{what}: {m}"));
    if let Some(signer) = summary
        .strip_prefix("CMS signer=")
        .and_then(|s| s.split(' ').next())
    {
        let ours = profile
            .signed_by
            .as_ref()
            .map(|c| c.sha256.to_ascii_lowercase());
        if ours.as_deref() != Some(signer) {
            fail(format!("profile signer {ours:?}, oracle {signer}"));
        }
    }
    if let Some(name) = field(summary, "Name").or_else(|| {
        summary
            .strip_prefix("UNSIGNED plist: Name=")
            .and_then(|s| s.split(" UUID=").next())
    }) {
        if profile.name.as_deref() != Some(name) {
            fail(format!("name {:?}, oracle {name}", profile.name));
        }
    }
    if let Some(uuid) = field(summary, "UUID").or_else(|| summary.split(" UUID=").nth(1)) {
        if profile.uuid.as_deref().map(str::to_ascii_lowercase) != Some(uuid.to_ascii_lowercase()) {
            fail(format!("uuid {:?}, oracle {uuid}", profile.uuid));
        }
    }
    if let Some(team) = field(summary, "TeamName") {
        if profile.team_name.as_deref() != Some(team) {
            fail(format!("team {:?}, oracle {team}", profile.team_name));
        }
    }
    if let Some(expiration) = field(summary, "Expiration") {
        // "2021-10-26 03:12:17" against RFC 3339 "2021-10-26T03:12:17Z"
        let ours = profile
            .expiration_date
            .clone()
            .unwrap_or_default()
            .replace('T', " ")
            .replace('Z', "");
        if ours != expiration {
            fail(format!("expiration {ours}, oracle {expiration}"));
        }
    }
    if let Some(devices) = field(summary, "ProvisionedDevices") {
        if devices == "AllDevices" {
            if profile.kind.as_str() != "enterprise" {
                fail(format!(
                    "kind {}, oracle provisions all devices",
                    profile.kind
                ));
            }
        } else if profile.provisioned_devices.to_string() != devices {
            fail(format!(
                "{} devices, oracle {devices}",
                profile.provisioned_devices
            ));
        }
    }
    if let Some(certs) = field(summary, "DeveloperCertificates(sha256)") {
        let expected: BTreeSet<String> = certs
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        let ours: BTreeSet<String> = profile
            .developer_certificates
            .iter()
            .map(|k| k.certificate.sha256.clone())
            .collect();
        if ours != expected {
            fail(format!(
                "developer certificates {ours:?}, oracle {expected:?}"
            ));
        }
    }
}

fn profile_at<'a>(package: &'a PackageReport, item: &str) -> Option<&'a Profile> {
    let ios = package.ios.as_ref()?;
    let relative = item.split(".app/").nth(1)?;
    if relative == "embedded.mobileprovision" {
        return ios.profile.as_ref();
    }
    let appex = relative.strip_suffix("/embedded.mobileprovision")?;
    ios.extensions
        .iter()
        .find(|e| e.path == appex)?
        .profile
        .as_ref()
}

#[test]
fn ios_files_match_the_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in DIRS {
        let Ok(text) = std::fs::read_to_string(corpus.join(dir).join("ORACLE-ios.tsv")) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.splitn(3, '\t').collect();
            let [file, item, summary] = cols[..] else {
                continue;
            };
            let path = corpus.join(dir).join(file);
            let result = appfiling::inspect_path(&path, &appfiling::Options::default());
            let what = format!("{dir}/{file} {item}");
            checked += 1;
            let negative =
                item == "-" || summary == "empty" || summary.contains("plist parse error");
            if negative {
                // The oracle could not read it either: a clean error, or a report that says what is wrong.
                match &result {
                    Err(e) => assert!(e.to_string().contains(file), "{e}"),
                    Ok(p) if item != "-" && item != "profile" => {
                        assert!(
                            p.warnings
                                .iter()
                                .any(|w| w.code.as_str() == "profile_unreadable"),
                            "{what}"
                        )
                    }
                    Ok(_) if summary.contains("plist parse error") => {
                        failures.push(format!("{what}: read a profile the oracle cannot"))
                    }
                    Ok(_) => failures.push(format!("{what}: expected an error")),
                }
                continue;
            }
            if summary.starts_with("not CMS, not plist") {
                continue; // the oracle's own limitation (e.g. a plist without an XML declaration)
            }
            let package = match result {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{what}: {e}"));
                    continue;
                }
            };
            if item == "profile" {
                match package.ios.as_ref().and_then(|d| d.profile.as_ref()) {
                    Some(profile) => check_profile(&what, profile, summary, &mut failures),
                    None => failures.push(format!("{what}: no profile reported")),
                }
            } else if item.ends_with("/Info.plist") {
                for (key, ours) in [
                    ("CFBundleIdentifier", package.package_name.clone()),
                    ("CFBundleShortVersionString", package.version_name.clone()),
                    (
                        "CFBundleVersion",
                        package.ios.as_ref().and_then(|d| d.bundle_version.clone()),
                    ),
                ] {
                    let expected = summary
                        .split(' ')
                        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='));
                    if ours.as_deref() != expected {
                        failures.push(format!("{what}: {key} {ours:?}, oracle {expected:?}"));
                    }
                }
            } else if item.ends_with(".mobileprovision") {
                if item.contains("embedded copy") {
                    continue; // not the profile the app uses
                }
                match profile_at(&package, item) {
                    Some(profile) => check_profile(&what, profile, summary, &mut failures),
                    None => failures.push(format!("{what}: profile not reported")),
                }
            } else if let Some(signatures) = summary.strip_prefix("code-signature: ") {
                let expected: BTreeSet<String> = signatures
                    .split(" || ")
                    .filter_map(|s| {
                        s.split_once(':')?
                            .1
                            .split(' ')
                            .next()
                            .map(str::to_ascii_uppercase)
                    })
                    .collect();
                let ours = package
                    .signers
                    .iter()
                    .find(|s| s.scheme == Scheme::CodeSignature);
                match ours {
                    Some(s) if expected.contains(&s.key.certificate.sha256) => {
                        let filing = package.filing.as_ref().unwrap();
                        assert_eq!(filing.signature_md5_field, s.key.certificate.sha1, "{what}");
                        assert_eq!(filing.public_key, s.key.public_key.modulus_hex, "{what}");
                    }
                    other => failures.push(format!(
                        "{what}: code-signature signer {:?}, oracle {expected:?}",
                        other.map(|s| &s.key.certificate.sha256)
                    )),
                }
            } else if summary.starts_with("executable missing") {
                if !package
                    .warnings
                    .iter()
                    .any(|w| w.code.as_str() == "executable_missing")
                {
                    failures.push(format!("{what}: no executable_missing warning"));
                }
            } else {
                failures.push(format!("{what}: oracle row not understood: {summary}"));
            }
        }
    }
    println!(
        "corpus: {checked} iOS oracle rows checked, {} failures",
        failures.len()
    );
    assert!(checked > 50);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ios_certificates_match_openssl() {
    let Some(corpus) = corpus_dir() else { return };
    let mut seen = BTreeSet::new();
    for dir in DIRS {
        let Ok(entries) = std::fs::read_dir(corpus.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(package) =
                appfiling::inspect_path(&entry.path(), &appfiling::Options::default())
            else {
                continue;
            };
            if package.platform.as_str() != "ios" {
                continue;
            }
            let profile_keys = package
                .ios
                .iter()
                .flat_map(|d| d.profile.iter())
                .flat_map(|p| p.developer_certificates.iter());
            for key in package.signers.iter().map(|s| &s.key).chain(profile_keys) {
                if !seen.insert(key.certificate.sha256.clone()) {
                    continue;
                }
                let ossl = openssl_describe(&key.certificate.der_base64);
                assert_eq!(
                    key.certificate.sha1,
                    ossl.sha1,
                    "{}",
                    Path::new(&package.path).display()
                );
                assert_eq!(key.certificate.md5, ossl.md5);
                if key.public_key.algorithm.as_str() == "RSA" {
                    assert_eq!(key.public_key.modulus_hex, ossl.modulus);
                }
            }
        }
    }
    println!("corpus: {} iOS certificates match openssl", seen.len());
    assert!(seen.len() > 20);
}

//! App bundles and split sets: the project's samples (samples/make-bundle-samples.sh,
//! checked against aapt2, keytool and apksigner in EXPECTED-bundles.tsv) and the
//! corpus's real AABs, checked against live `aapt2 dump badging` and EXPECTED-apk.tsv.

mod common;

use appfiling::report::PackageReport;
use common::{corpus_dir, sample_path, tsv_by, warning_codes};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

fn expected() -> BTreeMap<String, BTreeMap<String, String>> {
    tsv_by(&sample_path("bundles/EXPECTED-bundles.tsv"), "file")
}

/// With the icon file kept, as `sheet` asks.
fn inspect(rel: &str) -> PackageReport {
    let options = appfiling::Options {
        icon: true,
        ..appfiling::Options::default()
    };
    appfiling::inspect_path(&sample_path(rel), &options).unwrap()
}

fn filed_sha256(p: &PackageReport) -> &str {
    &p.filing.as_ref().unwrap().signer_sha256
}

#[test]
fn the_sample_bundle_matches_aapt2_and_keytool() {
    let row = &expected()["sample.aab"];
    let p = inspect("bundles/sample.aab");
    assert_eq!(p.format.as_str(), "aab");
    assert_eq!(p.package_name.as_deref(), Some(row["package"].as_str()));
    assert_eq!(p.version_code.unwrap().to_string(), row["version_code"]);
    assert_eq!(
        p.version_name.as_deref(),
        Some(row["version_name"].as_str())
    );
    assert_eq!(p.min_sdk.unwrap().to_string(), row["min_sdk"]);
    assert_eq!(p.target_sdk.unwrap().to_string(), row["target_sdk"]);
    assert_eq!(p.app_names["default"], row["label"]);
    assert_eq!(p.app_names["zh-CN"], row["label_zh_CN"]);
    assert_eq!(p.app_name.as_deref(), Some(row["label_zh_CN"].as_str()));
    let signer = &p.signers[0].key.certificate;
    assert_eq!(signer.sha1, row["signer_sha1"]);
    assert_eq!(signer.sha256, row["signer_sha256"]);
    assert_eq!(filed_sha256(&p), row["signer_sha256"]);
    assert_eq!(warning_codes(&p), ["play_app_signing"]);
    assert_eq!(p.android.as_ref().unwrap().bundle_modules, ["base"]);
    assert_eq!(p.icon.as_deref(), Some(row["icon"].as_str()));
    // The sheet exports that icon as a standard PNG.
    let icon = appfiling::sheet::icon::export(std::slice::from_ref(&p))
        .unwrap()
        .expect("an icon");
    assert!(icon.png.starts_with(b"\x89PNG"));
}

#[test]
fn split_sets_report_the_base_and_check_every_signer() {
    let rows = expected();
    for (file, base_entry, split_entry) in [
        (
            "sample.apks",
            "splits/base-master.apk",
            "splits/base-xxhdpi.apk",
        ),
        (
            "sample-mixed.apks",
            "splits/base-master.apk",
            "splits/base-xxhdpi.apk",
        ),
        (
            "sample.xapk",
            "dev.appfiling.sample.apk",
            "config.xxhdpi.apk",
        ),
    ] {
        let row = &rows[file];
        let p = inspect(&format!("bundles/{file}"));
        assert_eq!(p.format.as_str(), &file[file.rfind('.').unwrap() + 1..]);
        assert_eq!(p.package_name.as_deref(), Some("dev.appfiling.sample"));
        assert_eq!(filed_sha256(&p), row["signer_sha256"], "{file}");
        let apks = &p.android.as_ref().unwrap().apks;
        let listed: Vec<(&str, Option<&str>, Option<&str>)> = apks
            .iter()
            .map(|a| {
                (
                    a.entry.as_str(),
                    a.split.as_deref(),
                    a.signer_sha256.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                (base_entry, None, Some(row["signer_sha256"].as_str())),
                (
                    split_entry,
                    Some("config.xxhdpi"),
                    Some(row["split_signers_sha256"].as_str())
                ),
            ],
            "{file}"
        );
        let mismatched = row["signer_sha256"] != row["split_signers_sha256"];
        assert_eq!(
            warning_codes(&p).contains(&"split_signer_mismatch"),
            mismatched,
            "{file}: {:?}",
            p.warnings
        );
    }
}

#[test]
fn split_apks_side_by_side_share_the_base_signer() {
    let report = appfiling::inspect_all(
        &[
            sample_path("sample-v1v2v3-rsa.apk"),
            sample_path("bundles/split-xxhdpi.apk"),
        ],
        &appfiling::Options::default(),
    );
    let split = &report.packages[1];
    assert_eq!(warning_codes(split), ["split_apk"]);
    // The EC sample's key is not the split's.
    let report = appfiling::inspect_all(
        &[
            sample_path("sample-v2-ec.apk"),
            sample_path("bundles/split-xxhdpi.apk"),
        ],
        &appfiling::Options::default(),
    );
    let split = &report.packages[1];
    assert_eq!(warning_codes(split), ["split_apk", "split_signer_mismatch"]);
}

/// The base module as a proto-format APK (manifest and resources.pb at the root),
/// which aapt2 reads like any APK.
fn proto_apk(aab: &Path, out: &Path) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(aab).unwrap()).unwrap();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for (from, to) in [
        ("base/manifest/AndroidManifest.xml", "AndroidManifest.xml"),
        ("base/resources.pb", "resources.pb"),
    ] {
        let mut bytes = Vec::new();
        zip.by_name(from).unwrap().read_to_end(&mut bytes).unwrap();
        writer
            .start_file(to, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn corpus_bundles_match_aapt2_and_keytool() {
    let Some(corpus) = corpus_dir() else { return };
    let text = std::fs::read_to_string(corpus.join("EXPECTED-apk.tsv")).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| l.contains(".aab\t")) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (rel, verifies, sha1, sha256) = (cols[0], cols[2] == "yes", cols[7], cols[8]);
        let path = corpus.join(rel);
        let p = appfiling::inspect_path(&path, &appfiling::Options::default()).unwrap();
        assert_eq!(p.format.as_str(), "aab", "{rel}");
        if verifies {
            let cert = &p.signers[0].key.certificate;
            assert_eq!(cert.sha1, sha1.to_uppercase(), "{rel}");
            assert_eq!(cert.sha256, sha256.to_uppercase(), "{rel}");
        } else {
            // keytool rejects its digests; its certificate is still what the bundle carries.
            assert_eq!(p.signers.len(), 1, "{rel}");
        }
        let temp = std::env::temp_dir().join(format!(
            "appfiling-proto-{}-{}.apk",
            std::process::id(),
            checked
        ));
        proto_apk(&path, &temp);
        let out = Command::new("aapt2")
            .args(["dump", "badging"])
            .arg(&temp)
            .output()
            .expect("aapt2 (Debian package aapt) is installed by scripts/test.sh");
        let badging = String::from_utf8_lossy(&out.stdout).into_owned();
        let quoted = |key: &str| -> Option<String> {
            let at = badging.find(key)? + key.len();
            let rest = &badging[at..];
            Some(rest[..rest.find('\'')?].to_string())
        };
        assert_eq!(p.package_name, quoted("package: name='"), "{rel}");
        assert_eq!(
            p.version_code.map(|v| v.to_string()),
            quoted("versionCode='"),
            "{rel}"
        );
        assert_eq!(p.version_name, quoted("versionName='"), "{rel}");
        assert_eq!(
            p.min_sdk.map(|v| v.to_string()),
            quoted("sdkVersion:'"),
            "{rel}"
        );
        assert_eq!(
            p.target_sdk.map(|v| v.to_string()),
            quoted("targetSdkVersion:'"),
            "{rel}"
        );
        for (locale, label) in &p.app_names {
            let key = if locale == "default" {
                "application-label:'".to_string()
            } else {
                format!("application-label-{locale}:'")
            };
            assert_eq!(Some(label.clone()), quoted(&key), "{rel} {locale}");
        }
        // The launcher icon: of the files `aapt2 dump resources` lists for the resource
        // badging names, the highest-density raster (an adaptive XML only when no raster).
        let launcher = quoted("icon='").expect("aapt2 names the icon");
        let resources = Command::new("aapt2")
            .args(["dump", "resources"])
            .arg(&temp)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&temp);
        let dump = String::from_utf8_lossy(&resources.stdout).into_owned();
        let block = dump
            .split("    resource 0x")
            .find(|b| b.contains(&format!("(file) {launcher} ")))
            .expect("the icon's resource");
        let density = |qualifiers: &str| -> u32 {
            let dpi = [
                ("ldpi", 120),
                ("mdpi", 160),
                ("tvdpi", 213),
                ("hdpi", 240),
                ("xhdpi", 320),
                ("xxhdpi", 480),
                ("xxxhdpi", 640),
            ];
            qualifiers
                .split('-')
                .find_map(|q| dpi.iter().find(|(name, _)| *name == q).map(|(_, d)| *d))
                .unwrap_or(0)
        };
        let icon = block
            .lines()
            .filter_map(|l| {
                let (qualifiers, rest) = l.trim().strip_prefix('(')?.split_once(") (file) ")?;
                let path = rest.split(' ').next()?;
                Some((
                    (!path.ends_with(".xml"), density(qualifiers)),
                    format!("base/{path}"),
                ))
            })
            .max()
            .map(|(_, path)| path);
        assert_eq!(p.icon, icon, "{rel}");
        println!(
            "{rel}: {:?} {:?} {:?} matches aapt2",
            p.package_name, p.app_names, p.icon
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "the corpus has three AABs");
}

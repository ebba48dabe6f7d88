//! Batch mode: a directory tree of good, broken and non-package files, read in
//! parallel; JSONL lines, the summary line and the exit code.

mod common;

use common::appfiling;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// tree/
///   android/a.apk, android/deep/b.apk   two good APKs
///   android/broken.apk                  the first 3000 bytes of an APK: a bad package
///   harmony/sample.hap                  a good HAP
///   ios/Sample.app/…                    an unpacked .app, read as one bundle
///   notes.txt, logo.png                 not packages: skipped
fn tree(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("appfiling-batch-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let copy = |from: &str, to: &str| {
        let to = root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(common::sample_path(from), to).unwrap();
    };
    copy("sample-v1v2v3-rsa.apk", "android/a.apk");
    copy("sample-v2-ec.apk", "android/deep/b.apk");
    copy("harmony/sample.hap", "harmony/sample.hap");
    let apk = std::fs::read(common::sample_path("sample-v1-only.apk")).unwrap();
    std::fs::write(root.join("android/broken.apk"), &apk[..3000]).unwrap();
    std::fs::write(root.join("notes.txt"), "release notes\n").unwrap();
    std::fs::write(root.join("logo.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    // An unpacked .app from the IPA sample.
    let ipa = std::fs::File::open(common::sample_path("ios/sample.ipa")).unwrap();
    let mut zip = zip::ZipArchive::new(ipa).unwrap();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        let Ok(inner) = name.strip_prefix("Payload") else {
            continue;
        };
        let to = root.join("ios").join(inner);
        if entry.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::io::copy(&mut entry, &mut std::fs::File::create(&to).unwrap()).unwrap();
        }
    }
    root
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn relative(root: &Path, value: &Value) -> String {
    let path = value["path"].as_str().unwrap();
    Path::new(path)
        .strip_prefix(root)
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn a_tree_of_good_bad_and_other_files() {
    let root = tree("tree");
    for jobs in ["1", "2"] {
        let out = appfiling(&[
            "inspect",
            "--format",
            "jsonl",
            "--sort",
            "--jobs",
            jobs,
            root.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(3), "one bad file makes the exit 3");
        let lines = lines(&out);
        let paths: Vec<String> = lines.iter().map(|l| relative(&root, l)).collect();
        // --sort: the walk's order (by name at each level); the two non-packages skipped.
        assert_eq!(
            paths,
            [
                "android/a.apk",
                "android/broken.apk",
                "android/deep/b.apk",
                "harmony/sample.hap",
                "ios/Sample.app"
            ],
            "jobs {jobs}"
        );
        let expected = common::tsv_by(&common::sample_path("EXPECTED.tsv"), "file");
        assert_eq!(
            lines[0]["filing"]["signer_sha256"],
            expected["sample-v1v2v3-rsa.apk"]["cert_sha256"].as_str()
        );
        assert_eq!(
            lines[2]["filing"]["signer_sha256"],
            expected["sample-v2-ec.apk"]["cert_sha256"].as_str()
        );
        assert_eq!(lines[1]["error"]["code"], "not_a_zip");
        assert!(lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("broken.apk"));
        assert_eq!(lines[3]["platform"], "harmonyos");
        assert_eq!(lines[4]["platform"], "ios");
        assert_eq!(lines[4]["package_name"], "dev.appfiling.sample");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let warnings: usize = lines
            .iter()
            .map(|l| l["warnings"].as_array().map_or(0, Vec::len))
            .sum();
        // stderr is not a terminal here: no progress bar, only the error and the summary.
        assert_eq!(
            stderr.lines().last().unwrap(),
            format!("appfiling: 4 packages, {warnings} warnings, 1 error, 2 other files skipped")
        );
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
        assert!(
            !stderr.contains('\r') && !stderr.contains('\u{1b}'),
            "{stderr:?}"
        );
    }
}

#[test]
fn unsorted_jsonl_streams_every_package_once_and_quiet_drops_the_summary() {
    let root = tree("unsorted");
    let out = appfiling(&[
        "inspect",
        "--format",
        "jsonl",
        "--quiet",
        root.join("android").to_str().unwrap(),
        root.join("harmony").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let mut paths: Vec<String> = lines(&out).iter().map(|l| relative(&root, l)).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "android/a.apk",
            "android/broken.apk",
            "android/deep/b.apk",
            "harmony/sample.hap"
        ]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("packages,"), "{stderr}");
    // A non-package named on the command line is an error, not skipped.
    let out = appfiling(&[
        "inspect",
        "--format",
        "json",
        root.join("notes.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"][0]["code"], "not_a_package");
}

#[test]
fn check_takes_directories_too() {
    let root = tree("check");
    let out = appfiling(&[
        "check",
        "--format",
        "jsonl",
        "--sort",
        "--expect-package",
        "dev.appfiling.sample",
        root.join("android").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let lines = lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["matches"], true);
    assert_eq!(lines[1]["error"]["code"], "not_a_zip");
    assert_eq!(lines[2]["matches"], true);
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The EC sample carries one warning (ec_key).
    assert_eq!(
        stderr.lines().last().unwrap(),
        "appfiling: 2 packages, 1 warning, 1 error, 0 drifted",
        "{stderr}"
    );
}

//! Strict recognition: files that sit beside packages in a build tree and are none
//! (a JSON or plist that is no profile, an Xcode source folder, a large text file or
//! native library) are skipped and counted in a walk, and are `not_a_package` (exit 3)
//! when named. None is ever reported as a package.

mod common;

use common::appfiling;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Gradle's output-metadata.json, beside every APK it builds.
const OUTPUT_METADATA: &str = r#"{
  "version": 3,
  "artifactType": {"type": "APK", "kind": "Directory"},
  "applicationId": "dev.appfiling.sample",
  "variantName": "release",
  "elements": [{"type": "SINGLE", "filters": [], "attributes": [], "versionCode": 1,
                "versionName": "1.0", "outputFile": "app-release.apk"}],
  "elementType": "File"
}"#;

/// Xcode's ExportOptions.plist, beside every IPA it exports.
const EXPORT_OPTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>method</key><string>app-store</string>
  <key>teamID</key><string>ABCDE12345</string>
  <key>signingStyle</key><string>manual</string>
  <key>provisioningProfiles</key><dict><key>dev.appfiling.sample</key><string>Sample Distribution</string></dict>
  <key>uploadSymbols</key><true/>
</dict></plist>
"#;

/// An Xcode project's app source folder: its Info.plist, sources, no executable.
const SOURCE_INFO_PLIST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
  <key>CFBundleIdentifier</key><string>$(PRODUCT_BUNDLE_IDENTIFIER)</string>
  <key>CFBundleExecutable</key><string>$(EXECUTABLE_NAME)</string>
</dict></plist>
"#;

/// A few MB of R8's mapping.txt.
fn mapping_txt() -> Vec<u8> {
    let mut text = String::from("# compiler: R8\n# compiler_version: 8.2.42\n");
    let mut i = 0;
    while text.len() < 6 << 20 {
        text += &format!("dev.appfiling.sample.Class{i} -> a.b{i}:\n    void run() -> a\n");
        i += 1;
    }
    text.into_bytes()
}

/// A native library: an ELF header, then a few MB.
fn elf_so() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    bytes.resize(5 << 20, 0x90);
    bytes
}

/// build/ with one of each, beside one real APK.
fn build_tree() -> PathBuf {
    let root = std::env::temp_dir().join(format!("appfiling-sniff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |rel: &str, bytes: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write(
        "outputs/apk/release/output-metadata.json",
        OUTPUT_METADATA.as_bytes(),
    );
    write("ios/ExportOptions.plist", EXPORT_OPTIONS.as_bytes());
    write("ios/MyApp/Info.plist", SOURCE_INFO_PLIST.as_bytes());
    write("ios/MyApp/AppDelegate.swift", b"import UIKit\n");
    write("outputs/mapping/release/mapping.txt", &mapping_txt());
    write("intermediates/libnative.so", &elf_so());
    std::fs::copy(
        common::sample_path("sample-v2-ec.apk"),
        root.join("outputs/apk/release/app-release.apk"),
    )
    .unwrap();
    root
}

const NOT_PACKAGES: [&str; 5] = [
    "outputs/apk/release/output-metadata.json",
    "ios/ExportOptions.plist",
    "ios/MyApp",
    "outputs/mapping/release/mapping.txt",
    "intermediates/libnative.so",
];

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn non_packages_named_are_not_a_package() {
    let root = build_tree();
    for rel in NOT_PACKAGES {
        let out = appfiling(&["inspect", "--format", "json", path_str(&root.join(rel))]);
        assert_eq!(out.status.code(), Some(3), "{rel}: {out:?}");
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json["packages"].as_array().unwrap().len(),
            0,
            "{rel}: {json}"
        );
        assert_eq!(json["errors"][0]["code"], "not_a_package", "{rel}: {json}");
        let message = json["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(rel) && message.contains("not"),
            "{rel}: {message}"
        );
    }
}

#[test]
fn non_packages_in_a_walk_are_skipped_and_counted() {
    let root = build_tree();
    let out = appfiling(&["inspect", "--format", "jsonl", path_str(&root)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("app-release.apk"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    // As many as NOT_PACKAGES, but not the same: the source folder ios/MyApp is walked into
    // (its two files skipped, not the folder), and intermediates/ is not walked at all.
    assert_eq!(
        stderr.lines().last().unwrap(),
        format!(
            "appfiling: 1 package, 1 warning, 0 errors, {} other files skipped",
            NOT_PACKAGES.len()
        ),
        "{stderr}"
    );
}

/// The library says the same: not a package, whatever the entry point.
#[test]
fn the_library_refuses_them_from_bytes_too() {
    let options = appfiling::Options::default();
    for (name, bytes) in [
        ("output-metadata.json", OUTPUT_METADATA.as_bytes().to_vec()),
        ("ExportOptions.plist", EXPORT_OPTIONS.as_bytes().to_vec()),
        ("mapping.txt", mapping_txt()),
        ("libnative.so", elf_so()),
    ] {
        let err = appfiling::inspect_bytes(name, &bytes, &options).unwrap_err();
        assert_eq!(err.kind.code(), "not_a_package", "{name}: {err}");
    }
}

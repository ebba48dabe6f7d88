//! The release gate on ordinary build output: `check --against` on a Gradle output tree and
//! an Xcode export sees the one package in each and nothing else; a file named like a
//! package that cannot be read fails the gate; hidden directories and node_modules are not
//! walked.

mod common;

use common::{appfiling, sample_path};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Over `MAX_SMALL_FILE` (4 MiB), the size up to which profiles and keystores are read whole.
const LARGE: u64 = 5 << 20;

/// A fresh directory for one test.
fn root(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("appfiling-gate-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    root
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn copy(sample: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(sample_path(sample), to).unwrap();
}

/// `head`, then zeros up to `LARGE` bytes: a sparse file, nothing written past the head.
fn large(path: &Path, head: &[u8]) {
    write(path, head);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(LARGE)
        .unwrap();
}

/// The `inspect --format json` report of a sample, as the filing record.
fn record(root: &Path, sample: &str) -> PathBuf {
    let out = appfiling(&[
        "inspect",
        "--format",
        "json",
        sample_path(sample).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let path = root.join(format!("{}.json", sample.replace('/', "-")));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn check(record: &Path, dir: &Path) -> Output {
    appfiling(&[
        "check",
        "--format",
        "jsonl",
        "--sort",
        "--against",
        record.to_str().unwrap(),
        dir.to_str().unwrap(),
    ])
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The path of each line, relative to `root`.
fn paths(root: &Path, out: &Output) -> Vec<String> {
    lines(out)
        .iter()
        .map(|line| {
            let path = line["path"].as_str().unwrap();
            Path::new(path)
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect()
}

/// An Android module, app/, as Gradle leaves it after `assembleRelease` with R8 and a
/// native library.
fn gradle_tree(root: &Path) -> PathBuf {
    let app = root.join("app");
    let release = app.join("build/outputs/apk/release");
    copy("sample-v1v2v3-rsa.apk", &release.join("app-release.apk"));
    write(
        &release.join("output-metadata.json"),
        br#"{
  "version": 3,
  "artifactType": {
    "type": "APK",
    "kind": "Directory"
  },
  "applicationId": "dev.appfiling.sample",
  "variantName": "release",
  "elements": [
    {
      "type": "SINGLE",
      "filters": [],
      "attributes": [],
      "versionCode": 1,
      "versionName": "1.0",
      "outputFile": "app-release.apk"
    }
  ],
  "elementType": "File"
}
"#,
    );
    // APK Signature Scheme v4's file, beside the APK it signs.
    write(&release.join("app-release.apk.idsig"), b"\x02\x00\x00\x00");
    large(
        &app.join("build/outputs/mapping/release/mapping.txt"),
        b"# compiler: R8\n# compiler_version: 8.5.35\n# min_api: 24\n\
          dev.appfiling.sample.MainActivity -> dev.appfiling.sample.MainActivity:\n",
    );
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\xb7\x00";
    write(
        &app.join("build/outputs/native-debug-symbols/release/native-debug-symbols.zip"),
        &common::zip_of(&[("arm64-v8a/libnative.so.dbg", elf)], true),
    );
    // A React Native source map: JSON, which a HarmonyOS profile is too, over the limit
    // up to which profiles are read.
    large(
        &app.join("build/generated/sourcemaps/react/release/index.android.bundle.map"),
        br#"{"version":3,"sources":["#,
    );
    // Intermediates, not walked: the resource package aapt2 links (an APK with a manifest,
    // unsigned) and the native library before stripping.
    let resources: Vec<(String, Vec<u8>)> =
        common::zip_entries(&std::fs::read(sample_path("sample-v1v2v3-rsa.apk")).unwrap())
            .into_iter()
            .filter(|(name, _)| !name.starts_with("META-INF/") && !name.ends_with(".dex"))
            .collect();
    write(
        &app.join("build/intermediates/processed_res/release/out/resources-release.ap_"),
        &common::zip_of(&resources, true),
    );
    write(
        &app.join("build/intermediates/merged_native_libs/release/out/lib/arm64-v8a/libnative.so"),
        elf,
    );
    // The module's sources.
    write(&app.join("src/main/jniLibs/arm64-v8a/libnative.so"), elf);
    write(
        &app.join("src/main/AndroidManifest.xml"),
        br#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application android:label="@string/app_name" />
</manifest>
"#,
    );
    app
}

/// build/ as `xcodebuild -exportArchive` leaves it, beside the app's source folder.
fn xcode_tree(root: &Path) -> PathBuf {
    let export = root.join("build/export");
    copy("ios/sample.ipa", &export.join("Sample.ipa"));
    write(
        &export.join("ExportOptions.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>method</key>
	<string>app-store</string>
	<key>provisioningProfiles</key>
	<dict>
		<key>dev.appfiling.sample</key>
		<string>Sample Distribution</string>
	</dict>
	<key>signingStyle</key>
	<string>manual</string>
	<key>teamID</key>
	<string>ABCDE12345</string>
</dict>
</plist>
"#,
    );
    write(
        &export.join("DistributionSummary.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Sample.ipa</key>
	<array>
		<dict>
			<key>certificate</key>
			<dict>
				<key>SHA1</key>
				<string>0123456789ABCDEF0123456789ABCDEF01234567</string>
				<key>type</key>
				<string>Apple Distribution</string>
			</dict>
			<key>entitlements</key>
			<dict>
				<key>application-identifier</key>
				<string>ABCDE12345.dev.appfiling.sample</string>
			</dict>
			<key>profile</key>
			<dict>
				<key>UUID</key>
				<string>11111111-2222-3333-4444-555555555555</string>
				<key>name</key>
				<string>Sample Distribution</string>
			</dict>
		</dict>
	</array>
</dict>
</plist>
"#,
    );
    write(&export.join("Packaging.log"), b"2026-11-29 exporting\n");
    // The source folder: an Info.plist with build settings still unexpanded, no executable.
    write(
        &root.join("build/Sample/Info.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>$(EXECUTABLE_NAME)</string>
	<key>CFBundleIdentifier</key>
	<string>$(PRODUCT_BUNDLE_IDENTIFIER)</string>
	<key>CFBundleShortVersionString</key>
	<string>$(MARKETING_VERSION)</string>
</dict>
</plist>
"#,
    );
    write(
        &root.join("build/Sample/AppDelegate.swift"),
        b"import UIKit\n",
    );
    // A framework Xcode built beside the app: an Info.plist and an executable, no app.
    let framework = root.join("build/Build/Products/Release-iphoneos/Pods_Sample.framework");
    write(
        &framework.join("Info.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>Pods_Sample</string>
	<key>CFBundleIdentifier</key>
	<string>org.cocoapods.Pods-Sample</string>
	<key>CFBundlePackageType</key>
	<string>FMWK</string>
</dict>
</plist>
"#,
    );
    write(
        &framework.join("Pods_Sample"),
        b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01",
    );
    // The macOS build of the same app: a bundle appfiling does not read, with a development
    // profile for the same Bundle ID inside. Not entered, not counted.
    let mac = root.join("build/macos/Build/Products/Release/Sample.app/Contents");
    write(
        &mac.join("Info.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>Sample</string>
	<key>CFBundleIdentifier</key>
	<string>dev.appfiling.sample</string>
</dict>
</plist>
"#,
    );
    write(
        &mac.join("MacOS/Sample"),
        b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01",
    );
    copy(
        "ios/sample-development.mobileprovision",
        &mac.join("embedded.provisionprofile"),
    );
    root.join("build")
}

/// Each directory holds one package, among files that are none: `check` reads that one,
/// skips the rest, and passes when it is the filed one; it fails (1) when it is not.
#[test]
fn build_output_holds_one_package_and_the_gate_sees_only_it() {
    let root = root("trees");
    let gradle = gradle_tree(&root.join("android"));
    let xcode = xcode_tree(&root.join("ios"));
    // Another signing key (Android), another Bundle ID (iOS).
    let other_key = record(&root, "sample-v2-ec.apk");
    let other_id = root.join("other-id.json");
    std::fs::write(
        &other_id,
        std::fs::read_to_string(record(&root, "ios/sample.ipa"))
            .unwrap()
            .replace("dev.appfiling.sample", "dev.appfiling.other"),
    )
    .unwrap();
    for (dir, filed, other, drifted, package, skipped) in [
        (
            &gradle,
            "sample-v1v2v3-rsa.apk",
            &other_key,
            "certificate_sha256",
            "build/outputs/apk/release/app-release.apk",
            "7 other files skipped",
        ),
        (
            &xcode,
            "ios/sample.ipa",
            &other_id,
            "package_name",
            "export/Sample.ipa",
            "7 other files skipped",
        ),
    ] {
        let out = check(&record(&root, filed), dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{}: {err}", dir.display());
        assert_eq!(paths(dir, &out), [package], "{err}");
        assert_eq!(lines(&out)[0]["matches"], true);
        assert_eq!(
            err.lines().last().unwrap(),
            format!("appfiling: 1 package, 0 warnings, 0 errors, 0 drifted, {skipped}"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "nothing but the summary: {err}");
        // Against another package's record the one package read fails the gate.
        let out = check(other, dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", dir.display());
        assert_eq!(paths(dir, &out), [package], "{err}");
        assert_eq!(lines(&out)[0]["matches"], false);
        assert_eq!(lines(&out)[0]["differences"][0]["field"], drifted);
        assert!(
            err.contains(&format!("0 errors, 1 drifted, {skipped}")),
            "{err}"
        );
    }
    // The source folder's unexpanded Info.plist is no iOS package.
    let out = appfiling(&["inspect", "--format", "jsonl", xcode.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("$(PRODUCT_BUNDLE_IDENTIFIER)"));
    let _ = std::fs::remove_dir_all(&root);
}

/// An .xcarchive has an Info.plist of its own: it is walked into, and the .app in it read.
#[test]
fn an_xcarchive_is_walked_into() {
    let root = root("xcarchive");
    let archive = root.join("Sample.xcarchive");
    write(
        &archive.join("Info.plist"),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>ArchiveVersion</key>
	<integer>2</integer>
	<key>Name</key>
	<string>Sample</string>
</dict>
</plist>
"#,
    );
    let ipa = std::fs::File::open(sample_path("ios/sample.ipa")).unwrap();
    let mut zip = zip::ZipArchive::new(ipa).unwrap();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let Some(inner) = entry
            .enclosed_name()
            .and_then(|name| Some(name.strip_prefix("Payload").ok()?.to_path_buf()))
        else {
            continue;
        };
        let to = archive.join("Products/Applications").join(inner);
        if !entry.is_dir() {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::io::copy(&mut entry, &mut std::fs::File::create(&to).unwrap()).unwrap();
        }
    }
    let out = check(&record(&root, "ios/sample.ipa"), &archive);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        paths(&archive, &out),
        ["Products/Applications/Sample.app"],
        "{err}"
    );
    assert!(err.ends_with("1 other file skipped\n"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

/// Files that are no package are skipped whatever their size or first bytes: JSON and
/// plists over the size profiles are read up to, and a plist with too many values.
#[test]
fn no_package_is_too_large_to_skip() {
    let root = root("large");
    let dir = root.join("out");
    copy("sample-v1v2v3-rsa.apk", &dir.join("app-release.apk"));
    large(&dir.join("report.json"), b"{\"issues\":[");
    large(
        &dir.join("lint-results.xml"),
        b"<?xml version=\"1.0\"?><issues>",
    );
    large(&dir.join("0-index.txt"), b"0 entries");
    let values = "<true/>".repeat(300_000);
    write(
        &dir.join("Settings.plist"),
        format!("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>a</key><array>{values}</array></dict></plist>")
            .as_bytes(),
    );
    let out = check(&record(&root, "sample-v1v2v3-rsa.apk"), &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(paths(&dir, &out), ["app-release.apk"]);
    assert!(err.ends_with("0 drifted, 4 other files skipped\n"), "{err}");
    assert!(!err.contains("limit"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

/// A file whose name says it is a package and that cannot be read fails the gate (3), named,
/// whether found in a directory or named on the command line.
#[test]
fn a_damaged_package_in_a_directory_fails_the_gate() {
    let root = root("damaged");
    let dir = root.join("release");
    copy("sample-v1v2v3-rsa.apk", &dir.join("app-release.apk"));
    let apk = std::fs::read(sample_path("sample-v1-only.apk")).unwrap();
    let damaged = [
        // Cut short by a failed upload: starts like a zip, has no central directory.
        ("cut-short.apk", apk[..3000].to_vec(), "not a zip archive"),
        // A server's error page saved under the package's name.
        (
            "download.ipa",
            b"<html><body>404 Not Found</body></html>".to_vec(),
            "not a package appfiling reads",
        ),
        (
            "entry.app",
            b"\x00\x01 not a pack".to_vec(),
            "not a package appfiling reads",
        ),
        (
            "Sample.mobileprovision",
            b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>method</key><string>app-store</string></dict></plist>".to_vec(),
            "not a provisioning profile",
        ),
    ];
    for (name, bytes, _) in &damaged {
        write(&dir.join(name), bytes);
    }
    large(&dir.join("huge.p12"), b"0\x82");
    // An .app folder without its Info.plist.
    write(
        &dir.join("Broken.app/Frameworks/x.dylib"),
        b"\xcf\xfa\xed\xfe",
    );
    let out = check(&record(&root, "sample-v1v2v3-rsa.apk"), &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let damaged = damaged
        .into_iter()
        .map(|(name, _, words)| (name, words))
        .chain([("Broken.app", "a directory without Info.plist")]);
    for (name, words) in damaged {
        let line = err
            .lines()
            .find(|line| line.contains(&*dir.join(name).to_string_lossy()))
            .unwrap_or_else(|| panic!("{name} is not named: {err}"));
        assert!(line.contains(words), "{name}: {line}");
    }
    assert!(err.contains("huge.p12: the file is"), "{err}");
    assert_eq!(
        err.lines().last().unwrap(),
        "appfiling: 1 package, 0 warnings, 6 errors, 0 drifted",
        "{err}"
    );
    let codes: Vec<Value> = lines(&out)
        .iter()
        .filter_map(|line| line.get("error").map(|e| e["code"].clone()))
        .collect();
    assert_eq!(
        codes,
        [
            "not_a_package",
            "not_a_package",
            "not_a_zip",
            "not_a_package",
            "not_a_package",
            "file_too_large"
        ]
        .map(Value::from),
        "in name order: {err}"
    );
    // Named on the command line, the same file is the same error.
    let out = appfiling(&["inspect", dir.join("download.ipa").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("download.ipa: not a package appfiling reads"));
    let _ = std::fs::remove_dir_all(&root);
}

/// .git, .gradle, .idea and node_modules hold copies and caches, not the build: their
/// packages (another key's here) are not read. Named on the command line, one is.
#[test]
fn hidden_directories_and_node_modules_are_not_walked() {
    let root = root("hidden");
    let project = root.join("project");
    copy("sample-v1v2v3-rsa.apk", &project.join("app-release.apk"));
    for hidden in [
        ".git/lfs/objects/ab/app.apk",
        ".gradle/caches/app.apk",
        ".idea/broken.apk",
        "node_modules/some-sdk/android/.build/app.apk",
    ] {
        copy("sample-v2-ec.apk", &project.join(hidden));
    }
    write(&project.join(".idea/broken.apk"), b"not an apk");
    let filed = record(&root, "sample-v1v2v3-rsa.apk");
    let out = check(&filed, &project);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(paths(&project, &out), ["app-release.apk"], "{err}");
    assert_eq!(
        err.lines().last().unwrap(),
        "appfiling: 1 package, 0 warnings, 0 errors, 0 drifted",
        "{err}"
    );
    let out = check(&filed, &project.join(".gradle"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(paths(&project, &out), [".gradle/caches/app.apk"]);
    // A directory whose packages are all in a directory not walked: nothing found, and the
    // error says where the walk did not look.
    let node = project.join("node_modules");
    let out = check(&filed, &node);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "{}: not a package appfiling reads: no package found in the directory: no file was \
             read in it; not searched: some-sdk/android/.build (hidden directories, node_modules",
            node.display()
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A link named like a package whose target is gone (a `latest.apk` left pointing at a
/// deleted build) is an error, not a package that silently went missing.
#[cfg(unix)]
#[test]
fn a_dangling_link_named_like_a_package_fails_the_gate() {
    let root = root("dangling");
    let dir = root.join("release");
    copy("sample-v1v2v3-rsa.apk", &dir.join("app-release.apk"));
    std::os::unix::fs::symlink(dir.join("gone.apk"), dir.join("latest.apk")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.txt"), dir.join("notes.txt")).unwrap();
    let out = check(&record(&root, "sample-v1v2v3-rsa.apk"), &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "{}: cannot read the file",
            dir.join("latest.apk").display()
        )),
        "{err}"
    );
    assert_eq!(
        err.lines().last().unwrap(),
        "appfiling: 1 package, 0 warnings, 1 error, 0 drifted",
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// hvigor leaves the unsigned HAP beside the signed one it made: the unsigned one is not
/// what ships, and is skipped; alone, it is read, and fails the gate as unsigned.
#[test]
fn an_unsigned_build_beside_its_signed_twin_is_skipped() {
    let root = root("twins");
    let outputs = root.join("entry/build/default/outputs/default");
    copy(
        "harmony/sample.hap",
        &outputs.join("entry-default-signed.hap"),
    );
    // The same entries, rewritten: no signing block.
    let entries = common::zip_entries(&std::fs::read(sample_path("harmony/sample.hap")).unwrap());
    write(
        &outputs.join("entry-default-unsigned.hap"),
        &common::zip_of(&entries, true),
    );
    write(
        &outputs.join("pack.info"),
        br#"{"summary":{"app":{"bundleName":"dev.appfiling.sample"}}}"#,
    );
    let filed = record(&root, "harmony/sample.hap");
    let out = check(&filed, &outputs);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(paths(&outputs, &out), ["entry-default-signed.hap"], "{err}");
    assert_eq!(
        err.lines().last().unwrap(),
        "appfiling: 1 package, 1 warning, 0 errors, 0 drifted, 2 other files skipped",
        "{err}"
    );
    std::fs::remove_file(outputs.join("entry-default-signed.hap")).unwrap();
    let out = check(&filed, &outputs);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        paths(&outputs, &out),
        ["entry-default-unsigned.hap"],
        "{err}"
    );
    assert_eq!(lines(&out)[0]["differences"][0]["found"], "(unsigned)");
    let _ = std::fs::remove_dir_all(&root);
}

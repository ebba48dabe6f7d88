//! Nested-package budgets, planted symlinks, FIFOs and devices, oversized option files and partial output.

use crate::{common, sample};
use std::path::{Path, PathBuf};

/// Budgets of docs/security.md for one input.
const RSS_PLAIN_MIB: u64 = 64;

/// A stored zip whose last central-directory record is pointed at the local file of the
/// one before it: two names, one set of bytes.
fn overlapping(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = common::zip_of(entries, false);
    let records: Vec<usize> = zip
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x50, 0x4b, 0x01, 0x02])
        .map(|(i, _)| i)
        .collect();
    let [.., before, last] = records[..] else {
        panic!("two central-directory records expected")
    };
    let offset: [u8; 4] = zip[before + 42..before + 46].try_into().unwrap();
    zip[last + 42..last + 46].copy_from_slice(&offset);
    zip
}

/// A split set whose two APKs share one local file.
fn overlapping_apks() -> Vec<u8> {
    let apk = sample("sample-v1v2v3-rsa.apk");
    overlapping(&[
        ("toc.pb", b""),
        ("base.apk", &apk),
        ("split.apk", b"padding"),
    ])
}

/// An .app pack whose two modules share one local file.
fn overlapping_pack() -> Vec<u8> {
    let pack = common::zip_entries(&sample("harmony/sample.app"));
    let hap = &pack.iter().find(|(n, _)| n.ends_with(".hap")).unwrap().1;
    let info = &pack.iter().find(|(n, _)| n == "pack.info").unwrap().1;
    overlapping(&[
        ("pack.info", info),
        ("entry-default.hap", hap),
        ("feature-default.hap", b"padding"),
    ])
}

/// A split set whose base APK is broken: its manifest is not binary XML.
fn set_with_broken_base() -> Vec<u8> {
    let mut base = common::zip_entries(&sample("sample-v1v2v3-rsa.apk"));
    for (name, bytes) in &mut base {
        if name == "AndroidManifest.xml" {
            *bytes = b"<manifest package=\"not.binary\"/>".to_vec();
        }
    }
    let base = common::zip_of(&base, true);
    common::zip_of(&[("toc.pb", &b""[..]), ("base.apk", &base)], false)
}

/// Not a zip and over the 4 MiB cap for profiles, certificates and keystores.
fn large_plain_file() -> Vec<u8> {
    let mut bytes = vec![b'x'; (4 << 20) + 1];
    bytes[0] = 0x30;
    bytes
}

pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    vec![
        ("overlapping.apks".into(), overlapping_apks()),
        ("overlapping.app".into(), overlapping_pack()),
        ("broken-base.apks".into(), set_with_broken_base()),
        ("large.p7b".into(), large_plain_file()),
    ]
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn overlapping_nested_entries_are_refused() {
    for (name, bytes) in [
        ("overlapping.apks", overlapping_apks()),
        ("overlapping.app", overlapping_pack()),
    ] {
        let path = common::temp_file("hostile-files", name, &bytes);
        let run = common::appfiling_limited(&["inspect", path_str(&path)]);
        run.assert_within(name, 3, RSS_PLAIN_MIB);
        assert!(
            run.stderr.contains(name) && run.stderr.contains("overlap"),
            "{name}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_split_set_says_why_its_base_failed() {
    let path = common::temp_file("hostile-files", "broken-base.apks", &set_with_broken_base());
    let run = common::appfiling_limited(&["inspect", path_str(&path)]);
    run.assert_within("broken base", 3, RSS_PLAIN_MIB);
    assert!(
        run.stderr
            .contains("the split set has no readable base APK")
            && run.stderr.contains("base.apk: entry AndroidManifest.xml"),
        "{}",
        run.stderr
    );
}

/// A fresh, empty folder for TMPDIR.
fn empty_temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("appfiling-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Nested packages are read in place or in memory: no temporary file is ever made, so
/// nothing can be planted in their way and nothing is left behind, even after a kill.
#[test]
fn nested_packages_leave_no_temporary_file() {
    let tmp = empty_temp_dir("hostile-tmpdir");
    for (rel, format) in [
        ("bundles/sample.apks", "apks"),
        ("harmony/sample.app", "app"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(["inspect", "--format", "json"])
            .arg(common::sample_path(rel))
            .env("TMPDIR", &tmp)
            .output()
            .unwrap();
        assert!(output.status.success(), "{rel}: {output:?}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["packages"][0]["format"], format);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "{rel}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = empty_temp_dir("hostile-fifo");
    let fifo = dir.join("waiting.apk");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    // Nobody ever writes to the FIFO: opening it for reading the usual way would block.
    for (path, words) in [
        (path_str(&fifo), "a FIFO (named pipe), not a regular file"),
        ("/dev/zero", "a character device, not a regular file"),
    ] {
        let run = common::appfiling_limited(&["inspect", path]);
        run.assert_within(path, 3, RSS_PLAIN_MIB);
        assert!(
            run.stderr.contains(path) && run.stderr.contains(words),
            "{path}: {}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_large_plain_file_is_named_as_a_file() {
    let path = common::temp_file("hostile-files", "large.p7b", &large_plain_file());
    let run = common::appfiling_limited(&["inspect", "--format", "json", path_str(&path)]);
    run.assert_within("large file", 3, RSS_PLAIN_MIB);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"][0]["code"], "file_too_large");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("the file is 4194305 bytes") && !message.contains("entry"),
        "{message}"
    );
}

#[test]
fn option_files_are_read_through_a_cap() {
    let apk = common::sample_path("sample-v1v2v3-rsa.apk");
    let apk = path_str(&apk);
    let p12 = common::sample_path("ios/sample-distribution.p12");
    for (args, words) in [
        (
            vec!["check", "--against", "/dev/zero", apk],
            "--against: /dev/zero is larger than the 16777216-byte limit",
        ),
        (
            vec!["sheet", "--config", "/dev/zero", apk],
            "--config: /dev/zero is larger than the 1048576-byte limit",
        ),
        (
            vec!["inspect", "--password-file", "/dev/zero", path_str(&p12)],
            "--password-file: /dev/zero is larger than the 65536-byte limit",
        ),
    ] {
        let run = common::appfiling_limited(&args);
        run.assert_within(args[0], 2, RSS_PLAIN_MIB);
        assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
    }
}

/// `sheet -o X --icon X` once wrote the sheet, then failed on the icon.
#[test]
fn sheet_outputs_are_checked_before_anything_is_written() {
    let dir = empty_temp_dir("hostile-outputs");
    let apk = common::sample_path("sample-v1v2v3-rsa.apk");
    let same = dir.join("sheet.png");
    let run = common::appfiling_limited(&[
        "sheet",
        "-o",
        path_str(&same),
        "--icon",
        path_str(&same),
        path_str(&apk),
    ]);
    run.assert_within("same output", 2, 512);
    assert!(
        run.stderr.contains("-o and --icon name the same file"),
        "{}",
        run.stderr
    );
    assert!(!same.exists(), "nothing is written");

    // A symlink planted at the output: refused without --force; with it, the link is
    // replaced and the file it pointed to is left alone.
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let planted = dir.join("sheet.txt");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let run = common::appfiling_limited(&["sheet", "-o", path_str(&planted), path_str(&apk)]);
    run.assert_within("planted link", 2, 512);
    assert!(
        run.stderr.contains("exists: pass --force"),
        "{}",
        run.stderr
    );
    let run =
        common::appfiling_limited(&["sheet", "--force", "-o", path_str(&planted), path_str(&apk)]);
    assert_eq!(run.signal, None, "{run:#?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(&planted).unwrap().is_symlink());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A record file just under the `--against` cap, made of many tiny values: memory follows
/// what it files, not the values it carries (a JSON tree of it took 660 MB).
#[test]
fn a_large_against_file_costs_what_it_files() {
    let package = r#"{"path":"x.apk","filing":{"platform":"android","package_name":"a.b",
        "signature_md5_field":"00112233445566778899AABBCCDDEEFF","signature_md5_algorithm":"md5",
        "signer_sha256":"AA"},"pad":[[1],[2],{"a":1},[1],[2],{"a":1},[1],[2],{"a":1},[1],[2],{"a":1}]}"#;
    let count = 15_000_000 / (package.len() + 1);
    let json = format!("{{\"packages\":[{}]}}", vec![package; count].join(","));
    let against = common::temp_file("hostile-files", "against.json", json.as_bytes());
    let apk = common::sample_path("sample-v1v2v3-rsa.apk");
    let run =
        common::appfiling_limited(&["check", "--against", path_str(&against), path_str(&apk)]);
    // The sample's key is not the one on record: drift, exit 1.
    run.assert_within("large --against", 1, RSS_PLAIN_MIB);
    assert!(
        run.stdout.contains("the signing key changed"),
        "{}",
        run.stdout
    );
}

/// A zip listing 200,001 entries: the zip reader would keep some 200 bytes for each.
fn too_many_entries() -> Vec<u8> {
    let entries: Vec<(String, &[u8])> =
        (0..200_001).map(|i| (format!("{i:x}"), &b""[..])).collect();
    common::zip_of(&entries, false)
}

#[test]
fn a_zip_listing_too_many_entries_is_refused_before_it_is_read() {
    let path = common::temp_file("hostile-files", "many-entries.apk", &too_many_entries());
    let run = common::appfiling_limited(&["inspect", path_str(&path)]);
    run.assert_within("many entries", 3, RSS_PLAIN_MIB);
    assert!(
        run.stderr
            .contains("its central directory lists 200001 entries, over the limit of 200000"),
        "{}",
        run.stderr
    );
}

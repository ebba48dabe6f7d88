//! Hostile input: zip bombs, truncation and corruption give errors or
//! warnings, never a panic or an unbounded allocation. Each class of crafted
//! input of docs/security.md is built by the module named after its area; each
//! run of the binary is held to the memory and CPU budgets there.

mod common;

#[path = "hostile/android.rs"]
mod android;
#[path = "hostile/cms_ios.rs"]
mod cms_ios;
#[path = "hostile/files.rs"]
mod files;
#[path = "hostile/harmony_keys_icon.rs"]
mod harmony_keys_icon;
#[path = "hostile/output.rs"]
mod output;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zip::write::SimpleFileOptions;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(common::sample_path(name)).unwrap()
}

/// Inspects `bytes` written to a file; panics only if the library panicked.
fn inspect_bytes(name: &str, bytes: &[u8]) -> Result<appfiling::PackageReport, appfiling::Error> {
    let path = common::temp_file("hostile", name, bytes);
    catch_unwind(AssertUnwindSafe(|| {
        appfiling::inspect_path(&path, &appfiling::Options::default())
    }))
    .unwrap_or_else(|_| panic!("panicked on {name} ({} bytes)", bytes.len()))
}

fn bomb(declared_size: Option<u32>) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("AndroidManifest.xml", options).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    let mut bytes = buffer.into_inner();
    if let Some(size) = declared_size {
        // Lie about the uncompressed size in the local header (offset 22) and the central directory (offset 24).
        bytes[22..26].copy_from_slice(&size.to_le_bytes());
        let cd = bytes
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&size.to_le_bytes());
    }
    bytes
}

#[test]
fn zip_bombs_stop_at_the_limit() {
    let err = inspect_bytes("bomb.apk", &bomb(None)).unwrap_err();
    assert_eq!(err.kind.code(), "entry_too_large", "{err}");
    assert!(err.to_string().contains("AndroidManifest.xml"));

    // A header that claims 1 KiB while the data inflates to 64 MiB.
    let err = inspect_bytes("lying-bomb.apk", &bomb(Some(1024))).unwrap_err();
    assert_eq!(err.kind.code(), "entry_too_large", "{err}");
}

#[test]
fn every_truncation_of_a_signed_apk_is_handled() {
    let apk = sample("sample-rotation.apk");
    let mut outcomes = (0, 0);
    for len in (0..apk.len()).step_by(97).chain(apk.len() - 64..apk.len()) {
        match inspect_bytes("truncated.apk", &apk[..len]) {
            Ok(_) => outcomes.0 += 1,
            Err(e) => {
                assert!(e.to_string().contains("truncated.apk"));
                outcomes.1 += 1;
            }
        }
    }
    assert!(outcomes.1 > 0);
}

#[test]
fn corrupted_bytes_anywhere_never_panic() {
    // A fixed pseudo-random walk over the whole file: reproducible, no dependency.
    let original = sample("sample-rotation.apk");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..400 {
        let mut apk = original.clone();
        for _ in 0..4 {
            let at = (next() % apk.len() as u64) as usize;
            apk[at] = next() as u8;
        }
        if let Err(e) = inspect_bytes("corrupt.apk", &apk) {
            assert!(e.to_string().contains("corrupt.apk"), "{e}");
        }
    }
}

#[test]
fn a_broken_signing_block_is_a_warning_not_a_failure() {
    let mut apk = sample("sample-v1v2v3-rsa.apk");
    let magic = apk
        .windows(16)
        .rposition(|w| w == b"APK Sig Block 42")
        .unwrap();
    // The size field in the footer, just before the magic.
    apk[magic - 8..magic].copy_from_slice(&u64::MAX.to_le_bytes());
    let report = inspect_bytes("bad-block.apk", &apk).unwrap();
    assert!(report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "signing_block_malformed"));
    // v1 is still there and still filed.
    assert_eq!(
        report.filing.unwrap().signer_scheme,
        appfiling::report::Scheme::V1
    );
}

/// iOS and HarmonyOS packages and profiles, Android bundles, split sets and
/// keystores, truncated and corrupted at every step of a fixed walk: a report or
/// an error naming the file, never a panic.
#[test]
fn other_platforms_survive_truncation_and_corruption() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in [
        "ios/sample.ipa",
        "ios/sample.mobileprovision",
        "ios/sample-chain.pem",
        "harmony/sample.hap",
        "harmony/sample.app",
        "harmony/sample-release.p7b",
        "detect/sample-detect.apk",
        "bundles/sample.aab",
        "bundles/sample.apks",
        "bundles/sample.xapk",
        "keystores/release.jks",
        "keystores/release.jceks",
    ] {
        let original = sample(name);
        let file = name.replace('/', "-");
        for len in (0..original.len()).step_by((original.len() / 40).max(1)) {
            if let Err(e) = inspect_bytes(&file, &original[..len]) {
                assert!(e.to_string().contains(&file), "{e}");
            }
        }
        for _ in 0..60 {
            let mut corrupt = original.clone();
            for _ in 0..4 {
                let at = (next() % corrupt.len() as u64) as usize;
                corrupt[at] = next() as u8;
            }
            let path = common::temp_file("hostile", &file, &corrupt);
            let options = appfiling::Options {
                detect: true,
                ..appfiling::Options::default()
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                appfiling::inspect_path(&path, &options)
            }));
            assert!(outcome.is_ok(), "{name}: panicked on a corrupted copy");
        }
    }
}

/// A folder of good packages with every crafted input beside them, read as one batch
/// with and without detection: nothing aborts, the good packages are all reported, each
/// crafted input gets a line of its own, and the run stays within the memory budget.
#[test]
fn a_batch_of_good_packages_and_every_hostile_input_reports_the_good_ones() {
    let dir = std::env::temp_dir().join(format!("appfiling-hostile-batch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let good = [
        ("sample-v1v2v3-rsa.apk", "android"),
        ("harmony/sample.hap", "harmonyos"),
        ("ios/sample.ipa", "ios"),
    ];
    for (rel, _) in good {
        std::fs::copy(common::sample_path(rel), dir.join(rel.replace('/', "-"))).unwrap();
    }
    let crafted: Vec<(String, Vec<u8>)> = [
        cms_ios::hostile_inputs(),
        android::hostile_inputs(),
        harmony_keys_icon::hostile_inputs(),
        files::hostile_inputs(),
        output::hostile_inputs(),
    ]
    .concat();
    for (name, bytes) in &crafted {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let dir_arg = dir.to_str().unwrap();
    for detect in [false, true] {
        let mut args = vec!["inspect", "--format", "jsonl", "--sort", dir_arg];
        if detect {
            args.push("--detect");
        }
        let run = common::appfiling_limited(&args);
        assert!(
            run.signal.is_none() && matches!(run.code, Some(0 | 3)),
            "detect={detect}: {run:#?}"
        );
        assert!(run.peak_rss_mib <= 512, "detect={detect}: {run:#?}");
        let lines: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for (rel, platform) in good {
            let file = rel.replace('/', "-");
            let line = lines
                .iter()
                .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(&file)))
                .unwrap_or_else(|| panic!("detect={detect}: no line for {file}: {run:#?}"));
            assert_eq!(line["platform"], platform, "{file}");
            assert_eq!(line["package_name"], "dev.appfiling.sample", "{file}");
        }
        for (name, _) in &crafted {
            assert!(
                lines.iter().any(|l| l["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(name.as_str()))),
                "detect={detect}: no line for the crafted {name}: {run:#?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

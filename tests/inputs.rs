//! One package, three ways in: a path, a byte slice and a reader give the same report
//! (the same error for what is not a package), icon file included.

mod common;

use appfiling::{Error, Options, PackageReport};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// What a report says: its JSON, and the icon file kept for the sheet.
fn view(result: Result<PackageReport, Error>) -> String {
    match result {
        Ok(report) => format!(
            "{}\n{:?}",
            serde_json::to_string(&report).unwrap(),
            report.icon_file.map(|icon| (icon.name, icon.bytes))
        ),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn bytes_and_readers_give_the_report_of_the_path() {
    let options = Options {
        detect: true,
        icon: true,
        ..Options::default()
    };
    let mut samples = Vec::new();
    files(&common::sample_path(""), &mut samples);
    samples.sort();
    let mut packages = 0;
    for path in samples {
        let name = path.to_str().unwrap();
        let by_path = view(appfiling::inspect_path(&path, &options));
        let bytes = std::fs::read(&path).unwrap();
        let by_bytes = view(appfiling::inspect_bytes(name, &bytes, &options));
        assert_eq!(by_bytes, by_path, "{name}: bytes");
        let reader = std::io::Cursor::new(bytes);
        let by_reader = view(appfiling::inspect_reader(name, reader, &options));
        assert_eq!(by_reader, by_path, "{name}: reader");
        packages += usize::from(!by_path.starts_with("error"));
    }
    // Every sample package, split set and pack, not only the errors.
    assert!(packages >= 20, "{packages} packages read");
}

/// bundletool leaves each density's icon to that density's split: the set's icon file is
/// found there when the base lacks it.
#[test]
fn a_split_set_finds_its_icon_in_a_density_split() {
    let mut set =
        common::zip_entries(&std::fs::read(common::sample_path("bundles/sample.apks")).unwrap());
    let icon = "res/mipmap-xxhdpi-v4/ic_launcher.png";
    let apk_at = |set: &[(String, Vec<u8>)], suffix: &str| {
        set.iter().position(|(n, _)| n.ends_with(suffix)).unwrap()
    };
    let base = apk_at(&set, "base-master.apk");
    let mut base_entries = common::zip_entries(&set[base].1);
    let at = base_entries.iter().position(|(n, _)| n == icon).unwrap();
    let icon_bytes = Some(base_entries.remove(at).1);
    set[base].1 = common::zip_of(&base_entries, true);
    let split = apk_at(&set, "base-xxhdpi.apk");
    let mut split_entries = common::zip_entries(&set[split].1);
    split_entries.push((icon.to_string(), icon_bytes.clone().unwrap()));
    set[split].1 = common::zip_of(&split_entries, true);
    let entries = set;
    let options = Options {
        icon: true,
        ..Options::default()
    };
    let report =
        appfiling::inspect_bytes("density.apks", &common::zip_of(&entries, false), &options)
            .unwrap();
    assert_eq!(report.icon.as_deref(), Some(icon));
    let kept = report.icon_file.expect("the icon file");
    assert_eq!(kept.name, icon);
    assert_eq!(kept.bytes.ok(), icon_bytes);
}

//! SDK detection measured on real vendor binaries (`../shared/corpus-sdk`, see its
//! README): recall, precision, and vendor and category agreement against
//! `EXPECTED-sdk.json`, which was written from what was put into each package.

mod common;

use appfiling::Options;
use serde_json::Value;
use std::collections::BTreeSet;

use common::{json_strings as strings, ratio};

#[derive(Default)]
struct Tally {
    required: usize,
    found_required: usize,
    reported: usize,
    reported_right: usize,
    attributes: usize,
    vendor_right: usize,
    category_right: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.required += other.required;
        self.found_required += other.found_required;
        self.reported += other.reported;
        self.reported_right += other.reported_right;
        self.attributes += other.attributes;
        self.vendor_right += other.vendor_right;
        self.category_right += other.category_right;
    }
}

#[test]
fn sdk_detection_holds_on_real_vendor_binaries() {
    let Some(dir) = common::corpus_sdk_dir() else {
        return;
    };
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("EXPECTED-sdk.json")).unwrap()).unwrap();
    let catalog = expected["catalog"].as_object().unwrap();
    let files = expected["files"].as_object().unwrap();
    assert!(
        files.len() >= 9,
        "EXPECTED-sdk.json lists {} files",
        files.len()
    );
    let options = Options {
        detect: true,
        ..Options::default()
    };
    let mut total = Tally::default();
    for (name, file) in files {
        let report = appfiling::inspect_path(&dir.join(name), &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let detection = report.detection.expect("detection was asked for");
        let reported: BTreeSet<&str> = detection.sdks.iter().map(|s| s.id.as_str()).collect();
        let mut tally = Tally::default();
        // Every rule id that counts as an SDK in this file is a right report.
        let mut allowed = BTreeSet::new();
        let mut missed = Vec::new();
        for sdk in file["sdks"].as_array().unwrap() {
            let key = sdk["sdk"].as_str().unwrap();
            let ids = strings(&catalog[key]["appfiling_ids"]);
            allowed.extend(ids.iter().copied());
            if sdk["required"].as_bool().unwrap_or(true) {
                tally.required += 1;
                if ids.iter().any(|id| reported.contains(id)) {
                    tally.found_required += 1;
                } else {
                    missed.push(key);
                }
            }
        }
        let mut wrong = Vec::new();
        for sdk in &detection.sdks {
            tally.reported += 1;
            if !allowed.contains(sdk.id.as_str()) {
                wrong.push(sdk.id.as_str());
                continue;
            }
            tally.reported_right += 1;
            // The catalog entries this rule id counts for, in this file.
            let entries: Vec<&Value> = file["sdks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| &catalog[s["sdk"].as_str().unwrap()])
                .filter(|entry| strings(&entry["appfiling_ids"]).contains(&sdk.id.as_str()))
                .collect();
            tally.attributes += 1;
            let vendor_right = entries.iter().any(|entry| {
                let vendor = entry["vendor"].as_str().unwrap_or_default();
                sdk.vendor.contains(vendor)
                    || vendor.contains(sdk.vendor.as_str())
                    || strings(&entry["vendor_aliases"])
                        .iter()
                        .any(|alias| sdk.vendor.contains(alias))
            });
            let category_right = entries.iter().any(|entry| {
                strings(&entry["category_ok"]).contains(&sdk.category.as_str())
                    || entry["category"].as_str() == Some(sdk.category.as_str())
            });
            tally.vendor_right += usize::from(vendor_right);
            tally.category_right += usize::from(category_right);
            if !vendor_right || !category_right {
                println!(
                    "  {name}: {} says vendor {:?}, category {:?}",
                    sdk.id, sdk.vendor, sdk.category
                );
            }
        }
        println!(
            "{name}: recall {}/{} precision {}/{} vendor {}/{} category {}/{}; reported {:?}; missed {:?}; wrong {:?}",
            tally.found_required,
            tally.required,
            tally.reported_right,
            tally.reported,
            tally.vendor_right,
            tally.attributes,
            tally.category_right,
            tally.attributes,
            reported,
            missed,
            wrong
        );
        total.add(&tally);
    }
    let recall = ratio(total.found_required, total.required);
    let precision = ratio(total.reported_right, total.reported);
    let vendor = ratio(total.vendor_right, total.attributes);
    let category = ratio(total.category_right, total.attributes);
    println!(
        "TOTAL: SDK recall {recall:.2} ({}/{}), precision {precision:.2} ({}/{}), vendor agreement {vendor:.2}, category agreement {category:.2}",
        total.found_required, total.required, total.reported_right, total.reported
    );
    common::assert_sdk_targets(recall, precision);
    assert_eq!(total.vendor_right, total.attributes, "vendor disagrees");
    assert_eq!(total.category_right, total.attributes, "category disagrees");
}

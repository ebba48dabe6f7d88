//! Own-domain suggestions measured on real SDK binaries (../shared/corpus-sdk): per file,
//! EXPECTED-sdk.json lists the app's own hosts; every other host in the package is SDK or
//! library code, and offering it as the app's own would file it to the regulator.

mod common;

use appfiling::report::{DetectedDomain, DomainClass};
use appfiling::Options;
use std::collections::BTreeSet;

/// Own-domain precision the suggestions must keep: issue 15's target (0.10 before hosts
/// were attributed to the code that holds them).
use common::{ratio, OWN_DOMAIN_PRECISION_FLOOR as PRECISION_FLOOR};
/// Own-domain recall: the figure reached, so that precision is not bought by offering
/// nothing (an iOS executable's strings are never called the app's own: the linker
/// merges them with its static libraries').
const RECALL_FLOOR: f64 = 0.5;

/// The hosts appfiling offers as the app's own (what `--accept-detected-domains` files).
fn offered_as_own(domains: &[DetectedDomain]) -> BTreeSet<String> {
    domains
        .iter()
        .filter(|d| d.class == DomainClass::Own)
        .map(|d| d.host.clone())
        .collect()
}

#[test]
fn own_domain_suggestions_are_precise_on_real_sdk_binaries() {
    let Some(dir) = common::corpus_sdk_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("EXPECTED-sdk.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let files = expected["files"]
        .as_object()
        .expect("EXPECTED-sdk.json has files");
    let options = Options {
        detect: true,
        ..Options::default()
    };
    let (mut offered_total, mut right_total, mut own_total, mut found_total) = (0, 0, 0, 0);
    for (name, entry) in files {
        let own: BTreeSet<String> = entry["own_hosts"]
            .as_array()
            .expect("own_hosts is a list")
            .iter()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect();
        let report = appfiling::inspect_path(&dir.join(name), &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let detection = report.detection.expect("detection was asked for");
        let offered = offered_as_own(&detection.domains);
        let classes: Vec<String> = detection
            .domains
            .iter()
            .map(|d| match &d.third_party {
                Some(sdk) => format!("{} {:?} {sdk}", d.host, d.class),
                None => format!("{} {:?}", d.host, d.class),
            })
            .collect();
        println!("{name}: {}", classes.join(", "));
        let right = offered.intersection(&own).count();
        let wrong: Vec<&String> = offered.difference(&own).collect();
        let missed: Vec<&String> = own.difference(&offered).collect();
        println!(
            "{name}: own-domain precision {:.2} ({right} of {}), recall {:.2} ({right} of {}); \
             wrongly offered {wrong:?}; missed {missed:?}",
            ratio(right, offered.len()),
            offered.len(),
            ratio(right, own.len()),
            own.len(),
        );
        offered_total += offered.len();
        right_total += right;
        own_total += own.len();
        found_total += right;
    }
    let precision = ratio(right_total, offered_total);
    let recall = ratio(found_total, own_total);
    println!(
        "TOTAL: own-domain precision {precision:.2} ({right_total} of {offered_total}), \
         recall {recall:.2} ({found_total} of {own_total})"
    );
    assert!(
        precision >= PRECISION_FLOOR,
        "own-domain precision {precision:.2} is below {PRECISION_FLOOR}"
    );
    assert!(
        recall >= RECALL_FLOOR,
        "own-domain recall {recall:.2} is below {RECALL_FLOOR}"
    );
}

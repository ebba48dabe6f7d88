//! 服务语言 on packages nobody here wrote: the real-SDK corpus against its
//! EXPECTED-sdk.json, and real shipped APKs whose only translations are
//! AppCompat's (they must not be credited with its ~80 locales) or the app's own
//! (they must be). Each part skips with a visible message when its corpus is absent.

mod common;

use appfiling::Options;
use std::path::Path;

/// The languages detected in a package, in report order.
fn languages(path: &Path) -> Vec<String> {
    let options = Options {
        detect: true,
        ..Options::default()
    };
    let report = appfiling::inspect_path(path, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let detection = report.detection.expect("detection was asked for");
    detection
        .languages
        .iter()
        .map(|l| l.language.to_string())
        .collect()
}

#[test]
fn sdk_corpus_languages_match_expected() {
    let Some(dir) = common::corpus_sdk_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("EXPECTED-sdk.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let files = expected["files"].as_object().expect("files");
    let mut agree = 0;
    let mut disagreements = Vec::new();
    for (file, entry) in files {
        let want: Vec<String> = entry["languages"]
            .as_array()
            .expect("languages")
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let got = languages(&dir.join(file));
        let mut sorted_got = got.clone();
        sorted_got.sort();
        let mut sorted_want = want.clone();
        sorted_want.sort();
        if sorted_got == sorted_want {
            agree += 1;
        } else {
            disagreements.push(format!("{file}: expected {want:?}, detected {got:?}"));
        }
    }
    println!("language agreement: {agree} of {}", files.len());
    assert!(
        files.len() >= 9,
        "EXPECTED-sdk.json lists {} files",
        files.len()
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn appcompat_only_apps_have_no_foreign_language() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    // Each has one string of its own (its name, untranslated) and AppCompat's
    // strings in about 80 locales; 17 languages were credited before.
    for file in [
        "apktool/issue3533.apk",
        "icyleaf-app-info/history/android-2016.apk",
        "icyleaf-qyer-mobile-app/android.apk",
        // Three own strings untranslated, beside AppCompat, Play services and the
        // Wear OS library, translated in 26 locales.
        "icyleaf-app-info/wear.apk",
    ] {
        // Their default strings are English (aapt dump badging: application-label
        // 'Srippy', 'AppInfoDemo'…), which no locale names: no language is assumed.
        assert!(languages(&dir.join(file)).is_empty(), "{file}");
    }
}

#[test]
fn apps_own_translations_are_credited() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    // 18 of its 19 own strings in French and Italian, 17 in German, beside
    // AppCompat's 70-odd locales: 0.9 of all its strings missed them before.
    assert_eq!(
        languages(&dir.join("androguard/app-prod-debug.apk")),
        ["德语", "法语", "意大利语"]
    );
    // Translated by hand into German, French, Japanese and Russian: all counted.
    assert_eq!(
        languages(&dir.join("androguard/a2dp.Vol_137.apk")),
        ["德语", "法语", "日语", "俄语"]
    );
}

mod common;
use appfiling::{Options, VerifyOptions};

#[test]
fn probe() {
    let dir = common::corpus_dir().unwrap();
    let options = Options {
        verify: Some(VerifyOptions::default()),
        ..Default::default()
    };
    for f in [
        "fastlane/very-capable-app.ipa",
        "icyleaf-app-info/iphone.ipa",
        "icyleaf-app-info/ipad.ipa",
        "icyleaf-app-info/embedded.ipa",
        "icyleaf-app-info/apple-tv.ipa",
        "icyleaf-qyer-mobile-app/iphone.ipa",
        "emonti-pliney/pliney-test.ipa",
        "fastlane/test.mobileprovision",
    ] {
        let r = appfiling::inspect_path(&dir.join(f), &options);
        match r {
            Ok(r) => println!(
                "{f}: {}",
                serde_json::to_string_pretty(&r.verification).unwrap()
            ),
            Err(e) => println!("{f}: ERR {e}"),
        }
    }
    for f in ["ios/sample.ipa"] {
        let r = appfiling::inspect_path(&common::sample_path(f), &options).unwrap();
        println!(
            "{f}: {}",
            serde_json::to_string_pretty(&r.verification).unwrap()
        );
    }
}

//! Detection on the project's samples (samples/make-detect-samples.sh,
//! make-ios-samples.py and make-harmony-samples.py): exact SDKs, domains and languages, none on a clean
//! app, and the dex reader checked against baksmali.

mod common;

use appfiling::report::{Detection, DomainClass};
use appfiling::{Options, PackageReport};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// (host, registrable domain, level, sources, third party)
type DomainRow<'a> = (&'a str, &'a str, usize, Vec<&'a str>, Option<&'a str>);

fn detect(path: &str) -> (PackageReport, Detection) {
    let options = Options {
        detect: true,
        ..Options::default()
    };
    let report = appfiling::inspect_path(&common::sample_path(path), &options).unwrap();
    let detection = report.detection.clone().expect("detection was asked for");
    (report, detection)
}

/// Each detected SDK's id with the evidence that named it, in report order.
fn sdks_with_evidence(d: &Detection) -> Vec<(&str, Vec<&str>)> {
    d.sdks
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.evidence.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

#[test]
fn an_apk_with_sdks_domains_and_translations() {
    let (_, d) = detect("detect/sample-detect.apk");
    assert_eq!(
        sdks_with_evidence(&d),
        [
            (
                "wechat-opensdk",
                vec!["com.tencent.mm.opensdk.openapi.WXAPIFactory"]
            ),
            // In a plugin archive under assets.
            (
                "tencent-bugly",
                vec!["com.tencent.bugly.crashreport.CrashReport"]
            ),
            ("amap", vec!["com.amap.api.location.AMapLocationClient"]),
            // JPush by its own API only: the PushService component and libjcore.so are
            // JCore's, which other Jiguang SDKs carry too.
            ("jpush", vec!["cn.jpush.android.api.JPushInterface"]),
        ]
    );
    assert_eq!(d.sdks[0].category, "登录/分享");
    let domains: Vec<DomainRow> = d
        .domains
        .iter()
        .map(|x| {
            (
                x.host.as_str(),
                x.registrable_domain.as_str(),
                x.level,
                x.sources.clone(),
                x.third_party.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        domains,
        [
            ("api.appfiling.dev", "appfiling.dev", 3, vec!["dex"], None),
            ("h5.appfiling.dev", "appfiling.dev", 3, vec!["assets"], None),
            (
                "link.appfiling.dev",
                "appfiling.dev",
                3,
                vec!["manifest"],
                None
            ),
            (
                "secure.appfiling.dev",
                "appfiling.dev",
                3,
                vec!["network_security_config"],
                None
            ),
            (
                "res.wx.qq.com",
                "qq.com",
                4,
                vec!["dex"],
                Some("wechat-jssdk")
            ),
        ]
    );
    // French holds one string of five, as a library's translations do: it does not count.
    let languages: Vec<&str> = d.languages.iter().map(|l| l.language).collect();
    assert_eq!(languages, ["中文简体", "中文繁体"]);
    assert!(d.scanned_bytes > 0);
}

#[test]
fn a_clean_apk_has_no_sdk() {
    let (_, d) = detect("detect/sample-clean.apk");
    assert!(d.sdks.is_empty(), "false positives: {:?}", d.sdks);
    let hosts: Vec<&str> = d.domains.iter().map(|x| x.host.as_str()).collect();
    assert_eq!(hosts, ["api.appfiling.dev"]);
    // The signing-only samples link nothing either.
    let (_, d) = detect("sample-v1v2v3-rsa.apk");
    assert!(d.sdks.is_empty() && d.domains.is_empty());
}

#[test]
fn an_ipa_with_frameworks_and_ats() {
    let (_, d) = detect("ios/sample.ipa");
    assert_eq!(
        sdks_with_evidence(&d),
        [
            ("wechat-opensdk", vec!["WechatOpenSDK", "WXApi"]),
            ("alipay", vec!["AlipaySDK"]),
            ("amap", vec!["AMapServices"]),
        ],
        "a framework, a linked library and Objective-C class names"
    );
    let hosts: Vec<(&str, Vec<&str>, DomainClass)> = d
        .domains
        .iter()
        .map(|x| (x.host.as_str(), x.sources.clone(), x.class))
        .collect();
    // The executable's strings are its static libraries' too: never called the app's own.
    assert_eq!(
        hosts,
        [
            ("legacy.appfiling.dev", vec!["ats"], DomainClass::Own),
            (
                "links.appfiling.dev",
                vec!["entitlements"],
                DomainClass::Own
            ),
            ("api.appfiling.dev", vec!["macho"], DomainClass::Unknown),
        ]
    );
    let languages: Vec<&str> = d.languages.iter().map(|l| l.language).collect();
    assert_eq!(languages, ["中文简体", "英语"]);
}

#[test]
fn detection_is_opt_in_for_inspect() {
    let report = appfiling::inspect_path(
        &common::sample_path("detect/sample-detect.apk"),
        &appfiling::Options::default(),
    )
    .unwrap();
    assert!(report.detection.is_none());
}

#[test]
fn the_dex_reader_agrees_with_baksmali() {
    let jar = Path::new("/usr/share/java/baksmali.jar");
    if !jar.exists() {
        println!("SKIPPED: baksmali not installed (scripts/test.sh installs libsmali-java)");
        return;
    }
    let mut zip = zip::ZipArchive::new(
        std::fs::File::open(common::sample_path("detect/sample-detect.apk")).unwrap(),
    )
    .unwrap();
    let mut dex = Vec::new();
    zip.by_name("classes.dex")
        .unwrap()
        .read_to_end(&mut dex)
        .unwrap();
    let path = std::env::temp_dir().join(format!("appfiling-{}.dex", std::process::id()));
    std::fs::write(&path, &dex).unwrap();
    let list = |what: &str| -> BTreeSet<String> {
        let out = Command::new("java")
            .arg("-jar")
            .arg(jar)
            .args(["list", what])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let parsed = appfiling::fuzzing::Dex::parse(&dex).unwrap();
    let ours_types: BTreeSet<String> = parsed
        .type_descriptors()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    let classes = list("classes");
    assert!(classes.len() >= 5);
    assert!(
        classes.is_subset(&ours_types),
        "defined classes {classes:?} not all among {ours_types:?}"
    );
    let ours_strings: BTreeSet<String> = parsed
        .strings()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let strings: BTreeSet<String> = list("strings")
        .into_iter()
        .map(|s| s.trim_matches('"').to_string())
        .collect();
    assert_eq!(ours_strings, strings);
}

#[test]
fn a_hap_with_ohpm_packages_translations_and_a_url_in_its_resources() {
    let (_, d) = detect("harmony/sample.hap");
    // From the records of ets/modules.abc and libs/arm64-v8a; axios is a package no rule names.
    assert_eq!(
        sdks_with_evidence(&d),
        [
            ("wechat-opensdk", vec!["@tencent/wechat_open_sdk@1.0.16"]),
            ("amap", vec!["@amap/amap_lbs_map3d@2.2.7"]),
            ("tencent-mmkv", vec!["libmmkv.so"]),
        ]
    );
    // Own module "entry" left out; "library" is module.json's shared-module dependency.
    assert_eq!(
        d.packages,
        [
            "@amap/amap_lbs_map3d@2.2.7",
            "@ohos/axios@2.2.4",
            "@tencent/wechat_open_sdk@1.0.16",
            "library"
        ]
    );
    let hosts: Vec<(&str, Vec<&str>)> = d
        .domains
        .iter()
        .map(|x| (x.host.as_str(), x.sources.clone()))
        .collect();
    assert_eq!(hosts, [("harmony.appfiling.dev", vec!["resources"])]);
    let languages: Vec<(&str, Vec<String>)> = d
        .languages
        .iter()
        .map(|l| (l.language, l.locales.clone()))
        .collect();
    assert_eq!(languages, [("中文简体", vec!["zh-CN".to_string()])]);
}

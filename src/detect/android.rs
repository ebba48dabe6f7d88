//! Detection in an APK: classes in every dex, native libraries, manifest
//! components and hosts, resource strings, the network security config,
//! script and web assets, and the locales the app translates.

use super::{domains::Collector, languages, sdks::Matcher, Detection};
use crate::android::arsc::ResourceTable;
use crate::android::axml::{self, AttrValue, Element};
use crate::android::dex::Dex;
use crate::input::Archive;
use std::io::Read;

const ATTR_NAME: u32 = 0x0101_0003;
const ATTR_HOST: u32 = 0x0101_0028;
const ATTR_VALUE: u32 = 0x0101_0024;
/// A dex file is at most a few tens of megabytes.
const MAX_DEX: u64 = 256 << 20;
/// Script, web and Flutter code scanned for URLs, per file.
const MAX_ASSET: u64 = 64 << 20;
const MAX_XML: u64 = 4 << 20;

fn is_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|rest| rest.strip_suffix(".dex"))
        .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Files whose text may hold the app's URLs: JS bundles (React Native,
/// uni-app), web pages, JSON, and Flutter's compiled Dart.
fn is_scanned_asset(name: &str) -> bool {
    let in_assets = name.starts_with("assets/");
    (in_assets
        && [".js", ".bundle", ".html", ".htm", ".json"]
            .iter()
            .any(|e| name.ends_with(e)))
        || (name.starts_with("lib/") && name.ends_with("/libapp.so"))
}

/// Class names and URLs of the named dex files; returns the bytes scanned.
fn scan_dex(
    archive: &mut Archive,
    names: &[&String],
    sdks: &mut Matcher,
    hosts: &mut Collector,
) -> u64 {
    let mut scanned = 0;
    for name in names {
        let Ok(Some(data)) = archive.read_entry(name, MAX_DEX) else {
            continue;
        };
        scanned += data.len() as u64;
        scan_dex_bytes(&data, sdks, hosts);
    }
    scanned
}

fn scan_dex_bytes(data: &[u8], sdks: &mut Matcher, hosts: &mut Collector) {
    let Ok(dex) = Dex::parse(data) else { return };
    // Presence from definitions: a type the code only refers to (Fresco's OkHttp
    // integration naming okhttp3) is no SDK in the package.
    for class in dex.class_defs() {
        sdks.class_descriptor(class.descriptor);
    }
    // URLs, each attributed to the classes whose code or constants hold it.
    hosts.dex(data, &dex);
}

/// Plugins and hot-fix patches ship code as archives in assets: their dex files count too.
fn scan_nested_dex(
    archive: &mut Archive,
    name: &str,
    sdks: &mut Matcher,
    hosts: &mut Collector,
) -> u64 {
    let Ok(Some(bytes)) = archive.read_entry(name, MAX_ASSET) else {
        return 0;
    };
    let Ok(mut inner) = Archive::new(std::sync::Arc::new(bytes)) else {
        return 0;
    };
    let dex_names: Vec<String> = inner
        .names()
        .filter(|n| is_dex(n.rsplit('/').next().unwrap_or_default()))
        .map(str::to_string)
        .collect();
    let mut scanned = 0;
    for entry_name in dex_names {
        let Ok(Some(data)) = inner.read_entry(&entry_name, MAX_DEX) else {
            continue;
        };
        scanned += data.len() as u64;
        scan_dex_bytes(&data, sdks, hosts);
    }
    scanned
}

pub(crate) fn detect(
    archive: &mut Archive,
    package: Option<&str>,
    elements: &[Element],
    table: Option<&ResourceTable<'_>>,
    label_locales: &[String],
) -> Detection {
    let mut sdks = Matcher::new();
    let mut hosts = Collector::default();
    let mut scanned = 0u64;
    let names: Vec<String> = archive.names().map(str::to_string).collect();

    // Dex files on two threads, each with its own reader of the package's bytes:
    // inflating is the cost, and the two cores share it.
    let dex_names: Vec<&String> = names.iter().filter(|n| is_dex(n)).collect();
    let first: Vec<&String> = dex_names.iter().step_by(2).copied().collect();
    let second: Vec<&String> = dex_names.iter().skip(1).step_by(2).copied().collect();
    let mut reader = archive.clone();
    let helper_result = std::thread::scope(|scope| {
        let second = &second;
        let helper = scope.spawn(move || {
            let mut found = (Matcher::new(), Collector::default());
            let scanned = scan_dex(&mut reader, second, &mut found.0, &mut found.1);
            (found, scanned)
        });
        scanned += scan_dex(archive, &first, &mut sdks, &mut hosts);
        helper.join().ok()
    });
    match helper_result {
        Some(((other_sdks, other_hosts), other_scanned)) => {
            sdks.merge(other_sdks);
            hosts.merge(other_hosts);
            scanned += other_scanned;
        }
        // The second thread failed: this one reads the rest.
        None => scanned += scan_dex(archive, &second, &mut sdks, &mut hosts),
    }
    for name in &names {
        if let Some(file) = name
            .strip_prefix("lib/")
            .and_then(|rest| rest.rsplit('/').next())
        {
            if file.ends_with(".so") {
                sdks.native_library(file);
            }
        }
    }
    for name in names.iter().filter(|n| {
        n.starts_with("assets/") && [".jar", ".zip", ".apk"].iter().any(|e| n.ends_with(e))
    }) {
        scanned += scan_nested_dex(archive, name, &mut sdks, &mut hosts);
    }
    for name in names.iter().filter(|n| is_scanned_asset(n)) {
        let Ok(Some(entry)) = archive.open_entry(name) else {
            continue;
        };
        // Streamed: a bundle padded past any size still has its URLs read, up to the cap.
        let reader = entry.reader.take(MAX_ASSET);
        // A corrupt stream ends this file's scan; the URLs read before it stay.
        scanned += hosts.stream(reader, name).unwrap_or(0);
    }

    for element in elements {
        let text = |id, name| match element.attribute(id, name) {
            Some(AttrValue::String(s)) => Some(&**s),
            _ => None,
        };
        match &*element.name {
            "activity" | "activity-alias" | "service" | "receiver" | "provider" => {
                // A component is code the package ships.
                if let Some(name) = text(ATTR_NAME, "name") {
                    let full = match (name.strip_prefix('.'), package) {
                        (Some(relative), Some(package)) => format!("{package}.{relative}"),
                        _ => name.to_string(),
                    };
                    sdks.class(&full);
                }
            }
            // A meta-data name is only a key (`com.amap.api.v2.apikey`), left behind when
            // the SDK goes: its value may be a URL, its name is no evidence.
            "meta-data" => {
                if let Some(value) = text(ATTR_VALUE, "value") {
                    hosts.text(value, "manifest");
                }
            }
            "data" => {
                if let Some(host) = text(ATTR_HOST, "host") {
                    hosts.host(host, "manifest");
                }
            }
            _ => {}
        }
    }
    if let Some(table) = table {
        for string in table.all_strings().filter(|s| s.contains("http")) {
            hosts.text(&string, "resources");
        }
    }
    for name in names
        .iter()
        .filter(|n| n.starts_with("res/xml") && n.contains("network_security_config"))
    {
        let Ok(Some(data)) = archive.read_entry(name, MAX_XML) else {
            continue;
        };
        let Ok(config) = axml::parse(&data) else {
            continue;
        };
        for domain in config.iter().filter(|e| &*e.name == "domain") {
            if let Some(host) = &domain.text {
                hosts.host(host.trim(), "network_security_config");
            }
        }
    }

    let counts = table
        .map(|t| t.string_counts_by_locale(languages::is_own_string))
        .unwrap_or_default();
    let locales = languages::counted(label_locales, &counts);
    let sdks = sdks.finish();
    Detection {
        domains: hosts.finish(&sdks, package),
        sdks,
        languages: languages::group(locales),
        packages: Vec::new(),
        scanned_bytes: scanned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::dex::tests::sample_defining;

    /// The SDK ids found in a dex defining `defined` and referring to `referenced`.
    fn sdks_of(defined: &[&str], referenced: &[&str]) -> Vec<String> {
        let strings: Vec<&str> = defined.iter().chain(referenced).copied().collect();
        let types: Vec<u32> = (0..strings.len() as u32).collect();
        let defined_types: Vec<u32> = (0..defined.len() as u32).collect();
        let data = sample_defining(&strings, &types, &defined_types);
        let mut sdks = Matcher::new();
        scan_dex_bytes(&data, &mut sdks, &mut Collector::default());
        sdks.finish().into_iter().map(|s| s.id).collect()
    }

    #[test]
    fn types_only_referred_to_are_no_sdk() {
        let referenced = [
            "Lokhttp3/OkHttpClient;",
            "Lcom/bun/miitmdid/core/MdidSdkHelper;",
            "Lcom/google/firebase/FirebaseApp;",
        ];
        assert!(sdks_of(&["Lcom/example/Main;"], &referenced).is_empty());
        // The same types defined are the SDKs.
        assert_eq!(
            sdks_of(&referenced, &[]),
            ["firebase", "okhttp", "oaid-msa"].map(String::from),
        );
    }

    #[test]
    fn jcore_inside_another_jiguang_sdk_is_not_jpush_nor_janalytics() {
        // JCore's own classes, its analytics page hooks, JVerification and the China
        // Mobile login SDK that JVerification carries.
        let defined = [
            "Lcn/jiguang/api/JCoreInterface;",
            "Lcn/jiguang/analytics/page/PushSA;",
            "Lcn/jiguang/verifysdk/api/JVerificationInterface;",
            "Lcom/cmic/gen/sdk/auth/GenAuthnHelper;",
        ];
        // JCore names JAnalytics' entry class, to load it when present.
        let referenced = ["Lcn/jiguang/analytics/android/api/JAnalyticsInterface;"];
        assert_eq!(
            sdks_of(&defined, &referenced),
            ["jverification", "cmcc-quicklogin"].map(String::from),
        );
        assert_eq!(
            sdks_of(
                &["Lcn/jiguang/analytics/android/api/JAnalyticsInterface;"],
                &[]
            ),
            ["jiguang-janalytics"].map(String::from),
        );
    }

    #[test]
    fn china_mobile_login_is_not_alibaba_number_authentication() {
        let cmic = "Lcom/cmic/gen/sdk/auth/GenAuthnHelper;";
        assert_eq!(sdks_of(&[cmic], &[]), ["cmcc-quicklogin"].map(String::from));
        // Alibaba's SDK carries China Mobile's: both are reported, each as itself.
        let alibaba = "Lcom/mobile/auth/gatewayauth/PhoneNumberAuthHelper;";
        assert_eq!(
            sdks_of(&[alibaba, cmic], &[]),
            ["cmcc-quicklogin", "aliyun-number-auth"].map(String::from),
        );
    }

    #[test]
    fn a_vendors_shared_core_is_not_another_of_its_products() {
        // MobPush with MobTech's core; OPPO ads under HeyTap's namespace; iFlytek ads;
        // an AppGallery Connect service with its core.
        let defined = [
            "Lcom/mob/pushsdk/MobPush;",
            "Lcom/mob/tools/utils/DeviceHelper;",
            "Lcom/heytap/msp/mobad/api/MobAdManager;",
            "Lcom/iflytek/voiceads/IFLYNativeAd;",
            "Lcom/huawei/agconnect/crash/AGConnectCrash;",
            "Lcom/huawei/agconnect/AGConnectInstance;",
        ];
        assert_eq!(
            sdks_of(&defined, &[]),
            ["mobpush", "huawei-crash", "oppo-ads", "xunfei-ads"].map(String::from),
        );
    }

    #[test]
    fn tencents_common_cores_are_not_its_other_products() {
        // The location SDK without the map; the LiteAV player without TRTC.
        let defined = [
            "Lcom/tencent/map/geolocation/TencentLocationManager;",
            "Lcom/tencent/liteav/basic/log/TXCLog;",
            "Lcom/tencent/rtmp/TXVodPlayer;",
        ];
        let mut found = sdks_of(&defined, &[]);
        found.sort();
        assert_eq!(
            found,
            ["tencent-lbs-location", "tencent-vod"].map(String::from)
        );
    }

    #[test]
    fn play_services_own_classes_under_firebase_and_ads_are_neither() {
        // Play services basement defines Firebase's exceptions; ads-identifier reads the
        // advertising ID. Neither is Firebase or AdMob.
        let defined = [
            "Lcom/google/firebase/FirebaseException;",
            "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;",
        ];
        assert_eq!(sdks_of(&defined, &[]), ["play-services"].map(String::from));
        let defined = [
            "Lcom/google/firebase/FirebaseApp;",
            "Lcom/google/android/gms/ads/MobileAds;",
        ];
        let mut found = sdks_of(&defined, &[]);
        found.sort();
        assert_eq!(
            found,
            ["admob", "firebase", "play-services"].map(String::from)
        );
    }

    #[test]
    fn a_manifest_component_is_evidence_and_a_meta_data_key_is_not() {
        use std::io::Write;
        use std::sync::Arc;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(
            "AndroidManifest.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"-").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let element = |tag: &str, name: &str| Element {
            name: tag.into(),
            depth: 3,
            attributes: vec![axml::Attribute {
                name: "name".into(),
                resource_id: Some(ATTR_NAME),
                value: AttrValue::String(name.into()),
            }],
            text: None,
        };
        let found = |elements: &[Element]| -> Vec<String> {
            let mut archive = Archive::new(Arc::new(bytes.as_slice())).unwrap();
            let detection = detect(&mut archive, Some("com.example"), elements, None, &[]);
            detection.sdks.into_iter().map(|s| s.id).collect()
        };
        // The AMap key an app kept after dropping the SDK.
        assert!(found(&[element("meta-data", "com.amap.api.v2.apikey")]).is_empty());
        assert_eq!(
            found(&[element("service", "com.amap.api.location.APSService")]),
            ["amap"]
        );
    }

    #[test]
    fn the_legacy_wechat_sdk_and_the_mta_it_carries() {
        let defined = [
            "Lcom/tencent/mm/sdk/openapi/WXAPIFactory;",
            "Lcom/tencent/wxop/stat/StatService;",
        ];
        assert_eq!(
            sdks_of(&defined, &[]),
            ["wechat-opensdk", "tencent-mta"].map(String::from),
        );
        assert_eq!(
            sdks_of(
                &["Lcom/unicom/online/account/shield/UniAccountHelper;"],
                &[]
            ),
            ["cucc-quicklogin"].map(String::from),
        );
    }
}

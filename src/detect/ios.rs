//! Detection in an iOS bundle: embedded frameworks and linked libraries, ATS
//! exception domains, URLs in script and web files, and the .lproj locales.

use super::{domains::Collector, languages, sdks::Matcher, Detection};
use crate::ios::bundle::Bundle;
use plist::{Dictionary, Value};

const MAX_ASSET: u64 = 64 << 20;

/// "WechatOpenSDK" from "Frameworks/WechatOpenSDK.framework/…" or "@rpath/WechatOpenSDK.framework/WechatOpenSDK".
fn framework_name(path: &str) -> Option<&str> {
    let (before, _) = path.split_once(".framework")?;
    Some(before.rsplit('/').next().unwrap_or(before))
}

pub fn detect(
    bundle: &mut Bundle<'_>,
    files: &[String],
    info: &Dictionary,
    dylibs: &[String],
) -> Detection {
    let mut sdks = Matcher::new();
    let mut hosts = Collector::default();
    let mut scanned = 0u64;
    for name in files
        .iter()
        .filter_map(|f| f.strip_prefix("Frameworks/"))
        .filter_map(framework_name)
    {
        sdks.framework(name);
    }
    for name in dylibs.iter().filter_map(|d| framework_name(d)) {
        sdks.framework(name);
    }
    let ats = info
        .get("NSAppTransportSecurity")
        .and_then(Value::as_dictionary)
        .and_then(|d| d.get("NSExceptionDomains"))
        .and_then(Value::as_dictionary);
    for domain in ats.into_iter().flat_map(|d| d.keys()) {
        hosts.host(domain, "ats");
    }
    for file in files.iter().filter(|f| {
        [".jsbundle", ".js", ".html", ".json"]
            .iter()
            .any(|e| f.ends_with(e))
    }) {
        let Ok(Some(data)) = bundle.read(file, MAX_ASSET) else {
            continue;
        };
        scanned += data.len() as u64;
        hosts.text(&String::from_utf8_lossy(&data), "assets");
    }
    let mut locales: Vec<String> = files
        .iter()
        .filter_map(|f| f.split_once(".lproj/").map(|(l, _)| l))
        .filter(|l| !l.contains('/') && *l != "Base")
        .map(|l| l.replace('_', "-"))
        .collect();
    let declared = info.get("CFBundleLocalizations").and_then(Value::as_array);
    locales.extend(
        declared
            .into_iter()
            .flatten()
            .filter_map(Value::as_string)
            .map(str::to_string),
    );
    locales.sort();
    locales.dedup();
    Detection {
        sdks: sdks.finish(),
        domains: hosts.finish(),
        languages: languages::group(locales),
        scanned_bytes: scanned,
    }
}

//! Detection in an iOS bundle: embedded frameworks and linked libraries, ATS
//! exception domains, URLs in script and web files, and the .lproj locales.

use super::{domains::Collector, languages, sdks::Matcher, Detection};
use crate::ios::bundle::Bundle;
use crate::ios::macho::MachO;
use plist::{Dictionary, Value};
use std::io::Read;

const MAX_ASSET: u64 = 64 << 20;

/// "WechatOpenSDK" from "Frameworks/WechatOpenSDK.framework/…" or "@rpath/WechatOpenSDK.framework/WechatOpenSDK".
fn framework_name(path: &str) -> Option<&str> {
    let (before, _) = path.split_once(".framework")?;
    Some(before.rsplit('/').next().unwrap_or(before))
}

/// Hosts of associated domains: "applinks:example.com?mode=developer" → "example.com".
fn associated_hosts(entitlements: &[u8]) -> Vec<String> {
    let Ok(dict) = crate::ios::property_list::dictionary(entitlements) else {
        return Vec::new();
    };
    let list = dict
        .get("com.apple.developer.associated-domains")
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(Value::as_string)
        .filter_map(|entry| entry.split_once(':').map(|(_, host)| host))
        .map(|host| host.split('?').next().unwrap_or(host).to_string())
        .collect()
}

/// `executable`: what the Mach-O reader found (linked libraries, entitlements, strings).
pub(crate) fn detect(
    bundle: &mut Bundle<'_, '_>,
    files: &[String],
    info: &Dictionary,
    executable: &MachO,
) -> Detection {
    let dylibs = &executable.dylibs;
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
    for host in executable
        .entitlements
        .as_deref()
        .map(associated_hosts)
        .unwrap_or_default()
    {
        hosts.host(&host, "entitlements");
    }
    for string in &executable.url_strings {
        hosts.text(string, "macho");
    }
    for class in &executable.objc_classes {
        sdks.objc_class(class);
    }
    scanned += executable.strings_scanned;
    for file in files.iter().filter(|f| {
        [".jsbundle", ".js", ".html", ".json"]
            .iter()
            .any(|e| f.ends_with(e))
    }) {
        let Ok(Some(entry)) = bundle.open(file) else {
            continue;
        };
        // Streamed, as Android's assets are: URLs past any padding are read, up to the cap.
        scanned += hosts
            .stream(entry.reader.take(MAX_ASSET), file)
            .unwrap_or(0);
    }
    let mut locales = languages::ios_locales(files);
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
    let sdks = sdks.finish();
    Detection {
        domains: hosts.finish(&sdks, None),
        sdks,
        languages: languages::group(locales),
        packages: Vec::new(),
        scanned_bytes: scanned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associated_domains_become_hosts() {
        let plist = br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
            <key>com.apple.developer.associated-domains</key>
            <array><string>applinks:link.example.com</string><string>webcredentials:example.com?mode=developer</string></array>
            </dict></plist>"#;
        assert_eq!(associated_hosts(plist), ["link.example.com", "example.com"]);
        assert!(associated_hosts(b"not a plist").is_empty());
    }
}

//! Third-party SDK rules (rules/sdks.toml) and matching: package prefixes in
//! dex class names and manifest components, native library names, iOS
//! frameworks and linked libraries.

use serde::Deserialize;
use std::sync::OnceLock;

const RULES: &str = include_str!("../../rules/sdks.toml");
/// Evidence kept per SDK: the first few matches are enough to check by hand.
const MAX_EVIDENCE: usize = 3;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub vendor: String,
    pub category: String,
    pub android_packages: Vec<String>,
    /// Entry classes (or manifest components) that only this SDK defines, where its
    /// package is shared with code that is not the SDK: e.g. Firebase's
    /// `com.google.firebase.FirebaseApp`, not the exceptions Play services defines beside it.
    #[serde(default)]
    pub android_classes: Vec<String>,
    pub native_libs: Vec<String>,
    pub ios_frameworks: Vec<String>,
    /// Objective-C classes that only this SDK defines, e.g. "WXApi".
    #[serde(default)]
    pub ios_classes: Vec<String>,
    /// ohpm package names, e.g. "@tencent/wechat_open_sdk".
    #[serde(default)]
    pub harmony_packages: Vec<String>,
    pub domains: Vec<String>,
    /// Where the rule's names come from: for people and the rule tests, not for matching.
    #[cfg_attr(not(test), expect(dead_code))]
    pub source: String,
    /// The evidence that confirmed the rule on real vendor binaries, where it was
    /// checked: for people, not for matching.
    #[serde(default)]
    #[cfg_attr(not(test), expect(dead_code))]
    pub confirmed: String,
}

#[derive(Deserialize)]
struct RuleFile {
    sdk: Vec<Rule>,
}

pub(crate) fn rules() -> &'static [Rule] {
    static PARSED: OnceLock<Vec<Rule>> = OnceLock::new();
    PARSED.get_or_init(|| {
        toml::from_str::<RuleFile>(RULES)
            .map(|f| f.sdk)
            .unwrap_or_default()
    })
}

/// The rule an SDK is known by: its id, Chinese or English name, in any case.
pub(crate) fn find_rule(name: &str) -> Option<&'static Rule> {
    let name = name.trim();
    rules().iter().find(|r| {
        [&r.id, &r.name_zh, &r.name_en]
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name))
    })
}

pub(crate) use crate::report::DetectedSdk;

/// Collects matches; `finish` lists the SDKs found, in rule order.
/// Evidence is a name from the package: a crafted one may be megabytes long.
const MAX_EVIDENCE_CHARS: usize = 200;

fn shorten(what: &str) -> String {
    match what.char_indices().nth(MAX_EVIDENCE_CHARS) {
        Some((end, _)) => format!("{}…", &what[..end]),
        None => what.to_string(),
    }
}

/// The rules' Android package prefixes as a tree of dotted segments: a class name is
/// walked one segment at a time and the walk stops at the first segment no rule names,
/// so most of the app's own classes cost a lookup or two.
#[derive(Default)]
struct PackageTree {
    /// The rules whose prefix ends here.
    rules: Vec<usize>,
    children: hashbrown::HashMap<&'static [u8], PackageTree>,
}

impl PackageTree {
    fn get() -> &'static PackageTree {
        static TREE: OnceLock<PackageTree> = OnceLock::new();
        TREE.get_or_init(|| {
            let mut root = PackageTree::default();
            for (i, rule) in rules().iter().enumerate() {
                for prefix in rule.android_packages.iter().chain(&rule.android_classes) {
                    let node = prefix.split('.').fold(&mut root, |node, segment| {
                        node.children.entry(segment.as_bytes()).or_default()
                    });
                    node.rules.push(i);
                }
            }
            root
        })
    }

    /// Calls `found` with the rules of each node along `name`'s segments, stopping at the
    /// first segment no rule names.
    fn along(name: &[u8], separator: u8, mut found: impl FnMut(&[usize])) {
        let mut node = Self::get();
        for segment in name.split(|&b| b == separator) {
            let Some(child) = node.children.get(segment) else {
                return;
            };
            node = child;
            if !node.rules.is_empty() {
                found(&node.rules);
            }
        }
    }
}

/// The ids of the rules whose Android packages or entry classes hold the dotted class
/// `name`, shortest prefix first.
pub(crate) fn rules_of_class(name: &str) -> Vec<&'static str> {
    let mut ids = Vec::new();
    PackageTree::along(name.as_bytes(), b'.', |found| {
        ids.extend(
            found
                .iter()
                .filter_map(|&i| rules().get(i))
                .map(|r| r.id.as_str()),
        );
    });
    ids
}

/// Whether `file` is the library a rule names: `libjcore.so` is `libjcore.so` or a
/// versioned `libjcore322.so` / `libjcore-1.2.so`, never `libjcoreext.so`; a name without
/// `.so` (`liblocSDK`) is a prefix, for vendors that put letters after it (`liblocSDK7b.so`).
fn is_library(file: &str, pattern: &str) -> bool {
    match pattern.strip_suffix(".so") {
        Some(stem) => file.strip_prefix(stem).is_some_and(|rest| {
            rest == ".so"
                || rest.ends_with(".so")
                    && rest.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '_')
        }),
        None => file.starts_with(pattern),
    }
}

pub(crate) struct Matcher {
    /// Per rule, in rule order: its evidence so far; empty while it is not found.
    evidence: Vec<Vec<String>>,
}

impl Matcher {
    pub(crate) fn new() -> Self {
        Matcher {
            evidence: vec![Vec::new(); rules().len()],
        }
    }

    fn hit(&mut self, rule: usize, what: &str) {
        let Some(list) = self.evidence.get_mut(rule) else {
            return;
        };
        if list.len() < MAX_EVIDENCE {
            let what = shorten(what);
            if !list.contains(&what) {
                list.push(what);
            }
        }
    }

    /// A Java class or component name, e.g. `com.tencent.mm.opensdk.openapi.WXAPIFactory`:
    /// every rule whose package prefix it starts with, at a dot boundary.
    pub(crate) fn class(&mut self, name: &str) {
        self.walk(name.as_bytes(), b'.', || name.to_string());
    }

    /// A class a dex defines, by its descriptor (`Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;`):
    /// the dotted name is only made for evidence, when a rule matches.
    pub(crate) fn class_descriptor(&mut self, descriptor: &[u8]) {
        let Some(inner) = descriptor
            .strip_prefix(b"L")
            .and_then(|d| d.strip_suffix(b";"))
        else {
            return;
        };
        self.walk(inner, b'/', || {
            crate::android::dex::class_name(descriptor).unwrap_or_default()
        });
    }

    /// Walks the package tree along `name`'s segments; `evidence` names the class for
    /// every rule met on the way.
    fn walk(&mut self, name: &[u8], separator: u8, evidence: impl Fn() -> String) {
        PackageTree::along(name, separator, |found| {
            // Most classes of an SDK come after its evidence is complete: no name to make.
            let complete = |rule: &usize| {
                self.evidence
                    .get(*rule)
                    .is_some_and(|list| list.len() >= MAX_EVIDENCE)
            };
            if found.iter().all(complete) {
                return;
            }
            let what = evidence();
            for &rule in found {
                self.hit(rule, &what);
            }
        });
    }

    /// A native library file name, e.g. `libjcore.so`.
    pub(crate) fn native_library(&mut self, file: &str) {
        for (i, rule) in rules().iter().enumerate() {
            if rule.native_libs.iter().any(|l| is_library(file, l)) {
                self.hit(i, file);
            }
        }
    }

    /// An Objective-C class name from the executable, e.g. `WXApi`.
    pub(crate) fn objc_class(&mut self, name: &str) {
        for (i, rule) in rules().iter().enumerate() {
            if rule.ios_classes.iter().any(|c| c == name) {
                self.hit(i, name);
            }
        }
    }

    /// An iOS framework or linked library name, e.g. `WechatOpenSDK`.
    pub(crate) fn framework(&mut self, name: &str) {
        for (i, rule) in rules().iter().enumerate() {
            if rule.ios_frameworks.iter().any(|f| f == name) {
                self.hit(i, name);
            }
        }
    }

    /// An ohpm package a HarmonyOS module carries, e.g. `@tencent/wechat_open_sdk@1.0.16`.
    pub(crate) fn harmony_package(&mut self, package: &str) {
        // The version follows the last '@' that is not the scope's.
        let name = match package.get(1..).and_then(|rest| rest.rfind('@')) {
            Some(at) => &package[..at + 1],
            None => package,
        };
        for (i, rule) in rules().iter().enumerate() {
            if rule.harmony_packages.iter().any(|p| p == name) {
                self.hit(i, package);
            }
        }
    }

    /// Adds what another matcher (another thread's) found.
    pub(crate) fn merge(&mut self, other: Matcher) {
        for (rule, evidence) in other.evidence.into_iter().enumerate() {
            for what in evidence {
                self.hit(rule, &what);
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<DetectedSdk> {
        self.evidence
            .into_iter()
            .zip(rules())
            .filter(|(evidence, _)| !evidence.is_empty())
            .map(|(evidence, r)| DetectedSdk {
                id: r.id.clone(),
                name_zh: r.name_zh.clone(),
                name_en: r.name_en.clone(),
                vendor: r.vendor.clone(),
                category: r.category.clone(),
                evidence,
            })
            .collect()
    }
}

/// The SDK whose vendor owns `host`: the rule listing the longest domain that contains it.
pub(crate) fn vendor_of_domain(host: &str) -> Option<&'static str> {
    rules()
        .iter()
        .flat_map(|r| r.domains.iter().map(move |d| (d, r)))
        .filter(|(d, _)| host == d.as_str() || host.ends_with(&format!(".{d}")))
        .max_by_key(|(d, _)| d.len())
        .map(|(_, r)| r.id.as_str())
}

#[cfg(test)]
mod tests {

    #[test]
    fn long_evidence_is_shortened() {
        let name = format!("com.tencent.mm.opensdk.{}", "a".repeat(1 << 20));
        let mut matcher = Matcher::new();
        matcher.class(&name);
        let found = matcher.finish();
        let evidence = &found.first().expect("WeChat OpenSDK is matched").evidence[0];
        assert_eq!(evidence.chars().count(), MAX_EVIDENCE_CHARS + 1);
        assert!(evidence.starts_with("com.tencent.mm.opensdk.a") && evidence.ends_with('…'));
    }

    use super::*;

    const CATEGORIES: [&str; 12] = [
        "支付",
        "地图/定位",
        "推送",
        "统计分析",
        "登录/分享",
        "广告",
        "崩溃监控",
        "即时通讯",
        "音视频",
        "云存储",
        "安全/风控",
        "其他",
    ];

    #[test]
    fn the_rule_file_is_well_formed() {
        let rules = rules();
        assert!(rules.len() >= 150, "{} rules", rules.len());
        let mut ids = std::collections::HashSet::new();
        for r in rules {
            assert!(ids.insert(&r.id), "duplicate id {}", r.id);
            assert!(
                CATEGORIES.contains(&r.category.as_str()),
                "{}: {}",
                r.id,
                r.category
            );
            assert!(!r.source.is_empty(), "{} cites no source", r.id);
            let patterns = r.android_packages.len()
                + r.android_classes.len()
                + r.ios_classes.len()
                + r.native_libs.len()
                + r.ios_frameworks.len()
                + r.harmony_packages.len()
                + r.domains.len();
            assert!(patterns > 0, "{} matches nothing", r.id);
        }
    }

    #[test]
    fn static_libraries_on_ios_by_their_entry_classes() {
        let mut m = Matcher::new();
        for class in [
            "JVERIFICATIONService",
            "UASDKLogin",
            "MiPushSDK",
            "Crashlytics",
            "PayPalMobile",
            "MTA",
            "ZUOAuthManager",
            "EAccountOpenPageSDK",
        ] {
            m.objc_class(class);
        }
        // Not a class any rule names: a prefix alone proves nothing.
        m.objc_class("JVERIFICATIONServiceHelperOfTheApp");
        let ids: Vec<String> = m.finish().into_iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [
                "tencent-mta",
                "jverification",
                "xiaomi-push",
                "cmcc-quicklogin",
                "ctcc-quicklogin",
                "cucc-quicklogin",
                "firebase",
                "paypal"
            ]
        );
    }

    #[test]
    fn a_library_is_its_name_or_a_version_of_it() {
        assert!(is_library("libjcore.so", "libjcore.so"));
        assert!(is_library("libjcore322.so", "libjcore.so"));
        assert!(is_library("libjcore-1.2.so", "libjcore.so"));
        assert!(!is_library("libjcoreext.so", "libjcore.so"));
        assert!(!is_library("libexecutor.so", "libexec.so"));
        assert!(!is_library("libjcore322", "libjcore.so"));
        assert!(is_library("liblocSDK7b.so", "liblocSDK"));
    }

    #[test]
    fn rules_corrected_or_seen_on_real_binaries_say_what_confirmed_them() {
        for id in [
            "jpush",
            "jiguang-janalytics",
            "aliyun-number-auth",
            "tencent-mta",
            "wechat-opensdk",
            "wechat-pay",
            "alipay",
            "alipay-auth",
            "agora",
            "react-native",
            "fresco",
            "glide",
            "play-services",
            "firebase",
        ] {
            let rule = find_rule(id).expect(id);
            assert!(!rule.confirmed.is_empty(), "{id} records no confirmation");
        }
    }

    #[test]
    fn matches_at_package_boundaries_only() {
        let mut m = Matcher::new();
        m.class("com.tencent.mm.opensdk.openapi.WXAPIFactory");
        m.class("com.umengx.Other"); // not com.umeng
        m.native_library("libBugly.so");
        // JCore's library, carried by every Jiguang SDK: proves none of them.
        m.native_library("libjcore322.so");
        m.framework("AlipaySDK");
        m.harmony_package("@getui/push@1.0.6");
        m.harmony_package("@umeng/pushx"); // not @umeng/push
        let ids: Vec<String> = m.finish().into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["wechat-opensdk", "tencent-bugly", "alipay", "getui"]);
    }
}

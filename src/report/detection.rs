//! What detection found (docs/detection.md): part of the model whether or not the
//! `detect` feature, which finds it, is built.

use serde::Serialize;

/// SDKs, domains and languages found in a package, each with its evidence.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Detection {
    pub sdks: Vec<DetectedSdk>,
    /// Suggestions only: the sheet takes them when confirmed.
    pub domains: Vec<DetectedDomain>,
    pub languages: Vec<DetectedLanguage>,
    /// HarmonyOS: the ohpm packages compiled into the module (`name@version` where the
    /// bytecode says) and the shared modules it depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Bytes of code and assets scanned, for the benchmark.
    pub scanned_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedSdk {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub vendor: String,
    pub category: String,
    /// The first matching classes, libraries or frameworks.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedDomain {
    pub host: String,
    /// The registrable domain (eTLD+1), e.g. "example.com.cn".
    pub registrable_domain: String,
    /// The level as the portals count it: example.com and example.com.cn are 2 (二级), a
    /// label more is one more; the portals take at most 4 (四级).
    pub level: usize,
    /// Where it was seen: "dex", "resources", "manifest", "network_security_config", "ats"…
    pub sources: Vec<&'static str>,
    pub count: usize,
    /// Whose host it is, by where it was found (docs/detection.md): only `own` hosts are
    /// suggested for filing.
    pub class: DomainClass,
    /// With class `sdk`: the detected SDK's rule id; null otherwise.
    pub third_party: Option<String>,
    /// The classes whose code or constants hold the host (Android, at most three), the
    /// ones that decided its class; empty when only files named it (see `sources`).
    pub evidence: Vec<String>,
}

impl DetectedDomain {
    /// Whose the host is, in words: "the app's own", "SDK: alipay", "library or
    /// reference, not to file"…
    pub fn whose(&self) -> String {
        match (self.class, self.third_party.as_deref()) {
            (DomainClass::Own, _) => "the app's own".to_string(),
            (DomainClass::Sdk, Some(sdk)) => format!("SDK: {sdk}"),
            (DomainClass::Sdk, None) => "SDK".to_string(),
            (DomainClass::Library, _) => "library or reference, not to file".to_string(),
            (DomainClass::Reserved, _) => "reserved name, not to file".to_string(),
            (DomainClass::Unknown, _) => "whose unknown: check before filing".to_string(),
        }
    }
}

/// Whose a detected host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainClass {
    /// Only in the app's own code, resources, manifest or configuration.
    Own,
    /// Not attributable: a string no class uses, a class outside the app's namespace
    /// that no rule knows, or an iOS executable, where the linker merges the app's
    /// strings with its static libraries'.
    Unknown,
    /// In a detected SDK's code, or a vendor domain of a detected SDK.
    Sdk,
    /// XML namespaces, licence and homepage URLs, standards bodies, platform
    /// documentation, or in a known library's code (AndroidX, Kotlin, OkHttp…).
    Library,
    /// Names reserved for examples and tests: `example.*`, `.invalid`, `.test`, `localhost`.
    Reserved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedLanguage {
    /// The portal's wording, e.g. "中文简体".
    pub language: &'static str,
    /// The locales behind it, e.g. ["zh-CN", "zh-Hans"].
    pub locales: Vec<String>,
}

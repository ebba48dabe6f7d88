//! Feature detection for the sheet: third-party SDKs, domains and languages,
//! each with its evidence (docs/detection.md).

pub mod android;
pub mod domains;
pub mod ios;
pub mod languages;
pub mod sdks;

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Detection {
    pub sdks: Vec<sdks::DetectedSdk>,
    /// Suggestions only: the sheet takes them when confirmed.
    pub domains: Vec<domains::DetectedDomain>,
    pub languages: Vec<languages::DetectedLanguage>,
    /// HarmonyOS: the ohpm packages compiled into the module (`name@version` where the
    /// bytecode says) and the shared modules it depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Bytes of code and assets scanned, for the benchmark.
    pub scanned_bytes: u64,
}

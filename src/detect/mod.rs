//! Feature detection for the sheet: third-party SDKs, domains and languages,
//! each with its evidence (docs/detection.md).
//!
//! Only `Subject`, what a format module hands over, is built without the `detect`
//! feature; the detectors and `run` need it.

#[cfg(feature = "detect")]
pub(crate) mod android;
#[cfg(feature = "detect")]
pub(crate) mod domains;
#[cfg(feature = "detect")]
mod harmony;
#[cfg(feature = "detect")]
pub(crate) mod ios;
#[cfg(feature = "detect")]
pub(crate) mod languages;
#[cfg(feature = "detect")]
pub(crate) mod sdks;

use crate::input::{Archive, NestedBudget};
use crate::report::PackageReport;
use std::path::PathBuf;

pub(crate) use crate::report::Detection;

/// What detection reads in a package: its archive or folder, and what the format module
/// parsed that detection reads too.
pub(crate) enum Subject<'s> {
    /// Profiles, certificates, keystores and app bundles (AAB): no code to read.
    Nothing,
    Apk(Archive<'s>, crate::android::Parsed),
    /// A split set: its base APK (the report's first APK), read again in place.
    ApkSet(Archive<'s>),
    /// An IPA, with its .app's prefix.
    Ipa(Archive<'s>, String, crate::ios::Parsed),
    IosAppDir(PathBuf, crate::ios::Parsed),
    Hap(Archive<'s>),
    /// A HarmonyOS .app pack, with the entries of the modules its report lists.
    HarmonyAppPack(Archive<'s>, Vec<String>),
}

#[cfg(feature = "detect")]
/// Detects SDKs, domains and languages in a package just read, into its report (and,
/// for a pack, its modules' reports).
pub(crate) fn run(subject: Subject<'_>, report: &mut PackageReport) {
    use crate::ios::bundle::Bundle;
    let mut detection = match subject {
        Subject::Nothing => return,
        Subject::Apk(mut archive, parsed) => apk(&mut archive, &parsed, report),
        Subject::ApkSet(mut set) => {
            let base = report.android.as_ref().and_then(|a| a.apks.first());
            let Some(mut base) =
                base.and_then(|base| set.nested(&base.entry, &mut NestedBudget::default()).ok())
            else {
                return;
            };
            let Ok(parsed) = crate::android::read_manifest(&mut base, &mut Vec::new()) else {
                return;
            };
            apk(&mut base, &parsed, report)
        }
        Subject::Ipa(mut archive, root, parsed) => {
            let mut bundle = Bundle::Zip {
                archive: &mut archive,
                root,
            };
            ios_bundle(&mut bundle, &parsed)
        }
        Subject::IosAppDir(root, parsed) => ios_bundle(&mut Bundle::Dir { root }, &parsed),
        Subject::Hap(mut archive) => harmony::detect(&mut archive, &label_locales(report)),
        Subject::HarmonyAppPack(mut pack, entries) => {
            let mut budget = NestedBudget::default();
            let label_locales = label_locales(report);
            let modules = report.harmony.as_mut().map(|h| h.modules.iter_mut());
            for (module, entry) in modules.into_iter().flatten().zip(&entries) {
                if let Ok(mut inner) = pack.nested(entry, &mut budget) {
                    module.detection = Some(harmony::detect(&mut inner, &label_locales));
                }
            }
            // The pack's detections are its entry module's.
            let entry = report.harmony.as_ref().and_then(|h| h.modules.first());
            match entry.and_then(|module| module.detection.clone()) {
                Some(detection) => detection,
                None => return,
            }
        }
    };
    languages::credit_default_label(
        &mut detection.languages,
        report.app_names.get("default").map(String::as_str),
    );
    report.detection = Some(detection);
}

#[cfg(feature = "detect")]
fn apk(
    archive: &mut Archive,
    parsed: &crate::android::Parsed,
    report: &PackageReport,
) -> Detection {
    let table = parsed
        .resources
        .as_deref()
        .and_then(|bytes| crate::android::arsc::ResourceTable::parse(bytes).ok());
    android::detect(
        archive,
        report.package_name.as_deref(),
        &parsed.elements,
        table.as_ref(),
        &label_locales(report),
    )
}

/// The locales that translate the app's label.
#[cfg(feature = "detect")]
fn label_locales(report: &PackageReport) -> Vec<String> {
    report
        .app_names
        .keys()
        .filter(|l| *l != "default")
        .cloned()
        .collect()
}

#[cfg(feature = "detect")]
fn ios_bundle(
    bundle: &mut crate::ios::bundle::Bundle<'_, '_>,
    parsed: &crate::ios::Parsed,
) -> Detection {
    let empty = crate::ios::macho::MachO::default();
    let executable = parsed.executable.as_ref().unwrap_or(&empty);
    ios::detect(bundle, &parsed.files, &parsed.info, executable)
}

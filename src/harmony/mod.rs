//! HarmonyOS: HAP/HSP modules, .app packs, .p7b profiles. The signing block's
//! signature carries the certificate chain; the leaf is what gets filed.

pub(crate) mod abc;
pub(crate) mod profile;
pub(crate) mod resources;
pub(crate) mod sign_block;

use crate::cert;
use crate::error::ErrorKind;
use crate::input::{icon, Archive, NestedBudget};
use crate::report::{
    Format, HarmonyDetails, HarmonyModel, PackageReport, Platform, Scheme, Signer, Warning,
    WarningCode,
};
use serde_json::Value;
use sign_block::HapSignBlock;
use std::collections::BTreeMap;
use std::path::Path;

const MODULE_JSON: &str = "module.json";
const CONFIG_JSON: &str = "config.json";
const PACK_INFO: &str = "pack.info";
const RESOURCES_INDEX: &str = "resources.index";
const MODULES_ABC: &str = "ets/modules.abc";
const MAX_JSON: u64 = 8 << 20;
/// resources.index is read whole; real ones are kilobytes (the corpus's largest: 4.3 KB).
const MAX_RESOURCES: u64 = 16 << 20;
/// Ark bytecode is read whole, as dex is: its index points anywhere in the file.
const MAX_ABC: u64 = 256 << 20;
const MAX_NESTED_HAPS: usize = 64;

/// Whether a zip is a HAP (Stage model module.json, or FA model config.json with resources).
pub(crate) fn is_hap(archive: &Archive) -> bool {
    archive.contains(MODULE_JSON)
        || (archive.contains(CONFIG_JSON) && archive.contains(RESOURCES_INDEX))
}

/// Whether a zip is an .app pack: pack.info and HAPs, no module of its own.
pub(crate) fn is_app_pack(archive: &Archive) -> bool {
    archive.contains(PACK_INFO) && archive.names().any(is_module_name)
}

/// Whether the zip carries a HAP signing block, whatever its entries.
pub(crate) fn has_sign_block(archive: &mut Archive) -> bool {
    matches!(HapSignBlock::read(archive), Ok(Some(_)) | Err(_))
}

fn is_module_name(name: &str) -> bool {
    !name.contains('/') && (name.ends_with(".hap") || name.ends_with(".hsp"))
}

fn empty_report(path: &Path, format: Format) -> PackageReport {
    let mut report = PackageReport::new(path, Platform::Harmonyos, format);
    report.harmony = Some(HarmonyDetails {
        sign_block_magic: None,
        sign_block_version: None,
        sign_blocks: Vec::new(),
        model: None,
        module_name: None,
        min_api_version: None,
        target_api_version: None,
        label_reference: None,
        icon: None,
        profile: None,
        modules: Vec::new(),
    });
    report
}

fn details(report: &mut PackageReport) -> &mut HarmonyDetails {
    report
        .harmony
        .as_mut()
        .expect("harmony reports are made by empty_report") // ok: set by empty_report
}

pub(crate) fn inspect_hap(
    path: &Path,
    archive: &mut Archive,
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let format = if path.extension().is_some_and(|e| e == "hsp") {
        Format::Hsp
    } else {
        Format::Hap
    };
    let mut report = empty_report(path, format);
    // resources.index is read once, for the labels, the icon and detection.
    let index_bytes = match archive.read_entry(RESOURCES_INDEX, MAX_RESOURCES) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.warnings.push(Warning::new(
                WarningCode::ResourcesUnreadable,
                e.to_string(),
            ));
            None
        }
    };
    let index = match index_bytes.as_deref().map(resources::ResourceIndex::parse) {
        Some(Ok(index)) => Some(index),
        Some(Err(e)) => {
            report.warnings.push(Warning::new(
                WarningCode::ResourcesUnreadable,
                e.to_string(),
            ));
            None
        }
        None => None,
    };
    let module = read_module(archive, index.as_ref(), &mut report)?;
    #[cfg(feature = "detect")]
    if options.detect {
        report.detection = Some(detect_hap(archive, &module, index.as_ref()));
    }
    read_signature(archive, &mut report);
    name_from_profile(&mut report);
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

pub(crate) fn inspect_app_pack(
    path: &Path,
    archive: &mut Archive,
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let mut report = empty_report(path, Format::HarmonyAppPack);
    let pack = archive
        .read_entry(PACK_INFO, MAX_JSON)?
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .ok_or_else(|| ErrorKind::BadEntry {
            entry: PACK_INFO.into(),
            reason: "not JSON".into(),
        })?;
    let app = pack.pointer("/summary/app").cloned().unwrap_or(Value::Null);
    report.package_name = app
        .get("bundleName")
        .and_then(Value::as_str)
        .map(str::to_string);
    report.version_name = app
        .pointer("/version/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    report.version_code = app.pointer("/version/code").and_then(Value::as_u64);
    read_signature(archive, &mut report);
    let modules: Vec<String> = archive
        .names()
        .filter(|n| is_module_name(n))
        .map(str::to_string)
        .collect();
    let modules = &modules[..modules.len().min(MAX_NESTED_HAPS)];
    archive.refuse_overlaps(modules.iter().map(String::as_str))?;
    let mut budget = NestedBudget::default();
    let mut entry_module = None;
    for name in modules {
        match inspect_nested(archive, path, name, options, &mut budget) {
            Ok(module) => {
                entry_module.get_or_insert(name);
                details(&mut report).modules.push(module)
            }
            Err(e) => report.warnings.push(Warning::new(
                WarningCode::ModuleUnreadable,
                format!("{name}: {e}"),
            )),
        }
    }
    // The pack's name, labels, icon and detections are its entry module's.
    let entry = details(&mut report).modules.first().cloned();
    if let Some(entry) = entry {
        report.app_names = entry.app_names.clone();
        report.app_name = entry.app_name.clone();
        report.icon = entry.icon.clone();
        if options.icon {
            report.icon_file = icon::from_nested(
                archive,
                entry_module.map(String::as_str),
                entry.icon.as_deref(),
                &mut budget,
            );
        }
        report.detection = entry.detection.clone();
        if report.signers.is_empty() {
            report.signers = entry.signers.clone();
            report.chain = entry.chain.clone();
            details(&mut report).profile = entry.harmony.as_ref().and_then(|h| h.profile.clone());
            report.warnings.push(Warning::new(
                WarningCode::PackUnsigned,
                "the .app pack itself is unsigned: its entry module's signer is filed",
            ));
        }
    }
    for module in &details(&mut report).modules.clone() {
        if module.package_name != report.package_name {
            report.warnings.push(Warning::new(
                WarningCode::BundleNameMismatch,
                format!(
                    "{} has bundle name {:?}, the pack {:?}",
                    module.path, module.package_name, report.package_name
                ),
            ));
        }
    }
    name_from_profile(&mut report);
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

/// Without a bundle name of its own (no module file, no pack.info name), a
/// package is named by its profile.
fn name_from_profile(report: &mut PackageReport) {
    if report.package_name.is_none() {
        report.package_name = report
            .harmony
            .as_ref()
            .and_then(|h| h.profile.as_ref())
            .and_then(|p| p.bundle_name.clone());
    }
}

/// A HAP inside a pack, read in place (or from memory) like any other.
fn inspect_nested(
    archive: &mut Archive,
    pack: &Path,
    name: &str,
    options: &crate::Options,
    budget: &mut NestedBudget,
) -> Result<PackageReport, ErrorKind> {
    let mut inner = archive.nested(name, budget)?;
    let nested_path = format!("{}!{name}", pack.display());
    inspect_hap(Path::new(&nested_path), &mut inner, options)
}

/// SDKs from the packages compiled into modules.abc, the shared modules module.json
/// depends on and the native libraries; languages from resources.index; domains from
/// the module file and the resource strings.
#[cfg(feature = "detect")]
fn detect_hap(
    archive: &mut Archive,
    module: &ModuleFile,
    index: Option<&resources::ResourceIndex<'_>>,
) -> crate::detect::Detection {
    let mut sdks = crate::detect::sdks::Matcher::new();
    let mut hosts = crate::detect::domains::Collector::default();
    hosts.text(&module.text, "module.json");
    let own_module = module.json.pointer("/module/name").and_then(Value::as_str);
    let mut packages = module_dependencies(&module.json);
    let mut scanned_bytes = module.text.len() as u64;
    if let Ok(Some(code)) = archive.read_entry(MODULES_ABC, MAX_ABC) {
        scanned_bytes += code.len() as u64;
        if let Ok(abc) = abc::Abc::parse(&code) {
            packages.extend(
                abc.record_names()
                    .filter_map(abc::record_package)
                    .filter(|p| Some(p.name) != own_module)
                    .map(|p| match p.version {
                        Some(v) => format!("{}@{v}", p.name),
                        None => p.name.to_string(),
                    }),
            );
        }
    }
    packages.sort();
    packages.dedup();
    for package in &packages {
        sdks.harmony_package(package);
    }
    // Native libraries, as in an APK: libs/<abi>/<name>.so.
    let libraries: Vec<String> = archive
        .names()
        .filter_map(|n| {
            n.strip_prefix("libs/")?
                .rsplit('/')
                .next()
                .filter(|f| f.ends_with(".so"))
                .map(str::to_string)
        })
        .collect();
    for library in &libraries {
        sdks.native_library(library);
    }
    let mut locales = Vec::new();
    if let Some(index) = index {
        locales = index.locales();
        for value in index.all_values().iter().filter(|v| v.contains("http")) {
            hosts.text(value, "resources");
        }
    }
    crate::detect::Detection {
        sdks: sdks.finish(),
        domains: hosts.finish(),
        languages: crate::detect::languages::group(locales),
        packages,
        scanned_bytes,
    }
}

/// The shared modules (HSP) module.json declares: `dependencies[].moduleName`.
fn module_dependencies(module: &Value) -> Vec<String> {
    let list = module
        .pointer("/module/dependencies")
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|d| d.get("moduleName").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// A standalone .p7b (or JSON) profile.
pub(crate) fn inspect_profile(
    path: &Path,
    bytes: &[u8],
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    let parsed = profile::parse(bytes).map_err(|e| ErrorKind::NotAPackage(e.to_string()))?;
    let mut report = empty_report(path, Format::P7b);
    report.package_name = parsed.profile.bundle_name.clone();
    if let Some(key) = parsed.profile.certificate.clone() {
        report.signers.push(Signer::new(Scheme::Profile, key));
    }
    if !parsed.signed {
        report.warnings.push(Warning::new(
            WarningCode::ProfileUnsigned,
            "the profile is bare JSON, not signed: only debug profiles are",
        ));
    }
    details(&mut report).profile = Some(parsed.profile);
    crate::filing::file(&mut report, now);
    Ok(report)
}

/// bundleName, versions, API levels, label and icon from module.json (Stage) or config.json (FA).
/// Reads module metadata into the report; returns the module file's text, for detection.
/// The module file as read: its text (for the domains in it) and its JSON.
#[derive(Default)]
struct ModuleFile {
    text: String,
    json: Value,
}

fn read_module(
    archive: &mut Archive,
    index: Option<&resources::ResourceIndex<'_>>,
    report: &mut PackageReport,
) -> Result<ModuleFile, ErrorKind> {
    let (model, entry) = if archive.contains(MODULE_JSON) {
        (HarmonyModel::Stage, MODULE_JSON)
    } else {
        (HarmonyModel::Fa, CONFIG_JSON)
    };
    let Some(bytes) = archive.read_entry(entry, MAX_JSON)? else {
        report.warnings.push(Warning::new(
            WarningCode::ModuleMissing,
            "neither module.json nor config.json: the bundle name comes from the profile",
        ));
        return Ok(ModuleFile::default());
    };
    let json: Value = serde_json::from_slice(&bytes).map_err(|e| ErrorKind::BadEntry {
        entry: entry.into(),
        reason: format!("not JSON: {e}"),
    })?;
    let app = json.get("app").unwrap_or(&Value::Null);
    let module = json.get("module").unwrap_or(&Value::Null);
    let text = |v: &Value, pointer: &str| {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    report.package_name = text(app, "/bundleName");
    if report.package_name.is_none() {
        return Err(ErrorKind::BadEntry {
            entry: entry.into(),
            reason: "no app.bundleName".into(),
        });
    }
    let stage = model == HarmonyModel::Stage;
    let ability = module
        .pointer("/abilities/0")
        .cloned()
        .unwrap_or(Value::Null);
    let number = |v: &Value, pointer: &str| v.pointer(pointer).and_then(Value::as_u64);
    let (version_name, version_code, min_api, target_api, label, label_id, icon, icon_id) = if stage
    {
        (
            text(app, "/versionName"),
            number(app, "/versionCode"),
            number(app, "/minAPIVersion"),
            number(app, "/targetAPIVersion"),
            text(app, "/label"),
            number(app, "/labelId"),
            text(app, "/icon"),
            number(app, "/iconId"),
        )
    } else {
        (
            text(app, "/version/name"),
            number(app, "/version/code"),
            number(app, "/apiVersion/compatible"),
            number(app, "/apiVersion/target"),
            text(&ability, "/label").or_else(|| text(app, "/label")),
            number(&ability, "/labelId"),
            text(&ability, "/icon"),
            number(&ability, "/iconId"),
        )
    };
    report.version_name = version_name;
    report.version_code = version_code;
    {
        let d = details(report);
        d.model = Some(model);
        d.module_name = text(module, "/name");
        d.min_api_version = min_api;
        d.target_api_version = target_api;
        d.label_reference = label.clone();
        d.icon = icon.clone();
    }
    report.app_names = resolve_label(index, label.as_deref(), label_id, &mut report.warnings);
    report.app_name = crate::filing::preferred_name(&report.app_names).cloned();
    // A media value is "<module>/resources/…"; inside the HAP the path starts at "resources/".
    report.icon = match (
        index.as_ref(),
        icon_id.and_then(|id| u32::try_from(id).ok()),
    ) {
        (Some(index), Some(id)) => index
            .strings(id)
            .into_iter()
            .map(|(_, path)| {
                path.split_once('/')
                    .map_or(path.clone(), |(_, rest)| rest.to_string())
            })
            .next(),
        _ => None,
    };
    Ok(ModuleFile {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        json,
    })
}

fn resolve_label(
    index: Option<&resources::ResourceIndex<'_>>,
    label: Option<&str>,
    label_id: Option<u64>,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let Some(label) = label else { return names };
    if !label.starts_with('$') {
        names.insert("default".to_string(), label.to_string());
        return names;
    }
    if let (Some(index), Some(id)) = (index, label_id.and_then(|id| u32::try_from(id).ok())) {
        for (locale, value) in index.strings(id) {
            names.entry(locale).or_insert(value);
        }
    }
    if names.is_empty() {
        warnings.push(Warning::new(
            WarningCode::LabelUnresolved,
            format!("the label {label} could not be resolved in {RESOURCES_INDEX}; no app name is reported"),
        ));
    }
    names
}

/// The signing block: its sub-blocks, the signature's chain and leaf, the profile.
fn read_signature(archive: &mut Archive, report: &mut PackageReport) {
    let block = match HapSignBlock::read(archive) {
        Ok(Some(block)) => block,
        Ok(None) => return,
        Err(e) => {
            report.warnings.push(Warning::new(
                WarningCode::SigningBlockMalformed,
                e.to_string(),
            ));
            return;
        }
    };
    {
        let d = details(report);
        d.sign_block_magic = Some(block.magic);
        d.sign_block_version = Some(block.version);
        d.sign_blocks = block.entries();
    }
    if let Some(signature) = block.value(sign_block::TYPE_SIGNATURE) {
        report.chain = cert::record_signature(
            report,
            Scheme::HapSignature,
            signature,
            "HAP signature",
            WarningCode::SignatureUnreadable,
        );
    }
    if let Some(bytes) = block.value(sign_block::TYPE_PROFILE) {
        match profile::parse(bytes) {
            Ok(parsed) => details(report).profile = Some(parsed.profile),
            Err(e) => report.warnings.push(Warning::new(
                WarningCode::ProfileUnreadable,
                format!("profile sub-block: {e}"),
            )),
        }
    }
}

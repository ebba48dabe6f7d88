//! HarmonyOS: HAP/HSP modules, .app packs, .p7b profiles. The signing block's
//! signature carries the certificate chain; the leaf is what gets filed.

pub(crate) mod abc;
mod chain;
pub(crate) mod profile;
pub(crate) mod resources;
pub(crate) mod sign_block;
pub(crate) mod verify;

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
pub(crate) const RESOURCES_INDEX: &str = "resources.index";
pub(crate) const MODULES_ABC: &str = "ets/modules.abc";
const MAX_JSON: u64 = 8 << 20;
/// resources.index is read whole; real ones are kilobytes (the corpus's largest: 4.3 KB).
pub(crate) const MAX_RESOURCES: u64 = 16 << 20;
/// Ark bytecode is read whole, as dex is: its index points anywhere in the file.
pub(crate) const MAX_ABC: u64 = 256 << 20;
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
    // resources.index is read once, for the labels and the icon.
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
    read_module(archive, index.as_ref(), &mut report)?;
    read_signature(archive, &mut report);
    if options.verify.is_some() {
        report.verification = Some(verify::verify_hap(archive));
    }
    name_from_profile(&mut report);
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

/// Also returns the entries of the modules reported, in their order (for detection).
pub(crate) fn inspect_app_pack(
    path: &Path,
    archive: &mut Archive,
    options: &crate::Options,
) -> Result<(PackageReport, Vec<String>), ErrorKind> {
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
    let (modules, unlisted) = modules.split_at(modules.len().min(MAX_NESTED_HAPS));
    archive.refuse_overlaps(modules.iter().map(String::as_str))?;
    let mut budget = NestedBudget::default();
    let mut read = Vec::new();
    let mut unread: Vec<(String, String)> = unlisted
        .iter()
        .map(|name| {
            (
                name.clone(),
                format!("only the first {MAX_NESTED_HAPS} modules are read"),
            )
        })
        .collect();
    for name in modules {
        match inspect_nested(archive, path, name, options, &mut budget) {
            Ok(module) => {
                read.push(name.clone());
                details(&mut report).modules.push(module)
            }
            Err(e) => {
                unread.push((name.clone(), e.to_string()));
                report.warnings.push(Warning::new(
                    WarningCode::ModuleUnreadable,
                    format!("{name}: {e}"),
                ))
            }
        }
    }
    if options.verify.is_some() {
        let own = has_sign_block(archive).then(|| verify::verify_hap(archive));
        let verified: Vec<(String, Option<_>)> = read
            .iter()
            .cloned()
            .zip(
                details(&mut report)
                    .modules
                    .iter()
                    .map(|m| m.verification.clone()),
            )
            .collect();
        report.verification = Some(verify::verify_pack(own, &verified, &unread));
    }
    // The pack's name, labels and icon are its entry module's.
    let entry = details(&mut report).modules.first().cloned();
    if let Some(entry) = entry {
        report.app_names = entry.app_names.clone();
        report.app_name = entry.app_name.clone();
        report.icon = entry.icon.clone();
        if options.icon {
            report.icon_file = icon::from_nested(
                archive,
                read.first().map(String::as_str),
                entry.icon.as_deref(),
                &mut budget,
            );
        }
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
    Ok((report, read))
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

/// A standalone .p7b (or JSON) profile.
pub(crate) fn inspect_profile(
    path: &Path,
    bytes: &[u8],
    options: &crate::Options,
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
    if options.verify.is_some() {
        report.verification = Some(verify::verify_profile_file(bytes));
    }
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

/// The module file: module.json (Stage model) or config.json (FA model), and its bytes
/// when the package has it.
pub(crate) fn module_file(
    archive: &mut Archive,
) -> Result<(HarmonyModel, &'static str, Option<Vec<u8>>), ErrorKind> {
    let (model, entry) = if archive.contains(MODULE_JSON) {
        (HarmonyModel::Stage, MODULE_JSON)
    } else {
        (HarmonyModel::Fa, CONFIG_JSON)
    };
    Ok((model, entry, archive.read_entry(entry, MAX_JSON)?))
}

/// bundleName, versions, API levels, label and icon from module.json (Stage) or config.json (FA).
fn read_module(
    archive: &mut Archive,
    index: Option<&resources::ResourceIndex<'_>>,
    report: &mut PackageReport,
) -> Result<(), ErrorKind> {
    let (model, entry, Some(bytes)) = module_file(archive)? else {
        report.warnings.push(Warning::new(
            WarningCode::ModuleMissing,
            "neither module.json nor config.json: the bundle name comes from the profile",
        ));
        return Ok(());
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
    Ok(())
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

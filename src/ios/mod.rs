//! iOS: IPA and unpacked .app bundles (Info.plist, localized names, the
//! embedded profile, the executable's code signature, app extensions) and
//! standalone provisioning profiles; with `Options::verify`, whether their
//! signatures hold (verify.rs).

pub(crate) mod bundle;
pub(crate) mod code_resources;
pub(crate) mod code_signature;
pub(crate) mod macho;
pub(crate) mod property_list;
pub(crate) mod provision;
mod verify;

use crate::cert;
use crate::error::ErrorKind;
use crate::report::{
    CodeSignature, Extension, Format, IconFile, IosDetails, PackageReport, Platform, Scheme,
    Signer, Warning, WarningCode,
};
use ::plist::{Dictionary, Value};
use bundle::Bundle;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

pub(crate) const INFO_PLIST: &str = "Info.plist";
const EMBEDDED_PROFILE: &str = "embedded.mobileprovision";
/// Info.plist and InfoPlist.strings are kilobytes.
pub(crate) const MAX_PLIST: u64 = 4 << 20;
/// Profiles are tens of kilobytes, a little more with many devices.
pub(crate) const MAX_PROFILE: u64 = 4 << 20;

/// What reading a bundle parsed that detection reads too.
pub(crate) struct Parsed {
    /// The bundle's files, relative to the .app.
    pub(crate) files: Vec<String>,
    pub(crate) info: Dictionary,
    /// The executable as read, with its strings when detecting.
    pub(crate) executable: Option<macho::MachO>,
}

/// Also returns the .app's prefix in the archive and what detection reads.
pub(crate) fn inspect_ipa(
    path: &Path,
    archive: &mut crate::input::Archive,
    options: &crate::Options,
) -> Result<(PackageReport, String, Parsed), ErrorKind> {
    let roots = bundle::app_roots(archive);
    let Some(root) = roots.first().cloned() else {
        return Err(ErrorKind::NotAPackage(
            "a zip without Payload/*.app/Info.plist or *.app/Info.plist: not an IPA or zipped .app"
                .into(),
        ));
    };
    let mut warnings = Vec::new();
    if roots.len() > 1 {
        warnings.push(Warning::new(
            WarningCode::SeveralApps,
            format!(
                "the IPA holds {} apps ({}); {} is reported",
                roots.len(),
                roots.join(", "),
                root
            ),
        ));
    }
    let mut bundle = Bundle::Zip {
        archive,
        root: root.clone(),
    };
    // A zipped .app folder is the bundle itself, not an IPA.
    let format = if root.contains("Payload/") {
        Format::Ipa
    } else {
        Format::IosApp
    };
    let (report, parsed) = inspect_bundle(path, format, &mut bundle, warnings, options)?;
    Ok((report, root, parsed))
}

/// Also returns what detection reads.
pub(crate) fn inspect_app_dir(
    path: &Path,
    options: &crate::Options,
) -> Result<(PackageReport, Parsed), ErrorKind> {
    let mut bundle = Bundle::Dir {
        root: path.to_path_buf(),
    };
    inspect_bundle(path, Format::IosApp, &mut bundle, Vec::new(), options)
}

/// Whether an unpacked bundle holds the Mach-O executable its Info.plist names.
pub(crate) fn has_executable(dir: &Path) -> bool {
    let mut bundle = Bundle::Dir {
        root: dir.to_path_buf(),
    };
    let info = bundle.read(INFO_PLIST, MAX_PLIST).ok().flatten();
    let executable = info
        .and_then(|bytes| property_list::dictionary(&bytes).ok())
        .and_then(|info| property_list::string(&info, "CFBundleExecutable"))
        .filter(|name| bundle::inside(name));
    let Some(Ok(Some(mut entry))) = executable.map(|name| bundle.open(&name)) else {
        return false;
    };
    let mut magic = [0u8; 4];
    entry.reader.read_exact(&mut magic).is_ok() && macho::is_macho(&magic)
}

/// A standalone .mobileprovision / .provisionprofile.
pub(crate) fn inspect_profile(
    path: &Path,
    bytes: &[u8],
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let parsed = provision::parse(bytes).map_err(|e| match e {
        // A profile, but one that is not read: an error of its own, not "no package".
        property_list::PlistError::Refused(reason) => ErrorKind::BadEntry {
            entry: "profile plist".into(),
            reason,
        },
        property_list::PlistError::Invalid(reason) => ErrorKind::NotAPackage(reason),
    })?;
    let mut report = PackageReport::new(path, Platform::Ios, Format::Mobileprovision);
    report.warnings.extend(
        parsed
            .unreadable
            .iter()
            .map(|m| Warning::new(WarningCode::CertificateUnreadable, m.clone())),
    );
    if !parsed.signed {
        report.warnings.push(Warning::new(
            WarningCode::ProfileUnsigned,
            "the profile is a bare plist, not signed by Apple: it may have been edited",
        ));
    }
    report.package_name = parsed
        .profile
        .application_identifier
        .as_deref()
        .map(|id| provision::bundle_id_of(id).to_string());
    report.signers = parsed
        .profile
        .developer_certificates
        .iter()
        .map(|key| Signer::new(Scheme::Profile, key.clone()))
        .collect();
    details(&mut report).profile = Some(parsed.profile);
    if options.verify.is_some() {
        let name = path.display().to_string();
        report.verification = Some(verify::verify_standalone_profile(bytes, &name));
    }
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

fn details(report: &mut PackageReport) -> &mut IosDetails {
    report.ios.get_or_insert_with(|| IosDetails {
        bundle_version: None,
        minimum_os_version: None,
        platform: None,
        icon_names: Vec::new(),
        executable: None,
        encrypted: None,
        code_signature: None,
        profile: None,
        extensions: Vec::new(),
    })
}

/// The largest PNG named after the icon names at the bundle's top (AppIcon60x60@3x.png
/// over @2x over the plain file), by the width in its header, one within the size limit
/// over one past it.
fn icon_file(bundle: &mut Bundle<'_, '_>, files: &[String], names: &[String]) -> Option<IconFile> {
    use crate::input::icon::{png_size, MAX_ICON_FILE, MAX_ICON_SIDE};
    let mut best: Option<((bool, u32), &String, Vec<u8>)> = None;
    for file in files {
        let stem = file.strip_suffix(".png").unwrap_or("");
        if file.contains('/') || !names.iter().any(|n| stem.starts_with(n.as_str())) {
            continue;
        }
        let data = match bundle.read(file, MAX_ICON_FILE) {
            Ok(Some(data)) => data,
            Ok(None) => continue,
            Err(e) => {
                return Some(IconFile {
                    name: file.clone(),
                    bytes: Err(std::sync::Arc::new(e)),
                })
            }
        };
        let width = png_size(&data).map_or(0, |(w, _)| w);
        let rank = (width <= MAX_ICON_SIDE, width);
        if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            best = Some((rank, file, data));
        }
    }
    best.map(|(_, name, data)| IconFile {
        name: name.clone(),
        bytes: Ok(data),
    })
}

fn inspect_bundle(
    path: &Path,
    format: Format,
    bundle: &mut Bundle<'_, '_>,
    warnings: Vec<Warning>,
    options: &crate::Options,
) -> Result<(PackageReport, Parsed), ErrorKind> {
    let info_bytes = bundle
        .read(INFO_PLIST, MAX_PLIST)?
        .ok_or_else(|| ErrorKind::NotAPackage(format!("the app has no {INFO_PLIST}")))?;
    let info = property_list::dictionary(&info_bytes).map_err(|e| ErrorKind::BadEntry {
        entry: INFO_PLIST.into(),
        reason: e.to_string(),
    })?;
    let package_name = match property_list::string(&info, "CFBundleIdentifier") {
        Some(id) if !id.trim().is_empty() => id,
        found => {
            let reason = if found.is_some() {
                "CFBundleIdentifier is empty"
            } else {
                "no CFBundleIdentifier"
            };
            return Err(ErrorKind::BadEntry {
                entry: INFO_PLIST.into(),
                reason: reason.into(),
            });
        }
    };
    let mut report = PackageReport::new(path, Platform::Ios, format);
    report.warnings = warnings;
    report.package_name = Some(package_name);
    let files = bundle.files();
    report.app_names = localized_names(bundle, &files, &info);
    report.app_name = crate::filing::preferred_name(&report.app_names).cloned();
    report.version_name = property_list::string(&info, "CFBundleShortVersionString");
    let bundle_version = property_list::string(&info, "CFBundleVersion");
    report.version_code = bundle_version.as_deref().and_then(|v| v.parse().ok());
    let executable = property_list::string(&info, "CFBundleExecutable");
    {
        let d = details(&mut report);
        d.bundle_version = bundle_version;
        d.minimum_os_version = property_list::string(&info, "MinimumOSVersion");
        d.platform = Some(platform(&info).into());
        d.icon_names = icon_names(&info);
        d.executable = executable.clone();
    }
    if options.icon {
        let names = details(&mut report).icon_names.clone();
        report.icon_file = icon_file(bundle, &files, &names);
    }

    // The executable's strings are for detection only.
    let executable =
        read_code_signature(bundle, executable.as_deref(), &mut report, options.detect)?;
    if let Some(parsed) = embedded_profile(bundle, EMBEDDED_PROFILE, &mut report.warnings) {
        report.warnings.extend(
            parsed
                .unreadable
                .into_iter()
                .map(|m| Warning::new(WarningCode::CertificateUnreadable, m)),
        );
        details(&mut report).profile = Some(parsed.profile);
    }
    details(&mut report).extensions = extensions(bundle, &files, &mut report.warnings);
    if options.verify.is_some() {
        let label = bundle.label();
        report.verification = Some(verify::verify_app(bundle, &files, &label));
    }
    crate::filing::file(&mut report, options.judged_at());
    let parsed = Parsed {
        files,
        info,
        executable,
    };
    Ok((report, parsed))
}

fn platform(info: &Dictionary) -> &'static str {
    let platforms: Vec<&str> = info
        .get("CFBundleSupportedPlatforms")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_string).collect())
        .unwrap_or_default();
    let families: Vec<u64> = info
        .get("UIDeviceFamily")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_unsigned_integer).collect())
        .unwrap_or_default();
    if platforms.iter().any(|p| p.starts_with("AppleTV")) || families == [3] {
        "tvOS"
    } else if families == [2] {
        "iPadOS"
    } else {
        "iOS"
    }
}

fn icon_names(info: &Dictionary) -> Vec<String> {
    let mut found: Vec<&str> = Vec::new();
    for key in ["CFBundleIcons", "CFBundleIcons~ipad"] {
        let primary = info
            .get(key)
            .and_then(Value::as_dictionary)
            .and_then(|d| d.get("CFBundlePrimaryIcon"))
            .and_then(Value::as_dictionary);
        found.extend(string_items(
            primary.and_then(|p| p.get("CFBundleIconFiles")),
        ));
        found.extend(
            primary
                .and_then(|p| p.get("CFBundleIconName"))
                .and_then(Value::as_string),
        );
    }
    found.extend(string_items(info.get("CFBundleIconFiles")));
    found.extend(info.get("CFBundleIconFile").and_then(Value::as_string));
    // A set, so that a plist listing many names costs linear time.
    let mut seen = HashSet::new();
    found
        .into_iter()
        .filter(|name| seen.insert(*name))
        .map(str::to_string)
        .collect()
}

/// The strings of an array value.
fn string_items(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let items = value.and_then(Value::as_array).into_iter().flatten();
    items.filter_map(Value::as_string)
}

/// "default" from Info.plist, then each `<locale>.lproj/InfoPlist.strings`.
fn localized_names(
    bundle: &mut Bundle<'_, '_>,
    files: &[String],
    info: &Dictionary,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let name = property_list::string(info, "CFBundleDisplayName")
        .or_else(|| property_list::string(info, "CFBundleName"));
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        names.insert("default".to_string(), name);
    }
    for file in files {
        let Some(lproj) = file.strip_suffix(".lproj/InfoPlist.strings") else {
            continue;
        };
        if lproj.contains('/') || lproj == "Base" {
            continue;
        }
        let Ok(Some(bytes)) = bundle.read(file, MAX_PLIST) else {
            continue;
        };
        let strings = property_list::strings_file(&bytes);
        let localized = strings
            .get("CFBundleDisplayName")
            .or_else(|| strings.get("CFBundleName"));
        if let Some(value) = localized.filter(|v| !v.is_empty()) {
            names.insert(lproj.replace('_', "-"), value.clone());
        }
    }
    names
}

/// Reads the executable's signature into the report; returns the libraries it
/// links and its signed entitlements, for detection.
fn read_code_signature(
    bundle: &mut Bundle<'_, '_>,
    executable: Option<&str>,
    report: &mut PackageReport,
    read_strings: bool,
) -> Result<Option<macho::MachO>, ErrorKind> {
    let Some(name) = executable else {
        report.warnings.push(Warning::new(
            WarningCode::ExecutableMissing,
            "Info.plist names no CFBundleExecutable",
        ));
        return Ok(None);
    };
    if !bundle::inside(name) {
        report.warnings.push(Warning::new(
            WarningCode::ExecutableOutsideBundle,
            format!("CFBundleExecutable {name:?} leaves the bundle: it is not read"),
        ));
        return Ok(None);
    }
    let Some(entry) = bundle.open(name)? else {
        report.warnings.push(Warning::new(
            WarningCode::ExecutableMissing,
            format!("the executable {name} is not in the bundle"),
        ));
        return Ok(None);
    };
    let macho = match macho::read(entry.reader, read_strings) {
        Ok(m) => m,
        Err(e) => {
            report.warnings.push(Warning::new(
                WarningCode::ExecutableUnreadable,
                format!("{name}: {e}"),
            ));
            return Ok(None);
        }
    };
    let mut signature = CodeSignature {
        identifier: macho.identifier.clone(),
        team_id: macho.team_id.clone(),
        architectures: macho.architectures.clone(),
        chain: Vec::new(),
    };
    details(report).encrypted = Some(macho.encrypted);
    if let Some(cms) = &macho.cms {
        signature.chain = cert::record_signature(
            report,
            Scheme::CodeSignature,
            cms,
            &format!("{name}: code signature"),
            WarningCode::CodeSignatureUnreadable,
        );
    } else if macho.has_signature {
        report.warnings.push(Warning::new(
            WarningCode::AdHocSignature,
            format!("{name} has an ad-hoc code signature without certificates"),
        ));
    }
    details(report).code_signature = Some(signature).filter(|_| macho.has_signature);
    Ok(Some(macho))
}

/// A profile in the bundle; one that cannot be read (too large, not a profile)
/// is a warning naming it, never a failure of the whole package.
fn embedded_profile(
    bundle: &mut Bundle<'_, '_>,
    relative: &str,
    warnings: &mut Vec<Warning>,
) -> Option<provision::ParsedProfile> {
    let parsed = match bundle.read(relative, MAX_PROFILE) {
        Ok(None) => return None,
        Ok(Some(bytes)) => provision::parse(&bytes).map_err(|e| format!("{relative}: {e}")),
        Err(e) => Err(e.to_string()),
    };
    parsed
        .map_err(|message| warnings.push(Warning::new(WarningCode::ProfileUnreadable, message)))
        .ok()
}

fn extensions(
    bundle: &mut Bundle<'_, '_>,
    files: &[String],
    warnings: &mut Vec<Warning>,
) -> Vec<Extension> {
    let mut out = Vec::new();
    for file in files {
        let Some(appex) = file.strip_suffix("/Info.plist") else {
            continue;
        };
        let Some(name) = appex.strip_prefix("PlugIns/") else {
            continue;
        };
        if name.contains('/') || !name.ends_with(".appex") {
            continue;
        }
        let bundle_id = match bundle.read(file, MAX_PLIST) {
            Ok(bytes) => bytes
                .and_then(|bytes| property_list::dictionary(&bytes).ok())
                .and_then(|d| property_list::string(&d, "CFBundleIdentifier")),
            Err(e) => {
                warnings.push(Warning::new(
                    WarningCode::ExtensionUnreadable,
                    e.to_string(),
                ));
                None
            }
        };
        let profile = embedded_profile(bundle, &format!("{appex}/{EMBEDDED_PROFILE}"), warnings);
        out.push(Extension {
            path: appex.to_string(),
            bundle_id,
            profile: profile.map(|parsed| parsed.profile),
        });
    }
    out
}

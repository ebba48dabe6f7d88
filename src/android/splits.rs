//! Split APK sets: bundletool's .apks (toc.pb), .xapk (manifest.json) and .apkm
//! (info.json): every APK inside is read; the base APK is the report, the
//! others are listed, and all must share one signer. Split APKs given side by
//! side on the command line get the same signer check (`check_split_signers`).

use crate::error::ErrorKind;
use crate::input::{icon, Archive, NestedBudget};
use crate::report::{
    Finding, Format, PackageReport, SchemeVerification, SplitApk, Verification, VerifyCode,
    Warning, WarningCode,
};
use std::path::Path;

/// Sets carry a base, config splits per ABI, density and language: dozens at most.
const MAX_APKS: usize = 256;

/// The kind of split set an archive is, by its index file or, failing that, by
/// holding APKs and nothing that makes it an APK itself.
pub(crate) fn set_format(archive: &Archive) -> Option<Format> {
    let apks = archive.names().any(|n| n.ends_with(".apk"));
    if !apks {
        return None;
    }
    if archive.contains("toc.pb") {
        Some(Format::Apks)
    } else if archive.contains("manifest.json") {
        Some(Format::Xapk)
    } else if archive.contains("info.json") {
        Some(Format::Apkm)
    } else {
        Some(Format::Apks)
    }
}

pub(crate) fn inspect_set(
    path: &Path,
    archive: &mut Archive,
    format: Format,
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let mut names: Vec<String> = archive
        .names()
        .filter(|n| n.ends_with(".apk"))
        .map(str::to_string)
        .collect();
    names.sort();
    let found = names.len();
    names.truncate(MAX_APKS);
    archive.refuse_overlaps(names.iter().map(String::as_str))?;
    let mut read = Vec::new();
    let mut warnings = Vec::new();
    let mut unreadable = Vec::new();
    let mut budget = NestedBudget::default();
    for name in &names {
        match inspect_nested(archive, path, name, options, &mut budget) {
            Ok(apk) => read.push((name.clone(), apk)),
            Err(e) => {
                warnings.push(Warning::new(
                    WarningCode::ApkUnreadable,
                    format!("{name}: {e}"),
                ));
                unreadable.push((name.clone(), e.to_string()));
            }
        }
    }
    if found > MAX_APKS {
        warnings.push(Warning::new(
            WarningCode::ApkUnreadable,
            format!("{found} APKs: only the first {MAX_APKS} were read"),
        ));
    }
    // The base is the APK without a split name; of several, the one with most signers read.
    let base_index = read
        .iter()
        .position(|(_, apk)| split_of(apk).is_none())
        .ok_or_else(|| {
            if unreadable.is_empty() {
                ErrorKind::NotAPackage(format!(
                    "a split set ({} APKs) without a base APK",
                    read.len()
                ))
            } else {
                // The base may be among those that failed: a damaged set, not a non-package.
                ErrorKind::BadEntry {
                    entry: unreadable
                        .iter()
                        .map(|(name, _)| name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: format!(
                        "the split set has no readable base APK ({} read): {}",
                        read.len(),
                        unreadable
                            .iter()
                            .map(|(name, why)| format!("{name}: {why}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                }
            }
        })?;
    let (base_entry, mut report) = read.remove(base_index);
    report.path = path.display().to_string();
    report.format = format;
    let base_signer = report.filing.as_ref().map(|f| f.signer_sha256.clone());
    let mut apks = vec![SplitApk {
        entry: base_entry,
        split: None,
        signer_sha256: base_signer.clone(),
    }];
    for (entry, apk) in &read {
        let signer = apk.filing.as_ref().map(|f| f.signer_sha256.clone());
        if signer != base_signer {
            warnings.push(mismatch(entry, signer.as_deref(), base_signer.as_deref()));
        }
        if apk.package_name != report.package_name {
            warnings.push(Warning::new(
                WarningCode::SplitPackageMismatch,
                format!(
                    "{entry} belongs to {:?}, the base to {:?}",
                    apk.package_name, report.package_name
                ),
            ));
        }
        apks.push(SplitApk {
            entry: entry.clone(),
            split: split_of(apk).map(str::to_string),
            signer_sha256: signer,
        });
    }
    report.warnings.extend(warnings);
    if options.verify.is_some() {
        let base = apks.first().map_or("", |apk| apk.entry.as_str());
        let members = std::iter::once((base, &report))
            .chain(read.iter().map(|(entry, apk)| (entry.as_str(), apk)));
        report.verification = Some(set_verification(members, &unreadable));
    }
    if options.icon {
        // The base's icon, from the base or, at a density it leaves to them, a split.
        let entries = apks.iter().map(|apk| apk.entry.as_str());
        report.icon_file = icon::from_nested(archive, entries, report.icon.as_deref(), &mut budget);
    }
    if let Some(android) = &mut report.android {
        android.apks = apks;
    }
    Ok(report)
}

/// A set verifies when every APK in it does: each APK's schemes and errors, with the
/// APK named in every message; an APK that could not be read fails the set.
fn set_verification<'a>(
    members: impl Iterator<Item = (&'a str, &'a PackageReport)>,
    unreadable: &[(String, String)],
) -> Verification {
    let named = |entry: &str, findings: &[Finding]| -> Vec<Finding> {
        findings
            .iter()
            .map(|f| Finding::new(f.code, format!("{entry}: {}", f.message)))
            .collect()
    };
    let mut range = None;
    let mut schemes = Vec::new();
    let mut errors = Vec::new();
    for (entry, apk) in members {
        let Some(verification) = &apk.verification else {
            errors.push(Finding::new(
                VerifyCode::ReadFailed,
                format!("{entry}: was not verified"),
            ));
            continue;
        };
        range.get_or_insert((verification.min_sdk, verification.max_sdk));
        errors.extend(named(entry, &verification.errors));
        for scheme in &verification.schemes {
            schemes.push(SchemeVerification {
                errors: named(entry, &scheme.errors),
                warnings: named(entry, &scheme.warnings),
                ..scheme.clone()
            });
        }
    }
    for (entry, why) in unreadable {
        errors.push(Finding::new(
            VerifyCode::ReadFailed,
            format!("{entry}: cannot be read, so its signature cannot be verified: {why}"),
        ));
    }
    let (min_sdk, max_sdk) = range.unwrap_or_default();
    Verification::conclude(min_sdk, max_sdk, schemes, errors)
}

fn split_of(apk: &PackageReport) -> Option<&str> {
    apk.android.as_ref()?.split.as_deref()
}

fn mismatch(what: &str, signer: Option<&str>, base: Option<&str>) -> Warning {
    Warning::new(
        WarningCode::SplitSignerMismatch,
        format!(
            "{what} is signed by {} and the base APK by {}: Android refuses to install splits whose signer differs from the base's",
            signer.unwrap_or("nobody"),
            base.unwrap_or("nobody")
        ),
    )
}

fn inspect_nested(
    archive: &mut Archive,
    set: &Path,
    name: &str,
    options: &crate::Options,
    budget: &mut NestedBudget,
) -> Result<PackageReport, ErrorKind> {
    let mut inner = archive.nested(name, budget)?;
    let nested_path = format!("{}!{name}", set.display());
    super::inspect_apk(Path::new(&nested_path), &mut inner, options).map(|(apk, _)| apk)
}

/// Split APKs given side by side: each split whose base (same package, no split
/// name) is among `packages` must share the base's signer.
pub(crate) fn check_split_signers<'a>(packages: impl IntoIterator<Item = &'a mut PackageReport>) {
    let mut packages: Vec<&'a mut PackageReport> = packages.into_iter().collect();
    let bases: Vec<(Option<String>, Option<String>, String)> = packages
        .iter()
        .filter(|p| {
            p.android
                .as_ref()
                .is_some_and(|a| a.split.is_none() && a.apks.is_empty())
        })
        .map(|p| {
            (
                p.package_name.clone(),
                p.filing.as_ref().map(|f| f.signer_sha256.clone()),
                p.path.clone(),
            )
        })
        .collect();
    for package in packages.iter_mut() {
        if split_of(package).is_none() {
            continue;
        }
        let signer = package.filing.as_ref().map(|f| f.signer_sha256.clone());
        let base = bases
            .iter()
            .find(|(name, _, _)| *name == package.package_name);
        if let Some((_, base_signer, base_path)) = base {
            if *base_signer != signer {
                let warning = mismatch(&package.path, signer.as_deref(), base_signer.as_deref());
                package.warnings.push(Warning::new(
                    warning.code,
                    format!("{} (base: {base_path})", warning.message),
                ));
            }
        }
    }
}

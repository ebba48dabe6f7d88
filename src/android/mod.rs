//! Android APK: identity from the manifest and resources, signers from every
//! scheme, and the signer to file.

pub(crate) mod aab;
mod apk_digest;
pub(crate) mod arsc;
pub(crate) mod axml;
pub(crate) mod dex;
pub(crate) mod dex_code;
pub(crate) mod jar_manifest;
pub(crate) mod manifest;
pub(crate) mod proto;
pub(crate) mod res;
pub(crate) mod signing_block;
pub(crate) mod splits;
mod stamp;
pub(crate) mod v1;
pub(crate) mod v2;
pub(crate) mod v3;
mod verify;

use crate::cert;
use crate::error::ErrorKind;
use crate::input::Archive;
use crate::report::{
    CertifiedKey, Format, LineageNode, PackageReport, Platform, Scheme, Signer, Warning,
    WarningCode,
};
use signing_block::SigningBlock;
use std::path::Path;

pub(crate) const MANIFEST_ENTRY: &str = "AndroidManifest.xml";
const RESOURCES_ENTRY: &str = "resources.arsc";
/// Manifests are kilobytes; resource tables of large apps reach tens of megabytes. Both
/// are read whole, so the resource table's cap keeps `inspect` within its 64 MiB budget;
/// a larger one is a `resources_unreadable` warning, not a failure. AABs share the caps.
pub(crate) const MAX_MANIFEST: u64 = 8 << 20;
pub(crate) const MAX_RESOURCES: u64 = 40 << 20;
/// Certificates of a rotation lineage described: keys rotate a few times in an app's life.
const MAX_LINEAGE: usize = 64;

/// What reading an APK parsed that detection reads too.
pub(crate) struct Parsed {
    /// The manifest's elements.
    pub(crate) elements: Vec<axml::Element>,
    /// resources.arsc, when it could be read.
    pub(crate) resources: Option<Vec<u8>>,
}

/// The manifest's elements and the resource table's bytes; a resource table that cannot
/// be read is a warning.
pub(crate) fn read_manifest(
    archive: &mut Archive,
    warnings: &mut Vec<Warning>,
) -> Result<Parsed, ErrorKind> {
    let manifest_bytes = archive
        .read_entry(MANIFEST_ENTRY, MAX_MANIFEST)?
        .ok_or_else(|| ErrorKind::NotAPackage(format!("the archive has no {MANIFEST_ENTRY}")))?;
    let elements = axml::parse(&manifest_bytes).map_err(|e| ErrorKind::BadEntry {
        entry: MANIFEST_ENTRY.into(),
        reason: e.to_string(),
    })?;
    let resources = match archive.read_entry(RESOURCES_ENTRY, MAX_RESOURCES) {
        Ok(bytes) => bytes,
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::ResourcesUnreadable,
                e.to_string(),
            ));
            None
        }
    };
    Ok(Parsed {
        elements,
        resources,
    })
}

/// Also returns what detection reads besides the archive.
pub(crate) fn inspect_apk(
    path: &Path,
    archive: &mut Archive,
    options: &crate::Options,
) -> Result<(PackageReport, Parsed), ErrorKind> {
    let mut warnings = Vec::new();
    let parsed = read_manifest(archive, &mut warnings)?;
    let table = parsed.resources.as_deref().and_then(|bytes| match arsc::ResourceTable::parse(bytes) {
        Ok(table) => Some(table),
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::ResourcesUnreadable,
                format!("{RESOURCES_ENTRY}: {e}; labels and icons that refer to resources stay unresolved"),
            ));
            None
        }
    });
    let manifest = manifest::read(&parsed.elements, table.as_ref());
    let mut report = android_report(path, Format::Apk, &manifest, archive, warnings)?;
    if let Some(verify_options) = options.verify {
        report.verification = Some(verify::verify_apk(
            archive,
            &report,
            &parsed.elements,
            verify_options,
        ));
    }
    crate::filing::file(&mut report, options.judged_at());
    Ok((report, parsed))
}

/// The report of an APK or bundle from its manifest and its signatures.
fn android_report(
    path: &Path,
    format: Format,
    manifest: &manifest::Manifest,
    archive: &mut Archive,
    mut warnings: Vec<Warning>,
) -> Result<PackageReport, ErrorKind> {
    if manifest.package.is_none() {
        return Err(ErrorKind::BadEntry {
            entry: MANIFEST_ENTRY.into(),
            reason: "no package name in <manifest>".into(),
        });
    }
    if manifest.label_unresolved {
        warnings.push(Warning::new(
            WarningCode::LabelUnresolved,
            format!(
                "the app label {} could not be resolved in the resources; no app name is reported",
                manifest.label_reference.as_deref().unwrap_or("reference")
            ),
        ));
    }
    if manifest.debuggable == Some(true) {
        warnings.push(Warning::new(
            WarningCode::Debuggable,
            "android:debuggable is true: this is not a release build",
        ));
    }
    if let Some(split) = &manifest.split {
        warnings.push(Warning::new(
            WarningCode::SplitApk,
            format!("this is the split APK {split:?}, not the base APK: file the base APK's values; Android installs a split only with a base signed by the same key"),
        ));
    }
    let signatures = read_signatures(archive, &mut warnings);
    Ok(PackageReport {
        package_name: manifest.package.clone(),
        app_name: manifest.filing_name().cloned(),
        app_names: manifest.labels.clone(),
        label_reference: manifest.label_reference.clone(),
        version_name: manifest.version_name.clone(),
        version_code: manifest.version_code,
        min_sdk: manifest.min_sdk,
        target_sdk: manifest.target_sdk,
        debuggable: manifest.debuggable,
        icon: manifest.icon.clone(),
        schemes: signatures.schemes,
        signing_block: signatures.block_entries,
        signers: signatures.signers,
        lineage: signatures.lineage,
        rotation_min_sdk: signatures.rotation_min_sdk,
        source_stamp: signatures.source_stamp,
        android: Some(crate::report::AndroidDetails {
            split: manifest.split.clone(),
            ..Default::default()
        }),
        warnings,
        ..PackageReport::new(path, Platform::Android, format)
    })
}

#[derive(Default)]
struct Signatures {
    schemes: Vec<Scheme>,
    block_entries: Vec<crate::report::SigningBlockEntry>,
    signers: Vec<Signer>,
    lineage: Vec<LineageNode>,
    rotation_min_sdk: Option<u32>,
    source_stamp: Option<CertifiedKey>,
}

fn describe(der: &[u8], what: &str, warnings: &mut Vec<Warning>) -> Option<CertifiedKey> {
    match cert::describe(der) {
        Ok(key) => Some(key),
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::CertificateUnreadable,
                format!("{what}: {e}"),
            ));
            None
        }
    }
}

/// The first `MAX_SIGNERS` of what a signer reader returned (it stops one past),
/// with a warning when there were more.
fn at_most_signers<T>(mut signers: Vec<T>, what: &str, warnings: &mut Vec<Warning>) -> Vec<T> {
    let max = signing_block::MAX_SIGNERS;
    if signers.len() > max {
        signers.truncate(max);
        warnings.push(Warning::new(
            WarningCode::TooManySigners,
            format!("{what} has more than {max} signers: Android refuses such an APK; the first {max} are reported"),
        ));
    }
    signers
}

fn read_signatures(archive: &mut Archive, warnings: &mut Vec<Warning>) -> Signatures {
    let mut out = Signatures::default();

    let block_files = v1::block_files(archive);
    if !block_files.is_empty() {
        out.schemes.push(Scheme::V1);
    }
    for file in block_files {
        match v1::signers(archive, &file) {
            Ok(found) => {
                for signer in at_most_signers(found, &file, warnings) {
                    let what = format!("v1 signer in {file}");
                    if let Some(key) = describe(&signer.certificate, &what, warnings) {
                        out.signers.push(Signer {
                            signature_file: Some(signer.block_file),
                            ..Signer::new(Scheme::V1, key)
                        });
                    }
                }
            }
            Err(e) => warnings.push(Warning::new(
                WarningCode::V1SignatureUnreadable,
                e.to_string(),
            )),
        }
    }

    let block = match SigningBlock::read(archive) {
        Ok(block) => block,
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::SigningBlockMalformed,
                e.to_string(),
            ));
            None
        }
    };
    let Some(block) = block else { return out };
    out.block_entries = block.entries();

    if let Some(value) = block.value(signing_block::ID_V2) {
        out.schemes.push(Scheme::V2);
        match v2::signer_certificates(value) {
            Ok(certs) => {
                for der in at_most_signers(certs, "the v2 block", warnings) {
                    if let Some(key) = describe(der, "v2 signer", warnings) {
                        out.signers.push(Signer::new(Scheme::V2, key));
                    }
                }
            }
            Err(e) => warnings.push(Warning::new(
                WarningCode::V2BlockMalformed,
                format!("v2 block: {e}"),
            )),
        }
    }
    for (scheme, id) in [
        (Scheme::V3, signing_block::ID_V3),
        (Scheme::V31, signing_block::ID_V31),
    ] {
        let Some(value) = block.value(id) else {
            continue;
        };
        out.schemes.push(scheme);
        let signers = match v3::signers(value) {
            Ok(signers) => {
                let what = format!("the {} block", scheme.name());
                at_most_signers(signers, &what, warnings)
            }
            Err(e) => {
                let code = if scheme == Scheme::V3 {
                    WarningCode::V3BlockMalformed
                } else {
                    WarningCode::V31BlockMalformed
                };
                warnings.push(Warning::new(code, format!("{} block: {e}", scheme.name())));
                continue;
            }
        };
        for signer in signers {
            let what = format!("{} signer", scheme.name());
            let Some(key) = describe(signer.certificate, &what, warnings) else {
                continue;
            };
            out.signers.push(Signer {
                min_sdk: Some(signer.min_sdk),
                max_sdk: Some(signer.max_sdk),
                ..Signer::new(scheme, key)
            });
            // The v3 signer's rotation attribute states the target SDK; the v3.1
            // signer's own range may start lower (apksig covers T's dev builds, SDK 32).
            out.rotation_min_sdk = match scheme {
                Scheme::V3 => signer.rotation_min_sdk.or(out.rotation_min_sdk),
                _ => out.rotation_min_sdk.or(Some(signer.min_sdk)),
            };
            // The newest scheme's lineage wins: v3.1 carries the rotated key's history.
            if !signer.lineage.is_empty() && (scheme == Scheme::V31 || out.lineage.is_empty()) {
                if signer.lineage.len() > MAX_LINEAGE {
                    warnings.push(Warning::new(
                        WarningCode::LineageTooLong,
                        format!(
                            "the {} signer's rotation lineage has {} certificates: only the newest {MAX_LINEAGE} are reported",
                            scheme.name(),
                            signer.lineage.len()
                        ),
                    ));
                }
                out.lineage = signer
                    .lineage
                    .iter()
                    .skip(signer.lineage.len().saturating_sub(MAX_LINEAGE))
                    .filter_map(|(der, flags)| {
                        describe(der, "lineage certificate", warnings).map(|key| LineageNode {
                            key,
                            flags: *flags,
                            capabilities: v3::capability_names(*flags),
                        })
                    })
                    .collect();
            }
        }
    }
    for id in [
        signing_block::ID_SOURCE_STAMP_V2,
        signing_block::ID_SOURCE_STAMP_V1,
    ] {
        let Some(value) = block.value(id) else {
            continue;
        };
        if !out.schemes.contains(&Scheme::SourceStamp) {
            out.schemes.push(Scheme::SourceStamp);
        }
        if out.source_stamp.is_none() {
            match stamp::certificate(value) {
                Ok(der) => out.source_stamp = describe(der, "source stamp", warnings),
                Err(e) => warnings.push(Warning::new(
                    WarningCode::SourceStampMalformed,
                    format!("source stamp block: {e}"),
                )),
            }
        }
    }
    out
}

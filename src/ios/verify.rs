//! Whether an iOS app's signatures hold, as the device checks them at install and at
//! launch: every code bundle's executable (the app, its extensions, Watch apps,
//! frameworks and loose dylibs) against its code signature, every file against its
//! bundle's CodeResources, and each embedded profile's CMS signature.

use super::bundle::Bundle;
use super::code_resources::{self, CodeResources};
use super::code_signature::{
    self, CodeDirectory, ParsedSignature, SLOT_DER_ENTITLEMENTS, SLOT_ENTITLEMENTS,
    SLOT_REQUIREMENTS, SPECIAL_DER_ENTITLEMENTS, SPECIAL_ENTITLEMENTS, SPECIAL_INFO_PLIST,
    SPECIAL_REQUIREMENTS, SPECIAL_RESOURCES,
};
use super::{macho, property_list, EMBEDDED_PROFILE, INFO_PLIST, MAX_PLIST, MAX_PROFILE};
use crate::pkcs7::{self, SignerInfoError};
use crate::report::{Finding, SchemeVerification, Verification, VerifiedScheme, VerifyCode};
use std::collections::BTreeMap;

const CODE_RESOURCES: &str = "_CodeSignature/CodeResources";
/// A seal lists every file of the bundle: a few MiB for the largest apps.
const MAX_CODE_RESOURCES: u64 = 16 << 20;
/// Bundles carry their code in these; each holds an Info.plist at its root.
const CODE_BUNDLES: [&str; 4] = [".app", ".appex", ".framework", ".xpc"];
/// Apps nest a few dozen code bundles; more is hostile.
const MAX_CODE: usize = 512;

/// The CDHashes of one piece of code (every slice, every CodeDirectory), by its path:
/// a bundle's directory or a loose dylib.
type CdHashes = BTreeMap<String, Vec<Vec<u8>>>;

/// Verifies the app whose files (relative to its root) are `files`. `label` is the
/// app's own path (e.g. "Payload/Demo.app/"), to name files in the findings.
pub(crate) fn verify_app(
    bundle: &mut Bundle<'_, '_>,
    files: &[String],
    label: &str,
) -> Verification {
    let mut code_errors = Vec::new();
    let mut code_warnings = Vec::new();
    // `None` until a bundle holds a profile.
    let mut profile_errors: Option<Vec<Finding>> = None;
    let bundles = code_bundles(files);
    let mut cdhashes = CdHashes::new();
    let mut seals = Vec::new();
    for prefix in bundles.iter().take(MAX_CODE) {
        let (executable, seal) = verify_bundle_code(
            bundle,
            prefix,
            label,
            &mut cdhashes,
            &mut code_errors,
            &mut code_warnings,
            &mut profile_errors,
        );
        seals.push((prefix.clone(), executable, seal));
    }
    for dylib in loose_dylibs(files, &bundles).into_iter().take(MAX_CODE) {
        let code = verify_code(
            bundle,
            &dylib,
            None,
            label,
            &mut code_errors,
            &mut code_warnings,
        );
        cdhashes.insert(dylib, code.cdhashes);
    }
    if bundles.len() > MAX_CODE {
        code_errors.push(Finding::new(
            VerifyCode::Malformed,
            format!(
                "the app nests {} code bundles; the first {MAX_CODE} are checked",
                bundles.len()
            ),
        ));
    }
    for (prefix, executable, seal) in seals {
        let Some(seal) = seal else { continue };
        let check = code_resources::check(
            bundle,
            files,
            &prefix,
            &executable,
            &seal,
            &format!("{label}{prefix}"),
        );
        code_errors.extend(check.errors);
        for (path, sealed) in check.nested {
            // Nested code outside the bundles and Frameworks/ dylibs verified above.
            if !cdhashes.contains_key(&path) && files.contains(&path) {
                let code = verify_code(
                    bundle,
                    &path,
                    None,
                    label,
                    &mut code_errors,
                    &mut code_warnings,
                );
                cdhashes.insert(path.clone(), code.cdhashes);
            }
            let matches = !sealed.is_empty()
                && cdhashes.get(&path).is_some_and(|hashes| {
                    hashes
                        .iter()
                        .any(|h| h.get(..sealed.len()) == Some(&sealed[..]))
                });
            if !matches {
                code_errors.push(Finding::new(
                    VerifyCode::DigestMismatch,
                    format!("{label}{path}: its CDHash is not the one sealed in {label}{prefix}{CODE_RESOURCES}: the nested code was changed or re-signed"),
                ));
            }
        }
    }
    let mut schemes = vec![SchemeVerification::new(
        VerifiedScheme::IosCodeSignature,
        code_errors,
        code_warnings,
    )];
    if let Some(errors) = profile_errors {
        schemes.push(SchemeVerification::new(
            VerifiedScheme::IosProfile,
            errors,
            Vec::new(),
        ));
    }
    Verification::conclude(None, None, schemes, Vec::new())
}

/// A standalone profile's verification.
pub(crate) fn verify_standalone_profile(bytes: &[u8], name: &str) -> Verification {
    let errors = verify_profile(bytes, name);
    let scheme = SchemeVerification::new(VerifiedScheme::IosProfile, errors, Vec::new());
    Verification::conclude(None, None, vec![scheme], Vec::new())
}

/// The app's root ("") and every nested code bundle, as prefixes ending in '/', the
/// deepest first so that a bundle's nested code is verified before its seal names it.
fn code_bundles(files: &[String]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_suffix(INFO_PLIST)?.strip_suffix('/'))
        .filter(|dir| CODE_BUNDLES.iter().any(|ext| dir.ends_with(ext)))
        .map(|dir| format!("{dir}/"))
        .collect();
    out.sort_by_key(|p| (std::cmp::Reverse(p.matches('/').count()), p.clone()));
    out.push(String::new());
    out
}

/// Dylibs directly in a code bundle's Frameworks/ (Swift's runtime, say): signed code
/// of their own, outside any bundle.
fn loose_dylibs(files: &[String], bundles: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.ends_with(".dylib"))
        .filter(|f| {
            bundles.iter().any(|b| {
                f.strip_prefix(b.as_str())
                    .and_then(|r| r.strip_prefix("Frameworks/"))
                    .is_some_and(|name| !name.contains('/'))
            })
        })
        .cloned()
        .collect()
}

/// The executable of the bundle at `prefix` against its code signature, with the
/// bundle's Info.plist and seal in the special slots. Records its CDHashes under the
/// bundle's directory; returns the executable's name and the parsed seal.
fn verify_bundle_code(
    bundle: &mut Bundle<'_, '_>,
    prefix: &str,
    label: &str,
    cdhashes: &mut CdHashes,
    errors: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
    profile_errors: &mut Option<Vec<Finding>>,
) -> (String, Option<CodeResources>) {
    let name = format!("{label}{prefix}");
    let mut read = |file: &str, limit: u64, errors: &mut Vec<Finding>| {
        bundle
            .read(&format!("{prefix}{file}"), limit)
            .unwrap_or_else(|e| {
                errors.push(Finding::new(
                    VerifyCode::ReadFailed,
                    format!("{name}{file}: {e}"),
                ));
                None
            })
    };
    let info = read(INFO_PLIST, MAX_PLIST, errors);
    let seal_bytes = read(CODE_RESOURCES, MAX_CODE_RESOURCES, errors);
    let profile = read(EMBEDDED_PROFILE, MAX_PROFILE, errors);
    let profile_name = format!("{name}{EMBEDDED_PROFILE}");
    if let Some(profile) = &profile {
        profile_errors
            .get_or_insert_with(Vec::new)
            .extend(verify_profile(profile, &profile_name));
    }
    let executable = info
        .as_deref()
        .and_then(|bytes| property_list::dictionary(bytes).ok())
        .and_then(|info| property_list::string(&info, "CFBundleExecutable"))
        .filter(|exe| super::bundle::inside(exe));
    let Some(executable) = executable else {
        errors.push(Finding::new(
            VerifyCode::Malformed,
            format!("{name}{INFO_PLIST} names no executable inside the bundle: its code cannot be checked"),
        ));
        return (String::new(), None);
    };
    let seal = match &seal_bytes {
        None => {
            errors.push(Finding::new(
                VerifyCode::EntryMissing,
                format!("{name}{CODE_RESOURCES} is missing: the bundle's files are not sealed"),
            ));
            None
        }
        Some(bytes) => CodeResources::parse(bytes)
            .map_err(|e| {
                errors.push(Finding::new(
                    VerifyCode::Malformed,
                    format!("{name}{CODE_RESOURCES} cannot be read: {e}"),
                ))
            })
            .ok(),
    };
    let special = Special {
        info_plist: info.as_deref(),
        resources: seal_bytes.as_deref(),
    };
    let path = format!("{prefix}{executable}");
    let code = verify_code(bundle, &path, Some(special), label, errors, warnings);
    if let Some(profile) = &profile {
        check_signer_listed(
            &code.signers,
            profile,
            &format!("{label}{path}"),
            &profile_name,
            errors,
        );
    }
    cdhashes.insert(prefix.trim_end_matches('/').to_string(), code.cdhashes);
    (executable, seal)
}

/// iOS installs code only when its signer is one of the DeveloperCertificates of the
/// bundle's profile.
fn check_signer_listed(
    signers: &[String],
    profile: &[u8],
    file: &str,
    profile_name: &str,
    errors: &mut Vec<Finding>,
) {
    // A profile that does not parse is the profile scheme's error.
    let Ok(parsed) = super::provision::parse(profile) else {
        return;
    };
    let listed = &parsed.profile.developer_certificates;
    for signer in signers {
        if !listed.iter().any(|key| key.certificate.sha256 == *signer) {
            errors.push(Finding::new(
                VerifyCode::SignersDiffer,
                format!("{file} is signed by a certificate (SHA-256 {signer}) that {profile_name} does not list among its DeveloperCertificates: iOS does not install it with this profile"),
            ));
        }
    }
}

/// A bundle's files that its executable's special slots bind.
#[derive(Clone, Copy)]
struct Special<'a> {
    info_plist: Option<&'a [u8]>,
    resources: Option<&'a [u8]>,
}

/// One executable (`path` from the app's root) against its code signature: every
/// slice, every CodeDirectory, the special slots, the CMS and its CDHashes, and the
/// code pages (a second, streamed pass).
fn verify_code(
    bundle: &mut Bundle<'_, '_>,
    path: &str,
    special: Option<Special<'_>>,
    label: &str,
    errors: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) -> Code {
    let file = format!("{label}{path}");
    let signatures = match bundle.open(path) {
        Ok(Some(entry)) => macho::code_signatures(entry.reader),
        Ok(None) => {
            errors.push(Finding::new(
                VerifyCode::EntryMissing,
                format!("{file}, the executable, is missing"),
            ));
            return Code::default();
        }
        Err(e) => {
            errors.push(Finding::new(VerifyCode::ReadFailed, format!("{file}: {e}")));
            return Code::default();
        }
    };
    let signatures = match signatures {
        Ok(s) => s,
        Err(e) => {
            errors.push(Finding::new(VerifyCode::Malformed, format!("{file}: {e}")));
            return Code::default();
        }
    };
    let mut code = Code::default();
    let mut plans = Vec::new();
    for signature in &signatures {
        let slice = format!("{file} ({})", signature.slice.architecture);
        let Some(superblob) = &signature.superblob else {
            errors.push(Finding::new(
                VerifyCode::Unsigned,
                format!("{slice} has no code signature: iOS does not run unsigned code"),
            ));
            continue;
        };
        let parsed = match ParsedSignature::parse(superblob) {
            Ok(p) => p,
            Err(e) => {
                errors.push(Finding::new(VerifyCode::Malformed, format!("{slice}: {e}")));
                continue;
            }
        };
        if let Some(range) = &signature.encrypted {
            warnings.push(Finding::new(
                VerifyCode::Encrypted,
                format!("{slice}: bytes {}..{} are encrypted by the App Store (FairPlay); the hashes of their pages are of the clear code, which only a device sees, and are not checked", range.start, range.end),
            ));
        }
        // Code outside a bundle binds the Info.plist linked into it.
        let special = special.unwrap_or(Special {
            info_plist: signature.info_plist.as_deref(),
            resources: None,
        });
        for directory in &parsed.directories {
            check_special_slots(directory, &parsed, special, &slice, errors);
            code.cdhashes.push(directory.cdhash());
        }
        for signer in check_cms(&parsed, &slice, errors) {
            if !code.signers.contains(&signer) {
                code.signers.push(signer);
            }
        }
        plans.push((signature, parsed.directories));
    }
    if !plans.is_empty() {
        match bundle.open(path) {
            Ok(Some(entry)) => {
                errors.extend(code_signature::check_pages(entry.reader, &plans, &file))
            }
            Ok(None) => {}
            Err(e) => errors.push(Finding::new(VerifyCode::ReadFailed, format!("{file}: {e}"))),
        }
    }
    code
}

/// What the device learns of verified code.
#[derive(Default)]
struct Code {
    /// Every CodeDirectory's CDHash, of every slice.
    cdhashes: Vec<Vec<u8>>,
    /// The SHA-256 (uppercase hex, as reports spell it) of each certificate whose
    /// SignerInfo holds.
    signers: Vec<String>,
}

fn check_special_slots(
    directory: &CodeDirectory<'_>,
    parsed: &ParsedSignature<'_>,
    special: Special<'_>,
    slice: &str,
    errors: &mut Vec<Finding>,
) {
    let (info, resources) = (special.info_plist, special.resources);
    let checks: [(u32, Option<&[u8]>, String); 5] = [
        (SPECIAL_INFO_PLIST, info, format!("its {INFO_PLIST}")),
        (
            SPECIAL_RESOURCES,
            resources,
            format!("the bundle's {CODE_RESOURCES}"),
        ),
        (
            SPECIAL_REQUIREMENTS,
            parsed.blob(SLOT_REQUIREMENTS),
            "the requirements blob".into(),
        ),
        (
            SPECIAL_ENTITLEMENTS,
            parsed.blob(SLOT_ENTITLEMENTS),
            "the entitlements blob".into(),
        ),
        (
            SPECIAL_DER_ENTITLEMENTS,
            parsed.blob(SLOT_DER_ENTITLEMENTS),
            "the DER entitlements blob".into(),
        ),
    ];
    for (index, data, what) in checks {
        let Some(bound) = directory.special_slot(index) else {
            continue;
        };
        let Some(data) = data else {
            errors.push(Finding::new(
                VerifyCode::EntryMissing,
                format!(
                    "{slice}: the signature binds {what} (special slot -{index}), which is missing"
                ),
            ));
            continue;
        };
        if directory.hash(data) != bound {
            errors.push(Finding::new(
                VerifyCode::DigestMismatch,
                format!(
                    "{slice}: the {} hash of {what} does not match special slot -{index} of its CodeDirectory: it was changed after signing",
                    directory.hash_type.name()
                ),
            ));
        }
    }
}

/// The CMS signature: every SignerInfo over the primary CodeDirectory, and the
/// CDHashes its signed attributes name against the directories found. Returns the
/// SHA-256 of the certificates whose signatures hold.
fn check_cms(parsed: &ParsedSignature<'_>, slice: &str, errors: &mut Vec<Finding>) -> Vec<String> {
    let mut signers = Vec::new();
    let Some(cms) = parsed.cms else {
        errors.push(Finding::new(
            VerifyCode::NoSigners,
            format!("{slice} has an ad-hoc signature without a CMS signature: iOS runs only code signed with a certificate"),
        ));
        return signers;
    };
    let signed = match pkcs7::parse_signed_data(cms) {
        Ok(s) => s,
        Err(e) => {
            errors.push(Finding::new(
                VerifyCode::Malformed,
                format!("{slice}: the CMS signature cannot be read: {e}"),
            ));
            return signers;
        }
    };
    if signed.signers.is_empty() {
        errors.push(Finding::new(
            VerifyCode::NoSigners,
            format!("{slice}: the CMS signature has no SignerInfo"),
        ));
    }
    let Some(primary) = parsed.directories.first() else {
        return signers;
    };
    for signer in &signed.signers {
        match pkcs7::verify_signer(&signed, signer, primary.bytes) {
            Ok(certificate) => {
                let digest = crate::crypto::DigestAlgorithm::Sha256.digest(certificate);
                signers.push(crate::cert::hex_upper(&digest));
                check_cdhashes(signer, &parsed.directories, slice, errors);
            }
            Err(e) => errors.push(signer_finding(
                &e,
                &format!("{slice}: the CMS signature over the CodeDirectory"),
            )),
        }
    }
    signers
}

/// The CDHashes attributes bind the alternate CodeDirectories: each must name exactly
/// the directories found, in slot order.
fn check_cdhashes(
    signer: &pkcs7::SignerInfo<'_>,
    directories: &[CodeDirectory<'_>],
    slice: &str,
    errors: &mut Vec<Finding>,
) {
    let signed = match code_signature::signed_cdhashes(signer) {
        Ok(s) => s,
        Err(e) => {
            errors.push(Finding::new(VerifyCode::Malformed, format!("{slice}: {e}")));
            return;
        }
    };
    let ours: Vec<Vec<u8>> = directories.iter().map(CodeDirectory::cdhash).collect();
    if let Some(truncated) = &signed.truncated {
        let expected: Vec<&[u8]> = ours.iter().map(|h| h.get(..20).unwrap_or(h)).collect();
        let listed: Vec<&[u8]> = truncated.iter().map(Vec::as_slice).collect();
        if listed != expected {
            errors.push(Finding::new(
                VerifyCode::DigestMismatch,
                format!("{slice}: the CDHashes the CMS signature lists are not those of the signature's {} CodeDirectories: one was changed or swapped", ours.len()),
            ));
        }
    } else if directories.len() > 1 {
        errors.push(Finding::new(
            VerifyCode::Malformed,
            format!("{slice}: the signature has {} CodeDirectories but its CMS signature does not list their CDHashes", directories.len()),
        ));
    }
    for (algorithm, hash) in &signed.full {
        let found = directories.iter().zip(&ours).any(|(directory, cdhash)| {
            Some(directory.hash_type.digest_algorithm()) == *algorithm && cdhash == hash
        });
        if !found {
            errors.push(Finding::new(
                VerifyCode::DigestMismatch,
                format!("{slice}: a CDHash the CMS signature signs is not that of any of its CodeDirectories"),
            ));
        }
    }
}

/// A profile's CMS: every SignerInfo over the encapsulated plist.
fn verify_profile(bytes: &[u8], name: &str) -> Vec<Finding> {
    let signed = match pkcs7::parse_signed_data(bytes) {
        Ok(signed) => signed,
        Err(_) if property_list::looks_like_plist(bytes) => {
            return vec![Finding::new(
                VerifyCode::Unsigned,
                format!("{name} is a bare plist, not signed by Apple: it may have been edited"),
            )]
        }
        Err(e) => {
            return vec![Finding::new(
                VerifyCode::Malformed,
                format!("{name} is not a CMS signature: {e}"),
            )]
        }
    };
    let Some(content) = &signed.content else {
        return vec![Finding::new(
            VerifyCode::Malformed,
            format!("{name}: the CMS signature holds no profile"),
        )];
    };
    if signed.signers.is_empty() {
        return vec![Finding::new(
            VerifyCode::NoSigners,
            format!("{name}: the CMS signature has no SignerInfo"),
        )];
    }
    signed
        .signers
        .iter()
        .filter_map(|signer| pkcs7::verify_signer(&signed, signer, content).err())
        .map(|e| signer_finding(&e, &format!("{name}: the profile's CMS signature")))
        .collect()
}

/// A SignerInfo that does not hold, as a finding with its code.
fn signer_finding(error: &SignerInfoError, what: &str) -> Finding {
    use crate::crypto::CryptoError;
    let (code, why) = match error {
        SignerInfoError::Structure(_) => (VerifyCode::Malformed, "is malformed"),
        SignerInfoError::NoCertificate => (
            VerifyCode::CertificateUnreadable,
            "names a certificate it does not carry",
        ),
        SignerInfoError::UnsupportedDigest(_) | SignerInfoError::UnsupportedSignature(_) => {
            (VerifyCode::UnsupportedAlgorithm, "uses an algorithm not supported")
        }
        SignerInfoError::NoMessageDigest => (VerifyCode::Malformed, "has no messageDigest"),
        SignerInfoError::DigestMismatch(_) => (
            VerifyCode::DigestMismatch,
            "does not sign these bytes (its messageDigest differs): they were changed after signing",
        ),
        SignerInfoError::Crypto(CryptoError::Mismatch | CryptoError::BadSignature(_)) => (
            VerifyCode::SignatureMismatch,
            "does not hold with the signer's key",
        ),
        SignerInfoError::Crypto(
            CryptoError::Unsupported(_) | CryptoError::WrongKeyType { .. },
        ) => {
            (VerifyCode::UnsupportedAlgorithm, "uses an algorithm not supported")
        }
        SignerInfoError::Crypto(_) => (
            VerifyCode::CertificateUnreadable,
            "cannot be checked with the signer's key",
        ),
    };
    Finding::new(code, format!("{what} {why} ({error})"))
}

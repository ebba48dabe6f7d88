//! HarmonyOS: the leaf of the signature's chain (or the profile's certificate),
//! with its SHA-1 and EC point, and what makes a filing wrong.

use super::{certificate_validity, profile_validity, set_filing, HARMONYOS};
use crate::report::{Format, HarmonyCertificateKind, PackageReport, Scheme, Warning, WarningCode};

/// Fills the HarmonyOS filing block: the leaf's SHA-1 and its EC point (or modulus).
pub(super) fn choose(report: &mut PackageReport, now: i64) {
    let mut warnings = Vec::new();
    let profile = report.harmony.as_ref().and_then(|h| h.profile.clone());
    let Some(chosen) = report.signers.first().cloned() else {
        warnings.push(Warning::new(
            WarningCode::Unsigned,
            "no signing certificate found: sign the package first",
        ));
        report.warnings.extend(warnings);
        return;
    };
    let cert = &chosen.key.certificate;
    warnings.extend(certificate_validity("the certificate", cert, now));
    if let Some(p) = &profile {
        if p.kind.as_deref() == Some("debug")
            || p.certificate_kind == Some(HarmonyCertificateKind::Development)
        {
            warnings.push(Warning::new(
                WarningCode::DebugProfile,
                "a debug profile with a development certificate: not valid for filing; use the release (AppGallery) profile and certificate",
            ));
        }
        if let Some(profile_cert) = &p.certificate {
            if chosen.scheme == Scheme::HapSignature
                && profile_cert.certificate.sha256 != cert.sha256
            {
                warnings.push(Warning::new(
                    WarningCode::SignerNotInProfile,
                    format!(
                        "the HAP is signed by {} (SHA-1 {}) but the profile names {} (SHA-1 {})",
                        cert.subject,
                        cert.sha1,
                        profile_cert.certificate.subject,
                        profile_cert.certificate.sha1
                    ),
                ));
            }
        }
        if let (Some(in_profile), Some(in_module)) = (&p.bundle_name, &report.package_name) {
            if report.format != Format::P7b && in_profile != in_module {
                warnings.push(Warning::new(
                    WarningCode::BundleNameMismatch,
                    format!("the profile is for {in_profile}, the module says {in_module}"),
                ));
            }
        }
        if let Some(unix) = p.not_after_unix {
            let date = p.not_after.as_deref().unwrap_or("-");
            warnings.extend(profile_validity(date, unix, now));
        }
    }
    warnings.push(Warning::new(
        WarningCode::AppgalleryResigns,
        "AppGallery re-signs the HAPs it distributes: file the values of the signed .app you upload to AppGallery Connect; since DevEco Studio 26, the upload itself re-signs the app, with AppGallery Connect's cloud-managed certificate or one of yours, so this locally signed build may not carry the certificate to file: take it from AppGallery Connect",
    ));
    let reason = format!(
        "{}: the leaf certificate (found by issuer/subject linkage, not by its place in the file) of the {} signature",
        cert.subject,
        chosen.scheme.name()
    );
    set_filing(report, &HARMONYOS, &chosen, reason, warnings);
}

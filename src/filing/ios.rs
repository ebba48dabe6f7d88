//! iOS: the certificate to file (the distribution certificate that signed the
//! executable) and what makes a filing wrong.

use super::{certificate_validity, profile_validity, set_filing, IOS};
use crate::ios::provision;
use crate::report::{
    Certificate, Format, PackageReport, Profile, ProfileKind, Scheme, Signer, Warning, WarningCode,
};

/// Development certificates, by their common-name prefixes.
const DEVELOPMENT_NAMES: [&str; 4] = [
    "Apple Development",
    "iPhone Developer",
    "Mac Developer",
    "Developer ID Application",
];

pub(super) fn choose(report: &mut PackageReport, now: i64) {
    let mut warnings = Vec::new();
    let profile = report.ios.as_ref().and_then(|d| d.profile.clone());
    let encrypted = report.ios.as_ref().and_then(|d| d.encrypted) == Some(true);

    if encrypted {
        warnings.push(Warning::new(
            WarningCode::AppStoreEncrypted,
            "the executable is FairPlay-encrypted, as App Store downloads are, and Apple re-signs what the App Store \
             distributes: make sure the signer shown is your distribution certificate, or read the IPA you exported \
             for App Store upload, or the distribution .cer/.p12",
        ));
    }

    let code_signer = report
        .signers
        .iter()
        .find(|s| s.scheme == Scheme::CodeSignature)
        .cloned();
    let (chosen, reason) = match (&code_signer, &profile) {
        (Some(signer), _) => (
            signer.clone(),
            "the certificate that signed the executable (its CMS SignerInfo), which is the one Apple verifies".to_string(),
        ),
        (None, Some(p)) if !p.developer_certificates.is_empty() => {
            let key = p.developer_certificates[0].clone();
            let reason = if report.format == Format::Mobileprovision {
                "the profile's first DeveloperCertificate: a profile names the certificates allowed to sign, \
                 file the one your release build is signed with"
            } else {
                "the executable is unsigned: filing falls back to the profile's first DeveloperCertificate"
            };
            if report.format != Format::Mobileprovision {
                warnings.push(Warning::new(WarningCode::Unsigned, reason));
            }
            if p.developer_certificates.len() > 1 {
                warnings.push(Warning::new(
                    WarningCode::MultipleSigners,
                    format!(
                        "the profile allows {} certificates; the first is filed: check it is the one that signs your release",
                        p.developer_certificates.len()
                    ),
                ));
            }
            (Signer::new(Scheme::Profile, key), reason.to_string())
        }
        // A certificate file or .p12: the module that read it put the leaf first.
        (None, _) if !report.signers.is_empty() => (
            report.signers[0].clone(),
            format!("the leaf certificate of the {} file", report.format),
        ),
        _ => {
            warnings.push(Warning::new(WarningCode::Unsigned, "no signing certificate found in the bundle or its profile"));
            report.warnings.extend(warnings);
            return;
        }
    };

    let cert = &chosen.key.certificate;
    development_certificate_warning(cert, &mut warnings);
    warnings.extend(certificate_validity("the certificate", cert, now));
    if cert
        .subject
        .contains("CN=Apple iPhone OS Application Signing")
    {
        warnings.push(Warning::new(
            WarningCode::AppleSigner,
            "the executable is signed by Apple (App Store re-signing): this is not your distribution certificate; \
             file yours, read from the IPA you exported for App Store upload or the distribution .cer/.p12",
        ));
    }

    if let Some(p) = &profile {
        profile_warnings(p, now, &mut warnings);
        if code_signer.is_some()
            && !p.developer_certificates.is_empty()
            && !p
                .developer_certificates
                .iter()
                .any(|k| k.certificate.sha256 == cert.sha256)
        {
            warnings.push(Warning::new(
                WarningCode::SignerNotInProfile,
                format!(
                    "the executable's signer (SHA-1 {}) is not among the profile's {} DeveloperCertificates",
                    cert.sha1,
                    p.developer_certificates.len()
                ),
            ));
        }
        if let (Some(app_id), Some(bundle_id)) = (&p.application_identifier, &report.package_name) {
            if report.format != Format::Mobileprovision && !provision::covers(app_id, bundle_id) {
                warnings.push(Warning::new(
                    WarningCode::BundleIdMismatch,
                    format!("the bundle id {bundle_id} is not covered by the profile's application-identifier {app_id}"),
                ));
            }
        }
    }

    let reason = format!("{}: {reason}", cert.subject);
    set_filing(report, &IOS, &chosen, reason, warnings);
}

/// Whether `cert` is an Apple development certificate, by its common name.
pub(crate) fn is_development_certificate(cert: &Certificate) -> bool {
    DEVELOPMENT_NAMES
        .iter()
        .any(|n| cert.subject.contains(&format!("CN={n}")))
}

fn development_certificate_warning(cert: &Certificate, warnings: &mut Vec<Warning>) {
    if is_development_certificate(cert) {
        warnings.push(Warning::new(
            WarningCode::DevelopmentCertificate,
            format!(
                "{} is a development certificate: file the distribution certificate (\"Apple Distribution\" or \
                 \"iPhone Distribution\") that signs the release",
                cert.subject
            ),
        ));
    }
}

fn profile_warnings(p: &Profile, now: i64, warnings: &mut Vec<Warning>) {
    match p.kind {
        ProfileKind::Development => warnings.push(Warning::new(
            WarningCode::DevelopmentProfile,
            "a development profile (get-task-allow): not valid for filing; use the App Store distribution build",
        )),
        ProfileKind::AdHoc => warnings.push(Warning::new(
            WarningCode::AdHocProfile,
            format!(
                "an ad-hoc profile ({} devices): not valid for filing; use the App Store distribution build",
                p.provisioned_devices
            ),
        )),
        ProfileKind::Enterprise => warnings.push(Warning::new(
            WarningCode::EnterpriseProfile,
            "an enterprise (in-house) profile: such an app cannot ship in the App Store",
        )),
        ProfileKind::AppStore => {}
    }
    if let (Some(date), Some(unix)) = (&p.expiration_date, p.expiration_unix) {
        warnings.extend(profile_validity(date, unix, now));
    }
}

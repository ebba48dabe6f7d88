//! Certificate files (.cer/.der, .pem with one or several certificates, and
//! the certificates of Apple's and Huawei's .p12 exports): the chain with each
//! certificate's role, and the leaf to file.

use crate::cert;
use crate::error::ErrorKind;
use crate::report::{
    CertificateRole, ChainCertificate, Format, PackageReport, Platform, Scheme, Signer, Warning,
    WarningCode,
};
use std::path::Path;

pub(crate) fn inspect_certificates(
    path: &Path,
    ders: &[Vec<u8>],
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    let slices: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let roles = cert::chain_roles(&slices);
    let leaves: Vec<usize> = (0..ders.len())
        .filter(|i| roles[*i] == CertificateRole::Leaf)
        .collect();
    // A lone self-signed certificate is its own leaf.
    let filed = leaves.first().copied().or((ders.len() == 1).then_some(0));
    report(
        path,
        Format::Certificate,
        Scheme::Certificate,
        ders,
        &roles,
        filed.into_iter().collect(),
        now,
    )
}

/// The report of certificates `ders` with their `roles`; the `filed` ones are
/// the signers, in order. The filing policy tells the platform from the issuers.
pub(crate) fn report(
    path: &Path,
    format: Format,
    scheme: Scheme,
    ders: &[Vec<u8>],
    roles: &[CertificateRole],
    filed: Vec<usize>,
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    let mut report = PackageReport::new(path, Platform::Unknown, format);
    for (i, (der, role)) in ders.iter().zip(roles).enumerate() {
        match cert::describe(der) {
            Ok(key) => {
                if filed.contains(&i) {
                    report.signers.push(Signer::new(scheme, key.clone()));
                }
                report.chain.push(ChainCertificate { role: *role, key });
            }
            Err(e) => report.warnings.push(Warning::new(
                WarningCode::CertificateUnreadable,
                format!("certificate #{}: {e}", i + 1),
            )),
        }
    }
    if report.chain.is_empty() {
        return Err(ErrorKind::NotAPackage("no readable certificate".into()));
    }
    crate::filing::file(&mut report, now);
    Ok(report)
}

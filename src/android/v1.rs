//! JAR signing (v1): META-INF/*.RSA|DSA|EC signature blocks, each a PKCS#7
//! SignedData whose SignerInfo names the signing certificate.

use super::jar_manifest::{self, Section};
use super::signing_block::MAX_SIGNERS;
use crate::cert;
use crate::crypto::DigestAlgorithm;
use crate::error::ErrorKind;
use crate::input::integrity::{crc_message, Findings};
use crate::input::overlap_reason;
use crate::input::{Archive, STREAM_BUFFER};
use crate::pkcs7;
use crate::report::{Finding, SchemeVerification, VerifiedScheme, VerifyCode};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::BuildHasher;

/// A signature block holds a certificate chain: a megabyte is plenty.
const MAX_BLOCK_FILE: u64 = 1 << 20;
/// apksig accepts at most 10 signers; beyond a few dozen the file is hostile.
const MAX_BLOCK_FILES: usize = 64;

/// Signature block files directly under META-INF/, sorted by name.
pub(super) fn block_files(archive: &Archive) -> Vec<String> {
    let mut names: Vec<String> = archive
        .names()
        .filter(|name| {
            let Some(file) = name.strip_prefix("META-INF/") else {
                return false;
            };
            let upper = file.to_ascii_uppercase();
            !file.contains('/')
                && [".RSA", ".DSA", ".EC"]
                    .iter()
                    .any(|ext| upper.ends_with(ext))
        })
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_BLOCK_FILES);
    names
}

/// One signer found in a signature block.
pub(super) struct V1Signer {
    pub block_file: String,
    pub certificate: Vec<u8>,
}

/// The certificate each SignerInfo of `file` names, up to one past `MAX_SIGNERS`.
/// A SignerInfo whose certificate is missing yields nothing; the caller warns.
pub(super) fn signers(archive: &mut Archive, file: &str) -> Result<Vec<V1Signer>, ErrorKind> {
    let bad = |reason: String| ErrorKind::BadEntry {
        entry: file.to_string(),
        reason,
    };
    let data = archive
        .read_entry(file, MAX_BLOCK_FILE)?
        .ok_or_else(|| bad("listed but cannot be found".into()))?;
    let signed = pkcs7::parse_signed_data(&data).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for id in signed.signers.iter().take(MAX_SIGNERS + 1) {
        if let Some(der) = cert::signer_certificate(&signed.certificates, &id.id) {
            out.push(V1Signer {
                block_file: file.to_string(),
                certificate: der.to_vec(),
            });
        }
    }
    if out.is_empty() {
        return Err(bad(format!(
            "no SignerInfo names one of its {} certificates",
            signed.certificates.len()
        )));
    }
    Ok(out)
}

/// The JAR signature's check, for an APK's verdict or a bundle's.
pub(crate) struct JarVerification {
    pub(crate) scheme: SchemeVerification,
    /// The signing certificate (DER) of every signer that verified, in block-file order.
    pub(crate) signer_certificates: Vec<Vec<u8>>,
    /// Every entry was streamed and its CRC-32 checked (or its failure reported): the
    /// zip's own check need not stream them again.
    pub(crate) crcs_checked: bool,
}

/// The JAR manifest; its name is exact, as Android looks it up.
const MANIFEST: &str = "META-INF/MANIFEST.MF";
/// MANIFEST.MF and each .SF: a section of some 100 bytes per entry, so a few MiB for the
/// largest real APKs (60,000 entries); 16 MiB admits 150,000.
const MAX_MANIFEST_FILE: u64 = 16 << 20;
/// All .SF files together (each is held until the entries are checked): real APKs have
/// one signer, so this only stops a few tiny deflated bombs from adding up.
const MAX_SIGNATURE_FILES: u64 = 24 << 20;

/// Android SDK levels where the JAR verifier's rules change.
const GINGERBREAD: u32 = 9;
const JELLY_BEAN_MR2: u32 = 18;
const KITKAT: u32 = 19;
const NOUGAT: u32 = 24;
const PIE: u32 = 28;

/// Scheme versions that `X-Android-APK-Signed` may list, and the level from which
/// Android checks each is present.
const STRIPPING_PROTECTED: [(u32, u32, &str); 2] = [(2, NOUGAT, "v2"), (3, PIE, "v3")];

/// Verifies the JAR signature as Android does for SDK levels `min_sdk..=max_sdk`;
/// `signing_block_schemes` are the scheme versions (2, 3, 31) whose blocks the APK
/// Signing Block holds (for `X-Android-APK-Signed` stripping protection). `None` when the archive has no
/// JAR signature (no signature block file). Also checks the CRC-32 of every entry it
/// streams.
pub(crate) fn verify(
    archive: &mut Archive,
    min_sdk: u32,
    max_sdk: u32,
    signing_block_schemes: &[u32],
) -> Option<JarVerification> {
    let files = JarFiles::find(archive);
    if files.blocks.is_empty() {
        return None;
    }
    let mut check = Check {
        min_sdk,
        max_sdk,
        errors: Findings::default(),
        missing: Findings::default(),
        warnings: Findings::default(),
        certificates: Vec::new(),
        crcs_checked: false,
        signature_file_budget: MAX_SIGNATURE_FILES,
    };
    // Every step reports its own errors; a step that stops the check returns Err.
    let _ = check.run(archive, &files, signing_block_schemes);
    let Check {
        errors,
        missing,
        warnings,
        mut certificates,
        crcs_checked,
        ..
    } = check;
    let mut errors = errors.into_vec();
    errors.splice(0..0, missing.into_vec());
    if !errors.is_empty() {
        certificates.clear();
    }
    Some(JarVerification {
        scheme: SchemeVerification::new(VerifiedScheme::V1, errors, warnings.into_vec()),
        signer_certificates: certificates,
        crcs_checked,
    })
}

/// The signature files as Android's verifier finds them: the manifest by its exact name,
/// signature files and signature block files anywhere under META-INF/, by extension.
struct JarFiles {
    manifest: bool,
    signature_files: HashSet<String>,
    blocks: Vec<String>,
}

impl JarFiles {
    fn find(archive: &Archive) -> Self {
        let mut files = JarFiles {
            manifest: false,
            signature_files: HashSet::new(),
            blocks: Vec::new(),
        };
        for name in archive.names().filter(|n| n.starts_with("META-INF/")) {
            if name == MANIFEST {
                files.manifest = true;
            } else if name.ends_with(".SF") {
                files.signature_files.insert(name.to_string());
            } else if [".RSA", ".DSA", ".EC"].iter().any(|e| name.ends_with(e)) {
                files.blocks.push(name.to_string());
            }
        }
        files
    }
}

/// One signer: a signature block file and the .SF it signs.
struct JarSigner {
    block: String,
    signature_file: String,
}

/// A signer whose signature block verified over its .SF.
struct SignedFile {
    signer: JarSigner,
    bytes: Vec<u8>,
    certificate: Vec<u8>,
}

/// The check stopped: its reason is already among the errors.
struct Stopped;

type Step<T> = Result<T, Stopped>;

struct Check {
    min_sdk: u32,
    max_sdk: u32,
    errors: Findings,
    /// Entries the manifest names that are missing: errors that do not stop the check.
    missing: Findings,
    warnings: Findings,
    certificates: Vec<Vec<u8>>,
    crcs_checked: bool,
    /// What the .SF files read so far leave of `MAX_SIGNATURE_FILES`.
    signature_file_budget: u64,
}

impl Check {
    fn error(&mut self, code: VerifyCode, message: String) {
        self.errors.push(code, message);
    }

    fn stop_on_errors(&self) -> Step<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Stopped)
        }
    }

    fn run(&mut self, archive: &mut Archive, files: &JarFiles, schemes: &[u32]) -> Step<()> {
        for name in archive.repeated_names() {
            self.errors.push(
                VerifyCode::ZipInconsistent,
                format!(
                    "the zip lists {name} more than once, which the JAR signature cannot cover"
                ),
            );
        }
        // Entries sharing bytes would be inflated once per record: a bomb, not an APK.
        if let Some((first, second)) = archive.overlapping_entries() {
            self.error(
                VerifyCode::OverlappingEntries,
                format!("{second}: {}", overlap_reason(first)),
            );
        }
        self.stop_on_errors()?;
        if !files.manifest {
            self.error(
                VerifyCode::EntryMissing,
                format!("{MANIFEST} is missing: a JAR signature signs the manifest"),
            );
            return Err(Stopped);
        }
        let manifest = self.read(archive, MANIFEST, MAX_MANIFEST_FILE)?;
        let (main_section, entry_sections) = self.manifest_sections(archive, &manifest)?;
        let signers = self.signers(files)?;
        let mut signed = Vec::new();
        for signer in signers {
            if let Some(file) = self.verify_block(archive, signer) {
                signed.push(file);
            }
        }
        self.stop_on_errors()?;
        let context = ManifestContext {
            bytes: &manifest,
            main_section,
            entry_sections: &entry_sections,
        };
        let mut covering = Vec::new();
        // Each .SF is let go once read: only what it signs is kept.
        for file in signed {
            if let Some(signs) = self.verify_signature_file(&file, &context, schemes) {
                covering.push(Covering {
                    signer: file.signer,
                    certificate: file.certificate,
                    signs,
                });
            }
        }
        self.stop_on_errors()?;
        if covering.is_empty() {
            self.error(
                VerifyCode::NoSigners,
                "no JAR signer remains once those Android ignores are left out".into(),
            );
            return Err(Stopped);
        }
        let apk_signers = self.verify_entries(archive, &entry_sections, &covering)?;
        self.stop_on_errors()?;
        let apk_signers: Vec<&Covering> = apk_signers
            .iter()
            .filter_map(|&i| covering.get(i))
            .collect();
        let signature_entries: HashSet<&str> = std::iter::once(MANIFEST)
            .chain(apk_signers.iter().flat_map(|file| {
                [
                    file.signer.block.as_str(),
                    file.signer.signature_file.as_str(),
                ]
            }))
            .collect();
        for name in archive.names() {
            if name.starts_with("META-INF/")
                && !name.ends_with('/')
                && !signature_entries.contains(name)
            {
                self.warnings.push(
                    VerifyCode::IgnoredEntry,
                    format!("{name} is not covered by the JAR signature (Android does not require it to be)"),
                );
            }
        }
        self.certificates = apk_signers
            .iter()
            .map(|file| file.certificate.clone())
            .collect();
        Ok(())
    }

    fn read(&mut self, archive: &mut Archive, name: &str, limit: u64) -> Step<Vec<u8>> {
        match archive.read_entry(name, limit) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => {
                self.error(VerifyCode::EntryMissing, format!("{name} is missing"));
                Err(Stopped)
            }
            Err(e) => {
                self.error(VerifyCode::ReadFailed, e.to_string());
                Err(Stopped)
            }
        }
    }

    /// The manifest's main section and each entry's section by name; every section named
    /// once, and every entry it names present.
    fn manifest_sections<'m>(
        &mut self,
        archive: &Archive,
        manifest: &'m [u8],
    ) -> Step<(&'m [u8], EntrySections<'m>)> {
        let mut sections = jar_manifest::sections(manifest);
        let malformed = |e: jar_manifest::ManifestError| {
            (
                VerifyCode::Malformed,
                format!("{MANIFEST} is malformed: {e}"),
            )
        };
        let main = match sections.next().transpose() {
            Ok(section) => section.map_or(&manifest[..0], |s| s.bytes),
            Err(e) => {
                let (code, message) = malformed(e);
                self.error(code, message);
                return Err(Stopped);
            }
        };
        let mut by_name = EntrySections::default();
        for (number, section) in sections.enumerate() {
            let section = match section {
                Ok(section) => section,
                Err(e) => {
                    let (code, message) = malformed(e);
                    self.error(code, message);
                    break;
                }
            };
            let Some(name) = section
                .attributes
                .first()
                .filter(|_| section.name().is_some())
            else {
                self.error(
                    VerifyCode::Malformed,
                    format!("{MANIFEST}: section #{} has no name", number + 1),
                );
                continue;
            };
            let name = name.value.clone();
            // Reported, but the check goes on: what else was changed is worth saying too.
            if !archive.contains(&name) {
                self.missing.push(
                    VerifyCode::EntryMissing,
                    format!("{MANIFEST} lists {name}, which is not in the package: an entry was removed after signing"),
                );
            }
            if !by_name.insert(name.clone(), section.bytes) {
                self.error(
                    VerifyCode::Malformed,
                    format!("{MANIFEST} lists {name} twice"),
                );
            }
        }
        self.stop_on_errors()?;
        Ok((main, by_name))
    }

    /// Each signature block file with its .SF (a block without one is left out, with a
    /// warning), at most `MAX_SIGNERS`.
    fn signers(&mut self, files: &JarFiles) -> Step<Vec<JarSigner>> {
        let mut signers = Vec::new();
        for block in &files.blocks {
            let stem = block.rfind('.').map_or(block.as_str(), |dot| &block[..dot]);
            let signature_file = format!("{stem}.SF");
            if !files.signature_files.contains(&signature_file) {
                self.warnings.push(
                    VerifyCode::IgnoredEntry,
                    format!("{block} has no {signature_file}: it signs nothing"),
                );
                continue;
            }
            signers.push(JarSigner {
                block: block.clone(),
                signature_file,
            });
        }
        if signers.is_empty() {
            self.error(
                VerifyCode::NoSigners,
                "no signature block file has its .SF: the JAR signature signs nothing".into(),
            );
            return Err(Stopped);
        }
        if signers.len() > MAX_SIGNERS {
            self.error(
                VerifyCode::TooManySigners,
                format!(
                    "the JAR signature has {} signers; Android accepts at most {MAX_SIGNERS}",
                    signers.len()
                ),
            );
            return Err(Stopped);
        }
        Ok(signers)
    }

    /// The signature block's SignerInfo over the .SF: the first SignerInfo below Android 7,
    /// the first of them that verifies from Android 7 on.
    fn verify_block(&mut self, archive: &mut Archive, signer: JarSigner) -> Option<SignedFile> {
        let block = self.read(archive, &signer.block, MAX_BLOCK_FILE).ok()?;
        let limit = MAX_MANIFEST_FILE.min(self.signature_file_budget);
        let bytes = self.read(archive, &signer.signature_file, limit).ok()?;
        self.signature_file_budget = self
            .signature_file_budget
            .saturating_sub(bytes.len() as u64);
        let signed = match pkcs7::parse_signed_data(&block) {
            Ok(signed) => signed,
            Err(e) => {
                self.error(
                    VerifyCode::Malformed,
                    format!("{} is not a readable PKCS#7 signature: {e}", signer.block),
                );
                return None;
            }
        };
        if signed.signers.is_empty() {
            self.error(
                VerifyCode::NoSigners,
                format!("{} holds no SignerInfo", signer.block),
            );
            return None;
        }
        let tried = if self.min_sdk < NOUGAT {
            1
        } else {
            signed.signers.len()
        };
        let mut verified = None;
        for info in signed.signers.iter().take(tried) {
            match self.verify_signer_info(&signed, info, &bytes, &signer) {
                Err(finding) => {
                    self.errors.push(finding.code, finding.message);
                    return None;
                }
                Ok(Some(certificate)) => {
                    verified.get_or_insert(certificate);
                }
                Ok(None) => {}
            }
        }
        let Some(certificate) = verified else {
            self.error(
                VerifyCode::SignatureMismatch,
                format!(
                    "the signature in {} does not verify over {}: the .SF was changed after signing, or the signature is damaged",
                    signer.block, signer.signature_file
                ),
            );
            return None;
        };
        Some(SignedFile {
            certificate: certificate.to_vec(),
            signer,
            bytes,
        })
    }

    /// One SignerInfo over the .SF: `Ok(None)` when it does not verify (another may),
    /// `Err` when the signature block is refused outright.
    fn verify_signer_info<'a>(
        &self,
        signed: &pkcs7::SignedData<'a>,
        info: &pkcs7::SignerInfo<'a>,
        signature_file: &[u8],
        signer: &JarSigner,
    ) -> Result<Option<&'a [u8]>, Finding> {
        let block = &signer.block;
        let oid = |o: &[u8]| crate::ber::oid_string(o).unwrap_or_else(|| "unreadable".into());
        let Some(levels) = supported_levels(info.digest_algorithm, info.signature_algorithm) else {
            return Err(Finding::new(
                VerifyCode::UnsupportedAlgorithm,
                format!(
                    "{block} signs with digest {} and signature {}, which Android does not support",
                    oid(info.digest_algorithm),
                    oid(info.signature_algorithm)
                ),
            ));
        };
        let uncovered = uncovered_levels(levels, self.min_sdk, self.max_sdk);
        if !uncovered.is_empty() {
            return Err(Finding::new(
                VerifyCode::AlgorithmNotForSdk,
                format!(
                    "{block} signs with digest {} and signature {}, which Android does not accept on API levels {uncovered}",
                    oid(info.digest_algorithm),
                    oid(info.signature_algorithm)
                ),
            ));
        }
        let certificate =
            cert::signer_certificate(&signed.certificates, &info.id).ok_or_else(|| {
                Finding::new(
                    VerifyCode::CertificateUnreadable,
                    format!(
                        "the SignerInfo of {block} names a certificate the block does not hold"
                    ),
                )
            })?;
        if !may_sign(certificate) {
            return Err(Finding::new(
                VerifyCode::SignatureMismatch,
                format!("the signing certificate in {block} may not make signatures (its keyUsage allows neither digitalSignature nor nonRepudiation)"),
            ));
        }
        if info.signed_attributes.is_some() {
            if self.min_sdk < KITKAT {
                return Err(Finding::new(
                    VerifyCode::AlgorithmNotForSdk,
                    format!("{block} has signed attributes, which Android before 4.4 (API 19) does not verify: such an APK is unprotected there"),
                ));
            }
            let malformed = |what: String| {
                Finding::new(
                    VerifyCode::Malformed,
                    format!("the signed attributes of {block}: {what}"),
                )
            };
            if let Some(repeated) =
                repeated_attribute(info).map_err(|e| malformed(e.to_string()))?
            {
                return Err(malformed(format!("the attribute {repeated} appears twice")));
            }
            if self.max_sdk >= NOUGAT {
                let values = pkcs7::signed_attribute(info, OID_CONTENT_TYPE)
                    .map_err(|e| malformed(e.to_string()))?;
                let [value] = values.as_slice() else {
                    return Err(malformed("no single content type".into()));
                };
                let value = crate::ber::parse_first(value).map_err(|e| malformed(e.to_string()))?;
                if value.tag != crate::ber::TAG_OID {
                    return Err(malformed("the content type is not an OID".into()));
                }
                if value.content != signed.content_type {
                    return Ok(None);
                }
            }
        }
        match pkcs7::verify_signer(signed, info, signature_file) {
            Ok(certificate) => Ok(Some(certificate)),
            Err(
                pkcs7::SignerInfoError::DigestMismatch(_)
                | pkcs7::SignerInfoError::Crypto(crate::crypto::CryptoError::Mismatch),
            ) => Ok(None),
            Err(e) => Err(Finding::new(
                VerifyCode::SignatureMismatch,
                format!(
                    "the signature in {block} cannot be verified over {}: {e}",
                    signer.signature_file
                ),
            )),
        }
    }

    /// The .SF against the manifest: the manifest's digest (or, failing that, each of its
    /// sections'), stripping protection. The manifest sections the .SF signs, or `None`
    /// when Android
    /// ignores this signer (its problems then are warnings).
    fn verify_signature_file(
        &mut self,
        file: &SignedFile,
        manifest: &ManifestContext<'_>,
        schemes: &[u32],
    ) -> Option<Vec<bool>> {
        let mut own = Check {
            min_sdk: self.min_sdk,
            max_sdk: self.max_sdk,
            errors: Findings::default(),
            missing: Findings::default(),
            warnings: Findings::default(),
            certificates: Vec::new(),
            crcs_checked: false,
            signature_file_budget: 0,
        };
        let outcome = own.signature_file(file, manifest, schemes);
        let ignored = matches!(outcome, Err(Ignored::Yes));
        for finding in own.warnings.into_vec() {
            self.warnings.push(finding.code, finding.message);
        }
        for finding in own.errors.into_vec() {
            if ignored {
                self.warnings.push(
                    finding.code,
                    format!("{} (Android ignores this signer)", finding.message),
                );
            } else {
                self.errors.push(finding.code, finding.message);
            }
        }
        outcome.ok()
    }

    fn signature_file(
        &mut self,
        file: &SignedFile,
        manifest: &ManifestContext<'_>,
        schemes: &[u32],
    ) -> Result<Vec<bool>, Ignored> {
        let sf = &file.signer.signature_file;
        let mut sections = jar_manifest::sections(&file.bytes);
        let malformed = |e: jar_manifest::ManifestError| {
            Finding::new(VerifyCode::Malformed, format!("{sf} is malformed: {e}"))
        };
        let main = match sections.next().transpose() {
            Ok(main) => main,
            Err(e) => {
                let finding = malformed(e);
                self.error(finding.code, finding.message);
                return Err(Ignored::No);
            }
        };
        let Some(main) = main.filter(|m| m.value("Signature-Version").is_some()) else {
            self.error(
                VerifyCode::Malformed,
                format!("{sf} has no Signature-Version"),
            );
            return Err(Ignored::Yes);
        };
        if self.max_sdk >= NOUGAT {
            self.stripping_protection(sf, &main, schemes);
            if !self.errors.is_empty() {
                return Err(Ignored::No);
            }
        }
        let signtool = main
            .value("Created-By")
            .is_some_and(|by| by.contains("signtool"));
        let manifest_verified = self.manifest_digest(sf, &main, signtool, manifest.bytes);
        if !signtool {
            let expected = digests_to_verify(
                &main,
                "-Digest-Manifest-Main-Attributes",
                self.min_sdk,
                self.max_sdk,
            );
            for (algorithm, digest) in expected {
                if algorithm.digest(manifest.main_section) != digest {
                    self.error(
                        VerifyCode::DigestMismatch,
                        format!(
                            "the {} digest of the main section of {MANIFEST} does not match {sf}: the manifest was changed after signing",
                            algorithm.name()
                        ),
                    );
                }
            }
        }
        if !self.errors.is_empty() {
            return Err(Ignored::No);
        }
        let mut signs = vec![false; manifest.entry_sections.len()];
        // Names the manifest does not list (there should be none).
        let mut unlisted = HashSet::new();
        let mut ignored = false;
        for (number, section) in sections.enumerate() {
            let section = section.map_err(|e| {
                let finding = malformed(e);
                self.error(finding.code, finding.message);
                Ignored::No
            })?;
            let Some(name) = section
                .attributes
                .first()
                .filter(|_| section.name().is_some())
            else {
                self.error(
                    VerifyCode::Malformed,
                    format!("{sf}: section #{} has no name", number + 1),
                );
                return Err(Ignored::Yes);
            };
            let name = &name.value;
            let listed = manifest.entry_sections.get(name);
            let repeated = match listed {
                Some(entry) => signs
                    .get_mut(entry.index)
                    .is_some_and(|signed| std::mem::replace(signed, true)),
                None => !unlisted.insert(name.clone()),
            };
            if repeated {
                self.error(VerifyCode::Malformed, format!("{sf} lists {name} twice"));
                return Err(Ignored::Yes);
            }
            if !manifest_verified {
                match listed {
                    None => {
                        self.error(
                            VerifyCode::EntryNotCovered,
                            format!("{sf} signs {name}, which {MANIFEST} does not list"),
                        );
                        ignored = true;
                    }
                    Some(entry) => self.section_digest(sf, name, &section, signtool, entry.bytes),
                }
            }
        }
        if ignored {
            return Err(Ignored::Yes);
        }
        if !self.errors.is_empty() {
            return Err(Ignored::No);
        }
        Ok(signs)
    }

    /// `X-Android-APK-Signed`: the APK Signing Block schemes the signer also signed with,
    /// which must then be present (or the newer signature was stripped).
    fn stripping_protection(&mut self, sf: &str, main: &Section<'_>, schemes: &[u32]) {
        let Some(listed) = main.value("X-Android-APK-Signed") else {
            return;
        };
        for id in listed.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let Ok(id) = id.parse::<i64>() else {
                continue;
            };
            match STRIPPING_PROTECTED
                .iter()
                .find(|(known, ..)| i64::from(*known) == id)
            {
                Some(&(id, from, name)) if self.max_sdk >= from => {
                    if !schemes.contains(&id) {
                        self.error(
                            VerifyCode::Stripped,
                            format!("{sf} says the APK is also signed with APK Signature Scheme {name}, but it has no {name} signature: it was stripped"),
                        );
                    }
                }
                Some(_) => {}
                None => self.warnings.push(
                    VerifyCode::UnknownAttribute,
                    format!("{sf}: X-Android-APK-Signed lists the unknown scheme {id}"),
                ),
            }
        }
    }

    /// Whether the .SF's digest of the whole manifest holds (a mismatch is a warning:
    /// the sections' digests are checked instead).
    fn manifest_digest(
        &mut self,
        sf: &str,
        main: &Section<'_>,
        signtool: bool,
        manifest: &[u8],
    ) -> bool {
        let suffix = if signtool {
            "-Digest"
        } else {
            "-Digest-Manifest"
        };
        let expected = digests_to_verify(main, suffix, self.min_sdk, self.max_sdk);
        if expected.is_empty() {
            self.warnings.push(
                VerifyCode::UnknownAttribute,
                format!("{sf} has no digest of {MANIFEST} that Android accepts for this SDK range"),
            );
            return false;
        }
        let mut verified = true;
        for (algorithm, digest) in expected {
            if algorithm.digest(manifest) != digest {
                self.warnings.push(
                    VerifyCode::DigestMismatch,
                    format!(
                        "the {} digest of {MANIFEST} does not match {sf}; its sections are checked one by one",
                        algorithm.name()
                    ),
                );
                verified = false;
            }
        }
        verified
    }

    fn section_digest(
        &mut self,
        sf: &str,
        name: &str,
        section: &Section<'_>,
        signtool: bool,
        manifest_section: &[u8],
    ) {
        let expected = digests_to_verify(section, "-Digest", self.min_sdk, self.max_sdk);
        if expected.is_empty() {
            self.error(
                VerifyCode::EntryNotCovered,
                format!("{sf} has no digest Android accepts for the {MANIFEST} section of {name}"),
            );
            return;
        }
        // signtool signed each section without one of its two final line feeds.
        let covered = match manifest_section {
            [rest @ .., b'\n', b'\n'] if signtool => &manifest_section[..rest.len() + 1],
            _ => manifest_section,
        };
        for (algorithm, digest) in expected {
            if algorithm.digest(covered) != digest {
                self.error(
                    VerifyCode::DigestMismatch,
                    format!(
                        "the {} digest of the {MANIFEST} section of {name} does not match {sf}: the manifest was changed after signing",
                        algorithm.name()
                    ),
                );
            }
        }
    }

    /// Every entry against the manifest, each streamed once (its digests and CRC-32
    /// together); every entry outside META-INF/ listed, signed by the same signers, and its
    /// digests holding. The signers (indexes into `covering`) of the APK.
    fn verify_entries(
        &mut self,
        archive: &Archive,
        entry_sections: &EntrySections<'_>,
        covering: &[Covering],
    ) -> Step<Vec<usize>> {
        let mut buffer = vec![0u8; STREAM_BUFFER];
        let mut first_signers: Option<(String, Vec<usize>)> = None;
        for entry in archive.listed_by_offset() {
            let expected = self.expected_digests(
                entry.name,
                entry.is_directory(),
                entry_sections,
                covering,
                &mut first_signers,
            );
            let mut hashers: Vec<_> = expected
                .iter()
                .map(|(algorithm, _)| algorithm.hasher())
                .collect();
            let streamed = archive.stream(&entry, &mut buffer, |chunk| {
                for hasher in &mut hashers {
                    hasher.update(chunk);
                }
            });
            match streamed {
                Err(e) => self.error(VerifyCode::ReadFailed, e.to_string()),
                Ok(streamed) => {
                    if !streamed.crc_holds() {
                        self.error(VerifyCode::CrcMismatch, crc_message(&entry, &streamed));
                    }
                    for ((algorithm, digest), hasher) in expected.iter().zip(hashers) {
                        if hasher.finish() != *digest {
                            self.error(
                                VerifyCode::DigestMismatch,
                                format!(
                                    "the {} digest of {} does not match {MANIFEST}: the entry was changed after signing",
                                    algorithm.name(),
                                    entry.name
                                ),
                            );
                        }
                    }
                }
            }
        }
        self.crcs_checked = true;
        match first_signers {
            Some((_, signers)) => Ok(signers),
            None => {
                self.error(
                    VerifyCode::EntryNotCovered,
                    "the JAR signature signs no entry of the package".into(),
                );
                Err(Stopped)
            }
        }
    }

    /// The digests an entry must have (none for the signature files under META-INF/ and
    /// directories); an entry that is not listed, not signed, or signed by other signers
    /// than the first is an error.
    fn expected_digests(
        &mut self,
        name: &str,
        directory: bool,
        entry_sections: &EntrySections<'_>,
        covering: &[Covering],
        first_signers: &mut Option<(String, Vec<usize>)>,
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        if name.starts_with("META-INF/") || directory {
            return Vec::new();
        }
        let Some(section) = entry_sections.get(name) else {
            self.error(
                VerifyCode::EntryNotCovered,
                format!("{name} is not listed in {MANIFEST}: it was added after signing"),
            );
            return Vec::new();
        };
        let signers: Vec<usize> = covering
            .iter()
            .enumerate()
            .filter(|(_, signer)| signer.signs.get(section.index) == Some(&true))
            .map(|(i, _)| i)
            .collect();
        if signers.is_empty() {
            self.error(
                VerifyCode::EntryNotCovered,
                format!("{name} is listed in {MANIFEST} but no .SF signs it"),
            );
            return Vec::new();
        }
        match first_signers {
            None => *first_signers = Some((name.to_string(), signers)),
            Some((first, expected)) if *expected != signers => {
                let message = format!(
                    "{name} is signed by other JAR signers than {first}: Android requires every entry signed by the same signers"
                );
                self.error(VerifyCode::EntryNotCovered, message);
                return Vec::new();
            }
            Some(_) => {}
        }
        let section = match jar_manifest::sections(section.bytes).next() {
            Some(Ok(section)) => section,
            _ => return Vec::new(),
        };
        let expected = digests_to_verify(&section, "-Digest", self.min_sdk, self.max_sdk);
        if expected.is_empty() {
            self.error(
                VerifyCode::EntryNotCovered,
                format!(
                    "{MANIFEST} has no digest of {name} that Android accepts for this SDK range"
                ),
            );
        }
        expected
    }
}

/// Whether an ignored signer's problems stay errors.
enum Ignored {
    Yes,
    No,
}

/// Each entry's section of the manifest (its exact bytes), by the name it gives.
/// Sections are kept in a vector and found through a table of their indexes: some 50
/// bytes an entry, where a map keyed by name takes twice that.
#[derive(Default)]
struct EntrySections<'m> {
    sections: Vec<(Cow<'m, str>, &'m [u8])>,
    by_name: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl<'m> EntrySections<'m> {
    /// Adds a section; `false` (and nothing added) when its name is already there.
    fn insert(&mut self, name: Cow<'m, str>, bytes: &'m [u8]) -> bool {
        let Ok(index) = u32::try_from(self.sections.len()) else {
            return false;
        };
        let (sections, hasher) = (&self.sections, &self.hasher);
        let name_of = |i: &u32| sections.get(*i as usize).map_or("", |(n, _)| n.as_ref());
        match self.by_name.entry(
            hasher.hash_one(name.as_ref()),
            |i| name_of(i) == name.as_ref(),
            |i| hasher.hash_one(name_of(i)),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(index);
                self.sections.push((name, bytes));
                true
            }
        }
    }

    fn get(&self, name: &str) -> Option<ManifestSection<'m>> {
        let found = self.by_name.find(self.hasher.hash_one(name), |&i| {
            self.sections
                .get(i as usize)
                .is_some_and(|(n, _)| n.as_ref() == name)
        })?;
        let index = *found as usize;
        let (_, bytes) = self.sections.get(index)?;
        Some(ManifestSection { index, bytes })
    }

    fn len(&self) -> usize {
        self.sections.len()
    }
}

/// An entry's section of the manifest: its place among the sections, and its bytes.
#[derive(Clone, Copy)]
struct ManifestSection<'m> {
    index: usize,
    bytes: &'m [u8],
}

/// A signer that Android keeps, and the manifest sections (by index) its .SF signs.
struct Covering {
    signer: JarSigner,
    certificate: Vec<u8>,
    signs: Vec<bool>,
}

/// The manifest as the .SF checks need it.
struct ManifestContext<'m> {
    bytes: &'m [u8],
    main_section: &'m [u8],
    entry_sections: &'m EntrySections<'m>,
}

/// 1.2.840.113549.1.9.3
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];

/// The first signed attribute whose type appears twice, by its dotted OID.
fn repeated_attribute(
    info: &pkcs7::SignerInfo<'_>,
) -> Result<Option<String>, crate::ber::BerError> {
    let Some(attributes) = info.signed_attributes else {
        return Ok(None);
    };
    let mut seen = HashSet::new();
    for attribute in crate::ber::parse_first(attributes)?.children() {
        let Some(kind) = attribute?.children().next().transpose()? else {
            continue;
        };
        if !seen.insert(kind.content) {
            return Ok(Some(
                crate::ber::oid_string(kind.content).unwrap_or_else(|| "unreadable".into()),
            ));
        }
    }
    Ok(None)
}

/// A certificate with a keyUsage extension must allow digitalSignature or nonRepudiation.
fn may_sign(certificate: &[u8]) -> bool {
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(certificate) else {
        return true;
    };
    match parsed.key_usage() {
        Ok(Some(usage)) => usage.value.digital_signature() || usage.value.non_repudiation(),
        _ => true,
    }
}

/// A signature algorithm OID as the JAR rules tell them apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SignatureOid {
    /// rsaEncryption, id-dsa, id-ecPublicKey: the digest is the SignerInfo's.
    Rsa,
    Dsa,
    Ec,
    /// sha256WithRSAEncryption, dsa-with-sha256, ecdsa-with-SHA256…
    RsaWith(DigestAlgorithm),
    DsaWith(DigestAlgorithm),
    EcdsaWith(DigestAlgorithm),
}

impl SignatureOid {
    fn parse(oid: &[u8]) -> Option<Self> {
        use DigestAlgorithm::*;
        const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
        const X957: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04];
        const NIST_DSA: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
        const EC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
        const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
        const ECDSA_WITH: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
        let (prefix, last) = oid.split_last().map(|(last, prefix)| (prefix, *last))?;
        Some(match (prefix, last) {
            (RSA, 1) => SignatureOid::Rsa,
            (RSA, 4) => SignatureOid::RsaWith(Md5),
            (RSA, 5) => SignatureOid::RsaWith(Sha1),
            (RSA, 14) => SignatureOid::RsaWith(Sha224),
            (RSA, 11) => SignatureOid::RsaWith(Sha256),
            (RSA, 12) => SignatureOid::RsaWith(Sha384),
            (RSA, 13) => SignatureOid::RsaWith(Sha512),
            (X957, 1) => SignatureOid::Dsa,
            (X957, 3) => SignatureOid::DsaWith(Sha1),
            (NIST_DSA, 1) => SignatureOid::DsaWith(Sha224),
            (NIST_DSA, 2) => SignatureOid::DsaWith(Sha256),
            (NIST_DSA, 3) => SignatureOid::DsaWith(Sha384),
            (NIST_DSA, 4) => SignatureOid::DsaWith(Sha512),
            (ECDSA_WITH, 1) => SignatureOid::EcdsaWith(Sha224),
            (ECDSA_WITH, 2) => SignatureOid::EcdsaWith(Sha256),
            (ECDSA_WITH, 3) => SignatureOid::EcdsaWith(Sha384),
            (ECDSA_WITH, 4) => SignatureOid::EcdsaWith(Sha512),
            _ if oid == EC_KEY => SignatureOid::Ec,
            _ if oid == ECDSA_SHA1 => SignatureOid::EcdsaWith(Sha1),
            _ => return None,
        })
    }
}

/// Inclusive ranges of SDK levels.
type Levels = &'static [(u32, u32)];
const ALL: Levels = &[(0, u32::MAX)];
const NONE: Levels = &[];
const FROM_9: Levels = &[(GINGERBREAD, u32::MAX)];
const FROM_18: Levels = &[(JELLY_BEAN_MR2, u32::MAX)];
const FROM_21: Levels = &[(21, u32::MAX)];
const FROM_22: Levels = &[(22, u32::MAX)];
const TO_8_AND_FROM_18: Levels = &[(0, 8), (JELLY_BEAN_MR2, u32::MAX)];
const TO_8_AND_FROM_21: Levels = &[(0, 8), (21, u32::MAX)];
const ONLY_21: Levels = &[(21, 21)];
const FROM_21_TO_23: Levels = &[(21, 23)];

/// The SDK levels on which Android verifies a JAR SignerInfo with this digest and this
/// signature algorithm (AOSP apksig's table of what each platform's JCA provider
/// accepted); `None` for an algorithm Android knows on no level.
fn supported_levels(digest_oid: &[u8], signature_oid: &[u8]) -> Option<Levels> {
    use DigestAlgorithm::*;
    let digest = DigestAlgorithm::from_oid(digest_oid)?;
    Some(match SignatureOid::parse(signature_oid)? {
        SignatureOid::Rsa => match digest {
            Md5 | Sha1 => ALL,
            Sha224 => TO_8_AND_FROM_21,
            Sha256 => TO_8_AND_FROM_18,
            Sha384 | Sha512 => FROM_18,
        },
        SignatureOid::RsaWith(hash) => match (digest, hash) {
            (Sha1, Sha1) => ALL,
            (Md5, Md5) | (Sha224, Sha224) => TO_8_AND_FROM_21,
            (Sha256, Sha256) => TO_8_AND_FROM_18,
            (Sha384, Sha384) | (Sha512, Sha512) => FROM_21,
            (Sha224, Sha256) | (Sha256, Sha1) | (Sha512, Sha384) => ONLY_21,
            _ => FROM_21_TO_23,
        },
        SignatureOid::Dsa => match digest {
            Sha1 => ALL,
            Sha224 | Sha256 => FROM_22,
            _ => NONE,
        },
        SignatureOid::DsaWith(Sha384 | Sha512) => NONE,
        SignatureOid::DsaWith(hash) => match (digest, hash) {
            (Sha1, Sha1) => FROM_9,
            (Sha224, Sha224) | (Sha256, Sha256) => FROM_21,
            _ => FROM_21_TO_23,
        },
        SignatureOid::Ec => match digest {
            Md5 => NONE,
            Sha224 => FROM_21,
            _ => FROM_18,
        },
        SignatureOid::EcdsaWith(hash) => match (digest, hash) {
            (Sha1, Sha1) => FROM_18,
            (a, b) if a == b => FROM_21,
            _ => FROM_21_TO_23,
        },
    })
}

/// The levels of `min..=max` outside `levels`, in words ("23+", "9-17, 19"); empty
/// when all are covered.
fn uncovered_levels(levels: Levels, min: u32, max: u32) -> String {
    let mut gaps = Vec::new();
    let mut next = Some(min);
    for &(from, to) in levels {
        let Some(at) = next.filter(|&at| at <= max) else {
            break;
        };
        if to < at {
            continue;
        }
        if from > at {
            gaps.push((at, (from - 1).min(max)));
        }
        next = to.checked_add(1);
    }
    if let Some(at) = next.filter(|&at| at <= max) {
        gaps.push((at, max));
    }
    gaps.iter()
        .map(|&(from, to)| match (from, to) {
            _ if from == to => from.to_string(),
            (_, u32::MAX) => format!("{from}+"),
            _ => format!("{from}-{to}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The digest algorithms (and expected digests) Android checks in `section` for
/// attributes named `<algorithm><suffix>`, over `min..=max`: before JB MR2 (18), the
/// first algorithm of `Digest-Algorithms` (SHA-1 by default) present; from 18 on, the
/// strongest of SHA-512, SHA-384, SHA-256 and SHA-1 present. An empty list means no
/// level's rule finds one.
fn digests_to_verify(
    section: &Section<'_>,
    suffix: &str,
    min: u32,
    max: u32,
) -> Vec<(DigestAlgorithm, Vec<u8>)> {
    let mut out: Vec<(DigestAlgorithm, Vec<u8>)> = Vec::new();
    if min < JELLY_BEAN_MR2 {
        let listed = section.value("Digest-Algorithms").unwrap_or("SHA SHA1");
        let found = listed.split_ascii_whitespace().find_map(|token| {
            let value = section.value(&format!("{token}{suffix}"))?;
            let algorithm = legacy_algorithm(token)?;
            let supported_from = match algorithm {
                DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => GINGERBREAD,
                _ => 0,
            };
            (supported_from <= min).then(|| (algorithm, base64_digest(value)))
        });
        match found {
            Some(found) => out.push(found),
            None => return out,
        }
    }
    if max >= JELLY_BEAN_MR2 {
        let strongest = [
            (DigestAlgorithm::Sha512, "SHA-512"),
            (DigestAlgorithm::Sha384, "SHA-384"),
            (DigestAlgorithm::Sha256, "SHA-256"),
            (DigestAlgorithm::Sha1, "SHA1"),
        ]
        .into_iter()
        .find_map(|(algorithm, name)| {
            let value = section.value(&format!("{name}{suffix}"))?;
            Some((algorithm, base64_digest(value)))
        });
        if let Some(strongest) = strongest {
            if !out.contains(&strongest) {
                out.push(strongest);
            }
        }
    }
    out
}

/// The digest names Android's JAR verifier knew before JB MR2.
fn legacy_algorithm(name: &str) -> Option<DigestAlgorithm> {
    Some(match name.to_ascii_uppercase().as_str() {
        "MD5" => DigestAlgorithm::Md5,
        "SHA" | "SHA1" | "SHA-1" => DigestAlgorithm::Sha1,
        "SHA-256" => DigestAlgorithm::Sha256,
        "SHA-384" => DigestAlgorithm::Sha384,
        "SHA-512" => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// A digest as a manifest writes it; one that is not base64 matches nothing.
fn base64_digest(value: &str) -> Vec<u8> {
    use base64::engine::{general_purpose, DecodePaddingMode, Engine, GeneralPurpose};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        general_purpose::PAD.with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(value.trim_end()).unwrap_or_default()
}

/// Every section of a manifest or .SF and the digests each names, for every SDK rule
/// (the fuzz target's walk).
pub(crate) fn walk_manifest(data: &[u8]) {
    for section in jar_manifest::sections(data).map_while(Result::ok) {
        let _ = section.name();
        for (min, max) in [(1, 17), (18, u32::MAX), (9, 30)] {
            let _ = digests_to_verify(&section, "-Digest", min, max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const SHA384_WITH_DSA: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x03];
    const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

    #[test]
    fn algorithm_levels() {
        let levels = supported_levels(SHA256, RSA).unwrap();
        assert_eq!(uncovered_levels(levels, 1, u32::MAX), "9-17");
        assert_eq!(uncovered_levels(levels, 18, u32::MAX), "");
        assert_eq!(uncovered_levels(levels, 5, 12), "9-12");
        let never = supported_levels(SHA256, SHA384_WITH_DSA).unwrap();
        assert_eq!(uncovered_levels(never, 23, u32::MAX), "23+");
        assert_eq!(uncovered_levels(never, 23, 23), "23");
        assert!(supported_levels(SHA256, RSA_PSS).is_none());
    }

    fn section(text: &str) -> Section<'_> {
        jar_manifest::sections(text.as_bytes())
            .next()
            .unwrap()
            .unwrap()
    }

    #[test]
    fn digests_by_sdk_rules() {
        let both = section("Name: a\nSHA1-Digest: AAAA\nSHA-256-Digest: AQID\n");
        use DigestAlgorithm::*;
        // From JB MR2 on, the strongest; before, the first of Digest-Algorithms (SHA-1).
        assert_eq!(
            digests_to_verify(&both, "-Digest", 18, 30),
            [(Sha256, vec![1, 2, 3])]
        );
        assert_eq!(
            digests_to_verify(&both, "-Digest", 9, 17),
            [(Sha1, vec![0, 0, 0])]
        );
        assert_eq!(digests_to_verify(&both, "-Digest", 9, 30).len(), 2);
        let sha256_only = section("Name: a\nSHA-256-Digest: AQID\n");
        assert!(digests_to_verify(&sha256_only, "-Digest", 9, 30).is_empty());
        let listed = section("Name: a\nDigest-Algorithms: SHA-256\nSHA-256-Digest: AQID\n");
        assert_eq!(
            digests_to_verify(&listed, "-Digest", 9, 17),
            [(Sha256, vec![1, 2, 3])]
        );
        assert_eq!(digests_to_verify(&listed, "-Digest", 9, 30).len(), 1);
    }
}

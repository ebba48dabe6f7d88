//! The verdict on an APK's signatures as Android reaches it (apksig's ApkVerifier): which
//! schemes a device in the SDK range reads, each scheme's check, and the rules between
//! them (v1 below SDK 24, v3 signers covering their range, stripping protection, the same
//! signer in every scheme). Content digests are computed once for every scheme.

use super::apk_digest::{self, ContentDigest, ZipSections};
use super::axml::{AttrValue, Element};
use super::manifest::{ATTR_MIN_SDK, ATTR_TARGET_SDK};
use super::res::{Value, TYPE_INT_DEC, TYPE_INT_HEX};
use super::signing_block::{
    check_content, BlockCheck, Findings, SigningBlock, ID_V2, ID_V3, ID_V31, SDK_N, SDK_P,
};
use super::v3::{self, V3Check, SDK_T};
use super::{stamp, v1};
use crate::input::{integrity, Archive};
use crate::report::{
    Finding, PackageReport, SchemeVerification, Verification, VerifiedScheme, VerifyCode,
};
use crate::VerifyOptions;
use std::collections::{BTreeMap, BTreeSet};

/// "Every SDK level": apksig's open upper bound.
const NEWEST: u32 = i32::MAX as u32;
/// From SDK 26, an app with targetSandboxVersion 2 needs v2 or newer.
const SDK_O: u32 = 26;
/// From targetSdk 30, an app needs v2 or newer.
const SDK_R: u32 = 30;
const ATTR_TARGET_SANDBOX_VERSION: u32 = 0x0101_054c;

/// Verifies the APK for `options`' SDK range (by default, its own minSdk to the newest).
pub(crate) fn verify_apk(
    archive: &mut Archive,
    report: &PackageReport,
    manifest: &[Element],
    options: VerifyOptions,
) -> Verification {
    let min = options
        .min_sdk
        .or(report.min_sdk)
        .or_else(|| codename_sdk(manifest, ATTR_MIN_SDK, "minSdkVersion"))
        .unwrap_or(1);
    let max = options.max_sdk.unwrap_or(NEWEST);
    let conclude =
        |schemes, errors| Verification::conclude(Some(min), options.max_sdk, schemes, errors);
    let mut errors = Vec::new();
    if min > max {
        errors.push(Finding::new(
            VerifyCode::SdkRangeNotCovered,
            format!("the SDK range to verify for is empty: {min} is above {max}"),
        ));
        return conclude(Vec::new(), errors);
    }
    // A block that cannot be read is no block to Android, which then looks for v1.
    let (block, block_unreadable) = match SigningBlock::read(archive) {
        Ok(block) => (block, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let block_start = block
        .as_ref()
        .map_or(archive.central_directory_start(), SigningBlock::start);
    let sections = match ZipSections::locate(archive, block_start) {
        Ok(sections) => sections,
        Err(e) => {
            errors.push(Finding::new(
                VerifyCode::ZipInconsistent,
                format!("Android cannot read this APK as a zip: {e}"),
            ));
            return conclude(Vec::new(), errors);
        }
    };

    let mut checks = SchemeChecks::default();
    if let Some(block) = block.as_ref().filter(|_| max >= SDK_N) {
        checks.run(block, min, max, &mut errors);
    }
    let found = checks.found();
    if max >= SDK_O && found.is_empty() && target_sandbox_version(manifest) > 1 {
        errors.push(Finding::new(
            VerifyCode::SchemeRequired,
            "the app asks for targetSandboxVersion 2, which Android 8.0 and later install only with an APK Signature Scheme v2 or newer signature, and the APK has none",
        ));
    }

    // The content digests and the JAR/zip checks each read the whole file: side by side.
    let digest_reader = archive.clone();
    let (digested, jar, zip_findings) = std::thread::scope(|scope| {
        let digests = scope.spawn(|| {
            let mut errors = Vec::new();
            let computed = checks.content_digests(&digest_reader, &sections, &mut errors);
            (computed, errors)
        });
        let jar = (min < SDK_N || found.is_empty()).then(|| {
            let versions: Vec<u32> = found.iter().map(|(_, version)| *version).collect();
            v1::verify(archive, min, max, &versions)
        });
        let zip_findings = integrity::check(archive, !matches!(jar, Some(Some(_))));
        let digested = digests.join().unwrap_or_else(|_| {
            let failed = Finding::new(
                VerifyCode::ReadFailed,
                "the APK's content digests could not be computed",
            );
            (BTreeMap::new(), vec![failed])
        });
        (digested, jar, zip_findings)
    });
    let (computed, digest_errors) = digested;
    errors.extend(digest_errors);
    let mut schemes = checks.conclude(block.as_ref(), &computed);
    let jar = match jar {
        Some(None) => {
            errors.push(missing_jar(&found, min, block_unreadable.as_deref()));
            None
        }
        Some(jar) => jar,
        None => None,
    };
    errors.extend(zip_findings);
    let jar_verified = jar.as_ref().filter(|j| j.scheme.verified);
    if let Some(jar) = &jar {
        schemes.push(jar.scheme.clone());
    }
    if let Some(block) = &block {
        let mut signed = checks.stamp_digests(&computed);
        if jar.is_some() {
            signed.push((stamp::STAMP_V1, BTreeMap::new()));
        }
        if let Some(stamp) = stamp::verify(archive, block, &signed, (min, max)) {
            schemes.push(stamp);
        }
    }

    let v2_verified = checks.verified_v2();
    if let (Some(jar), Some(v2)) = (jar_verified, v2_verified) {
        let v2_certificates: Vec<&[u8]> = v2.signers.iter().map(|(_, s)| s.certificate).collect();
        let in_v2 = jar
            .signer_certificates
            .iter()
            .all(|c| v2_certificates.contains(&c.as_slice()));
        let in_v1 = v2_certificates
            .iter()
            .all(|c| jar.signer_certificates.iter().any(|j| j.as_slice() == *c));
        if !in_v2 || !in_v1 {
            errors.push(Finding::new(
                VerifyCode::SignersDiffer,
                "the JAR signature (v1) and the v2 signature are made by different signers",
            ));
        }
    }
    if let Some(v3) = checks.verified_v3() {
        let older = match (jar_verified, v2_verified) {
            (Some(jar), _) => Some((
                "JAR (v1)",
                jar.signer_certificates
                    .iter()
                    .map(Vec::as_slice)
                    .collect::<Vec<_>>(),
            )),
            (None, Some(v2)) => Some((
                "v2",
                v2.signers.iter().map(|(_, s)| s.certificate).collect(),
            )),
            (None, None) => None,
        };
        if let Some((older_scheme, older_signers)) = older {
            if let Some(problem) = v3_against_older(&checks, v3, &older_signers) {
                errors.push(Finding::new(
                    VerifyCode::SignersDiffer,
                    format!("the v3 signer and the {older_scheme} signer differ: {problem}"),
                ));
            }
        }
    }
    let target_sdk = report
        .target_sdk
        .or_else(|| codename_sdk(manifest, ATTR_TARGET_SDK, "targetSdkVersion"));
    if let Some(target) = target_sdk.filter(|t| *t >= SDK_R && max >= *t) {
        if v2_verified.is_none() && checks.verified_v3().is_none() && !checks.verified_v31() {
            errors.push(Finding::new(
                VerifyCode::SchemeRequired,
                format!("the app targets SDK {target}, which Android installs only with an APK Signature Scheme v2 or newer signature that verifies, and the APK has none"),
            ));
        }
    }
    conclude(schemes, errors)
}

/// The first letter of each release's codename and its first SDK level.
const CODENAMES: [(char, u32); 21] = [
    ('C', 3),
    ('D', 4),
    ('E', 5),
    ('F', 8),
    ('G', 9),
    ('H', 11),
    ('I', 14),
    ('J', 16),
    ('K', 19),
    ('L', 21),
    ('M', 23),
    ('N', 24),
    ('O', 26),
    ('P', 28),
    ('Q', 29),
    ('R', 30),
    ('S', 31),
    ('T', 33),
    ('U', 34),
    ('V', 35),
    ('W', 36),
];

/// A `<uses-sdk>` level written as a preview's codename ("VanillaIceCream"), as Android
/// and apksig read it: one past the newest release whose codename's first letter comes no
/// later than the codename's. `None` for numbers and for names not starting A-Z.
fn codename_sdk(manifest: &[Element], attribute: u32, name: &str) -> Option<u32> {
    let uses_sdk = manifest
        .iter()
        .find(|e| e.depth == 2 && &*e.name == "uses-sdk")?;
    let AttrValue::String(codename) = uses_sdk.attribute(attribute, name)? else {
        return None;
    };
    let first = codename.chars().next().filter(char::is_ascii_uppercase)?;
    let newest = CODENAMES
        .iter()
        .rev()
        .find(|(letter, _)| *letter <= first)
        .map_or(1, |(_, sdk)| *sdk);
    Some(newest + 1)
}

/// Why no JAR signature is a problem: nothing signs the APK at all, or v2/v3 alone do not
/// reach the oldest SDK levels.
fn missing_jar(
    found: &[(VerifiedScheme, u32)],
    min: u32,
    block_unreadable: Option<&str>,
) -> Finding {
    let note = block_unreadable
        .map(|e| format!(" ({e}: Android ignores such a block)"))
        .unwrap_or_default();
    if found.is_empty() {
        Finding::new(
            VerifyCode::Unsigned,
            format!("the APK has no signature Android reads: no JAR signature (v1) and no APK Signature Scheme v2 or v3 block{note}"),
        )
    } else {
        let names: Vec<&str> = found.iter().map(|(s, _)| s.name()).collect();
        Finding::new(
            VerifyCode::SchemeRequired,
            format!(
                "the APK is signed with {} only, which Android reads from 7.0 (SDK 24); its minSdk is {min}, and older Android needs a JAR signature (v1), which it lacks: it installs on no Android below 7.0",
                names.join(" and ")
            ),
        )
    }
}

/// The v3 signer must be the v1/v2 signer, or have rotated away from it: the older signer
/// is then the first certificate of the lineage.
fn v3_against_older(checks: &SchemeChecks, v3: &V3Check, older: &[&[u8]]) -> Option<String> {
    let [older] = older else {
        return Some(format!(
            "APK Signature Scheme v3 supports one past signer, there are {}",
            older.len()
        ));
    };
    let lineage = if v3.lineage.is_empty() {
        checks.v31.as_ref().map_or(&v3.lineage, |v31| &v31.lineage)
    } else {
        &v3.lineage
    };
    match lineage.first() {
        Some(root) if root == older => None,
        Some(_) => {
            Some("the older signer is not where the v3 signer's rotation lineage starts".into())
        }
        None => match v3.check.signers.as_slice() {
            [(_, signer)] if signer.certificate == *older => None,
            [_] => Some("different certificates and no rotation lineage between them".into()),
            signers => Some(format!(
                "{} v3 signers without a rotation lineage",
                signers.len()
            )),
        },
    }
}

/// targetSandboxVersion from the manifest element; 1 when absent.
fn target_sandbox_version(manifest: &[Element]) -> i64 {
    manifest
        .iter()
        .find(|e| &*e.name == "manifest")
        .and_then(|e| e.attribute(ATTR_TARGET_SANDBOX_VERSION, "targetSandboxVersion"))
        .and_then(|value| match value {
            AttrValue::Typed(Value { data_type, data })
                if *data_type == TYPE_INT_DEC || *data_type == TYPE_INT_HEX =>
            {
                Some(i64::from(*data as i32))
            }
            AttrValue::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .unwrap_or(1)
}

/// The v3.1, v3 and v2 blocks' checks, in the order Android tries them.
#[derive(Default)]
struct SchemeChecks<'b> {
    v31: Option<V3Check<'b>>,
    v3: Option<V3Check<'b>>,
    v2: Option<BlockCheck<'b>>,
}

impl<'b> SchemeChecks<'b> {
    /// Checks the blocks a device in `min..=max` (from SDK 24) reads: v3.1 from SDK 33,
    /// v3 from SDK 28, v2 where the range starts below 28 or no v3 was found.
    fn run(&mut self, block: &'b SigningBlock, min: u32, max: u32, errors: &mut Vec<Finding>) {
        let mut rotation_min_sdk = None;
        if max >= SDK_T {
            if let Some(value) = block.value(ID_V31) {
                let check = v3::verify(value, true, max, max, None);
                rotation_min_sdk = check
                    .check
                    .signers
                    .iter()
                    .filter_map(|(_, s)| s.sdk.map(|(from, _)| from))
                    .min();
                self.v31 = Some(check);
            }
        }
        if max >= SDK_P {
            match block.value(ID_V3) {
                Some(value) => {
                    self.v3 = Some(v3::verify(
                        value,
                        false,
                        min.max(SDK_P),
                        max,
                        rotation_min_sdk,
                    ));
                }
                None if self.v31.is_some() => errors.push(Finding::new(
                    VerifyCode::SchemeRequired,
                    "the APK has a v3.1 block but no v3 block, which must come with it",
                )),
                None => {}
            }
        }
        if min < SDK_P || (self.v3.is_none() && self.v31.is_none()) {
            if let Some(value) = block.value(ID_V2) {
                self.v2 = Some(super::v2::verify(
                    value,
                    min.max(SDK_N),
                    max,
                    self.v3.is_some(),
                ));
            }
        }
    }

    fn blocks(&self) -> [(VerifiedScheme, Option<&BlockCheck<'b>>); 3] {
        [
            (VerifiedScheme::V31, self.v31.as_ref().map(|c| &c.check)),
            (VerifiedScheme::V3, self.v3.as_ref().map(|c| &c.check)),
            (VerifiedScheme::V2, self.v2.as_ref()),
        ]
    }

    fn blocks_mut(&mut self) -> [(VerifiedScheme, Option<&mut BlockCheck<'b>>); 3] {
        [
            (VerifiedScheme::V31, self.v31.as_mut().map(|c| &mut c.check)),
            (VerifiedScheme::V3, self.v3.as_mut().map(|c| &mut c.check)),
            (VerifiedScheme::V2, self.v2.as_mut()),
        ]
    }

    /// The schemes checked, with their version numbers as `X-Android-APK-Signed` names
    /// them (31 for v3.1, as apksig counts it).
    fn found(&self) -> Vec<(VerifiedScheme, u32)> {
        self.blocks()
            .into_iter()
            .filter(|(_, check)| check.is_some())
            .map(|(scheme, _)| {
                let version = match scheme {
                    VerifiedScheme::V31 => 31,
                    VerifiedScheme::V3 => 3,
                    _ => 2,
                };
                (scheme, version)
            })
            .collect()
    }

    /// Every content digest a checked signature vouches for, computed once.
    fn content_digests(
        &self,
        archive: &Archive,
        sections: &ZipSections,
        errors: &mut Vec<Finding>,
    ) -> BTreeMap<ContentDigest, Vec<u8>> {
        let wanted: BTreeSet<ContentDigest> = self
            .blocks()
            .into_iter()
            .filter_map(|(_, check)| check)
            .filter(|check| check.findings.errors.is_empty())
            .flat_map(|check| {
                check
                    .signers
                    .iter()
                    .flat_map(|(_, s)| s.content.iter().copied())
            })
            .collect();
        if wanted.is_empty() {
            return BTreeMap::new();
        }
        match apk_digest::compute(archive, sections, &wanted) {
            Ok(computed) => computed,
            Err(e) => {
                errors.push(Finding::new(
                    VerifyCode::ReadFailed,
                    format!("the APK's content digests cannot be computed: {e}"),
                ));
                BTreeMap::new()
            }
        }
    }

    /// Each checked scheme's result, with its digests compared.
    fn conclude(
        &mut self,
        block: Option<&SigningBlock>,
        computed: &BTreeMap<ContentDigest, Vec<u8>>,
    ) -> Vec<SchemeVerification> {
        let mut out = Vec::new();
        for (scheme, check) in self.blocks_mut() {
            let Some(check) = check else { continue };
            if check.findings.errors.is_empty() {
                let mut findings = Findings::default();
                check_content(&check.signers, computed, &mut findings);
                check.findings.errors.extend(findings.errors);
            }
            let id = match scheme {
                VerifiedScheme::V31 => ID_V31,
                VerifiedScheme::V3 => ID_V3,
                _ => ID_V2,
            };
            let mut warnings = check.findings.warnings.clone();
            if let Some(copies) = block.map(|b| b.count(id)).filter(|n| *n > 1) {
                warnings.push(Finding::new(
                    VerifyCode::DuplicateBlock,
                    format!("the APK Signing Block holds {copies} {} blocks: Android reads the first and ignores the others", scheme.name()),
                ));
            }
            out.push(SchemeVerification::new(
                scheme,
                check.findings.errors.clone(),
                warnings,
            ));
        }
        out
    }

    /// What a SourceStamp signs for each checked v2/v3 block: the content digests its
    /// signers vouch for (v3.1 is left out, as apksig leaves it out).
    fn stamp_digests(
        &self,
        computed: &BTreeMap<ContentDigest, Vec<u8>>,
    ) -> Vec<(u32, BTreeMap<ContentDigest, Vec<u8>>)> {
        [
            (stamp::STAMP_V3, self.v3.as_ref().map(|c| &c.check)),
            (stamp::STAMP_V2, self.v2.as_ref()),
        ]
        .into_iter()
        .filter_map(|(id, check)| {
            let check = check?;
            let digests = check
                .signers
                .iter()
                .flat_map(|(_, s)| s.content.iter())
                .filter_map(|d| computed.get(d).map(|v| (*d, v.clone())))
                .collect();
            Some((id, digests))
        })
        .collect()
    }

    fn verified_v2(&self) -> Option<&BlockCheck<'b>> {
        self.v2.as_ref().filter(|c| c.findings.errors.is_empty())
    }

    fn verified_v3(&self) -> Option<&V3Check<'b>> {
        self.v3
            .as_ref()
            .filter(|c| c.check.findings.errors.is_empty())
    }

    fn verified_v31(&self) -> bool {
        self.v31
            .as_ref()
            .is_some_and(|c| c.check.findings.errors.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::signing_block::tests::block;

    #[test]
    fn no_signature_is_unsigned_and_v2_alone_below_24_is_not_enough() {
        let none = missing_jar(&[], 21, None);
        assert_eq!(none.code, VerifyCode::Unsigned);
        let v2 = missing_jar(&[(VerifiedScheme::V2, ID_V2)], 18, None);
        assert_eq!(v2.code, VerifyCode::SchemeRequired);
        assert!(v2.message.contains("minSdk is 18"), "{}", v2.message);
        assert_eq!(v3::sdk_name(NEWEST), "the newest");
        assert!(SigningBlock::parse(block(&[])).is_ok());
    }
}

//! Whether a package's signatures hold (`verify`, `inspect --verify`, `check`): the
//! verdict, each scheme's, and why, with codes from one list (docs/json.md
//! "Verification codes", kept in step by a test).

use serde::{Serialize, Serializer};

/// The signature check of one package. `verified` is the verdict a device (or the
/// store's installer) would reach over `min_sdk..=max_sdk` (Android) or for the package
/// as a whole: every scheme that must hold does, and nothing in `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub verified: bool,
    /// Android: the SDK range verified for (the APK's own minSdk to the newest, or
    /// `--min-sdk`/`--max-sdk`); `null` elsewhere.
    pub min_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    /// Every scheme found or required, in the order a verifier tries them.
    pub schemes: Vec<SchemeVerification>,
    /// Problems of the package as a whole (no signature at all, a scheme required for
    /// the range missing, schemes that disagree, a damaged zip).
    pub errors: Vec<Finding>,
}

impl Verification {
    /// A verdict from its parts: verified when there are no errors, every scheme that
    /// was checked verified, and at least one was.
    pub fn conclude(
        min_sdk: Option<u32>,
        max_sdk: Option<u32>,
        schemes: Vec<SchemeVerification>,
        errors: Vec<Finding>,
    ) -> Self {
        let verified = errors.is_empty()
            && !schemes.is_empty()
            && schemes
                .iter()
                .all(|s| s.verified || s.scheme == VerifiedScheme::Stamp);
        Verification {
            verified,
            min_sdk,
            max_sdk,
            schemes,
            errors,
        }
    }

    /// The verdict in one line, as the text outputs print it: "verified (v1, v2, v3) for
    /// SDK 21+", or "DOES NOT VERIFY: <the first error>".
    pub fn summary(&self) -> String {
        if !self.verified {
            let reason = self
                .first_error()
                .map_or("no signature scheme was checked", |e| e.message.as_str());
            return format!("DOES NOT VERIFY: {reason}");
        }
        let mut verified: Vec<VerifiedScheme> = self
            .schemes
            .iter()
            .filter(|s| s.verified)
            .map(|s| s.scheme)
            .collect();
        verified.sort();
        // A pack's modules verify under their own scheme too: each name once.
        verified.dedup();
        let schemes: Vec<&str> = verified.iter().map(|s| s.name()).collect();
        let range = match (self.min_sdk, self.max_sdk) {
            (Some(min), None) => format!(" for SDK {min}+"),
            (Some(min), Some(max)) if min == max => format!(" for SDK {min}"),
            (Some(min), Some(max)) => format!(" for SDK {min}-{max}"),
            (None, Some(max)) => format!(" for SDK up to {max}"),
            (None, None) => String::new(),
        };
        format!("verified ({}){range}", schemes.join(", "))
    }

    /// The first error, in words: the package's own, then the first scheme's.
    pub fn first_error(&self) -> Option<&Finding> {
        self.errors.first().or_else(|| {
            self.schemes
                .iter()
                .filter(|s| s.scheme != VerifiedScheme::Stamp)
                .find_map(|s| s.errors.first())
        })
    }
}

/// One signature scheme's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeVerification {
    pub scheme: VerifiedScheme,
    pub verified: bool,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl SchemeVerification {
    /// A scheme's result: verified when there are no errors.
    pub fn new(scheme: VerifiedScheme, errors: Vec<Finding>, warnings: Vec<Finding>) -> Self {
        SchemeVerification {
            scheme,
            verified: errors.is_empty(),
            errors,
            warnings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum VerifiedScheme {
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v2")]
    V2,
    #[serde(rename = "v3")]
    V3,
    #[serde(rename = "v3.1")]
    V31,
    /// SourceStamp: checked where present, never required.
    #[serde(rename = "stamp")]
    Stamp,
    /// The Mach-O code signature of the main executable and every nested bundle.
    #[serde(rename = "ios-code-signature")]
    IosCodeSignature,
    /// The embedded provisioning profile's CMS signature.
    #[serde(rename = "ios-profile")]
    IosProfile,
    /// The HAP signing block (and the profile inside it).
    #[serde(rename = "hap")]
    Hap,
}

impl VerifiedScheme {
    /// The name as the JSON and the text output spell it.
    pub fn name(self) -> &'static str {
        match self {
            VerifiedScheme::V1 => "v1",
            VerifiedScheme::V2 => "v2",
            VerifiedScheme::V3 => "v3",
            VerifiedScheme::V31 => "v3.1",
            VerifiedScheme::Stamp => "stamp",
            VerifiedScheme::IosCodeSignature => "ios-code-signature",
            VerifiedScheme::IosProfile => "ios-profile",
            VerifiedScheme::Hap => "hap",
        }
    }
}

/// One error or warning of a verification, with a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: VerifyCode,
    pub message: String,
}

impl Finding {
    pub fn new(code: VerifyCode, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
        }
    }
}

macro_rules! verify_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Why a signature does not hold (or deserves a look): the stable `code` of a finding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum VerifyCode {
            $($variant,)*
        }

        impl VerifyCode {
            /// Every code, in the order of docs/json.md.
            pub const ALL: &'static [VerifyCode] = &[$(VerifyCode::$variant,)*];

            /// The code as the JSON carries it, e.g. `"digest_mismatch"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(VerifyCode::$variant => $code,)*
                }
            }
        }
    };
}

verify_codes! {
    // The package as a whole.
    Unsigned => "unsigned",
    SchemeRequired => "scheme_required",
    Stripped => "stripped",
    SignersDiffer => "signers_differ",
    SdkRangeNotCovered => "sdk_range_not_covered",
    // Any scheme.
    Malformed => "malformed",
    NoSigners => "no_signers",
    TooManySigners => "too_many_signers",
    DuplicateBlock => "duplicate_block",
    UnsupportedAlgorithm => "unsupported_algorithm",
    AlgorithmNotForSdk => "algorithm_not_for_sdk",
    CertificateUnreadable => "certificate_unreadable",
    PublicKeyMismatch => "public_key_mismatch",
    DigestMismatch => "digest_mismatch",
    SignatureMismatch => "signature_mismatch",
    SdkMismatch => "sdk_mismatch",
    LineageInvalid => "lineage_invalid",
    // Files of the package.
    EntryNotCovered => "entry_not_covered",
    EntryMissing => "entry_missing",
    CrcMismatch => "crc_mismatch",
    ZipInconsistent => "zip_inconsistent",
    OverlappingEntries => "overlapping_entries",
    ReadFailed => "read_failed",
    // Warnings.
    UnknownAttribute => "unknown_attribute",
    IgnoredEntry => "ignored_entry",
    // A signer's certificate does not lead to a CA: no issuer in the signature, an issuer
    // whose key does not verify it, or a certificate outside its validity when signing.
    ChainInvalid => "chain_invalid",
    Encrypted => "encrypted",
}

impl Serialize for VerifyCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for VerifyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_list_exactly_the_verification_codes() {
        let doc = include_str!("../../docs/json.md");
        let table = doc
            .split("### Verification codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        let documented: Vec<&str> = table
            .lines()
            .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
            .collect();
        let listed: Vec<&str> = VerifyCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(
            documented.len() > 20,
            "the table was not found: {documented:?}"
        );
        assert_eq!(
            listed, documented,
            "docs/json.md's verification table and VerifyCode::ALL must list the same codes in the same order"
        );
    }

    fn scheme(scheme: VerifiedScheme, error: Option<&str>) -> SchemeVerification {
        let errors = error
            .map(|m| vec![Finding::new(VerifyCode::DigestMismatch, m)])
            .unwrap_or_default();
        SchemeVerification::new(scheme, errors, Vec::new())
    }

    #[test]
    fn verdict_and_summary() {
        let good = Verification::conclude(
            Some(21),
            None,
            vec![
                scheme(VerifiedScheme::V1, None),
                scheme(VerifiedScheme::V2, None),
                scheme(VerifiedScheme::Stamp, Some("stamp digest")),
            ],
            Vec::new(),
        );
        assert!(good.verified);
        assert_eq!(good.summary(), "verified (v1, v2) for SDK 21+");
        let bad = Verification::conclude(
            Some(24),
            Some(30),
            vec![scheme(VerifiedScheme::V2, Some("the v2 digest differs"))],
            Vec::new(),
        );
        assert!(!bad.verified);
        assert_eq!(bad.summary(), "DOES NOT VERIFY: the v2 digest differs");
        let none = Verification::conclude(None, None, Vec::new(), Vec::new());
        assert!(!none.verified);
        let package_error = Verification::conclude(
            Some(18),
            None,
            vec![scheme(VerifiedScheme::V2, None)],
            vec![Finding::new(VerifyCode::SchemeRequired, "no JAR signature")],
        );
        assert_eq!(package_error.summary(), "DOES NOT VERIFY: no JAR signature");
    }
}

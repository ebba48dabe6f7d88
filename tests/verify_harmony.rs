//! HarmonyOS verification (`verify`, `inspect --verify`) against OpenHarmony's own
//! hapsigner test packets, real Huawei-signed packages, and copies this suite damages
//! itself: each must verify, or fail for the reason named.

mod common;

use appfiling::report::{Finding, Verification, VerifiedScheme, VerifyCode};
use appfiling::{Options, VerifyOptions};
use common::{corpus_dir, sample_path, temp_file, zip_of};
use std::path::Path;

fn options() -> Options {
    Options {
        verify: Some(VerifyOptions::default()),
        ..Default::default()
    }
}

fn verify(path: &Path) -> Verification {
    appfiling::inspect_path(path, &options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .verification
        .unwrap_or_else(|| panic!("{}: no verification", path.display()))
}

/// Every finding that makes the verdict: the package's, then each scheme's.
fn errors(v: &Verification) -> Vec<&Finding> {
    v.errors
        .iter()
        .chain(v.schemes.iter().flat_map(|s| &s.errors))
        .collect()
}

fn codes(v: &Verification) -> Vec<VerifyCode> {
    errors(v).iter().map(|f| f.code).collect()
}

fn assert_verifies(path: &Path) {
    let v = verify(path);
    assert!(
        v.verified,
        "{} does not verify: {:?}",
        path.display(),
        errors(&v)
    );
    assert!(v.schemes.iter().all(|s| s.scheme == VerifiedScheme::Hap));
    assert_eq!(v.min_sdk, None);
}

/// The packets hapsigner's own tests sign and verify (hapVerify, zip and fuzz tests),
/// and the old-format packet (a "HAP Sig Block 42" v2 block, despite its name).
#[test]
fn hapsigner_signed_packets_verify() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("openharmony-hapsigner");
    let signed = [
        "signed.txt",
        "phone-default-signed.txt",
        "entry-default-signed-so.txt",
        "app1-unsigned.hap",
    ];
    for name in signed {
        assert_verifies(&dir.join(name));
    }
    println!("hapsigner signed packets verified: {}", signed.len());
}

/// hapsigner's negative packets: none verifies, each for its own reason. hapsigner's
/// `verify-app` itself accepts packet_parse_profile_error (its unit test expects 0: the
/// tool reads the profile only beside a code-signing block); the device parses and
/// verifies the profile, as appfiling does, and refuses it.
#[test]
fn hapsigner_broken_packets_do_not_verify() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("openharmony-hapsigner");
    let expected = [
        // The signature sub-block's first byte changed: no CMS.
        (
            "packet_verify_app_error.txt",
            VerifyCode::Malformed,
            "HAP signature",
        ),
        // The signed content states a digest the package does not have.
        (
            "packet_hap_integrity_error.txt",
            VerifyCode::DigestMismatch,
            "content digest",
        ),
        // The signed content is 10 zero bytes, no digest structure.
        (
            "packet_diget_algo_error.txt",
            VerifyCode::Malformed,
            "not a content digest",
        ),
        // Only the signer's certificate: no issuer to lead to a CA.
        (
            "packet_get_certchain_error.txt",
            VerifyCode::ChainInvalid,
            "Application Signature Service CA",
        ),
        // The profile sub-block is a truncated CMS.
        (
            "packet_parse_profile_error.txt",
            VerifyCode::Malformed,
            "profile",
        ),
        // Signing blocks whose heads promise what is not there.
        (
            "zip_entry_data_wrong.txt",
            VerifyCode::Malformed,
            "not a readable CMS",
        ),
        (
            "hap_verify_v3.txt",
            VerifyCode::Malformed,
            "HAP signing block",
        ),
        ("unsigned.txt", VerifyCode::Unsigned, "unsigned"),
        (
            "entry-default-unsigned-so.txt",
            VerifyCode::Unsigned,
            "unsigned",
        ),
    ];
    for (name, code, words) in expected {
        let v = verify(&dir.join(name));
        assert!(!v.verified, "{name} verifies");
        let first = errors(&v)[0].clone();
        assert_eq!(first.code, code, "{name}: {first:?}");
        assert!(first.message.contains(words), "{name}: {}", first.message);
    }
    // Not packages at all, so nothing to verify: the zip or its module file is refused
    // before (hap_verify_v2 holds only pack.info: hapsigner finds no signing block in it).
    let refused = [
        "hap_verify_v2.txt",
        "zip_entries_wrong_v1.txt",
        "zip_entries_wrong_v2.txt",
        "zip_entries_wrong_v3.txt",
        "zip_entries_wrong_v4.txt",
        "unsigned_with_eocd.txt",
        "cd_only_v1.txt",
        "cd_only_v2.txt",
        "data_descriptor_hap.txt",
    ];
    for name in refused {
        assert!(
            appfiling::inspect_path(&dir.join(name), &options()).is_err(),
            "{name} is read as a package"
        );
    }
    println!(
        "hapsigner broken packets refused: {} with their reason, {} as no package",
        expected.len(),
        refused.len()
    );
}

/// Signed profiles verify (hapsigner's and the OpenHarmony SDK's); the empty and the
/// corrupted ones are no profile.
#[test]
fn hapsigner_profiles() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("openharmony-hapsigner/profiles-and-certs");
    let signed = [
        "dist_SgnedReleaseProfileTemplate.p7b",
        "hapSign_signed-profile.p7b",
        "hapSign_app1-profile1.p7b",
        "hapVerify_verify_test.p7b",
        "tools_app1-profile.p7b",
        "tools_app1-profile-cert-outTime.p7b",
    ];
    for name in signed {
        assert_verifies(&dir.join(name));
    }
    for name in [
        "hapVerify_verify_err.p7b",
        "tools_app1-profile1-changed.p7b",
    ] {
        assert!(appfiling::inspect_path(&dir.join(name), &options()).is_err());
    }
    println!("hapsigner profiles verified: {}", signed.len());
}

/// HAPs and a pack signed by DevEco with Huawei's certificates. The pack's module is
/// unsigned (DevEco signs the pack): a warning, not an error.
#[test]
fn huawei_signed_packages_verify() {
    let Some(corpus) = corpus_dir() else { return };
    for rel in ["icyleaf-app-info/harmony.hap", "smat-lab-haptest/test.hap"] {
        assert_verifies(&corpus.join(rel));
    }
    let pack = verify(&corpus.join("icyleaf-app-info/harmony.app"));
    assert!(pack.verified, "{:?}", errors(&pack));
    let warnings: Vec<&Finding> = pack.schemes.iter().flat_map(|s| &s.warnings).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].code, VerifyCode::Unsigned);
    assert!(warnings[0].message.starts_with("entry-default.hap: "));
    println!("Huawei-signed packages verified: 3");
}

/// Where `name`'s stored bytes start in a zip (from its local header).
fn entry_data_offset(zip: &[u8], name: &str) -> usize {
    let header = (30..zip.len() - name.len())
        .find(|&at| {
            &zip[at..at + name.len()] == name.as_bytes()
                && zip[at - 30..].starts_with(b"PK\x03\x04")
        })
        .unwrap()
        - 30;
    let at = header + 30;
    let extra = u16::from_le_bytes([zip[header + 28], zip[header + 29]]) as usize;
    at + name.len() + extra
}

fn central_directory_offset(zip: &[u8]) -> usize {
    let end = zip.len() - 22;
    assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
    u32::from_le_bytes(zip[end + 16..end + 20].try_into().unwrap()) as usize
}

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    copy[at] ^= 0x01;
    copy
}

/// One byte changed in a copy of a signed packet, in each part the signature covers.
#[test]
fn tampered_copies_do_not_verify() {
    let Some(corpus) = corpus_dir() else { return };
    let original = std::fs::read(corpus.join("openharmony-hapsigner/signed.txt")).unwrap();
    let in_entry = entry_data_offset(&original, "resources/base/media/startIcon.png") + 100;
    // The second byte of "version made by" in the first directory record.
    let in_directory = central_directory_offset(&original) + 5;
    // The stated digest's last byte, inside the signature's content.
    let stated = original
        .windows(12)
        .position(|w| w == [2, 0, 0, 0, 1, 0, 0, 0, 0x28, 0, 0, 0])
        .unwrap();
    let in_signed_content = stated + 51;
    // The last byte of the signature sub-block (the signature value), just before the
    // block's 32-byte head.
    let in_signature = central_directory_offset(&original) - 33;
    let in_profile_json = original
        .windows(12)
        .position(|w| w == b"\"bundle-info")
        .unwrap()
        + 3;
    let cases = [
        ("entry", in_entry, vec![VerifyCode::DigestMismatch]),
        ("directory", in_directory, vec![VerifyCode::DigestMismatch]),
        (
            "signed content",
            in_signed_content,
            vec![VerifyCode::SignatureMismatch],
        ),
        (
            "signature",
            in_signature,
            vec![VerifyCode::SignatureMismatch],
        ),
        // The profile's own signature breaks, and the content digest covers its bytes.
        (
            "profile",
            in_profile_json,
            vec![VerifyCode::DigestMismatch, VerifyCode::SignatureMismatch],
        ),
    ];
    for (part, at, expected) in &cases {
        let path = temp_file(
            "verify-harmony",
            &format!("{}.hap", part.replace(' ', "-")),
            &flipped(&original, *at),
        );
        let v = verify(&path);
        assert!(!v.verified, "{part}");
        assert_eq!(&codes(&v), expected, "{part}: {:?}", errors(&v));
    }
    println!("tampered signed.txt copies refused: {}", cases.len());
}

/// A pack made here of hapsigner's signed HAP: unsigned itself, it verifies through its
/// module, stored or deflated; with a byte of the module changed, it fails and says which.
#[test]
fn packs_verify_through_their_modules() {
    let Some(corpus) = corpus_dir() else { return };
    let hap = std::fs::read(corpus.join("openharmony-hapsigner/signed.txt")).unwrap();
    let pack_info = br#"{"summary":{"app":{"bundleName":"com.example.nativetemplatedemo","version":{"code":1,"name":"1.0"}}},"packages":[{"name":"entry-default"}]}"#;
    let damaged = flipped(
        &hap,
        entry_data_offset(&hap, "resources/base/media/startIcon.png") + 100,
    );
    for deflate in [false, true] {
        let pack = zip_of(
            &[("pack.info", &pack_info[..]), ("entry-default.hap", &hap)],
            deflate,
        );
        let v = verify(&temp_file(
            "verify-harmony",
            &format!("pack-{deflate}.app"),
            &pack,
        ));
        assert!(v.verified, "{:?}", errors(&v));
        assert_eq!(v.schemes.len(), 1);

        let pack = zip_of(
            &[
                ("pack.info", &pack_info[..]),
                ("entry-default.hap", &damaged),
            ],
            deflate,
        );
        let v = verify(&temp_file(
            "verify-harmony",
            &format!("damaged-{deflate}.app"),
            &pack,
        ));
        assert!(!v.verified);
        let found = errors(&v);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, VerifyCode::DigestMismatch);
        assert!(
            found[0].message.starts_with("entry-default.hap: "),
            "{}",
            found[0].message
        );
    }
}

/// The samples (samples/make-harmony-samples.py) are signed as hapsigner signs: a CMS
/// by the sample leaf, with its chain, over the package's SHA-256 content digest that
/// the script computes itself. Each verifies, the pack and its signed module alike, and
/// the profile too; a byte changed in a copy of the HAP's content breaks the digest.
#[test]
fn samples() {
    for name in [
        "sample.hap",
        "sample-debug.hap",
        "sample.app",
        "sample-release.p7b",
    ] {
        let path = sample_path(&format!("harmony/{name}"));
        assert_verifies(&path);
        let v = verify(&path);
        let warnings: Vec<&Finding> = v.schemes.iter().flat_map(|s| &s.warnings).collect();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
    }
    assert_eq!(verify(&sample_path("harmony/sample.app")).schemes.len(), 2);

    let original = std::fs::read(sample_path("harmony/sample.hap")).unwrap();
    let in_entry = entry_data_offset(&original, "libs/arm64-v8a/libmmkv.so") + 2;
    let path = temp_file(
        "verify-harmony",
        "sample-content.hap",
        &flipped(&original, in_entry),
    );
    let v = verify(&path);
    assert!(!v.verified);
    assert_eq!(codes(&v), [VerifyCode::DigestMismatch], "{:?}", errors(&v));
}

/// Verification is only done when asked for.
#[test]
fn no_verification_unless_asked() {
    let report =
        appfiling::inspect_path(&sample_path("harmony/sample.hap"), &Options::default()).unwrap();
    assert_eq!(report.verification, None);
}

/// A fixed walk of single-byte changes: anywhere before the signing block of a signed
/// packet, none verifies; anywhere in its signing block, directory or end record, the
/// verifier answers (a verdict or an error naming the file) and never panics.
#[test]
fn corrupted_copies_never_verify_by_accident_nor_panic() {
    let Some(corpus) = corpus_dir() else { return };
    let original = std::fs::read(corpus.join("openharmony-hapsigner/signed.txt")).unwrap();
    let directory = central_directory_offset(&original);
    // The block's size, from its 32-byte head just before the directory.
    let size = &original[directory - 28..directory - 20];
    let block_start = directory - u64::from_le_bytes(size.try_into().unwrap()) as usize;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut refused = 0;
    for i in 0..20 {
        let at = next(block_start);
        let path = temp_file(
            "verify-harmony",
            &format!("content-{i}.hap"),
            &flipped(&original, at),
        );
        match appfiling::inspect_path(&path, &options()) {
            Ok(report) => {
                let v = report.verification.unwrap();
                assert!(!v.verified, "a byte changed at {at} still verifies");
                refused += 1;
            }
            Err(e) => assert!(e.to_string().contains("content-"), "{e}"),
        }
    }
    for i in 0..30 {
        let at = block_start + next(original.len() - block_start);
        let mut copy = original.clone();
        copy[at] = next(256) as u8;
        let path = temp_file("verify-harmony", &format!("block-{i}.hap"), &copy);
        let outcome = std::panic::catch_unwind(|| appfiling::inspect_path(&path, &options()));
        assert!(outcome.is_ok(), "panicked with byte {at} changed");
    }
    println!("copies with a content byte changed refused by the verifier: {refused} of 20");
}

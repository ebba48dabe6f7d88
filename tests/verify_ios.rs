//! iOS verification (`inspect --verify`): the corpus's Apple-signed IPAs verify, the
//! broken one does not, copies the test changes by one byte fail with the code that
//! says where, and profiles verify as openssl says they do.
//!
//! Independent evidence for the corpus verdicts (run by hand; the commands are kept
//! here so that anyone can run them again):
//! - the CMS of each slice's code signature over its slot-0 CodeDirectory, extracted
//!   with a few lines of Python walking the fat header, LC_CODE_SIGNATURE and the
//!   SuperBlob index: `openssl cms -verify -noverify -inform DER -in <slice>.cms
//!   -content <slice>.cd -binary -out /dev/null` says "CMS Verification successful"
//!   for every slice of the main executable of very-capable-app.ipa (TestFixture,
//!   self-signed: SOURCE.txt), icyleaf-app-info's iphone/ipad/embedded/apple-tv.ipa,
//!   icyleaf-qyer-mobile-app/iphone.ipa and pliney-test.ipa (Apple-issued developer
//!   and distribution certificates, ORACLE-ios.tsv);
//! - `openssl cms -verify -noverify -inform DER -in Payload/<app>/embedded.mobileprovision
//!   -out /dev/null` succeeds for each of them except icyleaf-qyer-mobile-app/iphone.ipa,
//!   whose embedded.mobileprovision is cut short ("asn1_d2i_read_bio: not enough data":
//!   7456 bytes where its DER header says 7531; the corpus's ORACLE-ios.tsv fails to read
//!   it too). That file is dated a day after every other file of the app, and the app
//!   holds an "embedded copy.mobileprovision" its CodeResources does not list: the IPA
//!   was changed after signing, and does not verify.
//! - the page hashes of pliney-test's two slices (armv7, arm64), recomputed with Python's
//!   hashlib over each 4096-byte page up to codeLimit, equal the CodeDirectory's slots.
//!
//! What this does not check: that the signer's certificate chains to Apple's root (a
//! device would refuse very-capable-app.ipa's self-signed TestFixture certificate).

mod common;

use appfiling::report::{PackageReport, Verification, VerifiedScheme, VerifyCode};
use appfiling::{Options, VerifyOptions};
use common::{corpus_dir, sample_path, zip_entries, zip_of};
use std::path::{Path, PathBuf};
use std::process::Command;

fn options() -> Options {
    Options {
        verify: Some(VerifyOptions::default()),
        ..Default::default()
    }
}

fn verify(path: &Path) -> Verification {
    let report: PackageReport = appfiling::inspect_path(path, &options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    report.verification.expect("verification asked for")
}

/// Every error of every scheme and of the package, as (code, message).
fn errors(v: &Verification) -> Vec<(VerifyCode, String)> {
    let schemes = v.schemes.iter().flat_map(|s| &s.errors);
    v.errors
        .iter()
        .chain(schemes)
        .map(|f| (f.code, f.message.clone()))
        .collect()
}

fn scheme(v: &Verification, which: VerifiedScheme) -> Option<bool> {
    v.schemes
        .iter()
        .find(|s| s.scheme == which)
        .map(|s| s.verified)
}

/// Asserts that exactly the listed (code, words in the message) errors are found.
fn assert_errors(what: &str, v: &Verification, expected: &[(VerifyCode, &[&str])]) {
    let found = errors(v);
    assert!(!v.verified, "{what} verifies");
    for (code, words) in expected {
        assert!(
            found
                .iter()
                .any(|(c, m)| c == code && words.iter().all(|w| m.contains(w))),
            "{what}: no {code} naming {words:?} among {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{what}: {found:#?}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "appfiling-verify-ios-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the IPA `source` with `change` applied to the entry `name`, written to a
/// temporary file of its own.
fn changed_ipa(source: &Path, name: &str, change: impl Fn(&mut Vec<u8>)) -> PathBuf {
    let mut entries = zip_entries(&std::fs::read(source).unwrap());
    let entry = entries
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{} has no {name}", source.display()));
    change(&mut entry.1);
    let file_name = name.replace('/', "_");
    let path = temp_dir(&file_name).join("changed.ipa");
    std::fs::write(&path, zip_of(&entries, true)).unwrap();
    path
}

/// Flips one bit of the byte at `at`.
fn flip(at: usize) -> impl Fn(&mut Vec<u8>) {
    move |bytes| bytes[at] ^= 1
}

/// Changes the first occurrence of `text` (a string value of a plist) by one byte.
fn flip_in(text: &'static [u8]) -> impl Fn(&mut Vec<u8>) {
    move |bytes| {
        let at = bytes
            .windows(text.len())
            .position(|w| w == text)
            .expect("the text to change");
        bytes[at + text.len() - 1] ^= 1;
    }
}

/// Changes the last occurrence of `text` by one byte.
fn flip_last_in(text: &'static [u8]) -> impl Fn(&mut Vec<u8>) {
    move |bytes| {
        let at = bytes
            .windows(text.len())
            .rposition(|w| w == text)
            .expect("the text to change");
        bytes[at + text.len() - 2] ^= 1;
    }
}

/// Where the corpus's IPAs sit, and what their verification must say: `None` for
/// those that verify, else the errors.
type Expected = Option<&'static [(VerifyCode, &'static [&'static str])]>;

const QYER_ERRORS: &[(VerifyCode, &[&str])] = &[
    (
        VerifyCode::EntryNotCovered,
        &["AppParserTest.app/embedded copy.mobileprovision"],
    ),
    (
        VerifyCode::DigestMismatch,
        &[
            "AppParserTest.app/embedded.mobileprovision",
            "CodeResources",
        ],
    ),
    (
        VerifyCode::Malformed,
        &["AppParserTest.app/embedded.mobileprovision", "CMS"],
    ),
];

const CORPUS_IPAS: &[(&str, Expected)] = &[
    ("fastlane/very-capable-app.ipa", None),
    ("fastlane/very capable app.ipa", None),
    ("icyleaf-app-info/iphone.ipa", None),
    ("icyleaf-app-info/ipad.ipa", None),
    ("icyleaf-app-info/embedded.ipa", None),
    ("icyleaf-app-info/apple-tv.ipa", None),
    ("emonti-pliney/pliney-test.ipa", None),
    ("icyleaf-qyer-mobile-app/iphone.ipa", Some(QYER_ERRORS)),
];

#[test]
fn corpus_ipas_verify_as_their_signatures_say() {
    let Some(corpus) = corpus_dir() else { return };
    let (mut verified, mut refused) = (0, 0);
    for (file, expected) in CORPUS_IPAS {
        let v = verify(&corpus.join(file));
        match expected {
            None => {
                assert!(v.verified, "{file}: {:#?}", errors(&v));
                assert_eq!(scheme(&v, VerifiedScheme::IosCodeSignature), Some(true));
                assert_eq!(scheme(&v, VerifiedScheme::IosProfile), Some(true));
                verified += 1;
            }
            Some(expected) => {
                assert_errors(file, &v, expected);
                refused += 1;
            }
        }
    }
    println!(
        "corpus IPAs: {verified} verify, {refused} do not, as expected ({} in all)",
        CORPUS_IPAS.len()
    );
}

/// fastlane's structure-only IPAs hold an Info.plist and no executable or signature.
#[test]
fn corpus_ipas_without_code_do_not_verify() {
    let Some(corpus) = corpus_dir() else { return };
    for file in [
        "ContainsWatchApp.ipa",
        "IncorrectlySigned.ipa",
        "iOSAppOnly.ipa",
    ] {
        let v = verify(&corpus.join("fastlane").join(file));
        let found = errors(&v);
        assert!(!v.verified, "{file}");
        assert!(
            found.iter().any(|(c, _)| *c == VerifyCode::EntryMissing),
            "{file}: {found:#?}"
        );
    }
}

/// One byte changed in a code page of the main executable, in Info.plist, in a
/// resource, in the extension's executable, a file added and one removed: each copy
/// fails, with the code and the file named.
#[test]
fn changed_copies_of_a_signed_ipa_fail_where_they_were_changed() {
    let Some(corpus) = corpus_dir() else { return };
    let ipa = corpus.join("icyleaf-app-info/embedded.ipa");
    let app = "Payload/Demo.app/";
    let v = verify(&ipa);
    assert!(v.verified, "{:#?}", errors(&v));

    // Page 2 of the thin arm64 executable, well before its signature.
    let path = changed_ipa(&ipa, &format!("{app}Demo"), flip(2 * 4096 + 100));
    assert_errors(
        "code page",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Demo.app/Demo (arm64)", "code page 2"],
        )],
    );

    // A string value of the app's Info.plist (an XML plist): special slot -1.
    let path = changed_ipa(
        &ipa,
        &format!("{app}Info.plist"),
        flip_in(b"com.apple.compilers"),
    );
    assert_errors(
        "Info.plist",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Demo.app/Demo (arm64)", "Info.plist", "special slot -1"],
        )],
    );

    // A compiled storyboard: CodeResources' hash2.
    let nib = "Base.lproj/Main.storyboardc/UIViewController-BYZ-38-t0r.nib";
    let path = changed_ipa(&ipa, &format!("{app}{nib}"), flip(40));
    assert_errors(
        "resource",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &[nib, "SHA-256", "CodeResources"],
        )],
    );

    // The extension's executable: its own code page, and the app's seal over it.
    let appex = "PlugIns/Notification.appex/Notification";
    let path = changed_ipa(&ipa, &format!("{app}{appex}"), flip(4096 + 7));
    assert_errors(
        "extension",
        &verify(&path),
        &[
            (
                VerifyCode::DigestMismatch,
                &["Notification.appex/Notification (arm64)", "code page 1"],
            ),
            (
                VerifyCode::DigestMismatch,
                &[appex, "in Payload/Demo.app/_CodeSignature"],
            ),
        ],
    );

    // The extension's profile: the app's seal and the profile's own CMS.
    let profile = "PlugIns/Notification.appex/embedded.mobileprovision";
    let path = changed_ipa(&ipa, &format!("{app}{profile}"), flip_in(b"Notification"));
    let v = verify(&path);
    assert_errors(
        "extension profile",
        &v,
        &[
            (
                VerifyCode::DigestMismatch,
                &[profile, "in Payload/Demo.app/_CodeSignature"],
            ),
            (
                VerifyCode::DigestMismatch,
                &[
                    profile,
                    "in Payload/Demo.app/PlugIns/Notification.appex/_CodeSignature",
                ],
            ),
            (VerifyCode::DigestMismatch, &[profile, "messageDigest"]),
        ],
    );
    assert_eq!(scheme(&v, VerifiedScheme::IosProfile), Some(false));

    // Another team's profile in place of the app's: sealed otherwise, and it does not
    // list the certificate that signed the code (ORACLE-ios.tsv: ios_adhoc's one
    // DeveloperCertificate is a3d24163…, the app's signer e722483b…).
    let other = std::fs::read(corpus.join("icyleaf-app-info/ios_adhoc.mobileprovision")).unwrap();
    let path = changed_ipa(&ipa, &format!("{app}embedded.mobileprovision"), |bytes| {
        *bytes = other.clone()
    });
    let v = verify(&path);
    assert_errors(
        "another profile",
        &v,
        &[
            (
                VerifyCode::DigestMismatch,
                &[
                    "Demo.app/embedded.mobileprovision",
                    "in Payload/Demo.app/_CodeSignature",
                ],
            ),
            (
                VerifyCode::SignersDiffer,
                &["Demo.app/Demo", "E722483B", "DeveloperCertificates"],
            ),
        ],
    );
    assert_eq!(scheme(&v, VerifiedScheme::IosProfile), Some(true));

    // A file added, and a sealed file removed.
    let mut entries = zip_entries(&std::fs::read(&ipa).unwrap());
    entries.push((format!("{app}added.txt"), b"added".to_vec()));
    entries.retain(|(name, _)| name != &format!("{app}PkgInfo") && !name.ends_with(nib));
    let path = temp_dir("added-removed").join("changed.ipa");
    std::fs::write(&path, zip_of(&entries, false)).unwrap();
    assert_errors(
        "added and removed",
        &verify(&path),
        &[
            (VerifyCode::EntryNotCovered, &["Demo.app/added.txt"]),
            (VerifyCode::EntryMissing, &[nib]),
        ],
    );
}

/// A fat executable: a page of the second slice changed is found in that slice.
#[test]
fn a_changed_page_of_a_fat_executable_names_its_slice() {
    let Some(corpus) = corpus_dir() else { return };
    let ipa = corpus.join("emonti-pliney/pliney-test.ipa");
    let name = "Payload/pliney-test.app/pliney-test";
    let executable = zip_entries(&std::fs::read(&ipa).unwrap())
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap()
        .1;
    // The second fat_arch's offset (big-endian, at 8 + 20 + 8).
    let second = u32::from_be_bytes(executable[36..40].try_into().unwrap()) as usize;
    let path = changed_ipa(&ipa, name, flip(second + 4096 + 1));
    assert_errors(
        "fat",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["pliney-test.app/pliney-test (arm64)", "code page 1"],
        )],
    );
    // The first slice's signature: its CodeDirectory's identifier is in the signed bytes.
    let path = changed_ipa(&ipa, name, flip_in(b"computer.versus.pliney-test\0"));
    let found = errors(&verify(&path));
    assert!(
        found.iter().any(|(c, m)| *c == VerifyCode::DigestMismatch
            && m.contains("(armv7)")
            && m.contains("CMS signature over the CodeDirectory")),
        "{found:#?}"
    );
}

/// The alternate (SHA-256) CodeDirectory is outside the bytes the CMS signs: what binds
/// it is the CDHashes attribute, which must then fail.
#[test]
fn a_changed_alternate_code_directory_breaks_the_cdhashes() {
    let Some(corpus) = corpus_dir() else { return };
    let ipa = corpus.join("fastlane/very-capable-app.ipa");
    let name = "Payload/very-capable-app.app/very-capable-app";
    // The signature's blobs run CodeDirectory, requirements, entitlements, the
    // alternate CodeDirectory, CMS: the identifier's last copy is the alternate's.
    let path = changed_ipa(&ipa, name, flip_last_in(b"org.fastlane.very-capable-app\0"));
    assert_errors(
        "alternate CodeDirectory",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["very-capable-app.app/very-capable-app (arm64)", "CDHashes"],
        )],
    );
}

/// An unpacked .app verifies like its IPA, and fails like it when changed.
#[test]
fn an_unpacked_app_verifies_like_its_ipa() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = temp_dir("unpacked");
    for (name, bytes) in
        zip_entries(&std::fs::read(corpus.join("icyleaf-app-info/embedded.ipa")).unwrap())
    {
        if name.ends_with('/') {
            continue;
        }
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let app = dir.join("Payload/Demo.app");
    let v = verify(&app);
    assert!(v.verified, "{:#?}", errors(&v));
    let nib = app.join("Base.lproj/LaunchScreen.storyboardc/Info.plist");
    let mut bytes = std::fs::read(&nib).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&nib, bytes).unwrap();
    assert_errors(
        "unpacked",
        &verify(&app),
        &[(
            VerifyCode::DigestMismatch,
            &["Demo.app/Base.lproj/LaunchScreen.storyboardc/Info.plist"],
        )],
    );
}

/// The bundled samples (samples/make-ios-samples.py) are signed as Xcode signs: every
/// executable (the app's, the Share extension's, the framework's) by a CodeDirectory over
/// its pages and its bundle's Info.plist, requirements, CodeResources and entitlements,
/// with a CMS that openssl verifies; every bundle sealed by its CodeResources, the nested
/// ones by CDHash. The App Store download's encrypted pages are left unchecked, with a
/// warning. A byte changed anywhere they bind is found.
#[test]
fn the_bundled_samples_verify() {
    let ipa = sample_path("ios/sample.ipa");
    let v = verify(&ipa);
    assert!(v.verified, "{:#?}", errors(&v));
    assert_eq!(scheme(&v, VerifiedScheme::IosCodeSignature), Some(true));
    assert_eq!(scheme(&v, VerifiedScheme::IosProfile), Some(true));
    assert!(v.schemes.iter().all(|s| s.warnings.is_empty()), "{v:#?}");

    let encrypted = sample_path("ios/sample-encrypted.ipa");
    let v = verify(&encrypted);
    assert!(v.verified, "{:#?}", errors(&v));
    let warnings: Vec<(VerifyCode, &str)> = v
        .schemes
        .iter()
        .flat_map(|s| &s.warnings)
        .map(|f| (f.code, f.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].0, VerifyCode::Encrypted);
    assert!(
        warnings[0]
            .1
            .contains("Sample.app/Sample (arm64): bytes 16384..32768"),
        "{}",
        warnings[0].1
    );

    // A byte of the main executable's code (its C strings, page 1).
    let executable = "Payload/Sample.app/Sample";
    let path = changed_ipa(&ipa, executable, flip_in(b"https://api.appfiling.dev"));
    assert_errors(
        "code page",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Sample.app/Sample (arm64)", "code page 1 "],
        )],
    );
    // The same byte of the App Store download: in the clear, so checked too.
    let path = changed_ipa(
        &encrypted,
        executable,
        flip_in(b"https://api.appfiling.dev"),
    );
    assert_errors(
        "clear page of the download",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Sample.app/Sample (arm64)", "code page 1 "],
        )],
    );
    // The Share extension's executable, past its load commands (page 0).
    let path = changed_ipa(
        &ipa,
        "Payload/Sample.app/PlugIns/Share.appex/Share",
        flip(0x800),
    );
    assert_errors(
        "extension",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Share.appex/Share (arm64)", "code page 0 "],
        )],
    );
    // The framework's Info.plist, bound by its special slot -1.
    let path = changed_ipa(
        &ipa,
        "Payload/Sample.app/Frameworks/WechatOpenSDK.framework/Info.plist",
        flip_in(b"2.0.4"),
    );
    assert_errors(
        "framework Info.plist",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["WechatOpenSDK.framework/WechatOpenSDK (arm64)", "slot -1"],
        )],
    );
    // An icon, sealed in the app's CodeResources.
    let path = changed_ipa(&ipa, "Payload/Sample.app/AppIcon60x60@2x.png", flip(40));
    assert_errors(
        "icon",
        &verify(&path),
        &[(
            VerifyCode::DigestMismatch,
            &["Sample.app/AppIcon60x60@2x.png"],
        )],
    );
    // Its profile changed: the profile's CMS no longer holds, nor the app's seal.
    let path = changed_ipa(
        &ipa,
        "Payload/Sample.app/embedded.mobileprovision",
        flip_in(b"<key>TeamName</key>"),
    );
    let v = verify(&path);
    assert_eq!(scheme(&v, VerifiedScheme::IosProfile), Some(false));
    assert_errors(
        "profile",
        &v,
        &[
            (
                VerifyCode::DigestMismatch,
                &["Sample.app/embedded.mobileprovision", "messageDigest"],
            ),
            (
                VerifyCode::DigestMismatch,
                &["Sample.app/embedded.mobileprovision", "CodeResources"],
            ),
        ],
    );
}

/// Whether openssl verifies a profile's CMS (its signature only, not the chain), and
/// what it says.
fn openssl_verdict(path: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-out",
            "/dev/null",
            "-in",
        ])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn openssl_verifies(path: &Path) -> bool {
    openssl_verdict(path).0
}

/// Every standalone profile of the samples and the corpus: appfiling's verdict is
/// openssl's (`openssl cms -verify -noverify -inform DER`). Profiles that are not read
/// at all (empty, cut short) are errors of inspection, not verdicts.
#[test]
fn standalone_profiles_verify_as_openssl_says() {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut add_dir = |dir: &Path| {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "mobileprovision" || ext == "provisionprofile" {
                paths.push(path);
            }
        }
    };
    add_dir(&sample_path("ios"));
    if let Some(corpus) = corpus_dir() {
        for dir in ["fastlane", "icyleaf-app-info", "saucelabs-isign"] {
            add_dir(&corpus.join(dir));
        }
    }
    paths.sort();
    let (mut agree, mut verified, mut unread) = (0, 0, 0);
    let mut disagree = Vec::new();
    for path in &paths {
        let Ok(report) = appfiling::inspect_path(path, &options()) else {
            unread += 1;
            continue;
        };
        let v = report.verification.expect("verification asked for");
        let (theirs, said) = openssl_verdict(path);
        if v.verified == theirs {
            agree += 1;
            verified += usize::from(theirs);
        } else {
            disagree.push(format!(
                "{}: ours {}, openssl {theirs}: {:?}",
                path.display(),
                v.verified,
                errors(&v)
            ));
        }
        if !v.verified {
            // openssl reads a CMS whose content was changed ("content verify error"), or
            // no CMS at all (a bare plist).
            let expected = if said.contains("content verify error") {
                VerifyCode::DigestMismatch
            } else {
                VerifyCode::Unsigned
            };
            let codes: Vec<VerifyCode> = errors(&v).into_iter().map(|(c, _)| c).collect();
            assert_eq!(codes, [expected], "{}: openssl says {said}", path.display());
        }
    }
    println!(
        "profiles: {agree} of {} agree with openssl ({verified} verify), {unread} not profiles",
        agree + disagree.len()
    );
    assert!(disagree.is_empty(), "{disagree:#?}");
    assert!(verified >= 3, "too few profiles verified: {verified}");
    // A signed profile changed by one byte of its plist does not verify.
    let bytes = std::fs::read(sample_path("ios/sample.mobileprovision")).unwrap();
    let at = bytes.windows(5).position(|w| w == b"<key>").unwrap();
    let mut changed = bytes.clone();
    changed[at + 5] ^= 1;
    let path = temp_dir("profile").join("changed.mobileprovision");
    std::fs::write(&path, changed).unwrap();
    let v = verify(&path);
    assert!(!openssl_verifies(&path));
    assert_errors(
        "changed profile",
        &v,
        &[(VerifyCode::DigestMismatch, &["messageDigest"])],
    );
}

/// Hostile bundles are findings, never failures: an executable that lies about its
/// load commands, a seal with a pathological pattern and a path out of the bundle, a
/// profile that is not CMS.
#[test]
fn hostile_bundles_are_findings() {
    let info = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CFBundleIdentifier</key><string>x.y</string>
<key>CFBundleExecutable</key><string>App</string></dict></plist>"#;
    let seal = br#"<plist version="1.0"><dict><key>files2</key><dict>
<key>../../etc/passwd</key><dict><key>hash2</key><data>AAAA</data></dict></dict>
<key>rules2</key><dict><key>^(a*)*(a|b)*$</key><true/></dict></dict></plist>"#;
    let mut lying = 0xfeed_facf_u32.to_le_bytes().to_vec();
    lying.extend([0x0c, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0, 0]);
    lying.extend([0xff; 64]);
    let entries: Vec<(&str, &[u8])> = vec![
        ("Payload/X.app/Info.plist", info),
        ("Payload/X.app/App", &lying),
        ("Payload/X.app/_CodeSignature/CodeResources", seal),
        (
            "Payload/X.app/embedded.mobileprovision",
            b"\x30\x80\x06\x09garbage",
        ),
        (
            "Payload/X.app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac",
            b"x",
        ),
    ];
    let path = temp_dir("hostile").join("hostile.ipa");
    std::fs::write(&path, zip_of(&entries, true)).unwrap();
    let v = verify(&path);
    let found = errors(&v);
    assert!(!v.verified);
    for (code, words) in [
        (VerifyCode::Malformed, "X.app/App"),
        (VerifyCode::EntryMissing, "X.app/../../etc/passwd"),
        (VerifyCode::EntryNotCovered, "X.app/aaaa"),
        (VerifyCode::Malformed, "X.app/embedded.mobileprovision"),
    ] {
        assert!(
            found.iter().any(|(c, m)| *c == code && m.contains(words)),
            "no {code} naming {words}: {found:#?}"
        );
    }
}

//! appfiling reads app packages and reports the values China's APP备案 (app
//! ICP filing) portals ask for: package name, public key and certificate
//! fingerprint, with every signer and the reasons for the one chosen.
//!
//! ```no_run
//! let options = appfiling::Options::default();
//! let report = appfiling::inspect_path("app-release.apk".as_ref(), &options)?;
//! let bytes = std::fs::read("app-release.apk")?;
//! assert_eq!(appfiling::inspect_bytes("app-release.apk", &bytes, &options)?.package_name, report.package_name);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The API is what lib.rs and the public modules export; everything else is `pub(crate)`.
#![warn(unreachable_pub)]
// Some reader parts serve only detection, the sheet or the batch pass: a build without
// those features compiles them unused. The full build (`cli`, the default) keeps the
// unused-code lints for everything.
#![cfg_attr(
    not(all(feature = "detect", feature = "sheet", feature = "batch")),
    allow(dead_code, unused_imports, unused_variables)
)]

mod android;
#[cfg(feature = "batch")]
pub mod batch;
mod ber;
mod bytes;
mod cert;
mod certfile;
pub mod check;
#[cfg(feature = "detect")]
mod detect;
#[cfg(feature = "detect")]
mod domain_name;
mod error;
mod filing;
#[doc(hidden)]
pub mod fuzzing;
mod harmony;
mod input;
mod ios;
mod keystore;
pub mod output;
mod pkcs7;
pub mod render;
pub mod report;
#[cfg(feature = "sheet")]
pub mod sheet;

pub use error::{Error, ErrorKind};
pub use report::{PackageReport, Report};

use input::{Archive, Shared};
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

/// What some inputs need besides their path.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The password of PKCS#12 files.
    pub password: Option<String>,
    /// Also detect SDKs, domains and languages (reads the code: slower); needs the
    /// `detect` feature, without which `PackageReport::detection` stays `None`.
    pub detect: bool,
    /// The keystore alias to report and file; every alias when `None`.
    pub alias: Option<String>,
    /// The time validity is judged at, in seconds since the Unix epoch; the
    /// system clock, read once per inspection, when `None`.
    pub now: Option<i64>,
    /// Keep the icon file in the report (`PackageReport::icon_file`), for the sheet.
    pub icon: bool,
}

impl Options {
    /// These options with the clock read when `now` is unset, so that one inspection
    /// (a set's APKs, a pack's modules) or one batch is judged at one instant.
    pub(crate) fn with_clock(&self) -> Options {
        Options {
            now: Some(self.judged_at()),
            ..self.clone()
        }
    }

    /// The instant validity is judged at: set by [`Options::with_clock`] at the entry points.
    pub(crate) fn judged_at(&self) -> i64 {
        self.now.unwrap_or_else(filing::system_now)
    }
}

/// Files that are not zips (profiles, certificates, PKCS#12) are read whole
/// up to this size; real ones are kilobytes.
const MAX_SMALL_FILE: u64 = 4 << 20;

/// Inspects the package at `path`: a file, or an unpacked iOS .app folder. The format is
/// recognised by content, not by name.
pub fn inspect_path(path: &Path, options: &Options) -> Result<PackageReport, Error> {
    inspect_file_or_dir(path, &options.with_clock()).map_err(|kind| kind.at(path))
}

/// Inspects a package held in memory; `name` stands for its path in the report.
pub fn inspect_bytes(name: &str, bytes: &[u8], options: &Options) -> Result<PackageReport, Error> {
    let name = Path::new(name);
    inspect_source(name, Arc::new(bytes), &options.with_clock()).map_err(|kind| kind.at(name))
}

/// Inspects a package read through any seekable reader (shared between threads one
/// read at a time, hence `Send`); `name` stands for its path in the report.
pub fn inspect_reader(
    name: &str,
    reader: impl Read + Seek + Send,
    options: &Options,
) -> Result<PackageReport, Error> {
    let name = Path::new(name);
    input::Seekable::new(reader)
        .map_err(ErrorKind::Io)
        .and_then(|source| inspect_source(name, Arc::new(source), &options.with_clock()))
        .map_err(|kind| kind.at(name))
}

fn inspect_file_or_dir(path: &Path, options: &Options) -> Result<PackageReport, ErrorKind> {
    if path.is_dir() {
        if path.join("Info.plist").is_file() {
            return ios::inspect_app_dir(path, options);
        }
        return Err(ErrorKind::NotAPackage(
            "a directory without Info.plist: not an .app bundle".into(),
        ));
    }
    let file = input::FileSource::new(input::open_input(path)?)?;
    inspect_source(path, Arc::new(file), options)
}

/// `path` names the package in the report and in errors only: its bytes are `source`.
fn inspect_source(
    path: &Path,
    source: Shared,
    options: &Options,
) -> Result<PackageReport, ErrorKind> {
    let mut head = [0u8; 16];
    let head = &mut head[..source.len().min(16) as usize];
    source.read_exact_at(head, 0)?;
    let head = &*head;
    let small_file_magic = head.first() == Some(&0x30)
        || head.starts_with(b"-----")
        || head.starts_with(b"{")
        || ios::property_list::looks_like_plist(head);
    if head.starts_with(b"PK") || !small_file_magic {
        // Zips may carry bytes before their first entry (a DEX, a stub), so only a
        // file that starts like a zip must open as one.
        let opened = match Archive::new(source.clone()) {
            Err(ErrorKind::NotZip(why)) if head.starts_with(b"PK") => {
                return Err(ErrorKind::NotZip(why))
            }
            Err(e) if head.starts_with(b"PK") => return Err(ErrorKind::NotZip(e.to_string())),
            opened => opened,
        };
        if let Ok(mut archive) = opened {
            return inspect_zip(path, &mut archive, options);
        }
    }
    let declared = source.len();
    if declared == 0 {
        return Err(ErrorKind::NotAPackage("an empty file".into()));
    }
    if declared > MAX_SMALL_FILE {
        return Err(ErrorKind::FileTooLarge {
            size: declared,
            limit: MAX_SMALL_FILE,
        });
    }
    let now = options.judged_at();
    let mut bytes = vec![0; declared as usize];
    source.read_exact_at(&mut bytes, 0)?;
    if keystore::is_jks(&bytes) {
        return keystore::inspect_jks(
            path,
            &bytes,
            options.password.as_deref(),
            options.alias.as_deref(),
            now,
        );
    }
    if let Some(ders) = cert::pem_or_der_certificates(&bytes) {
        return certfile::inspect_certificates(path, &ders, now);
    }
    // Profiles: Apple's hold a plist, HarmonyOS's JSON (or are bare JSON).
    let signed_content = match pkcs7::parse_signed_data(&bytes) {
        Ok(signed) => Some(signed.content),
        // Nesting 48 levels deep is structured BER, not a text file that happens to
        // start with '0': a hostile CMS, so say what broke.
        Err(e @ pkcs7::Pkcs7Error::Ber(ber::BerError::TooDeep)) => {
            return Err(ErrorKind::BadEntry {
                entry: "CMS SignedData".into(),
                reason: e.to_string(),
            })
        }
        Err(_) => None,
    };
    let content = match &signed_content {
        Some(Some(content)) => content.as_slice(),
        _ => bytes.as_slice(),
    };
    if content.trim_ascii_start().starts_with(b"{") {
        return harmony::inspect_profile(path, &bytes, now);
    }
    if signed_content.is_some() || ios::property_list::looks_like_plist(&bytes) {
        return ios::inspect_profile(path, &bytes, now);
    }
    if head.first() == Some(&0x30) && looks_like_pfx(&bytes) {
        return keystore::pkcs12::inspect(
            path,
            &bytes,
            options.password.as_deref(),
            options.alias.as_deref(),
            now,
        );
    }
    Err(ErrorKind::NotAPackage(
        "not an APK, AAB, split set, IPA, .app, HAP, .app pack, profile, certificate, PKCS#12 file or keystore".into(),
    ))
}

fn inspect_zip(
    path: &Path,
    archive: &mut Archive,
    options: &Options,
) -> Result<PackageReport, ErrorKind> {
    // Packages read whole here keep their icon file when asked; sets, packs and iOS
    // bundles find theirs inside.
    let mut report = if archive.contains(android::MANIFEST_ENTRY) {
        android::inspect_apk(path, archive, options)?
    } else if android::aab::is_bundle(archive) {
        android::aab::inspect_aab(path, archive, options)?
    } else if harmony::is_app_pack(archive) {
        return harmony::inspect_app_pack(path, archive, options);
    } else if harmony::is_hap(archive) || harmony::has_sign_block(archive) {
        harmony::inspect_hap(path, archive, options)?
    } else if !ios::bundle::app_roots(archive).is_empty() {
        return ios::inspect_ipa(path, archive, options);
    } else if let Some(format) = android::splits::set_format(archive) {
        return android::splits::inspect_set(path, archive, format, options);
    } else {
        return Err(ErrorKind::NotAPackage(format!(
            "a zip archive ({} bytes) with no {}, module.json, pack.info or Payload/*.app/Info.plist",
            archive.file_len(),
            android::MANIFEST_ENTRY
        )));
    };
    if options.icon {
        report.icon_file = input::icon::from_archive(archive, report.icon.as_deref());
    }
    Ok(report)
}

/// PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, … }
fn looks_like_pfx(bytes: &[u8]) -> bool {
    ber::parse_first(bytes)
        .ok()
        .and_then(|pfx| pfx.children().next())
        .and_then(Result::ok)
        .is_some_and(|version| version.tag == ber::TAG_INTEGER && version.content == [3])
}

/// Inspects every path, one after another on a thread with the workers' stack
/// (`batch::WORKER_STACK_SIZE`); unreadable ones become error entries, never a stop.
#[cfg(feature = "batch")]
pub fn inspect_all<P: AsRef<Path> + Sync>(paths: &[P], options: &Options) -> Report {
    batch::Batch::named(paths)
        .read(options, 1, |_| {})
        .into_report()
}

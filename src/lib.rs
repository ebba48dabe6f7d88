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
    allow(dead_code, unused_imports, unused_mut, unused_variables)
)]

mod android;
#[cfg(feature = "batch")]
pub mod batch;
mod ber;
mod bytes;
mod cert;
mod certfile;
pub mod check;
mod crypto;
mod detect;
#[cfg(feature = "detect")]
mod domain_name;
mod error;
pub mod explain;
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
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "sheet")]
pub mod sheet;
mod sniff;

pub use error::{Error, ErrorKind};
pub use report::{PackageReport, Report};

use detect::Subject;
use input::{Archive, Shared};
use sniff::Hint;
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
    /// Also check that the signatures hold (`PackageReport::verification`): reads every
    /// byte the signatures cover.
    pub verify: Option<VerifyOptions>,
}

/// What a verification checks beyond the package itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Android: the oldest SDK level the APK must verify on; its own minSdk when `None`.
    pub min_sdk: Option<u32>,
    /// Android: the newest; every level when `None`.
    pub max_sdk: Option<u32>,
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

/// Inspects the file at `path`, naming it `name` in the report and in errors: an upload
/// stored under a name of the server's own.
#[cfg(feature = "serve")]
pub(crate) fn inspect_file_named(
    path: &Path,
    name: &str,
    options: &Options,
) -> Result<PackageReport, Error> {
    let name = Path::new(name);
    input::open_input(path)
        .and_then(|file| input::FileSource::new(file).map_err(ErrorKind::Io))
        .and_then(|source| inspect_source(name, Arc::new(source), &options.with_clock()))
        .map_err(|kind| kind.at(name))
}

fn inspect_file_or_dir(path: &Path, options: &Options) -> Result<PackageReport, ErrorKind> {
    if path.is_dir() {
        return inspect_hint(path, sniff::directory(path)?, options);
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
    inspect_hint(path, sniff::sniff(source)?, options)
}

/// The one dispatch from a format to its module; detection follows, on what the module
/// handed over.
fn inspect_hint(path: &Path, hint: Hint, options: &Options) -> Result<PackageReport, ErrorKind> {
    let now = options.judged_at();
    let (password, alias) = (options.password.as_deref(), options.alias.as_deref());
    // Packages read whole here keep their icon file when asked; sets, packs and iOS
    // bundles find theirs inside.
    let with_icon = |mut report: PackageReport, archive: &mut Archive| {
        if options.icon {
            report.icon_file = input::icon::from_archive(archive, report.icon.as_deref());
        }
        report
    };
    let (mut report, subject) = match hint {
        Hint::Apk(mut archive) => {
            let (report, parsed) = android::inspect_apk(path, &mut archive, options)?;
            let report = with_icon(report, &mut archive);
            (report, Subject::Apk(archive, parsed))
        }
        Hint::Aab(mut archive) => {
            let report = android::aab::inspect_aab(path, &mut archive, options)?;
            (with_icon(report, &mut archive), Subject::Nothing)
        }
        Hint::ApkSet(mut archive, format) => {
            let report = android::splits::inspect_set(path, &mut archive, format, options)?;
            (report, Subject::ApkSet(archive))
        }
        Hint::Hap(mut archive) => {
            let report = harmony::inspect_hap(path, &mut archive, options)?;
            (with_icon(report, &mut archive), Subject::Hap(archive))
        }
        Hint::HarmonyAppPack(mut archive) => {
            let (report, modules) = harmony::inspect_app_pack(path, &mut archive, options)?;
            (report, Subject::HarmonyAppPack(archive, modules))
        }
        Hint::Ipa(mut archive) => {
            let (report, root, parsed) = ios::inspect_ipa(path, &mut archive, options)?;
            (report, Subject::Ipa(archive, root, parsed))
        }
        Hint::IosAppDir => {
            let (report, parsed) = ios::inspect_app_dir(path, options)?;
            (report, Subject::IosAppDir(path.to_path_buf(), parsed))
        }
        Hint::Jks(bytes) => {
            let report = keystore::inspect_jks(path, &bytes, password, alias, now)?;
            (report, Subject::Nothing)
        }
        Hint::Pkcs12(bytes) => {
            let report = keystore::pkcs12::inspect(path, &bytes, password, alias, now)?;
            (report, Subject::Nothing)
        }
        Hint::Certificates(ders) => {
            let report = certfile::inspect_certificates(path, &ders, now)?;
            (report, Subject::Nothing)
        }
        Hint::AppleProfile(bytes) => (
            ios::inspect_profile(path, &bytes, options)?,
            Subject::Nothing,
        ),
        Hint::HarmonyProfile(bytes) => (
            harmony::inspect_profile(path, &bytes, options)?,
            Subject::Nothing,
        ),
    };
    #[cfg(feature = "detect")]
    if options.detect {
        detect::run(subject, &mut report);
    }
    Ok(report)
}

/// Inspects every path, one after another on a thread with the workers' stack
/// (`batch::WORKER_STACK_SIZE`); unreadable ones become error entries, never a stop.
#[cfg(feature = "batch")]
pub fn inspect_all<P: AsRef<Path> + Sync>(paths: &[P], options: &Options) -> Report {
    batch::Batch::named(paths)
        .read(options, 1, |_| {})
        .into_report()
}

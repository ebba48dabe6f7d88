//! Many packages at once: the inputs under directories, read in parallel, each result
//! handed back as soon as it is done; what they add up to (the tally behind the summary
//! line) and, when all are kept, the report they make.

use crate::report::{ErrorEntry, PackageReport, Report, SCHEMA_VERSION};
use crate::{inspect_path, ErrorKind, Options};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The stack of every thread that parses a package. Each recursive reader carries an
/// explicit depth budget (docs/security.md) that keeps it well inside 2 MiB, which is what
/// the fuzz targets run on; this leaves four times that.
pub(crate) const WORKER_STACK_SIZE: usize = 8 << 20;

/// One file or bundle to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    pub(crate) path: PathBuf,
    /// Named on the command line rather than found in a directory: a file found in a
    /// directory that is no package at all, nor named like one, is skipped; a named one is
    /// an error.
    pub(crate) named: bool,
}

/// What became of one input.
#[derive(Debug, Clone)]
pub enum Outcome {
    Package(Box<PackageReport>),
    Error(ErrorEntry),
    /// Found in a directory, not a package and not named like one (a README, a
    /// mapping.txt, Gradle's output-metadata.json…).
    Skipped(PathBuf),
}

/// The inputs to read, and whether they make a batch (worth a summary line).
#[derive(Debug, Clone)]
pub struct Batch {
    inputs: Vec<Input>,
    /// Each directory named on the command line and what its walk found: one in which
    /// no package is found is an error of its own (an empty or mistyped build folder
    /// must not pass a gate).
    directories: Vec<Searched>,
    /// More than one path, or a directory.
    many: bool,
}

/// What a batch found, counted as each input finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// More than one path, or a directory: the summary line is due.
    pub many: bool,
    pub packages: usize,
    /// The warnings of the packages as read (before the split-signer cross-check).
    pub warnings: usize,
    pub errors: usize,
    /// Files found in a directory that are no package.
    pub skipped: usize,
}

/// A batch read with every outcome kept.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    /// In input order; split APKs given side by side are cross-checked with their base.
    pub outcomes: Vec<Outcome>,
    pub tally: Tally,
}

impl Batch {
    /// Every input under `paths`: files as given; directories walked recursively in name
    /// order, an iOS `.app` bundle taken as one input (`sniff::directory` says which
    /// folders are one: an Xcode source folder or an .xcarchive is walked into), hidden
    /// directories, `node_modules`, build intermediates and macOS bundles not entered
    /// (`not_walked`; named on the command line, such a directory is walked). Symbolic
    /// links to directories are not followed, so a link cycle cannot loop.
    pub fn collect<P: AsRef<Path>>(paths: &[P]) -> Self {
        let (inputs, directories) = collect_inputs(paths);
        let single_file = paths.len() == 1 && matches!(inputs.as_slice(), [only] if only.named);
        Batch {
            inputs,
            directories,
            many: !single_file,
        }
    }

    /// Each path one input, as named: a directory is an `.app` bundle or an error.
    pub fn named<P: AsRef<Path>>(paths: &[P]) -> Self {
        let inputs: Vec<Input> = paths
            .iter()
            .map(|path| Input {
                path: path.as_ref().to_path_buf(),
                named: true,
            })
            .collect();
        Batch {
            many: inputs.len() > 1,
            inputs,
            directories: Vec::new(),
        }
    }

    /// How many inputs there are to read.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Reads every input on `jobs` threads and hands each outcome to `each` as it finishes,
    /// keeping none: a batch of any size needs no more memory than one package. Split
    /// APKs cannot be cross-checked this way (that needs them all).
    pub fn stream(&self, options: &Options, jobs: usize, mut each: impl FnMut(&Outcome)) -> Tally {
        let mut tally = self.tally();
        let mut found = vec![false; self.inputs.len()];
        run(&self.inputs, options, jobs, |i, outcome| {
            tally.count(&outcome);
            each(&outcome);
            if let Some(slot) = found.get_mut(i) {
                *slot = !matches!(outcome, Outcome::Skipped(_));
            }
        });
        for outcome in self.empty_directories(&found) {
            tally.count(&outcome);
            each(&outcome);
        }
        tally
    }

    /// An error for each named directory in which nothing was found: no package, and no
    /// file that claimed to be one. It names the directories the walk passed over, where
    /// the package may be.
    fn empty_directories(&self, found: &[bool]) -> Vec<Outcome> {
        self.directories
            .iter()
            .filter(|searched| {
                !found
                    .get(searched.inputs.clone())
                    .unwrap_or_default()
                    .contains(&true)
            })
            .map(|searched| {
                let mut why = match searched.inputs.len() {
                    0 if searched.passed_over.is_empty() => {
                        "no package found in the directory: it holds no file".to_string()
                    }
                    0 => "no package found in the directory: no file was read in it".to_string(),
                    1 => "no package found in the directory: its one file is not a package"
                        .to_string(),
                    n => format!("no package found in the directory among its {n} files"),
                };
                if !searched.passed_over.is_empty() {
                    const NAMED: usize = 5;
                    let mut names: Vec<String> = searched
                        .passed_over
                        .iter()
                        .take(NAMED)
                        .map(|d| {
                            d.strip_prefix(&searched.dir)
                                .unwrap_or(d)
                                .display()
                                .to_string()
                        })
                        .collect();
                    if searched.passed_over.len() > NAMED {
                        names.push(format!("{} more", searched.passed_over.len() - NAMED));
                    }
                    why += &format!(
                        "; not searched: {} (hidden directories, node_modules, build \
                         intermediates and macOS bundles are skipped: name one to search it)",
                        names.join(", ")
                    );
                }
                Outcome::Error(ErrorKind::NotAPackage(why).at(&searched.dir).entry())
            })
            .collect()
    }

    /// Reads every input on `jobs` threads, hands each outcome to `each` as it finishes
    /// and keeps them all, in input order, split APKs cross-checked with their base.
    pub fn read(&self, options: &Options, jobs: usize, mut each: impl FnMut(&Outcome)) -> Finished {
        let mut tally = self.tally();
        let mut done: Vec<Option<Outcome>> = vec![None; self.inputs.len()];
        run(&self.inputs, options, jobs, |i, outcome| {
            tally.count(&outcome);
            each(&outcome);
            if let Some(slot) = done.get_mut(i) {
                *slot = Some(outcome);
            }
        });
        let found: Vec<bool> = done
            .iter()
            .map(|o| matches!(o, Some(Outcome::Package(_) | Outcome::Error(_))))
            .collect();
        let empty = self.empty_directories(&found);
        for outcome in &empty {
            tally.count(outcome);
            each(outcome);
        }
        let mut outcomes: Vec<Outcome> = done.into_iter().flatten().chain(empty).collect();
        crate::android::splits::check_split_signers(outcomes.iter_mut().filter_map(|outcome| {
            match outcome {
                Outcome::Package(package) => Some(package.as_mut()),
                _ => None,
            }
        }));
        Finished { outcomes, tally }
    }

    fn tally(&self) -> Tally {
        Tally {
            many: self.many,
            ..Tally::default()
        }
    }
}

impl Tally {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Package(package) => {
                self.packages += 1;
                self.warnings += package.warnings.len();
            }
            Outcome::Error(_) => self.errors += 1,
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    /// The summary line, for a batch: "N packages, K warnings, E errors", then how many
    /// `drifted` (for `check`) and how many other files were skipped.
    pub fn summary(&self, drifted: Option<usize>) -> Option<String> {
        if !self.many {
            return None;
        }
        let mut line = format!(
            "{}, {}, {}",
            count(self.packages, "package"),
            count(self.warnings, "warning"),
            count(self.errors, "error")
        );
        if let Some(drifted) = drifted {
            line += &format!(", {drifted} drifted");
        }
        if self.skipped > 0 {
            line += &format!(", {} skipped", count(self.skipped, "other file"));
        }
        Some(line)
    }
}

/// "1 package", "2 packages".
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

impl Finished {
    /// The report of every package and error, in input order.
    pub fn into_report(self) -> Report {
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            packages: Vec::new(),
            errors: Vec::new(),
        };
        for outcome in self.outcomes {
            match outcome {
                Outcome::Package(package) => report.packages.push(*package),
                Outcome::Error(entry) => report.errors.push(entry),
                Outcome::Skipped(_) => {}
            }
        }
        report
    }
}

/// A JSON Lines line for an input that could not be read:
/// `{"error":{"code":…,"message":…},"path":…}`. The keys are in schema 1's order (it was
/// printed with sorted keys), so the fields are declared alphabetically.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorLine<'a> {
    pub error: ErrorDetail<'a>,
    pub path: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorDetail<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

impl<'a> From<&'a ErrorEntry> for ErrorLine<'a> {
    fn from(entry: &'a ErrorEntry) -> Self {
        ErrorLine {
            error: ErrorDetail {
                code: &entry.code,
                message: &entry.message,
            },
            path: &entry.path,
        }
    }
}

/// A directory named on the command line, walked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Searched {
    dir: PathBuf,
    /// The inputs found in it, as a range of the batch's.
    inputs: std::ops::Range<usize>,
    /// The directories under it the walk did not enter (`not_walked`).
    passed_over: Vec<PathBuf>,
}

/// The inputs under `paths` (see `Batch::collect`), and what each named directory holds.
type Collected = (Vec<Input>, Vec<Searched>);

fn collect_inputs<P: AsRef<Path>>(paths: &[P]) -> Collected {
    let mut inputs = Vec::new();
    let mut directories = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() && !is_app_bundle(path) {
            let start = inputs.len();
            let mut passed_over = Vec::new();
            walk(path, &mut inputs, &mut passed_over);
            // An unreadable directory is already an input of its own, reported as such.
            if !matches!(inputs.get(start..), Some([only]) if only.named) {
                directories.push(Searched {
                    dir: path.to_path_buf(),
                    inputs: start..inputs.len(),
                    passed_over,
                });
            }
        } else {
            inputs.push(Input {
                path: path.to_path_buf(),
                named: true,
            });
        }
    }
    (inputs, directories)
}

fn is_app_bundle(dir: &Path) -> bool {
    crate::sniff::directory(dir).is_ok()
}

/// Directories a walk does not enter: hidden ones (.git, .gradle, .idea…) and
/// `node_modules` hold tools' caches and other people's files, not the build; the build
/// tools' `intermediates` (Gradle's, hvigor's; Xcode's `Intermediates.noindex`) hold
/// unsigned resource packages (`resources-release.ap_`) and bundles on their way to the
/// outputs; a macOS bundle (an app, a framework, a dSYM: `Contents/Info.plist`) is no
/// package appfiling reads, and the provisioning profile in a macOS app is not an iOS one.
fn not_walked(dir: &Path) -> bool {
    const NOT_WALKED: [&str; 3] = ["node_modules", "intermediates", "Intermediates.noindex"];
    dir.file_name().is_some_and(|name| {
        name.as_encoded_bytes().starts_with(b".") || NOT_WALKED.iter().any(|not| name == *not)
    }) || dir.join("Contents").join(crate::ios::INFO_PLIST).is_file()
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, passed_over: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // An unreadable directory is reported like an unreadable file.
        inputs.push(Input {
            path: dir.to_path_buf(),
            named: true,
        });
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if not_walked(&path) {
                passed_over.push(path);
                continue;
            }
            // A folder named `*.app` that is no bundle is a damaged one: an error, not
            // a folder to search.
            if is_app_bundle(&path) || crate::sniff::named_like_package(&path) {
                inputs.push(Input { path, named: false });
            } else {
                walk(&path, inputs, passed_over);
            }
        } else if meta.is_file()
            // A link to a file, or one named like a package (to a bundle, or dangling: an
            // error then, not a package that silently went missing).
            || (meta.is_symlink()
                && (path.is_file() || crate::sniff::named_like_package(&path)))
        {
            inputs.push(Input { path, named: false });
        }
    }
}

/// Reads one input. A file found in a directory is a package only when its content
/// proves it: one that is not recognised (no package, a zip that does not open, too large
/// for a profile) is skipped, unless its name claims a package type (`.apk`, `.ipa`…);
/// an unsigned build beside its signed twin is skipped unread.
fn inspect_input(input: &Input, options: &Options) -> Outcome {
    if !input.named && has_signed_twin(&input.path) {
        return Outcome::Skipped(input.path.clone());
    }
    match inspect_path(&input.path, options) {
        Ok(package) => Outcome::Package(Box::new(package)),
        Err(e)
            if !input.named
                && unrecognised(&e.kind)
                && !crate::sniff::named_like_package(&input.path) =>
        {
            Outcome::Skipped(e.path)
        }
        Err(e) => Outcome::Error(e.entry()),
    }
}

/// Whether `path` is the unsigned build its signed twin was made from, beside it: hvigor
/// leaves `entry-default-unsigned.hap` next to `entry-default-signed.hap`. The unsigned
/// one is not what ships; alone (no signing configured), it is read, and fails a gate.
fn has_signed_twin(path: &Path) -> bool {
    let (Some(stem), Some(extension)) = (
        path.file_stem().and_then(|stem| stem.to_str()),
        path.extension().and_then(|extension| extension.to_str()),
    ) else {
        return false;
    };
    stem.strip_suffix("-unsigned").is_some_and(|base| {
        path.with_file_name(format!("{base}-signed.{extension}"))
            .is_file()
    })
}

/// The errors that say a file is not a package, rather than a package that is broken.
fn unrecognised(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::NotAPackage(_) | ErrorKind::NotZip(_) | ErrorKind::FileTooLarge { .. }
    )
}

/// Reads every input on `jobs` threads; `on_done(index, outcome)` runs on the calling
/// thread as each one finishes, in finishing order.
/// The clock is read once for the whole batch: every package is judged at one instant.
fn run<F: FnMut(usize, Outcome)>(inputs: &[Input], options: &Options, jobs: usize, mut on_done: F) {
    let options = &options.with_clock();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let work = |sender: std::sync::mpsc::Sender<(usize, Outcome)>| {
                inputs
                    .par_iter()
                    .enumerate()
                    .for_each_with(sender, |sender, (i, input)| {
                        let _ = sender.send((i, inspect_input(input, options)));
                    })
            };
            match rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .stack_size(WORKER_STACK_SIZE)
                .build()
            {
                Ok(pool) => pool.install(|| work(sender)),
                // No pool (threads unavailable): read one by one on this thread.
                Err(_) => inputs.iter().enumerate().for_each(|(i, input)| {
                    let _ = sender.send((i, inspect_input(input, options)));
                }),
            }
        });
        for (i, outcome) in receiver {
            on_done(i, outcome);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_directories_in_name_order_and_keeps_named_files() {
        let dir = std::env::temp_dir().join(format!("appfiling-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b/Sample.app")).unwrap();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("b/Sample.app/Info.plist"), b"x").unwrap();
        std::fs::write(dir.join("b/Sample.app/inner"), b"x").unwrap();
        std::fs::write(dir.join("a/z.apk"), b"x").unwrap();
        std::fs::write(dir.join("c.txt"), b"x").unwrap();
        // Not entered: hidden directories, node_modules, build intermediates.
        for skipped in [
            ".git/objects",
            ".gradle",
            "node_modules/sdk",
            "build/intermediates",
        ] {
            std::fs::create_dir_all(dir.join(skipped)).unwrap();
            std::fs::write(dir.join(skipped).join("y.apk"), b"x").unwrap();
        }
        // An Xcode source folder (an Info.plist, no executable) is walked into; a macOS
        // app is not; a folder named .app without Info.plist is an input (a damaged one).
        std::fs::create_dir_all(dir.join("d/Sample")).unwrap();
        std::fs::write(dir.join("d/Sample/Info.plist"), b"x").unwrap();
        std::fs::create_dir_all(dir.join("d/Mac.app/Contents")).unwrap();
        std::fs::write(dir.join("d/Mac.app/Contents/Info.plist"), b"x").unwrap();
        std::fs::write(
            dir.join("d/Mac.app/Contents/embedded.provisionprofile"),
            b"x",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("d/Damaged.app/Frameworks")).unwrap();
        std::fs::write(dir.join("d/Damaged.app/Frameworks/x"), b"x").unwrap();
        let named = dir.join("c.txt");
        let (inputs, directories) = collect_inputs(&[dir.clone(), named.clone()]);
        assert_eq!(
            directories,
            [Searched {
                dir: dir.clone(),
                inputs: 0..5,
                passed_over: [
                    ".git",
                    ".gradle",
                    "build/intermediates",
                    "d/Mac.app",
                    "node_modules"
                ]
                .map(|rel| dir.join(rel))
                .to_vec(),
            }]
        );
        let found: Vec<(PathBuf, bool)> = inputs.into_iter().map(|i| (i.path, i.named)).collect();
        assert_eq!(
            found,
            [
                (dir.join("a/z.apk"), false),
                (dir.join("b/Sample.app"), false),
                (dir.join("c.txt"), false),
                (dir.join("d/Damaged.app"), false),
                (dir.join("d/Sample/Info.plist"), false),
                (named, true),
            ]
        );
        // Named on the command line, a hidden directory is walked.
        let (inputs, _) = collect_inputs(&[dir.join(".gradle")]);
        assert_eq!(
            inputs,
            [Input {
                path: dir.join(".gradle/y.apk"),
                named: false
            }]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unsigned_build_beside_its_signed_twin_is_passed_over() {
        let dir = std::env::temp_dir().join(format!("appfiling-twin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "entry-default-signed.hap",
            "entry-default-unsigned.hap",
            "app-release-unsigned.apk",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        assert!(has_signed_twin(&dir.join("entry-default-unsigned.hap")));
        assert!(!has_signed_twin(&dir.join("entry-default-signed.hap")));
        // Alone, an unsigned build is read (and fails a gate as unsigned).
        assert!(!has_signed_twin(&dir.join("app-release-unsigned.apk")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_error_line_keeps_schema_1_json() {
        let entry = ErrorEntry {
            path: "a.apk".into(),
            code: "not_a_zip".into(),
            message: "a.apk: not a zip archive".into(),
        };
        assert_eq!(
            serde_json::to_string(&ErrorLine::from(&entry)).unwrap(),
            r#"{"error":{"code":"not_a_zip","message":"a.apk: not a zip archive"},"path":"a.apk"}"#
        );
    }

    #[test]
    fn the_summary_is_for_batches_only() {
        let tally = Tally {
            many: true,
            packages: 4,
            warnings: 3,
            errors: 1,
            skipped: 0,
        };
        assert_eq!(
            tally.summary(None).unwrap(),
            "4 packages, 3 warnings, 1 error"
        );
        let skipped = Tally {
            skipped: 2,
            ..tally
        };
        assert_eq!(
            skipped.summary(Some(1)).unwrap(),
            "4 packages, 3 warnings, 1 error, 1 drifted, 2 other files skipped"
        );
        let one_each = Tally {
            many: true,
            packages: 1,
            warnings: 1,
            errors: 0,
            skipped: 1,
        };
        assert_eq!(
            one_each.summary(None).unwrap(),
            "1 package, 1 warning, 0 errors, 1 other file skipped"
        );
        let single = Tally {
            many: false,
            ..tally
        };
        assert_eq!(single.summary(Some(0)), None);
    }

    #[test]
    fn one_named_file_is_no_batch_and_a_directory_is() {
        let dir = std::env::temp_dir().join(format!("appfiling-many-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("only.apk"), b"x").unwrap();
        assert!(!Batch::collect(&[dir.join("only.apk")]).many);
        assert!(Batch::collect(std::slice::from_ref(&dir)).many);
        assert!(Batch::collect(&[dir.join("only.apk"), dir.join("only.apk")]).many);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_read_batch_keeps_input_order_and_cross_checks_splits() {
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let paths = [
            samples.join("bundles/split-xxhdpi.apk"),
            samples.join("no-such-file.apk"),
            samples.join("sample-v2-ec.apk"),
        ];
        let mut seen = 0;
        let finished = Batch::named(&paths).read(&Options::default(), 2, |_| seen += 1);
        assert_eq!(seen, 3);
        let Finished { outcomes, tally } = finished;
        assert_eq!((tally.packages, tally.errors, tally.skipped), (2, 1, 0));
        let split = match &outcomes[0] {
            Outcome::Package(p) => p,
            other => panic!("{other:?}"),
        };
        // The EC sample's key is not the split's; the tally counted the warnings as read.
        let codes: Vec<serde_json::Value> = split
            .warnings
            .iter()
            .map(|w| serde_json::to_value(w).unwrap()["code"].clone())
            .collect();
        assert_eq!(codes, ["split_apk", "split_signer_mismatch"]);
        assert_eq!(tally.warnings, 2);
        assert!(matches!(&outcomes[1], Outcome::Error(e) if e.path.ends_with("no-such-file.apk")));
        let report = Finished { outcomes, tally }.into_report();
        assert_eq!(report.packages.len(), 2);
        assert_eq!(report.errors.len(), 1);
        assert!(report.packages[1].path.ends_with("sample-v2-ec.apk"));
    }
}

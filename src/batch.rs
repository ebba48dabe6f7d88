//! Many packages at once: the inputs under directories, read in parallel,
//! each result handed back as soon as it is done.

use crate::report::{ErrorEntry, PackageReport};
use crate::{inspect_path, ErrorKind, Options};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The stack of every thread that parses a package. Each recursive reader carries an
/// explicit depth budget (docs/security.md) that keeps it well inside 2 MiB, which is what
/// the fuzz targets run on; this leaves four times that.
pub const WORKER_STACK_SIZE: usize = 8 << 20;

/// One file or bundle to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Named on the command line rather than found in a directory: a file found in a
    /// directory that is no package at all is skipped, a named one is an error.
    pub named: bool,
}

/// What became of one input.
#[derive(Debug, Clone)]
pub enum Outcome {
    Package(Box<PackageReport>),
    Error(ErrorEntry),
    /// Found in a directory and not a package (a README, an image…).
    Skipped(PathBuf),
}

/// The inputs: files as given; directories walked recursively in name order, an iOS
/// `.app` bundle (a directory with Info.plist) taken as one input. Symbolic links to
/// directories are not followed, so a link cycle cannot loop.
pub fn collect_inputs<P: AsRef<Path>>(paths: &[P]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() && !is_app_bundle(path) {
            walk(path, &mut inputs);
        } else {
            inputs.push(Input {
                path: path.to_path_buf(),
                named: true,
            });
        }
    }
    inputs
}

fn is_app_bundle(dir: &Path) -> bool {
    dir.join("Info.plist").is_file()
}

fn walk(dir: &Path, inputs: &mut Vec<Input>) {
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
            if is_app_bundle(&path) {
                inputs.push(Input { path, named: false });
            } else {
                walk(&path, inputs);
            }
        } else if meta.is_file() || (meta.is_symlink() && path.is_file()) {
            inputs.push(Input { path, named: false });
        }
    }
}

/// Reads one input.
pub fn inspect_input(input: &Input, options: &Options) -> Outcome {
    match inspect_path(&input.path, options) {
        Ok(package) => Outcome::Package(Box::new(package)),
        Err(e) if !input.named && matches!(e.kind, ErrorKind::NotAPackage(_)) => {
            Outcome::Skipped(e.path)
        }
        Err(e) => Outcome::Error(e.entry()),
    }
}

/// Reads every input on `jobs` threads; `on_done(index, outcome)` runs on the calling
/// thread as each one finishes, in finishing order.
pub fn run<F: FnMut(usize, Outcome)>(
    inputs: &[Input],
    options: &Options,
    jobs: usize,
    mut on_done: F,
) {
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
        let named = dir.join("c.txt");
        let inputs = collect_inputs(&[dir.clone(), named.clone()]);
        let found: Vec<(PathBuf, bool)> = inputs.into_iter().map(|i| (i.path, i.named)).collect();
        assert_eq!(
            found,
            [
                (dir.join("a/z.apk"), false),
                (dir.join("b/Sample.app"), false),
                (dir.join("c.txt"), false),
                (named, true),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! An app bundle's files, whether inside an IPA or unpacked on disk.

use crate::error::ErrorKind;
use crate::input::{read_bounded, Archive, Entry};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A walk of an unpacked .app stops here: bundles have thousands of files, not millions.
const MAX_DIR_ENTRIES: usize = 200_000;
const MAX_DIR_DEPTH: usize = 6;

pub(crate) enum Bundle<'a, 's> {
    /// `root` is the .app's prefix in the archive, e.g. "Payload/Demo.app/".
    Zip {
        archive: &'a mut Archive<'s>,
        root: String,
    },
    Dir {
        root: PathBuf,
    },
}

impl Bundle<'_, '_> {
    /// Paths of the bundle's files, relative to the .app.
    pub(crate) fn files(&self) -> Vec<String> {
        match self {
            Bundle::Zip { archive, root } => archive
                .names()
                .filter_map(|n| n.strip_prefix(root.as_str()))
                .filter(|n| !n.is_empty() && !n.ends_with('/'))
                .map(str::to_string)
                .collect(),
            Bundle::Dir { root } => {
                let mut out = Vec::new();
                walk(root, "", 0, &mut out);
                out
            }
        }
    }

    /// A streaming reader over one file and its size; `Ok(None)` when absent,
    /// and for a path that leads outside the bundle (see `inside`), including
    /// through a symbolic link in an unpacked bundle.
    pub(crate) fn open(&mut self, relative: &str) -> Result<Option<Entry<'_>>, ErrorKind> {
        if !inside(relative) {
            return Ok(None);
        }
        match self {
            Bundle::Zip { archive, root } => archive.open_entry(&format!("{root}{relative}")),
            Bundle::Dir { root } => {
                let path = root.join(relative);
                let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) else {
                    return Ok(None);
                };
                if !real.starts_with(&real_root) || !real.is_file() {
                    return Ok(None);
                }
                let file = File::open(&real)?;
                let len = file.metadata()?.len();
                Ok(Some(Entry {
                    reader: Box::new(std::io::BufReader::new(file)),
                    declared: len,
                }))
            }
        }
    }

    /// Reads one file whole, refusing more than `limit` bytes.
    pub(crate) fn read(
        &mut self,
        relative: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, ErrorKind> {
        match self.open(relative)? {
            Some(entry) => read_bounded(entry.reader, entry.declared, limit, relative).map(Some),
            None => Ok(None),
        }
    }

    /// The bundle's own path, to name its files in messages: "Payload/Demo.app/" in an
    /// IPA, "Demo.app/" unpacked.
    pub(crate) fn label(&self) -> String {
        match self {
            Bundle::Zip { root, .. } => root.clone(),
            Bundle::Dir { root } => root
                .file_name()
                .map(|name| format!("{}/", name.to_string_lossy()))
                .unwrap_or_default(),
        }
    }

    /// Where a symbolic link points: in an IPA, the content of the entry (as zip tools
    /// store links); in an unpacked bundle, the link itself. `Ok(None)` when absent.
    pub(crate) fn link_target(
        &mut self,
        relative: &str,
        limit: u64,
    ) -> Result<Option<String>, ErrorKind> {
        match self {
            Bundle::Zip { .. } => Ok(self
                .read(relative, limit)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
            Bundle::Dir { root } => Ok(inside(relative)
                .then(|| std::fs::read_link(root.join(relative)).ok())
                .flatten()
                .map(|target| target.to_string_lossy().into_owned())),
        }
    }
}

/// Whether a path taken from the package's own content (Info.plist's
/// CFBundleExecutable) stays in the bundle: relative, without `..`.
pub(crate) fn inside(relative: &str) -> bool {
    !relative.is_empty()
        && !relative.starts_with('/')
        && !relative.contains('\0')
        && relative.split(['/', '\\']).all(|part| part != "..")
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= MAX_DIR_ENTRIES {
            return;
        }
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&entry.path(), &format!("{name}/"), depth + 1, out),
            Ok(t) if t.is_file() => out.push(name),
            _ => {}
        }
    }
}

/// The .app roots of an IPA: "Payload/X.app/", or "Wrapper/Payload/X.app/"; or of a
/// zipped .app folder (Finder's Compress, `ditto -c -k --keepParent`): "X.app/".
pub(crate) fn app_roots(archive: &Archive) -> Vec<String> {
    let mut roots: Vec<String> = archive
        .names()
        .filter_map(|name| {
            let root = name.strip_suffix("Info.plist")?;
            let app = root.strip_suffix('/')?;
            let (parent, bundle) = app.rsplit_once('/').unwrap_or(("", app));
            let in_payload =
                parent.is_empty() || parent == "Payload" || parent.ends_with("/Payload");
            (in_payload && bundle.ends_with(".app") && !bundle.starts_with('.'))
                .then(|| root.to_string())
        })
        .collect();
    roots.sort_by_key(|r| (r.matches('/').count(), r.clone()));
    roots
}

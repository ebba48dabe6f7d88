//! Zip access with limits: the central directory, a few named entries, and raw
//! ranges of the file (the APK Signing Block), never the whole file.

use crate::error::ErrorKind;
use flate2::read::DeflateDecoder;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

/// A file being read as a stream, with the size its header (or the file system) declares.
pub struct Entry<'a> {
    pub reader: Box<dyn Read + 'a>,
    pub declared: u64,
}

pub struct Archive {
    zip: ZipArchive<BufReader<File>>,
    /// A second handle for raw reads, so the zip reader's buffer is never disturbed.
    raw: File,
    file_len: u64,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Self, ErrorKind> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            return Err(ErrorKind::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is a directory; give the package files inside it",
            )));
        }
        let file_len = metadata.len();
        let raw = File::open(path)?;
        let zip = ZipArchive::new(BufReader::new(file)).map_err(|e| match e {
            ZipError::Io(io) => ErrorKind::Io(io),
            other => ErrorKind::NotZip(other.to_string()),
        })?;
        Ok(Archive { zip, raw, file_len })
    }

    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Absolute offset of the central directory in the file.
    pub fn central_directory_start(&self) -> u64 {
        self.zip.central_directory_start()
    }

    /// Names of all entries, from the central directory. Names that are not
    /// valid UTF-8 are skipped: none of the entries we read has such a name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.zip
            .file_names_raw()
            .filter_map(|raw| std::str::from_utf8(raw).ok())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// A streaming reader over one entry's uncompressed bytes, and the size
    /// its header declares. `Ok(None)` when the entry does not exist.
    pub fn open_entry(&mut self, name: &str) -> Result<Option<Entry<'_>>, ErrorKind> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self
            .zip
            .by_index_raw(index)
            .map_err(|e| ErrorKind::BadEntry {
                entry: name.to_string(),
                reason: e.to_string(),
            })?;
        let declared = entry.size();
        // Android and Apple's tools inflate every method other than STORED.
        let reader: Box<dyn Read> = if entry.compression() == CompressionMethod::Stored {
            Box::new(entry)
        } else {
            Box::new(DeflateDecoder::new(entry))
        };
        Ok(Some(Entry { reader, declared }))
    }

    /// Decompresses one entry, refusing more than `limit` bytes whatever its
    /// header declares. `Ok(None)` when the entry does not exist.
    pub fn read_entry(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ErrorKind> {
        let Some(entry) = self.open_entry(name)? else {
            return Ok(None);
        };
        read_bounded(entry.reader, entry.declared, limit, name).map(Some)
    }

    /// Copies one entry to a temporary file (removed when the guard drops), so that a
    /// package inside a package is read like any other: never whole into memory.
    pub fn extract(&mut self, name: &str, limit: u64) -> Result<Extracted, ErrorKind> {
        let entry = self
            .open_entry(name)?
            .ok_or_else(|| ErrorKind::NotAPackage(format!("{name} disappeared")))?;
        // Unique per call: several threads may extract at once.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "appfiling-{}-{serial}-{}",
            std::process::id(),
            name.replace('/', "_")
        ));
        let extracted = Extracted { path };
        let mut file = File::create(&extracted.path)?;
        let copied = std::io::copy(&mut entry.reader.take(limit + 1), &mut file)?;
        std::io::Write::flush(&mut file)?;
        if copied > limit {
            return Err(ErrorKind::EntryTooLarge {
                entry: name.to_string(),
                size: copied,
                limit,
            });
        }
        Ok(extracted)
    }

    /// Reads `len` raw bytes at `offset`. The caller bounds `len`.
    pub fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.raw.seek(SeekFrom::Start(offset))?;
        let mut out = vec![0u8; len];
        self.raw.read_exact(&mut out)?;
        Ok(out)
    }
}

/// A temporary copy of an archive entry, removed on drop.
pub struct Extracted {
    pub path: std::path::PathBuf,
}

impl Drop for Extracted {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes: the declared size
/// may lie (a zip bomb), so at most one byte past the limit is ever read.
pub fn read_bounded(
    reader: impl Read,
    declared: u64,
    limit: u64,
    name: &str,
) -> Result<Vec<u8>, ErrorKind> {
    let too_large = |size: u64| ErrorKind::EntryTooLarge {
        entry: name.to_string(),
        size,
        limit,
    };
    if declared > limit {
        return Err(too_large(declared));
    }
    // Capacity from the header only up to 1 MiB: a header may claim what the data is not.
    let mut out = Vec::with_capacity(declared.min(1 << 20) as usize);
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| ErrorKind::BadEntry {
            entry: name.to_string(),
            reason: format!("cannot decompress: {e}"),
        })?;
    if out.len() as u64 > limit {
        return Err(too_large(out.len() as u64));
    }
    Ok(out)
}

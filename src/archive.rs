//! Zip access with limits: the central directory, a few named entries, and raw
//! ranges of the file (the APK Signing Block), never the whole file.

use crate::error::ErrorKind;
use flate2::read::DeflateDecoder;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

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

    /// Decompresses one entry, refusing more than `limit` bytes whatever its
    /// header declares. `Ok(None)` when the entry does not exist.
    pub fn read_entry(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ErrorKind> {
        let bad = |reason: String| ErrorKind::BadEntry {
            entry: name.to_string(),
            reason,
        };
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self
            .zip
            .by_index_raw(index)
            .map_err(|e| bad(e.to_string()))?;
        let declared = entry.size();
        if declared > limit {
            return Err(ErrorKind::EntryTooLarge {
                entry: name.to_string(),
                size: declared,
                limit,
            });
        }
        // Android inflates every method other than STORED, as apksig does.
        let stored = entry.compression() == CompressionMethod::Stored;
        let mut reader: Box<dyn Read> = if stored {
            Box::new(entry)
        } else {
            Box::new(DeflateDecoder::new(entry))
        };
        // The declared size may lie (a zip bomb): read at most one byte past the limit.
        // Capacity from the header only up to 1 MiB: a header may claim what the data is not.
        let mut out = Vec::with_capacity(declared.min(1 << 20) as usize);
        (&mut reader)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("cannot decompress: {e}")))?;
        if out.len() as u64 > limit {
            return Err(ErrorKind::EntryTooLarge {
                entry: name.to_string(),
                size: out.len() as u64,
                limit,
            });
        }
        Ok(Some(out))
    }

    /// Reads `len` raw bytes at `offset`. The caller bounds `len`.
    pub fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.raw.seek(SeekFrom::Start(offset))?;
        let mut out = vec![0u8; len];
        self.raw.read_exact(&mut out)?;
        Ok(out)
    }
}

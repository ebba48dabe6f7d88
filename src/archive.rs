//! Zip access with limits: the central directory, a few named entries, and raw
//! ranges of the file (the APK Signing Block), never the whole file.

use crate::error::ErrorKind;
use flate2::read::DeflateDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use zip::read::ZipFile;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

/// A file being read as a stream, with the size its header (or the file system) declares.
pub struct Entry<'a> {
    pub reader: Box<dyn Read + 'a>,
    pub declared: u64,
}

pub struct Archive {
    zip: ZipArchive<BufReader<File>>,
    /// A second handle on the same file for raw reads, which are positional (pread), so
    /// the zip reader's offset and buffer are never disturbed.
    raw: File,
    file_len: u64,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Self, ErrorKind> {
        Self::from_file(open_input(path)?)
    }

    /// Reads a file already opened (by [`open_input`]) as a zip.
    pub fn from_file(file: File) -> Result<Self, ErrorKind> {
        let file_len = file.metadata()?.len();
        let raw = file.try_clone()?;
        let entries = declared_entries(&raw, file_len)?;
        if entries > MAX_ENTRIES {
            return Err(ErrorKind::NotZip(format!(
                "its central directory lists {entries} entries, over the limit of {MAX_ENTRIES}"
            )));
        }
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

    /// One entry's record and its bytes as stored. `Ok(None)` when there is no such entry.
    fn raw_entry(&mut self, name: &str) -> Result<Option<ZipFile<'_, BufReader<File>>>, ErrorKind> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        self.zip
            .by_index_raw(index)
            .map(Some)
            .map_err(|e| ErrorKind::BadEntry {
                entry: name.to_string(),
                reason: e.to_string(),
            })
    }

    /// A streaming reader over one entry's uncompressed bytes, and the size
    /// its header declares. `Ok(None)` when the entry does not exist.
    pub fn open_entry(&mut self, name: &str) -> Result<Option<Entry<'_>>, ErrorKind> {
        let Some(entry) = self.raw_entry(name)? else {
            return Ok(None);
        };
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

    /// Copies one entry to a temporary file, so that a package inside a package is read
    /// like any other: never whole into memory. Every byte written is charged to
    /// `budget` as it is written, so an entry that turns out too large still costs what
    /// it wrote, and the whole set can never write more than the budget (plus one byte
    /// per refused entry).
    pub fn extract(
        &mut self,
        name: &str,
        budget: &mut NestedBudget,
    ) -> Result<Extracted, ErrorKind> {
        let disappeared = || ErrorKind::NotAPackage(format!("{name} disappeared"));
        let compressed = self
            .raw_entry(name)?
            .map(|entry| entry.compressed_size())
            .ok_or_else(disappeared)?;
        let entry = self.open_entry(name)?.ok_or_else(disappeared)?;
        let allowed = MAX_NESTED_PACKAGE.min(budget.remaining);
        let spent = budget.remaining < MAX_NESTED_PACKAGE;
        let too_large = |size| {
            if spent {
                ErrorKind::NestedBudgetSpent {
                    entry: name.to_string(),
                    size,
                    left: allowed,
                    total: MAX_NESTED_TOTAL,
                }
            } else {
                ErrorKind::EntryTooLarge {
                    entry: name.to_string(),
                    size,
                    limit: allowed,
                }
            }
        };
        // A package is mostly compressed data already: one that inflates a hundredfold is
        // a bomb, refused long before it reaches the size caps.
        let ratio_cap = compressed
            .saturating_mul(MAX_NESTED_RATIO)
            .max(MIN_RATIO_CHECKED);
        let bomb = |size| {
            ErrorKind::BadEntry {
            entry: name.to_string(),
            reason: format!(
                "inflates to more than {MAX_NESTED_RATIO} times its {compressed} compressed bytes ({size} bytes or more): a zip bomb, not a package"
            ),
        }
        };
        if entry.declared > allowed {
            return Err(too_large(entry.declared));
        }
        if entry.declared > ratio_cap {
            return Err(bomb(entry.declared));
        }
        let cap = allowed.min(ratio_cap);
        let mut extracted = Extracted::new()?;
        let copied = std::io::copy(&mut entry.reader.take(cap + 1), &mut extracted.file);
        let written = extracted.file.metadata()?.len();
        budget.remaining = budget.remaining.saturating_sub(written);
        copied.map_err(|e| ErrorKind::BadEntry {
            entry: name.to_string(),
            reason: format!("cannot decompress: {e}"),
        })?;
        if written > allowed {
            return Err(too_large(written));
        }
        if written > ratio_cap {
            return Err(bomb(written));
        }
        Ok(extracted)
    }

    /// Refuses entries whose bytes overlap (several central-directory records pointing
    /// into one local file: a zip-bomb pattern no packaging tool produces).
    pub fn refuse_overlaps<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), ErrorKind> {
        let mut spans = Vec::new();
        for name in names {
            let Some(entry) = self.raw_entry(name)? else {
                continue;
            };
            let end = entry
                .data_start()
                .unwrap_or(entry.header_start())
                .saturating_add(entry.compressed_size());
            spans.push((entry.header_start(), end, name));
        }
        spans.sort_unstable();
        for pair in spans.windows(2) {
            let ((_, first_end, first), (second_start, _, second)) = (pair[0], pair[1]);
            if second_start < first_end {
                return Err(ErrorKind::BadEntry {
                    entry: second.to_string(),
                    reason: format!(
                        "its bytes overlap those of {first} (overlapping zip entries, a zip-bomb pattern)"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Reads `len` raw bytes at `offset`. The caller bounds `len`.
    pub fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let mut out = vec![0u8; len];
        read_exact_at(&self.raw, &mut out, offset)?;
        Ok(out)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut out: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !out.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, out, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                out = &mut out[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Entries a zip may list. The zip reader keeps some 200 bytes per entry, so this keeps
/// a directory of any size within the memory budget; real packages list tens of thousands.
const MAX_ENTRIES: u64 = 200_000;

/// The most entries any end-of-central-directory record of the file declares (the
/// classic one and, where a ZIP64 locator precedes it, the ZIP64 one), before the zip
/// reader allocates for them. Records are looked for where the format puts them: in
/// the last 64 KiB + 22 bytes. Finding none is left to the zip reader to name.
fn declared_entries(file: &File, file_len: u64) -> Result<u64, ErrorKind> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const ZIP64_EOCD: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let window = file_len.min(65_535 + 22 + 20);
    let start = file_len - window;
    let mut tail = vec![0u8; window as usize];
    read_exact_at(file, &mut tail, start)?;
    let le = |bytes: &[u8]| bytes.iter().rev().fold(0u64, |n, b| n << 8 | u64::from(*b));
    let mut most = 0;
    for at in (0..tail.len().saturating_sub(21)).filter(|&i| tail[i..i + 4] == EOCD) {
        most = most.max(le(&tail[at + 10..at + 12]));
        let Some(locator) = at.checked_sub(20).filter(|&l| tail[l..l + 4] == LOCATOR) else {
            continue;
        };
        // The ZIP64 record sits where the locator says, or (with bytes before the first
        // entry) right before the locator: whichever holds one bounds the count.
        let stated = le(&tail[locator + 8..locator + 16]);
        let before = (start + locator as u64).saturating_sub(56);
        let mut found = false;
        for offset in [stated, before] {
            let mut record = [0u8; 40];
            if offset.saturating_add(40) <= file_len
                && read_exact_at(file, &mut record, offset).is_ok()
                && record[..4] == ZIP64_EOCD
            {
                most = most.max(le(&record[32..40]));
                found = true;
            }
        }
        if !found {
            return Err(ErrorKind::NotZip(
                "a ZIP64 locator points at no ZIP64 end record".into(),
            ));
        }
    }
    Ok(most)
}

/// A package inside a package (a split APK, a HAP in an .app pack) is copied to a
/// temporary file up to this size, and all of those of one outer package together up to
/// `MAX_NESTED_TOTAL`: disk and time stay bounded whatever the outer package claims.
pub const MAX_NESTED_PACKAGE: u64 = 4 << 30;
pub const MAX_NESTED_TOTAL: u64 = 4 << 30;
/// How many times its compressed size a nested package may inflate to (real APKs and HAPs
/// hold compressed data and inflate a few times at most); entries under
/// `MIN_RATIO_CHECKED` are not held to it.
const MAX_NESTED_RATIO: u64 = 100;
const MIN_RATIO_CHECKED: u64 = 1 << 20;

/// What the packages inside one package may still write to temporary files.
pub struct NestedBudget {
    remaining: u64,
}

impl Default for NestedBudget {
    fn default() -> Self {
        NestedBudget {
            remaining: MAX_NESTED_TOTAL,
        }
    }
}

/// A temporary copy of an archive entry. On Linux the file has no name at all (it is
/// read through `/proc/self/fd`), so nothing is left behind even when the process is
/// killed; elsewhere it has a random name, is created exclusively (a planted symlink
/// cannot redirect it) and is removed on drop.
pub struct Extracted {
    file: File,
    #[cfg(not(target_os = "linux"))]
    _named: tempfile::TempPath,
    path: std::path::PathBuf,
}

impl Extracted {
    #[cfg(target_os = "linux")]
    fn new() -> std::io::Result<Self> {
        use std::os::fd::AsRawFd;
        let file = tempfile::tempfile()?;
        let path = std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        Ok(Extracted { file, path })
    }

    #[cfg(not(target_os = "linux"))]
    fn new() -> std::io::Result<Self> {
        let (file, named) = tempfile::Builder::new()
            .prefix("appfiling-")
            .tempfile()?
            .into_parts();
        let path = named.to_path_buf();
        Ok(Extracted {
            file,
            _named: named,
            path,
        })
    }

    /// Where the copy can be opened while this value lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Opens a package named by the user without ever blocking: a FIFO, socket or device is
/// refused (opened non-blocking, then checked), since reading one could wait forever or
/// never end.
pub fn open_input(path: &Path) -> Result<File, ErrorKind> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_dir() {
        return Err(ErrorKind::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a directory; give the package files inside it",
        )));
    }
    if !metadata.is_file() {
        return Err(ErrorKind::NotAPackage(format!(
            "{}, not a regular file: appfiling reads package files only",
            special_file_kind(&metadata)
        )));
    }
    Ok(file)
}

#[cfg(unix)]
fn special_file_kind(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_: &std::fs::Metadata) -> &'static str {
    "a special file"
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of `count` deflated entries of `size` zero bytes, written to a file.
    fn zeros_zip(count: usize, size: usize) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "appfiling-archive-{}-{count}-{size}.zip",
            std::process::id()
        ));
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated);
        for i in 0..count {
            zip.start_file(format!("{i}.apk"), options).unwrap();
            zip.write_all(&vec![0u8; size]).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    /// Makes every entry's header claim 16 bytes uncompressed, whatever it holds.
    fn lie_about_sizes(path: &Path) {
        let mut bytes = std::fs::read(path).unwrap();
        for (signature, size_at) in [
            ([0x50, 0x4b, 0x03, 0x04], 22),
            ([0x50, 0x4b, 0x01, 0x02], 24),
        ] {
            let starts: Vec<usize> = bytes
                .windows(4)
                .enumerate()
                .filter(|(_, w)| *w == signature)
                .map(|(i, _)| i)
                .collect();
            for at in starts {
                bytes[at + size_at..at + size_at + 4].copy_from_slice(&16u32.to_le_bytes());
            }
        }
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn nested_copies_are_charged_as_written_even_when_refused() {
        let path = zeros_zip(3, 1 << 20);
        let mut archive = Archive::open(&path).unwrap();
        let mut budget = NestedBudget {
            remaining: (1 << 20) + (1 << 19),
        };
        let first = archive.extract("0.apk", &mut budget).unwrap();
        assert_eq!(std::fs::read(first.path()).unwrap().len(), 1 << 20);
        assert_eq!(budget.remaining, 1 << 19);
        // An honest header over what is left: refused before a byte is written.
        let second = archive.extract("1.apk", &mut budget);
        assert!(
            matches!(second, Err(ErrorKind::NestedBudgetSpent { size, .. }) if size == 1 << 20)
        );
        assert_eq!(budget.remaining, 1 << 19);
        let _ = std::fs::remove_file(&path);

        // Headers that understate: the copy stops one byte past what is left, and what it
        // wrote is charged, so the next entry finds nothing left.
        let path = zeros_zip(2, 1 << 20);
        lie_about_sizes(&path);
        let mut archive = Archive::open(&path).unwrap();
        let mut budget = NestedBudget { remaining: 1 << 19 };
        let refused = archive.extract("0.apk", &mut budget);
        assert!(
            matches!(refused, Err(ErrorKind::NestedBudgetSpent { size, .. }) if size == (1 << 19) + 1)
        );
        assert_eq!(budget.remaining, 0);
        let refused = archive.extract("1.apk", &mut budget);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("0 of the 4294967296 bytes"), "{message}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_nested_entry_that_inflates_a_hundredfold_is_a_bomb() {
        let path = zeros_zip(1, 4 << 20);
        lie_about_sizes(&path);
        let mut archive = Archive::open(&path).unwrap();
        let mut budget = NestedBudget::default();
        let refused = archive.extract("0.apk", &mut budget);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("a zip bomb, not a package"), "{message}");
        // It stopped one byte past the 1 MiB floor of the ratio check.
        assert_eq!(budget.remaining, MAX_NESTED_TOTAL - (1 << 20) - 1);
        let _ = std::fs::remove_file(&path);
    }
}

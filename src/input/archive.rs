//! Zip access with limits: the central directory, a few named entries, and raw
//! ranges of the package (the APK Signing Block), never the whole package.

use super::directory::{Directory, Record, MAX_ENTRIES};
use super::{Cursor, Range, Shared, Source};
use crate::error::ErrorKind;
use flate2::read::DeflateDecoder;
use std::io::Read;
use std::sync::Arc;

/// A file being read as a stream, with the size its header (or the file system) declares.
pub(crate) struct Entry<'a> {
    pub reader: Box<dyn Read + 'a>,
    pub declared: u64,
}

/// One record of the central directory, for a walk over every entry.
pub(crate) struct Listed<'a> {
    pub name: &'a str,
    record: &'a Record,
}

impl<'a> Listed<'a> {
    pub(crate) fn is_directory(&self) -> bool {
        self.name.ends_with('/')
    }

    pub(super) fn record(&self) -> &'a Record {
        self.record
    }
}

/// What streaming an entry found: the CRC-32 and size of its uncompressed bytes, and
/// whether they are those its central-directory record states.
pub(crate) struct Streamed {
    pub crc: u32,
    pub size: u64,
    pub stated_crc: u32,
    pub stated_size: u64,
}

impl Streamed {
    pub(crate) fn crc_holds(&self) -> bool {
        self.crc == self.stated_crc && self.size == self.stated_size
    }
}

/// How much of an entry is read or inflated at a time while streaming.
pub(crate) const STREAM_BUFFER: usize = 64 << 10;

/// A zip over a shared source. Cloning gives another reader of the same bytes with the
/// same index (detection's second thread), without reading the central directory again.
#[derive(Clone)]
pub(crate) struct Archive<'s> {
    directory: Arc<Directory<'s>>,
}

/// One entry's record and its bytes as stored, where they lie in the file.
struct Located<'d, 's> {
    record: &'d Record,
    start: u64,
    bytes: Range<'s>,
}

impl<'s> Archive<'s> {
    /// Reads a source as a zip.
    pub(crate) fn new(source: Shared<'s>) -> Result<Self, ErrorKind> {
        let entries = declared_entries(source.as_ref())?;
        if entries > MAX_ENTRIES {
            return Err(ErrorKind::NotZip(format!(
                "its central directory lists {entries} entries, over the limit of {MAX_ENTRIES}"
            )));
        }
        let directory = Arc::new(Directory::read(source)?);
        Ok(Archive { directory })
    }

    fn source(&self) -> &Shared<'s> {
        self.directory.source()
    }

    pub(super) fn directory(&self) -> &Directory<'s> {
        &self.directory
    }

    pub(crate) fn file_len(&self) -> u64 {
        self.source().len()
    }

    /// Absolute offset of the central directory in the file.
    pub(crate) fn central_directory_start(&self) -> u64 {
        self.directory.start()
    }

    /// Absolute offset of the end-of-central-directory record (the classic one).
    pub(crate) fn end_record_start(&self) -> u64 {
        self.directory.end_record_start()
    }

    /// Names of all entries, from the central directory, each once. Names that are not
    /// valid UTF-8 are skipped: none of the entries we read has such a name.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.directory.names()
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.directory.find(name).is_some()
    }

    /// Every record (a name listed twice included), in the order their bytes lie in the
    /// file, so that a walk over all of them reads the file front to back.
    pub(crate) fn listed_by_offset(&self) -> Vec<Listed<'_>> {
        let mut listed: Vec<Listed> = self
            .directory
            .records()
            .map(|(name, record)| Listed { name, record })
            .collect();
        listed.sort_by_key(|entry| entry.record.local_header);
        listed
    }

    /// Names the central directory lists more than once.
    pub(crate) fn repeated_names(&self) -> impl Iterator<Item = &str> {
        self.directory.repeated_names()
    }

    /// Streams one entry's uncompressed bytes through `sink`, `buffer` at a time, with its
    /// CRC-32 computed on the way; never past one byte more than its record states.
    pub(crate) fn stream(
        &self,
        entry: &Listed<'_>,
        buffer: &mut [u8],
        mut sink: impl FnMut(&[u8]),
    ) -> Result<Streamed, ErrorKind> {
        let record = entry.record;
        let (_, bytes) = self.stored_bytes(entry.name, record)?;
        let stated_size = record.wayfinder.uncompressed_size_hint();
        let mut reader = uncompressed(record, bytes).take(stated_size.saturating_add(1));
        let mut crc = flate2::Crc::new();
        let mut size = 0u64;
        loop {
            let n = match reader.read(buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(ErrorKind::BadEntry {
                        entry: entry.name.to_string(),
                        reason: format!("cannot decompress: {e}"),
                    })
                }
            };
            let chunk = &buffer[..n];
            crc.update(chunk);
            sink(chunk);
            size += n as u64;
        }
        Ok(Streamed {
            crc: crc.sum(),
            size,
            stated_crc: record.crc,
            stated_size,
        })
    }

    /// Where a record's bytes as stored start, and those bytes, checked to lie before the
    /// central directory.
    fn stored_bytes(&self, name: &str, record: &Record) -> Result<(u64, Range<'s>), ErrorKind> {
        let bad = |reason: String| ErrorKind::BadEntry {
            entry: name.to_string(),
            reason,
        };
        let (start, end) = self
            .directory
            .data_range(record)
            .map_err(|e| bad(format!("its local header is unreadable: {e}")))?;
        let len = end - start;
        (end <= self.directory.start())
            .then(|| Range::new(self.source().clone(), start, len))
            .flatten()
            .map(|bytes| (start, bytes))
            .ok_or_else(|| {
                bad(format!(
                    "its {len} bytes at offset {start} run past the start of the central directory"
                ))
            })
    }

    /// One entry's record and the range of its bytes as stored, checked to lie before
    /// the central directory. `Ok(None)` when there is no such entry.
    fn locate(&self, name: &str) -> Result<Option<Located<'_, 's>>, ErrorKind> {
        let Some(record) = self.directory.find(name) else {
            return Ok(None);
        };
        let (start, bytes) = self.stored_bytes(name, record)?;
        Ok(Some(Located {
            record,
            start,
            bytes,
        }))
    }

    /// A streaming reader over one entry's uncompressed bytes, and the size
    /// its header declares. `Ok(None)` when the entry does not exist.
    pub(crate) fn open_entry(&mut self, name: &str) -> Result<Option<Entry<'_>>, ErrorKind> {
        let Some(located) = self.locate(name)? else {
            return Ok(None);
        };
        let declared = located.record.wayfinder.uncompressed_size_hint();
        let reader = uncompressed(located.record, located.bytes);
        Ok(Some(Entry { reader, declared }))
    }

    /// Decompresses one entry, refusing more than `limit` bytes whatever its
    /// header declares. `Ok(None)` when the entry does not exist.
    pub(crate) fn read_entry(
        &mut self,
        name: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, ErrorKind> {
        let Some(located) = self.locate(name)? else {
            return Ok(None);
        };
        let declared = located.record.wayfinder.uncompressed_size_hint();
        if !located.record.stored {
            if let Some(bytes) = inflate_whole(&located, declared, limit, name)? {
                return Ok(Some(bytes));
            }
        }
        let reader = uncompressed(located.record, located.bytes);
        read_bounded(reader, declared, limit, name).map(Some)
    }

    /// A package inside this one, read like any other. A stored entry is a view of this
    /// archive's own bytes (nothing copied); a compressed one is inflated into memory,
    /// every byte charged to `budget` as it is inflated, so an entry that turns out too
    /// large still costs what it inflated, and the whole set can never inflate more than
    /// the budget (plus one byte per refused entry).
    pub(crate) fn nested(
        &mut self,
        name: &str,
        budget: &mut NestedBudget,
    ) -> Result<Archive<'s>, ErrorKind> {
        let disappeared = || ErrorKind::NotAPackage(format!("{name} disappeared"));
        let located = self.locate(name)?.ok_or_else(disappeared)?;
        let compressed = located.bytes.len();
        if located.record.stored {
            return Archive::new(Arc::new(located.bytes));
        }
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
        // Capacity from the header only up to 1 MiB: a header may claim what the data is not.
        let mut inflated = Vec::with_capacity(entry.declared.min(1 << 20) as usize);
        let copied = entry.reader.take(cap + 1).read_to_end(&mut inflated);
        let written = inflated.len() as u64;
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
        Archive::new(Arc::new(inflated))
    }

    /// Refuses entries whose bytes overlap (several central-directory records pointing
    /// into one local file: a zip-bomb pattern no packaging tool produces).
    pub(crate) fn refuse_overlaps<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), ErrorKind> {
        let mut spans = Vec::new();
        for name in names {
            let Some(located) = self.locate(name)? else {
                continue;
            };
            let end = located.start + located.bytes.len();
            spans.push((located.record.local_header, end, name));
        }
        match first_overlap(spans) {
            None => Ok(()),
            Some((first, second)) => Err(ErrorKind::BadEntry {
                entry: second.to_string(),
                reason: overlap_reason(first),
            }),
        }
    }

    /// The first two records (in file order) whose bytes overlap; records whose local
    /// header cannot be read are left out (the caller reports those).
    pub(crate) fn overlapping_entries(&self) -> Option<(&str, &str)> {
        let spans = self
            .directory
            .records()
            .filter_map(|(name, record)| {
                let (_, end) = self.directory.data_range(record).ok()?;
                Some((record.local_header, end, name))
            })
            .collect();
        first_overlap(spans)
    }

    /// Fills `buffer` with the bytes at `offset`.
    pub(super) fn read_into(&self, offset: u64, buffer: &mut [u8]) -> std::io::Result<()> {
        self.source().read_exact_at(buffer, offset)
    }

    /// Reads `len` raw bytes at `offset`. The caller bounds `len`.
    pub(crate) fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let mut out = vec![0u8; len];
        self.source().read_exact_at(&mut out, offset)?;
        Ok(out)
    }
}

/// An entry's bytes as stored, read as its uncompressed bytes: Android and Apple's tools
/// inflate every method other than STORED.
fn uncompressed<'s>(record: &Record, bytes: Range<'s>) -> Box<dyn Read + 's> {
    let bytes = Cursor::new(Arc::new(bytes));
    if record.stored {
        Box::new(bytes)
    } else {
        Box::new(DeflateDecoder::new(bytes))
    }
}

/// Deflate never expands data more than 1032 times (a 258-byte match in every 2 bits).
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Inflates a whole entry at once into a buffer of the size its header declares:
/// libdeflate does it about 1.7 times as fast as a stream (the dex files of detection
/// are most of what `--detect` reads). `Ok(None)` when the header's size cannot be
/// trusted for it: over the limit, more than deflate can expand the stored bytes to,
/// or smaller than what the data holds; the caller then streams the entry, bounded.
fn inflate_whole(
    located: &Located<'_, '_>,
    declared: u64,
    limit: u64,
    name: &str,
) -> Result<Option<Vec<u8>>, ErrorKind> {
    let compressed = located.bytes.len();
    let plausible = compressed
        .saturating_mul(MAX_DEFLATE_RATIO)
        .saturating_add(64);
    if declared > limit || declared > plausible {
        return Ok(None);
    }
    let bad = |reason: String| ErrorKind::BadEntry {
        entry: name.to_string(),
        reason,
    };
    // Both lengths are bounded: the stored bytes lie inside the file, the declared size
    // under the limit and the ratio above.
    let mut input = vec![0u8; usize::try_from(compressed).map_err(|e| bad(e.to_string()))?];
    located
        .bytes
        .read_exact_at(&mut input, 0)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut out = vec![0u8; usize::try_from(declared).map_err(|e| bad(e.to_string()))?];
    match libdeflater::Decompressor::new().deflate_decompress(&input, &mut out) {
        Ok(size) => {
            out.truncate(size);
            Ok(Some(out))
        }
        Err(libdeflater::DecompressionError::InsufficientSpace) => Ok(None),
        Err(libdeflater::DecompressionError::BadData) => {
            Err(bad("cannot decompress: invalid deflate data".to_string()))
        }
    }
}

/// The first pair of (start, end, name) spans that overlap, in the order they start.
fn first_overlap(mut spans: Vec<(u64, u64, &str)>) -> Option<(&str, &str)> {
    spans.sort_unstable();
    spans
        .windows(2)
        .find(|pair| pair[1].0 < pair[0].1)
        .map(|pair| (pair[0].2, pair[1].2))
}

pub(crate) fn overlap_reason(first: &str) -> String {
    format!("its bytes overlap those of {first} (overlapping zip entries, a zip-bomb pattern)")
}

/// The most entries any end-of-central-directory record of the file declares (the
/// classic one and, where a ZIP64 locator precedes it, the ZIP64 one), before the zip
/// index allocates for them. Records are looked for where the format puts them: in
/// the last 64 KiB + 22 bytes. Finding none is left to the zip reader to name.
fn declared_entries(source: &dyn Source) -> Result<u64, ErrorKind> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const ZIP64_EOCD: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let file_len = source.len();
    let window = file_len.min(65_535 + 22 + 20);
    let start = file_len - window;
    let mut tail = vec![0u8; window as usize];
    source.read_exact_at(&mut tail, start)?;
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
                && source.read_exact_at(&mut record, offset).is_ok()
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

/// A package inside a package (a split APK, a HAP in an .app pack) stored as is is read
/// where it lies, at no cost. A compressed one is inflated into memory up to this size,
/// and all of those of one outer package together up to `MAX_NESTED_TOTAL`: memory and
/// time stay bounded whatever the outer package claims (one nested package is held at a
/// time, within the 512 MiB peak of docs/security.md).
pub(super) const MAX_NESTED_PACKAGE: u64 = 128 << 20;
pub(super) const MAX_NESTED_TOTAL: u64 = 1 << 30;
/// How many times its compressed size a nested package may inflate to (real APKs and HAPs
/// hold compressed data and inflate a few times at most); entries under
/// `MIN_RATIO_CHECKED` are not held to it.
const MAX_NESTED_RATIO: u64 = 100;
const MIN_RATIO_CHECKED: u64 = 1 << 20;

/// What the compressed packages inside one package may still inflate.
pub(crate) struct NestedBudget {
    remaining: u64,
}

impl Default for NestedBudget {
    fn default() -> Self {
        NestedBudget {
            remaining: MAX_NESTED_TOTAL,
        }
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes: the declared size
/// may lie (a zip bomb), so at most one byte past the limit is ever read.
pub(crate) fn read_bounded(
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
    use zip::CompressionMethod;

    /// A zip of `count` entries of `size` zero bytes.
    fn zeros_zip(count: usize, size: usize, method: CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for i in 0..count {
            zip.start_file(format!("{i}.apk"), options).unwrap();
            zip.write_all(&vec![0u8; size]).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Makes every entry's header claim 16 bytes uncompressed, whatever it holds.
    fn lie_about_sizes(bytes: &mut [u8]) {
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
    }

    fn archive_of(bytes: &[u8]) -> Archive<'_> {
        Archive::new(Arc::new(bytes)).unwrap()
    }

    /// The error of a nested entry that is inflated but is no zip: past every budget check.
    fn inflated_but_not_a_zip(result: Result<Archive, ErrorKind>) -> bool {
        matches!(result, Err(ErrorKind::NotZip(_)))
    }

    #[test]
    fn nested_packages_are_charged_as_inflated_even_when_refused() {
        let bytes = zeros_zip(3, 1 << 20, CompressionMethod::Deflated);
        let mut archive = archive_of(&bytes);
        let mut budget = NestedBudget {
            remaining: (1 << 20) + (1 << 19),
        };
        assert!(inflated_but_not_a_zip(archive.nested("0.apk", &mut budget)));
        assert_eq!(budget.remaining, 1 << 19);
        // An honest header over what is left: refused before a byte is inflated.
        let second = archive.nested("1.apk", &mut budget);
        assert!(
            matches!(second, Err(ErrorKind::NestedBudgetSpent { size, .. }) if size == 1 << 20)
        );
        assert_eq!(budget.remaining, 1 << 19);

        // Headers that understate: inflating stops one byte past what is left, and what
        // it inflated is charged, so the next entry finds nothing left.
        let mut bytes = zeros_zip(2, 1 << 20, CompressionMethod::Deflated);
        lie_about_sizes(&mut bytes);
        let mut archive = archive_of(&bytes);
        let mut budget = NestedBudget { remaining: 1 << 19 };
        let refused = archive.nested("0.apk", &mut budget);
        assert!(
            matches!(refused, Err(ErrorKind::NestedBudgetSpent { size, .. }) if size == (1 << 19) + 1)
        );
        assert_eq!(budget.remaining, 0);
        let refused = archive.nested("1.apk", &mut budget);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("0 of the 1073741824 bytes"), "{message}");
    }

    #[test]
    fn whole_entries_inflate_whatever_their_headers_claim_within_the_limit() {
        let honest = zeros_zip(1, 1 << 20, CompressionMethod::Deflated);
        let read = |bytes: &[u8], limit| archive_of(bytes).read_entry("0.apk", limit);
        assert_eq!(read(&honest, 1 << 20).unwrap().unwrap().len(), 1 << 20);
        assert!(matches!(
            read(&honest, (1 << 20) - 1),
            Err(ErrorKind::EntryTooLarge { size, .. }) if size == 1 << 20
        ));
        // A header that understates (16 bytes for 1 MiB): the whole-entry buffer is too
        // small, and the bounded stream reads it, or refuses it past the limit.
        let mut understated = honest.clone();
        lie_about_sizes(&mut understated);
        assert_eq!(read(&understated, 1 << 20).unwrap().unwrap().len(), 1 << 20);
        assert!(matches!(
            read(&understated, 1 << 19),
            Err(ErrorKind::EntryTooLarge { size, .. }) if size == (1 << 19) + 1
        ));
        // Deflate data that is not: an error naming the entry.
        let mut broken = honest.clone();
        let data_at = 30 + "0.apk".len();
        broken[data_at..data_at + 8].fill(0xff);
        let message = read(&broken, 1 << 20).err().map(|e| e.to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("0.apk") && m.contains("decompress")),
            "{message:?}"
        );
    }

    #[test]
    fn a_nested_entry_that_inflates_a_hundredfold_is_a_bomb() {
        let mut bytes = zeros_zip(1, 4 << 20, CompressionMethod::Deflated);
        lie_about_sizes(&mut bytes);
        let mut archive = archive_of(&bytes);
        let mut budget = NestedBudget::default();
        let refused = archive.nested("0.apk", &mut budget);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("a zip bomb, not a package"), "{message}");
        // It stopped one byte past the 1 MiB floor of the ratio check.
        assert_eq!(budget.remaining, MAX_NESTED_TOTAL - (1 << 20) - 1);
    }

    #[test]
    fn a_stored_nested_package_is_read_in_place_at_no_cost() {
        let inner = zeros_zip(1, 1000, CompressionMethod::Deflated);
        let mut outer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            zip::write::SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        outer.start_file("inner.apk", stored).unwrap();
        outer.write_all(&inner).unwrap();
        let outer = outer.finish().unwrap().into_inner();
        let mut archive = archive_of(&outer);
        let mut budget = NestedBudget { remaining: 0 };
        let mut nested = archive.nested("inner.apk", &mut budget).unwrap();
        assert_eq!(nested.file_len(), inner.len() as u64);
        assert_eq!(
            nested.read_entry("0.apk", 1000).unwrap(),
            Some(vec![0; 1000])
        );
    }

    /// A stored zip of the given entries, in order.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            zip::write::SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for (name, data) in entries {
            zip.start_file(*name, stored).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Renames every `from` to `to` (same length) in the local headers and the directory.
    fn rename(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        for at in 0..bytes.len() - from.len() {
            if &bytes[at..at + from.len()] == from {
                bytes[at..at + to.len()].copy_from_slice(to);
            }
        }
    }

    #[test]
    fn a_name_listed_twice_is_listed_once_and_reads_its_later_record() {
        let mut bytes = zip_of(&[("one", b"first"), ("two", b"x"), ("owt", b"second")]);
        rename(&mut bytes, b"owt", b"one");
        let mut archive = archive_of(&bytes);
        assert_eq!(archive.names().collect::<Vec<_>>(), ["one", "two"]);
        assert!(archive.contains("one") && !archive.contains("owt"));
        assert_eq!(
            archive.read_entry("one", 100).unwrap(),
            Some(b"second".to_vec())
        );
    }

    #[test]
    fn bytes_between_the_directory_and_its_end_record_are_not_read() {
        let bytes = zip_of(&[("a", b"a"), ("b", b"b")]);
        let end_record = bytes.len() - 22;
        let padded = [&bytes[..end_record], b"GARBAGE", &bytes[end_record..]].concat();
        let mut archive = archive_of(&padded);
        assert_eq!(archive.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(archive.read_entry("b", 1).unwrap(), Some(b"b".to_vec()));
    }

    #[test]
    fn an_end_record_declaring_more_records_than_the_directory_holds_is_refused() {
        let mut bytes = zip_of(&[("a", b"a"), ("b", b"b")]);
        let end_record = bytes.len() - 22;
        bytes[end_record + 8..end_record + 12].copy_from_slice(&[3, 0, 3, 0]);
        let message = Archive::new(Arc::new(bytes.as_slice()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("holds 2 entries, not the 3"), "{message}");
    }
}

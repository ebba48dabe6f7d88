//! The input stage: a package's bytes wherever they live (a file, memory, any reader, a
//! stored entry of another package) as one random-access [`Source`], and the zip
//! archive read over it. Every reader of a package is a view of one shared source:
//! nothing is reopened by path and nothing is copied to a temporary file.

mod archive;
mod directory;
pub(crate) mod icon;
pub(crate) mod integrity;

pub(crate) use archive::{read_bounded, Archive, Entry, NestedBudget, Streamed, STREAM_BUFFER};

use crate::error::ErrorKind;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Bytes that can be read at any offset, from several threads.
pub(crate) trait Source: Send + Sync {
    fn len(&self) -> u64;
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

/// A source shared by every view of it.
pub(crate) type Shared<'s> = Arc<dyn Source + 's>;

fn out_of_range() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "read past the end of the input",
    )
}

/// A file read with positional reads (pread), so readers of one file never disturb each
/// other's offset; its length is taken once, when it is opened.
pub(crate) struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    pub(crate) fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    #[cfg(unix)]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)? {
                0 => return Err(out_of_range()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

fn read_slice(bytes: &[u8], buf: &mut [u8], offset: u64) -> io::Result<()> {
    let start = usize::try_from(offset).map_err(|_| out_of_range())?;
    let end = start.checked_add(buf.len()).ok_or_else(out_of_range)?;
    buf.copy_from_slice(bytes.get(start..end).ok_or_else(out_of_range)?);
    Ok(())
}

/// The caller's bytes, read in place.
impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        read_slice(self, buf, offset)
    }
}

/// Bytes held in memory: a nested package that was inflated.
impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        read_slice(self, buf, offset)
    }
}

/// A byte range of another source: a package stored (not compressed) inside another,
/// read where it lies.
pub(crate) struct Range<'s> {
    parent: Shared<'s>,
    start: u64,
    len: u64,
}

impl<'s> Range<'s> {
    /// `None` when the range does not lie within the parent.
    pub(crate) fn new(parent: Shared<'s>, start: u64, len: u64) -> Option<Self> {
        (start.checked_add(len)? <= parent.len()).then_some(Range { parent, start, len })
    }
}

impl Source for Range<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or_else(out_of_range)?;
        if end > self.len {
            return Err(out_of_range());
        }
        self.parent.read_exact_at(buf, self.start + offset)
    }
}

/// Any seekable reader, one read at a time.
pub(crate) struct Seekable<R> {
    reader: Mutex<R>,
    len: u64,
}

impl<R: Read + Seek> Seekable<R> {
    pub(crate) fn new(mut reader: R) -> io::Result<Self> {
        let len = reader.seek(SeekFrom::End(0))?;
        Ok(Seekable {
            reader: Mutex::new(reader),
            len,
        })
    }
}

impl<R: Read + Seek + Send> Source for Seekable<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        // A reader that panicked mid-read is still positioned by the next seek.
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        reader.seek(SeekFrom::Start(offset))?;
        reader.read_exact(buf)
    }
}

/// Reads a source from its start as a stream, through a small buffer: an entry's stored
/// bytes, or the deflated bytes an inflater takes a few at a time.
pub(crate) struct Cursor<'s> {
    source: Shared<'s>,
    len: u64,
    position: u64,
    buffer: Box<[u8]>,
    /// Where `buffer` starts in the source and how much of it is filled.
    buffered_at: u64,
    buffered: usize,
}

const CURSOR_BUFFER: usize = 8 << 10;

impl<'s> Cursor<'s> {
    pub(crate) fn new(source: Shared<'s>) -> Self {
        Cursor {
            len: source.len(),
            source,
            position: 0,
            buffer: vec![0; CURSOR_BUFFER].into_boxed_slice(),
            buffered_at: 0,
            buffered: 0,
        }
    }
}

impl Read for Cursor<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.len || out.is_empty() {
            return Ok(0);
        }
        let left = self.len - self.position;
        // Large reads go straight to the caller's buffer.
        if out.len() >= CURSOR_BUFFER {
            let n = (out.len() as u64).min(left) as usize;
            self.source.read_exact_at(&mut out[..n], self.position)?;
            self.position += n as u64;
            return Ok(n);
        }
        let buffered_end = self.buffered_at + self.buffered as u64;
        if self.position < self.buffered_at || self.position >= buffered_end {
            let n = (CURSOR_BUFFER as u64).min(left) as usize;
            self.source
                .read_exact_at(&mut self.buffer[..n], self.position)?;
            self.buffered_at = self.position;
            self.buffered = n;
        }
        let at = (self.position - self.buffered_at) as usize;
        let n = out.len().min(self.buffered - at);
        out[..n].copy_from_slice(&self.buffer[at..at + n]);
        self.position += n as u64;
        Ok(n)
    }

    /// The zip reader reads each central-directory record with a few exact reads: those
    /// the buffer holds are one copy, without the general loop.
    fn read_exact(&mut self, mut out: &mut [u8]) -> io::Result<()> {
        if let Some(at) = self.position.checked_sub(self.buffered_at) {
            let held = usize::try_from(at)
                .ok()
                .and_then(|at| self.buffer[..self.buffered].get(at..));
            if let Some(held) = held {
                if let Some(bytes) = held.get(..out.len()) {
                    out.copy_from_slice(bytes);
                    self.position += out.len() as u64;
                    return Ok(());
                }
            }
        }
        while !out.is_empty() {
            match self.read(out)? {
                0 => return Err(out_of_range()),
                n => out = &mut out[n..],
            }
        }
        Ok(())
    }
}

/// Opens a package named by the user without ever blocking: a FIFO, socket or device is
/// refused (opened non-blocking, then checked), since reading one could wait forever or
/// never end.
pub(crate) fn open_input(path: &Path) -> Result<File, ErrorKind> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_dir() {
        return Err(ErrorKind::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_reads_the_same_bytes() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(20_000).collect();
        let borrowed: Shared = Arc::new(bytes.as_slice());
        let sources: Vec<Shared> = vec![
            borrowed.clone(),
            Arc::new(bytes.clone()),
            Arc::new(Seekable::new(io::Cursor::new(bytes.clone())).unwrap()),
            Arc::new(Range::new(Arc::new([&[9u8; 7][..], &bytes].concat()), 7, 20_000).unwrap()),
        ];
        for source in sources {
            assert_eq!(source.len(), 20_000);
            let mut buf = [0u8; 5];
            source.read_exact_at(&mut buf, 19_995).unwrap();
            assert_eq!(buf, bytes[19_995..]);
            assert!(source.read_exact_at(&mut buf, 19_996).is_err());
            let mut streamed = Vec::new();
            Cursor::new(source).read_to_end(&mut streamed).unwrap();
            assert_eq!(streamed, bytes);
        }
        assert!(Range::new(borrowed, 19_999, 2).is_none());
    }
}

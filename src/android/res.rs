//! Pieces shared by binary XML and resources.arsc: chunk headers, string
//! pools and typed values (AOSP ResourceTypes.h).

use crate::bytes::{u16_at, u32_at, Reader, Truncated};
use std::cell::Cell;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum ResError {
    #[error(transparent)]
    Truncated(#[from] Truncated),
    #[error("{0}")]
    Malformed(String),
}

pub(crate) const CHUNK_STRING_POOL: u16 = 0x0001;

/// A chunk: its type, where its body starts and where it ends, all checked
/// against the enclosing buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    pub kind: u16,
    pub start: usize,
    pub header_size: usize,
    pub end: usize,
}

impl Chunk {
    pub(crate) fn read(data: &[u8], start: usize) -> Result<Chunk, ResError> {
        let mut r = Reader::at(data, start)?;
        let kind = r.u16()?;
        let header_size = r.u16()? as usize;
        let size = r.u32()? as usize;
        if header_size < 8 || size < header_size {
            return Err(ResError::Malformed(format!(
                "chunk 0x{kind:04x} at offset {start} has header size {header_size} and size {size}"
            )));
        }
        let end = start
            .checked_add(size)
            .filter(|end| *end <= data.len())
            .ok_or_else(|| {
                ResError::Malformed(format!(
                    "chunk 0x{kind:04x} at offset {start} claims {size} bytes, past the end ({})",
                    data.len()
                ))
            })?;
        Ok(Chunk {
            kind,
            start,
            header_size,
            end,
        })
    }

    pub(crate) fn body_start(&self) -> usize {
        self.start + self.header_size
    }

    /// Iterates over the chunks packed in `data[from..to]`.
    pub(crate) fn children(data: &[u8], from: usize, to: usize) -> ChunkIter<'_> {
        ChunkIter {
            data: &data[..to.min(data.len())],
            pos: from,
        }
    }
}

pub(crate) struct ChunkIter<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Iterator for ChunkIter<'_> {
    type Item = Result<Chunk, ResError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Trailing bytes too short for a header are padding, as in aapt output.
        if self.pos + 8 > self.data.len() {
            return None;
        }
        match Chunk::read(self.data, self.pos) {
            Ok(chunk) => {
                self.pos = chunk.end;
                Some(Ok(chunk))
            }
            Err(e) => {
                self.pos = self.data.len();
                Some(Err(e))
            }
        }
    }
}

const FLAG_UTF8: u32 = 0x100;

/// A string pool, decoded lazily: only the strings asked for are read.
///
/// Strings may overlap (no tool writes that, a hostile file can): every decode
/// is charged the bytes it reads, and a pool reads at most twice its own size in
/// all, so neither overlaps nor repeated references can multiply it.
#[derive(Debug, Clone)]
pub(crate) struct StringPool<'a> {
    data: &'a [u8],
    offsets_at: usize,
    count: usize,
    strings_at: usize,
    utf8: bool,
    /// Bytes the pool may still decode.
    budget: Cell<usize>,
}

impl<'a> StringPool<'a> {
    /// Parses the pool chunk at `chunk`; `data` is the enclosing buffer.
    pub(crate) fn parse(data: &'a [u8], chunk: Chunk) -> Result<Self, ResError> {
        if chunk.kind != CHUNK_STRING_POOL {
            return Err(ResError::Malformed(format!(
                "expected a string pool at offset {}, found chunk 0x{:04x}",
                chunk.start, chunk.kind
            )));
        }
        let body = &data[..chunk.end];
        let mut r = Reader::at(body, chunk.start + 8)?;
        let count = r.u32()? as usize;
        let _style_count = r.u32()?;
        let flags = r.u32()?;
        let strings_start = r.u32()? as usize;
        let offsets_at = chunk.body_start();
        count
            .checked_mul(4)
            .and_then(|n| n.checked_add(offsets_at))
            .filter(|end| *end <= chunk.end)
            .ok_or_else(|| {
                ResError::Malformed(format!(
                    "string pool at offset {} declares {count} strings, more than it can hold",
                    chunk.start
                ))
            })?;
        Ok(StringPool {
            data: body,
            offsets_at,
            count,
            strings_at: chunk.start.saturating_add(strings_start),
            utf8: flags & FLAG_UTF8 != 0,
            budget: Cell::new((chunk.end - chunk.start).saturating_mul(2)),
        })
    }

    /// How many strings the pool declares.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Every string of the pool, in order; undecodable ones are skipped.
    pub(crate) fn iter(&self) -> impl Iterator<Item = String> + '_ {
        // A spent budget ends the walk: every later string would be refused too.
        (0..self.count as u32)
            .map_while(|i| (self.budget.get() > 0).then(|| self.get(i)))
            .flatten()
    }

    /// The string at `index`, or `None` when the index or its bytes are out of
    /// range, or the pool's decoding budget is spent.
    pub(crate) fn get(&self, index: u32) -> Option<String> {
        let index = index as usize;
        if index >= self.count {
            return None;
        }
        let offset = u32_at(self.data, self.offsets_at + index * 4)? as usize;
        let at = self.strings_at.checked_add(offset)?;
        let bytes = if self.utf8 {
            self.utf8_at(at)
        } else {
            self.utf16_at(at)
        }?;
        let left = self.budget.get().checked_sub(bytes.len());
        self.budget.set(left.unwrap_or(0));
        left?;
        Some(if self.utf8 {
            String::from_utf8_lossy(bytes).into_owned()
        } else {
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{fffd}'))
                .collect()
        })
    }

    /// The bytes of the UTF-8 string at `at`.
    fn utf8_at(&self, at: usize) -> Option<&'a [u8]> {
        let mut r = Reader::at(self.data, at).ok()?;
        let _utf16_len = utf8_pool_length(&mut r)?;
        let byte_len = utf8_pool_length(&mut r)?;
        r.take(byte_len).ok()
    }

    /// The bytes of the UTF-16 string at `at`.
    fn utf16_at(&self, at: usize) -> Option<&'a [u8]> {
        let first = u16_at(self.data, at)? as usize;
        let (len, start) = if first & 0x8000 != 0 {
            let second = u16_at(self.data, at + 2)? as usize;
            (((first & 0x7fff) << 16) | second, at + 4)
        } else {
            (first, at + 2)
        };
        self.data
            .get(start..start.checked_add(len.checked_mul(2)?)?)
    }
}

/// UTF-8 pools store lengths in one byte, or two when the high bit is set.
fn utf8_pool_length(r: &mut Reader<'_>) -> Option<usize> {
    let first = r.u8().ok()? as usize;
    if first & 0x80 != 0 {
        let second = r.u8().ok()? as usize;
        Some(((first & 0x7f) << 8) | second)
    } else {
        Some(first)
    }
}

pub(crate) const TYPE_REFERENCE: u8 = 0x01;
pub(crate) const TYPE_STRING: u8 = 0x03;
pub(crate) const TYPE_INT_DEC: u8 = 0x10;
pub(crate) const TYPE_INT_HEX: u8 = 0x11;
pub(crate) const TYPE_INT_BOOLEAN: u8 = 0x12;

/// A typed value (Res_value), with strings still as pool indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Value {
    pub data_type: u8,
    pub data: u32,
}

impl Value {
    /// Reads the 8-byte Res_value: size, res0, dataType, data.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Value, Truncated> {
        let _size = r.u16()?;
        let _res0 = r.u8()?;
        let data_type = r.u8()?;
        let data = r.u32()?;
        Ok(Value { data_type, data })
    }

    pub(crate) fn is_reference(&self) -> bool {
        self.data_type == TYPE_REFERENCE && self.data != 0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A string pool chunk holding `strings`, UTF-16 or UTF-8.
    pub(crate) fn pool_chunk(strings: &[&str], utf8: bool) -> Vec<u8> {
        let mut body = Vec::new();
        let mut offsets = Vec::new();
        for s in strings {
            offsets.push(body.len() as u32);
            if utf8 {
                body.push(s.encode_utf16().count() as u8);
                body.push(s.len() as u8);
                body.extend_from_slice(s.as_bytes());
                body.push(0);
            } else {
                let units: Vec<u16> = s.encode_utf16().collect();
                body.extend_from_slice(&(units.len() as u16).to_le_bytes());
                units
                    .iter()
                    .for_each(|u| body.extend_from_slice(&u.to_le_bytes()));
                body.extend_from_slice(&[0, 0]);
            }
        }
        while body.len() % 4 != 0 {
            body.push(0);
        }
        let header = 28usize;
        let strings_start = header + offsets.len() * 4;
        let size = strings_start + body.len();
        let mut out = Vec::new();
        out.extend_from_slice(&CHUNK_STRING_POOL.to_le_bytes());
        out.extend_from_slice(&(header as u16).to_le_bytes());
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(if utf8 { FLAG_UTF8 } else { 0 }).to_le_bytes());
        out.extend_from_slice(&(strings_start as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        offsets
            .iter()
            .for_each(|o| out.extend_from_slice(&o.to_le_bytes()));
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn string_pools_in_both_encodings() {
        for utf8 in [false, true] {
            let data = pool_chunk(&["package", "应用名称", ""], utf8);
            let pool = StringPool::parse(&data, Chunk::read(&data, 0).unwrap()).unwrap();
            assert_eq!(pool.get(0).as_deref(), Some("package"));
            assert_eq!(pool.get(1).as_deref(), Some("应用名称"));
            assert_eq!(pool.get(2).as_deref(), Some(""));
            assert_eq!(pool.get(3), None);
        }
    }

    #[test]
    fn overlapping_strings_cannot_multiply_the_pool() {
        // 1,000 offsets that all point at one 1,000-unit string.
        let long = "x".repeat(1000);
        let mut data = pool_chunk(&[&long], false);
        let offsets_end = 28 + 4;
        let count = 1000usize;
        let extra = vec![0u8; (count - 1) * 4];
        data.splice(offsets_end..offsets_end, extra);
        let size = data.len() as u32;
        data[4..8].copy_from_slice(&size.to_le_bytes());
        data[8..12].copy_from_slice(&(count as u32).to_le_bytes());
        data[20..24].copy_from_slice(&((28 + count * 4) as u32).to_le_bytes());
        let pool = StringPool::parse(&data, Chunk::read(&data, 0).unwrap()).unwrap();
        let decoded: usize = pool.iter().map(|s| s.len()).sum();
        assert!(
            decoded <= 2 * data.len(),
            "{decoded} bytes from {}",
            data.len()
        );
        assert_eq!(pool.get(0), None, "the budget is spent");
    }

    #[test]
    fn a_pool_that_claims_too_many_strings_is_refused() {
        let mut data = pool_chunk(&["a"], false);
        data[8..12].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        assert!(StringPool::parse(&data, Chunk::read(&data, 0).unwrap()).is_err());
    }

    #[test]
    fn chunk_sizes_are_checked() {
        let data = [1, 0, 8, 0, 0xff, 0, 0, 0];
        assert!(Chunk::read(&data, 0).is_err());
        let data = [1, 0, 4, 0, 8, 0, 0, 0];
        assert!(Chunk::read(&data, 0).is_err());
    }
}

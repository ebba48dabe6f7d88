//! Bounds-checked little-endian reads over borrowed bytes.
//!
//! Every binary parser in the crate reads through [`Reader`], so a length
//! field that points past the end of its buffer becomes an error, never a
//! panic or an allocation.

use thiserror::Error;

/// A read ran past the end of the data it was given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("truncated data: needed {needed} bytes at offset {offset}, only {available} left")]
pub(crate) struct Truncated {
    pub offset: usize,
    pub needed: usize,
    pub available: usize,
}

/// A cursor over a byte slice; every read is checked against the slice's end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// A reader positioned at `offset`, which must lie within `data`.
    pub(crate) fn at(data: &'a [u8], offset: usize) -> Result<Self, Truncated> {
        if offset > data.len() {
            return Err(Truncated {
                offset,
                needed: 0,
                available: 0,
            });
        }
        Ok(Reader { data, pos: offset })
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        if n > self.remaining() {
            return Err(Truncated {
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), Truncated> {
        self.take(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Truncated> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Truncated> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Truncated> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Truncated> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Big-endian reads, for the formats Java and Apple write (JKS, Mach-O code signatures).
    pub(crate) fn u16_be(&mut self) -> Result<u16, Truncated> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32_be(&mut self) -> Result<u32, Truncated> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64_be(&mut self) -> Result<u64, Truncated> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u32` length followed by that many bytes, as the APK Signing Block nests its fields.
    pub(crate) fn length_prefixed(&mut self) -> Result<Reader<'a>, Truncated> {
        let len = self.u32()? as usize;
        Ok(Reader::new(self.take(len)?))
    }

    /// The bytes this reader has not consumed yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }
}

/// `u16` at `offset`, or `None` past the end.
pub(crate) fn u16_at(data: &[u8], offset: usize) -> Option<u16> {
    let bytes = data.get(offset..offset.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

/// `u32` at `offset`, or `None` past the end.
pub(crate) fn u32_at(data: &[u8], offset: usize) -> Option<u32> {
    let bytes = data.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Big-endian `u32` at `offset`, or `None` past the end.
pub(crate) fn u32_be_at(data: &[u8], offset: usize) -> Option<u32> {
    let bytes = data.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// The string at `offset` as dex and Ark bytecode store it: a uleb128 length in
/// UTF-16 units, then MUTF-8 bytes up to a NUL. The bytes, without the NUL.
pub(crate) fn mutf8_at(data: &[u8], offset: usize) -> Option<&[u8]> {
    let mut r = Reader::at(data, offset).ok()?;
    // The length is not needed: the NUL ends the string. A uleb128 u32 has at most 5 bytes.
    for _ in 0..5 {
        if r.u8().ok()? & 0x80 == 0 {
            break;
        }
    }
    let rest = r.rest();
    let end = rest.iter().position(|b| *b == 0)?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_too() {
        let data = [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3];
        let mut r = Reader::new(&data);
        assert_eq!(r.u16_be().unwrap(), 1);
        assert_eq!(r.u32_be().unwrap(), 2);
        assert_eq!(r.u64_be().unwrap(), 3);
        assert!(r.u16_be().is_err());
        assert_eq!(u32_be_at(&data, 2), Some(2));
        assert_eq!(u32_be_at(&data, 12), None);
    }

    #[test]
    fn reads_little_endian_and_stops_at_the_end() {
        let data = [1, 0, 2, 0, 0, 0, 9];
        let mut r = Reader::new(&data);
        assert_eq!(r.u16().unwrap(), 1);
        assert_eq!(r.u32().unwrap(), 2);
        assert_eq!(r.remaining(), 1);
        let err = r.u16().unwrap_err();
        assert_eq!(err.offset, 6);
        assert_eq!(err.needed, 2);
        assert_eq!(err.available, 1);
    }

    #[test]
    fn length_prefix_past_the_end_is_an_error() {
        let data = [0xff, 0xff, 0xff, 0xff, 1, 2];
        let mut r = Reader::new(&data);
        assert!(r.length_prefixed().is_err());
        let data = [2, 0, 0, 0, 7, 8, 9];
        let mut r = Reader::new(&data);
        let mut inner = r.length_prefixed().unwrap();
        assert_eq!(inner.take(2).unwrap(), &[7, 8]);
        assert!(inner.is_empty());
        assert_eq!(r.rest(), &[9]);
    }

    #[test]
    fn random_access_helpers_are_bounded() {
        let data = [1, 2, 3, 4];
        assert_eq!(u16_at(&data, 2), Some(0x0403));
        assert_eq!(u32_at(&data, 0), Some(0x04030201));
        assert_eq!(u32_at(&data, 1), None);
        assert_eq!(u16_at(&data, usize::MAX), None);
    }
}

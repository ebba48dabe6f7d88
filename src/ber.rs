//! A minimal BER reader: tag, length (definite or indefinite) and content,
//! as borrowed slices. DER is a subset, so certificates and keys read too.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum BerError {
    #[error("truncated ASN.1 element at offset {0}")]
    Truncated(usize),
    #[error("unsupported ASN.1 length form at offset {0}")]
    BadLength(usize),
    #[error("ASN.1 nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Deep enough for any real CMS structure, shallow enough for the stack. One
/// budget for a whole descent: children count from their parent's depth.
const MAX_DEPTH: usize = 48;

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OCTET_STRING_CONSTRUCTED: u8 = 0x24;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;
pub(crate) const TAG_CONTEXT_0_CONSTRUCTED: u8 = 0xa0;
pub(crate) const TAG_CONTEXT_1_CONSTRUCTED: u8 = 0xa1;
pub(crate) const TAG_CONTEXT_0_PRIMITIVE: u8 = 0x80;

/// One BER element. `tag` is the identifier octet; high tag numbers are not
/// used by CMS and are refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    /// The content octets (for indefinite lengths, without the end-of-contents marker).
    pub content: &'a [u8],
    /// The whole element, header included.
    pub raw: &'a [u8],
    /// Nesting level from the element `parse_first` returned (0).
    depth: usize,
}

impl<'a> Tlv<'a> {
    pub(crate) fn children(&self) -> Children<'a> {
        Children {
            rest: self.content,
            base: 0,
            depth: self.depth + 1,
        }
    }
}

/// Iterates over the elements of a constructed element's content.
pub(crate) struct Children<'a> {
    rest: &'a [u8],
    base: usize,
    depth: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match parse(self.rest, self.base, self.depth) {
            Ok((tlv, used)) => {
                self.rest = &self.rest[used..];
                self.base += used;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Parses the first element of `data`.
pub(crate) fn parse_first(data: &[u8]) -> Result<Tlv<'_>, BerError> {
    parse(data, 0, 0).map(|(tlv, _)| tlv)
}

/// Returns the element and the number of bytes it occupies. `base` is only
/// for error offsets.
fn parse(data: &[u8], base: usize, depth: usize) -> Result<(Tlv<'_>, usize), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let tag = *data.first().ok_or(BerError::Truncated(base))?;
    if tag & 0x1f == 0x1f {
        return Err(BerError::BadLength(base));
    }
    let first_len = *data.get(1).ok_or(BerError::Truncated(base + 1))?;
    let mut header = 2;
    if first_len == 0x80 {
        // Indefinite length: only for constructed elements; content runs to 00 00.
        if tag & 0x20 == 0 {
            return Err(BerError::BadLength(base + 1));
        }
        let mut pos = header;
        loop {
            match data.get(pos..pos + 2) {
                Some([0, 0]) => break,
                Some(_) => {
                    let (_, used) = parse(&data[pos..], base + pos, depth + 1)?;
                    pos += used;
                }
                None => return Err(BerError::Truncated(base + pos)),
            }
        }
        let tlv = Tlv {
            tag,
            content: &data[header..pos],
            raw: &data[..pos + 2],
            depth,
        };
        return Ok((tlv, pos + 2));
    }
    let len = if first_len & 0x80 == 0 {
        first_len as usize
    } else {
        let count = (first_len & 0x7f) as usize;
        if count > std::mem::size_of::<usize>() {
            return Err(BerError::BadLength(base + 1));
        }
        let bytes = data
            .get(2..2 + count)
            .ok_or(BerError::Truncated(base + 2))?;
        header += count;
        bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
    };
    let end = header
        .checked_add(len)
        .filter(|end| *end <= data.len())
        .ok_or(BerError::Truncated(base + header))?;
    let tlv = Tlv {
        tag,
        content: &data[header..end],
        raw: &data[..end],
        depth,
    };
    Ok((tlv, end))
}

/// An OBJECT IDENTIFIER's content octets in dotted form ("1.2.840.113549.1.1.11"), for
/// messages; `None` when they do not encode one.
pub(crate) fn oid_string(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for (i, byte) in content.iter().enumerate() {
        value = value.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.extend([first, value - first * 40]);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if i + 1 == content.len() {
            return None;
        }
    }
    (!arcs.is_empty()).then(|| {
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_strings() {
        let sha256_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        assert_eq!(
            oid_string(&sha256_rsa).as_deref(),
            Some("1.2.840.113549.1.1.11")
        );
        assert_eq!(oid_string(&[0x86]), None);
        assert_eq!(oid_string(&[]), None);
    }

    #[test]
    fn definite_and_indefinite_lengths() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (long form, 1 byte) }
        let data = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x04, 0x81, 0x01, 0xaa, 0x00, 0x00, 0xff,
        ];
        let tlv = parse_first(&data).unwrap();
        assert_eq!(tlv.tag, 0x30);
        assert_eq!(tlv.raw.len(), 11);
        let kids: Vec<_> = tlv.children().map(|c| c.unwrap()).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].content, &[5]);
        assert_eq!(kids[1].content, &[0xaa]);
    }

    #[test]
    fn lengths_past_the_end_and_deep_nesting_are_errors() {
        assert_eq!(
            parse_first(&[0x30, 0x05, 0x02]).unwrap_err(),
            BerError::Truncated(2)
        );
        assert!(parse_first(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_err());
        assert!(parse_first(&[0x30, 0x80, 0x02, 0x01]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert_eq!(parse_first(&deep).unwrap_err(), BerError::TooDeep);
    }

    /// Definite lengths are walked one level at a time: the depth carries over.
    #[test]
    fn depth_carries_through_children() {
        let levels = MAX_DEPTH + 2;
        let mut data = vec![0x04, 0x00];
        for _ in 0..levels {
            data = [vec![0x24, data.len() as u8], data].concat();
        }
        let mut tlv = parse_first(&data).unwrap();
        let mut walked = 0;
        let err = loop {
            match tlv.children().next().unwrap() {
                Ok(child) => tlv = child,
                Err(e) => break e,
            }
            walked += 1;
        };
        assert_eq!((err, walked), (BerError::TooDeep, MAX_DEPTH));
    }
}

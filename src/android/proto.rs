//! Protocol Buffers wire format, read in place: the fields of one message, each
//! a number with a varint, a fixed-width value or a length-delimited slice.
//! Enough for the aapt2 messages an app bundle stores (Resources.proto).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("protobuf: {0}")]
pub(crate) struct ProtoError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> FieldValue<'a> {
    pub(crate) fn bytes(self) -> Option<&'a [u8]> {
        match self {
            FieldValue::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub(crate) fn text(self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    pub(crate) fn varint(self) -> Option<u64> {
        match self {
            FieldValue::Varint(v) => Some(v),
            _ => None,
        }
    }
}

/// The fields of one message, in order; a malformed field ends it with an error.
pub(crate) struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

pub(crate) fn fields(message: &[u8]) -> Fields<'_> {
    Fields {
        data: message,
        pos: 0,
        failed: false,
    }
}

impl<'a> Fields<'a> {
    fn varint(&mut self) -> Result<u64, ProtoError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .data
                .get(self.pos)
                .ok_or_else(|| ProtoError(format!("varint runs past the end at {}", self.pos)))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtoError(format!(
            "varint longer than 10 bytes at {}",
            self.pos
        )))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtoError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| ProtoError(format!("{n} bytes at {} run past the end", self.pos)))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn next_field(&mut self) -> Result<(u32, FieldValue<'a>), ProtoError> {
        let key = self.varint()?;
        let number =
            u32::try_from(key >> 3).map_err(|_| ProtoError("field number too large".into()))?;
        let value = match key & 7 {
            0 => FieldValue::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                FieldValue::Fixed64(u64::from_le_bytes(b.try_into().unwrap_or_default()))
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| ProtoError("length too large".into()))?;
                FieldValue::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                FieldValue::Fixed32(u32::from_le_bytes(b.try_into().unwrap_or_default()))
            }
            other => return Err(ProtoError(format!("unsupported wire type {other}"))),
        };
        Ok((number, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, FieldValue<'a>), ProtoError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let field = self.next_field();
        self.failed = field.is_err();
        Some(field)
    }
}

/// The first field `number` of `message`, ignoring malformed tails.
pub(crate) fn field(message: &[u8], number: u32) -> Option<FieldValue<'_>> {
    fields(message)
        .map_while(Result::ok)
        .find(|(n, _)| *n == number)
        .map(|(_, v)| v)
}

/// Every message-valued field `number` of `message` (a repeated field).
pub(crate) fn messages(message: &[u8], number: u32) -> impl Iterator<Item = &[u8]> {
    fields(message)
        .map_while(Result::ok)
        .filter(move |(n, _)| *n == number)
        .filter_map(|(_, v)| v.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type_and_stops_at_lies() {
        // 1: varint 300, 2: "hi", 3: fixed32 7, 4: fixed64 9
        let data = [
            0x08, 0xac, 0x02, 0x12, 0x02, b'h', b'i', 0x1d, 7, 0, 0, 0, 0x21, 9, 0, 0, 0, 0, 0, 0,
            0,
        ];
        let all: Vec<(u32, FieldValue)> = fields(&data).map(Result::unwrap).collect();
        assert_eq!(
            all,
            [
                (1, FieldValue::Varint(300)),
                (2, FieldValue::Bytes(b"hi")),
                (3, FieldValue::Fixed32(7)),
                (4, FieldValue::Fixed64(9)),
            ]
        );
        assert_eq!(field(&data, 2).and_then(FieldValue::text), Some("hi"));
        // A length past the end, a group wire type, an endless varint.
        for bad in [
            &[0x12, 0x05, b'a'][..],
            &[0x0b],
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ] {
            let results: Vec<_> = fields(bad).collect();
            assert_eq!(results.len(), 1);
            assert!(results[0].is_err());
        }
    }
}

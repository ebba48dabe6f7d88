//! The string constants a dex class's code loads: its class_data_item's methods, their
//! code_items, and the `const-string` instructions in them. Read in place, every offset
//! and count checked against the file, so a hostile dex ends the walk, never the process.
//!
//! Detection reads it to tell whose code holds a URL: the app's or an SDK's.

use crate::bytes::{Reader, Truncated};
use thiserror::Error;

/// `const-string vAA, string@BBBB`.
const CONST_STRING: u8 = 0x1a;
/// `const-string/jumbo vAA, string@BBBBBBBB`.
const CONST_STRING_JUMBO: u8 = 0x1b;
/// The pseudo-instructions that hold switch tables and array data, identified in a
/// `nop`'s high byte.
const PACKED_SWITCH_PAYLOAD: u16 = 0x0100;
const SPARSE_SWITCH_PAYLOAD: u16 = 0x0200;
const FILL_ARRAY_DATA_PAYLOAD: u16 = 0x0300;
/// A code_item's fixed fields before its instructions.
const CODE_ITEM_HEADER: usize = 16;
/// A uleb128 that fits 32 bits has at most five bytes.
const MAX_ULEB128: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DexCodeError {
    #[error("dex code: {0}")]
    Truncated(#[from] Truncated),
    #[error("dex code: a uleb128 at {0} is longer than five bytes or over 32 bits")]
    Uleb128(usize),
    #[error("dex code: an instruction at unit {0} runs past its method's end")]
    Instruction(usize),
    #[error("dex code: unknown value type {0:#x} at {1}")]
    ValueType(u8, usize),
    #[error(
        "dex code: more bytes read than the file holds twice over (items shared by many classes)"
    )]
    Budget,
}

/// What one dex file's walk may read. A valid file's classes each have their own code and
/// values, so a walk reads each byte once; a crafted one pointing every class at the same
/// megabytes would be read again per class, in time that grows with the square of its size.
#[derive(Debug)]
pub(crate) struct Budget(u64);

impl Budget {
    pub(crate) fn for_file(data: &[u8]) -> Self {
        Budget((data.len() as u64).saturating_mul(2))
    }

    fn spend(&mut self, bytes: usize) -> Result<(), DexCodeError> {
        self.0 = self
            .0
            .checked_sub(bytes as u64)
            .ok_or(DexCodeError::Budget)?;
        Ok(())
    }
}

/// encoded_value types: a string index, the ones whose value is `arg + 1` bytes, the
/// nested ones, and the ones with no bytes.
const VALUE_STRING: u8 = 0x17;
const VALUE_SIZED: [u8; 14] = [
    0x00, 0x02, 0x03, 0x04, 0x06, 0x10, 0x11, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
];
const VALUE_ARRAY: u8 = 0x1c;
const VALUE_ANNOTATION: u8 = 0x1d;
const VALUE_NULL: u8 = 0x1e;
const VALUE_BOOLEAN: u8 = 0x1f;

/// The width of each opcode's instruction format, in 16-bit code units (the Dalvik
/// bytecode formats; unused opcodes take one unit, as `nop` does).
const fn instruction_units(opcode: u8) -> u8 {
    match opcode {
        0x02
        | 0x05
        | 0x08
        | 0x13
        | 0x15
        | 0x16
        | 0x19
        | 0x1a
        | 0x1c
        | 0x1f
        | 0x20
        | 0x22
        | 0x23
        | 0x29
        | 0x2d..=0x3d
        | 0x44..=0x6d
        | 0x90..=0xaf
        | 0xd0..=0xe2
        | 0xfe
        | 0xff => 2,
        0x03
        | 0x06
        | 0x09
        | 0x14
        | 0x17
        | 0x1b
        | 0x24..=0x26
        | 0x2a..=0x2c
        | 0x6e..=0x72
        | 0x74..=0x78
        | 0xfc
        | 0xfd => 3,
        0xfa | 0xfb => 4,
        0x18 => 5,
        _ => 1,
    }
}

/// `instruction_units` for every opcode, looked up once per instruction.
const INSTRUCTION_UNITS: [u8; 256] = {
    let mut table = [1u8; 256];
    let mut opcode = 0;
    while opcode < 256 {
        table[opcode] = instruction_units(opcode as u8);
        opcode += 1;
    }
    table
};

fn uleb128(r: &mut Reader<'_>) -> Result<u32, DexCodeError> {
    let start = r.position();
    let mut value = 0u32;
    for i in 0..MAX_ULEB128 {
        let byte = r.u8()?;
        let bits = u32::from(byte & 0x7f);
        // The fifth byte holds the top four bits only.
        if i == MAX_ULEB128 - 1 && bits > 0x0f {
            return Err(DexCodeError::Uleb128(start));
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(DexCodeError::Uleb128(start))
}

/// Calls `visit` with the string index of every `const-string` and `const-string/jumbo`
/// in the methods of the class_data_item at `class_data_off` of the dex file `data` (0:
/// a class without one). Stops at the first thing that does not fit.
pub(crate) fn const_strings(
    data: &[u8],
    class_data_off: u32,
    budget: &mut Budget,
    mut visit: impl FnMut(u32),
) -> Result<(), DexCodeError> {
    if class_data_off == 0 {
        return Ok(());
    }
    let mut r = Reader::at(data, class_data_off as usize)?;
    let static_fields = uleb128(&mut r)?;
    let instance_fields = uleb128(&mut r)?;
    let direct_methods = uleb128(&mut r)?;
    let virtual_methods = uleb128(&mut r)?;
    // Each encoded_field is two uleb128s; counts are bounded by the bytes they need, so
    // a lying count ends with a truncation, not a long loop.
    for _ in 0..u64::from(static_fields) + u64::from(instance_fields) {
        let before = r.position();
        uleb128(&mut r)?;
        uleb128(&mut r)?;
        budget.spend(r.position() - before)?;
    }
    for _ in 0..u64::from(direct_methods) + u64::from(virtual_methods) {
        let before = r.position();
        uleb128(&mut r)?; // method_idx_diff
        uleb128(&mut r)?; // access_flags
        let code_off = uleb128(&mut r)?;
        budget.spend(r.position() - before)?;
        if code_off != 0 {
            method_const_strings(data, code_off as usize, budget, &mut visit)?;
        }
    }
    Ok(())
}

/// Calls `visit` with the string index of every string among a class's static field
/// values, the encoded_array_item at `static_values_off` (0: none): a
/// `static final String` constant is stored there. Nested arrays and annotations, which
/// constants never are, end the walk.
pub(crate) fn static_strings(
    data: &[u8],
    static_values_off: u32,
    budget: &mut Budget,
    mut visit: impl FnMut(u32),
) -> Result<(), DexCodeError> {
    if static_values_off == 0 {
        return Ok(());
    }
    let mut r = Reader::at(data, static_values_off as usize)?;
    let count = uleb128(&mut r)?;
    for _ in 0..count {
        let at = r.position();
        budget.spend(1)?;
        let header = r.u8()?;
        let (kind, arg) = (header & 0x1f, usize::from(header >> 5));
        match kind {
            VALUE_STRING => {
                let bytes = r.take(arg + 1)?;
                let index = bytes
                    .iter()
                    .rev()
                    .fold(0u64, |value, b| (value << 8) | u64::from(*b));
                visit(u32::try_from(index).map_err(|_| DexCodeError::ValueType(kind, at))?);
            }
            _ if VALUE_SIZED.contains(&kind) => r.skip(arg + 1)?,
            VALUE_NULL | VALUE_BOOLEAN => {}
            VALUE_ARRAY | VALUE_ANNOTATION => return Ok(()),
            _ => return Err(DexCodeError::ValueType(kind, at)),
        }
    }
    Ok(())
}

/// The `const-string` indexes of the code_item at `code_off`.
fn method_const_strings(
    data: &[u8],
    code_off: usize,
    budget: &mut Budget,
    visit: &mut impl FnMut(u32),
) -> Result<(), DexCodeError> {
    let mut r = Reader::at(data, code_off)?;
    r.skip(CODE_ITEM_HEADER - 4)?;
    let units = r.u32()? as usize;
    let code = r.take(units.checked_mul(2).ok_or(DexCodeError::Instruction(0))?)?;
    budget.spend(CODE_ITEM_HEADER + code.len())?;
    let code_unit = |i: usize| -> Option<u16> {
        let bytes = code.get(i.checked_mul(2)?..i.checked_mul(2)?.checked_add(2)?)?;
        Some(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]))
    };
    let mut at = 0;
    while at < units {
        // A unit past the method's end is an instruction cut short.
        let unit = |i: usize| code_unit(i).ok_or(DexCodeError::Instruction(at));
        let first = unit(at)?;
        let width = match first {
            PACKED_SWITCH_PAYLOAD => 4 + usize::from(unit(at + 1)?) * 2,
            SPARSE_SWITCH_PAYLOAD => 2 + usize::from(unit(at + 1)?) * 4,
            FILL_ARRAY_DATA_PAYLOAD => {
                let element_width = usize::from(unit(at + 1)?);
                let count = u32::from(unit(at + 2)?) | (u32::from(unit(at + 3)?) << 16);
                let bytes = element_width
                    .checked_mul(count as usize)
                    .ok_or(DexCodeError::Instruction(at))?;
                4 + bytes.div_ceil(2)
            }
            _ => {
                let opcode = (first & 0xff) as u8;
                match opcode {
                    CONST_STRING => visit(u32::from(unit(at + 1)?)),
                    CONST_STRING_JUMBO => {
                        visit(u32::from(unit(at + 1)?) | (u32::from(unit(at + 2)?) << 16))
                    }
                    _ => {}
                }
                usize::from(INSTRUCTION_UNITS[usize::from(opcode)])
            }
        };
        at = at
            .checked_add(width)
            .filter(|end| *end <= units)
            .ok_or(DexCodeError::Instruction(at))?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn uleb(mut value: u32, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    /// A code_item holding `units`.
    pub(crate) fn code_item(units: &[u16]) -> Vec<u8> {
        let mut out = vec![0u8; CODE_ITEM_HEADER - 4];
        out.extend_from_slice(&(units.len() as u32).to_le_bytes());
        units
            .iter()
            .for_each(|u| out.extend_from_slice(&u.to_le_bytes()));
        out
    }

    /// A class_data_item with one field and one direct method per code offset.
    pub(crate) fn class_data(code_offs: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for count in [1, 0, code_offs.len() as u32, 0] {
            uleb(count, &mut out);
        }
        uleb(0, &mut out);
        uleb(0x19, &mut out);
        for off in code_offs {
            uleb(1, &mut out);
            uleb(1, &mut out);
            uleb(*off, &mut out);
        }
        out
    }

    fn strings_of(data: &[u8], class_data_off: u32) -> (Vec<u32>, Result<(), DexCodeError>) {
        let mut found = Vec::new();
        let result = const_strings(data, class_data_off, &mut Budget::for_file(data), |i| {
            found.push(i)
        });
        (found, result)
    }

    /// The method's instructions: a switch payload and array data whose bytes look like
    /// `const-string` are data, not instructions.
    #[test]
    fn reads_const_strings_between_other_instructions() {
        let units = [
            0x0012, // const/4
            0x001a,
            7, // const-string v0, string@7
            0x006e,
            0,
            0, // invoke-virtual
            0x001b,
            9,
            1, // const-string/jumbo v0, string@0x10009
            0x0018,
            0,
            0,
            0,
            0,      // const-wide
            0x000e, // return-void
            PACKED_SWITCH_PAYLOAD,
            1,
            0,
            0,
            0x001a,
            5, // one target
            FILL_ARRAY_DATA_PAYLOAD,
            1,
            3,
            0,
            0x1a1a,
            0x001a, // three bytes
            SPARSE_SWITCH_PAYLOAD,
            1,
            0x001a,
            4,
            0x001a,
            6,
        ];
        let mut data = vec![0u8; 8];
        let code_off = data.len() as u32;
        data.extend(code_item(&units));
        let class_data_off = data.len() as u32;
        data.extend(class_data(&[code_off, 0]));
        let (found, result) = strings_of(&data, class_data_off);
        assert_eq!(result, Ok(()));
        assert_eq!(found, [7, 0x10009]);
        assert_eq!(strings_of(&data, 0), (Vec::new(), Ok(())));
    }

    #[test]
    fn reads_strings_among_static_values() {
        let mut data = vec![0u8; 3];
        data.push(5); // five values
        data.extend([0x04 | 3 << 5, 1, 2, 3, 4]); // an int
        data.extend([VALUE_STRING, 9]); // string@9
        data.push(VALUE_NULL);
        data.extend([VALUE_STRING | 1 << 5, 0x34, 0x12]); // string@0x1234
        data.extend([VALUE_ARRAY, 1, VALUE_STRING, 7]); // ends the walk
        let mut found = Vec::new();
        assert_eq!(
            static_strings(&data, 3, &mut Budget::for_file(&data), |i| found.push(i)),
            Ok(())
        );
        assert_eq!(found, [9, 0x1234]);
        assert_eq!(
            static_strings(&data, 0, &mut Budget::for_file(&data), |_| panic!(
                "no values"
            )),
            Ok(())
        );
        // An unknown type, and a string index of more than four bytes.
        assert_eq!(
            static_strings(&[0, 1, 0x05], 1, &mut Budget(64), |_| {}),
            Err(DexCodeError::ValueType(0x05, 2))
        );
        assert!(static_strings(
            &[0, 1, VALUE_STRING | 7 << 5, 1, 2, 3, 4, 5, 6, 7, 8],
            1,
            &mut Budget(64),
            |_| {}
        )
        .is_err());
        assert!(matches!(
            static_strings(&[0, 2, VALUE_STRING], 1, &mut Budget(64), |_| {}),
            Err(DexCodeError::Truncated(_))
        ));
    }

    /// Every class pointing at the same code is read until the file's worth is spent.
    #[test]
    fn shared_code_is_read_within_the_budget() {
        let mut data = vec![0u8; 4];
        data.extend(code_item(&[0x001a, 1, 0x000e]));
        let class_data_off = data.len() as u32;
        data.extend(class_data(&[4]));
        let mut budget = Budget::for_file(&data);
        let mut reads = 0;
        let result = loop {
            match const_strings(&data, class_data_off, &mut budget, |_| {}) {
                Ok(()) => reads += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(result, DexCodeError::Budget);
        // A read spends a field's 2 bytes, a method's 3 and the code item's 16 + 6.
        assert_eq!(reads, 2 * data.len() / (2 + 3 + 16 + 6));
    }

    #[test]
    fn lies_end_the_walk() {
        // An instruction cut by the method's end.
        let mut data = vec![0u8; 4];
        data.extend(code_item(&[0x001b, 1]));
        let class_data_off = data.len() as u32;
        data.extend(class_data(&[4]));
        assert_eq!(
            strings_of(&data, class_data_off).1,
            Err(DexCodeError::Instruction(0))
        );
        // A method count the bytes cannot hold; an offset past the end; an overlong uleb128.
        let mut lying = vec![0];
        for count in [0, 0, u32::MAX, u32::MAX] {
            uleb(count, &mut lying);
        }
        assert!(matches!(
            strings_of(&lying, 0xffff_ffff).1,
            Err(DexCodeError::Truncated(_))
        ));
        assert!(matches!(
            strings_of(&lying, 1).1,
            Err(DexCodeError::Truncated(_))
        ));
        let overlong = [0, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert_eq!(strings_of(&overlong, 1).1, Err(DexCodeError::Uleb128(1)));
        // Instructions counted past the file.
        let mut data = vec![0u8; 4];
        let mut item = code_item(&[]);
        item[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        data.extend(item);
        let class_data_off = data.len() as u32;
        data.extend(class_data(&[4]));
        assert!(matches!(
            strings_of(&data, class_data_off).1,
            Err(DexCodeError::Truncated(_))
        ));
    }
}

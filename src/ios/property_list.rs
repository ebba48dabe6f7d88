//! Property lists (XML and binary, through the `plist` crate) and the
//! `InfoPlist.strings` files that localize them (text in UTF-8 or UTF-16, or binary).

use plist::{Dictionary, Value};
use std::collections::BTreeMap;
use thiserror::Error;

/// Whether `bytes` start like an XML or binary plist.
pub(crate) fn looks_like_plist(bytes: &[u8]) -> bool {
    [&b"<?xml"[..], b"bplist", b"<!DOCTYPE plist", b"<plist"]
        .iter()
        .any(|magic| bytes.starts_with(magic))
}

/// Values nest at most this deep: the plist crate builds and drops values
/// recursively, so depth must be bounded before it sees them.
const MAX_DEPTH: usize = 64;
/// At most this many values (keys and containers included): Info.plist and
/// profiles hold thousands; a binary plist may reference one container many
/// times, which the crate expands at each reference.
const MAX_VALUES: usize = 1 << 18;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum PlistError {
    /// Not a plist, or not one with a dictionary at its root.
    #[error("{0}")]
    Invalid(String),
    /// A plist past a limit, or one the crate would misread without a word.
    #[error("{0}")]
    Refused(String),
}

/// Parses an XML, binary or text (OpenStep) plist whose root is a dictionary.
pub(crate) fn dictionary(bytes: &[u8]) -> Result<Dictionary, PlistError> {
    check_shape(bytes).map_err(PlistError::Refused)?;
    match Value::from_reader(std::io::Cursor::new(bytes)) {
        Ok(Value::Dictionary(dict)) => Ok(dict),
        Ok(_) => Err(PlistError::Invalid(
            "the plist's root is not a dictionary".into(),
        )),
        Err(e) => Err(PlistError::Invalid(format!("not a property list: {e}"))),
    }
}

/// Refuses, before the plist crate builds anything, what would overflow its
/// stack or blow up its memory, and entities it would silently drop.
fn check_shape(bytes: &[u8]) -> Result<(), String> {
    let shape = if bytes.starts_with(b"bplist") {
        binary_shape(bytes)
    } else if bytes.trim_ascii_start().starts_with(b"<") {
        xml_shape(bytes)?
    } else {
        text_shape(bytes)
    };
    if shape.depth > MAX_DEPTH {
        return Err(format!(
            "the property list has values nested deeper than {MAX_DEPTH} levels"
        ));
    }
    if shape.values > MAX_VALUES {
        return Err(format!(
            "the property list holds more than {MAX_VALUES} values"
        ));
    }
    Ok(())
}

/// How deep values nest and how many there are, counted up to just past the limits.
#[derive(Default)]
struct Shape {
    depth: usize,
    values: usize,
}

impl Shape {
    fn over(&self) -> bool {
        self.depth > MAX_DEPTH || self.values > MAX_VALUES
    }
}

/// The index just past `needle` in `bytes`, or the end.
fn past(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(bytes.len(), |at| at + needle.len())
}

/// Counts elements and `<array>`/`<dict>` nesting; refuses entity references
/// other than XML's five, which the crate would drop without a word.
fn xml_shape(bytes: &[u8]) -> Result<Shape, String> {
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() && !shape.over() {
        let rest = &bytes[at..];
        if rest[0] == b'&' {
            let end = rest.iter().position(|b| *b == b';').unwrap_or(rest.len());
            let name = &rest[1..end];
            if !name.starts_with(b"#")
                && !matches!(name, b"lt" | b"gt" | b"amp" | b"quot" | b"apos")
            {
                let name = String::from_utf8_lossy(&name[..name.len().min(32)]);
                return Err(format!(
                    "the property list uses the unknown XML entity &{name};"
                ));
            }
            at += end.max(1);
            continue;
        }
        if rest[0] != b'<' {
            at += 1;
            continue;
        }
        if rest.starts_with(b"<!--") {
            at += past(rest, b"-->");
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            at += past(rest, b"]]>");
            continue;
        }
        // A tag, up to its '>' outside quoted attribute values.
        let mut quote = None;
        let end = rest
            .iter()
            .position(|b| match quote {
                Some(q) if *b == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if matches!(b, b'"' | b'\'') => {
                    quote = Some(*b);
                    false
                }
                None => *b == b'>',
            })
            .unwrap_or(rest.len());
        let tag = &rest[1..end];
        at += end + 1;
        if tag.starts_with(b"?") || tag.starts_with(b"!") {
            continue;
        }
        let closing = tag.starts_with(b"/");
        let name = tag
            .strip_prefix(b"/")
            .unwrap_or(tag)
            .split(|b| b.is_ascii_whitespace() || *b == b'/')
            .next()
            .unwrap_or_default();
        let container = name == b"array" || name == b"dict";
        if closing {
            depth = depth.saturating_sub(usize::from(container));
        } else {
            shape.values += 1;
            if container && !tag.ends_with(b"/") {
                depth += 1;
                shape.depth = shape.depth.max(depth);
            }
        }
    }
    Ok(shape)
}

/// The text (OpenStep) form: `(…)` arrays and `{…}` dictionaries, values
/// separated by `,` and `;`; quoted strings and comments are skipped.
fn text_shape(bytes: &[u8]) -> Shape {
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() && !shape.over() {
        let rest = &bytes[at..];
        match rest[0] {
            b'"' | b'\'' => {
                let quote = rest[0];
                let mut i = 1;
                while i < rest.len() && rest[i] != quote {
                    i += if rest[i] == b'\\' { 2 } else { 1 };
                }
                at += i + 1;
                continue;
            }
            b'/' if rest.starts_with(b"/*") => {
                at += past(rest, b"*/");
                continue;
            }
            b'/' if rest.starts_with(b"//") => {
                at += past(rest, b"\n");
                continue;
            }
            b'(' | b'{' => {
                depth += 1;
                shape.depth = shape.depth.max(depth);
                shape.values += 1;
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            b',' | b';' | b'=' => shape.values += 1,
            _ => {}
        }
        at += 1;
    }
    shape
}

/// Walks a binary plist's object references from the top object, without
/// recursion. What does not parse is left for the crate to report.
fn binary_shape(bytes: &[u8]) -> Shape {
    let mut shape = Shape::default();
    let uint = |at: usize, size: usize| -> Option<usize> {
        let field = bytes.get(at..at.checked_add(size)?)?;
        let value = field.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        usize::try_from(value).ok()
    };
    let Some(trailer) = bytes.len().checked_sub(32) else {
        return shape;
    };
    let (offset_size, ref_size) = (bytes[trailer + 6] as usize, bytes[trailer + 7] as usize);
    if !(1..=8).contains(&offset_size) || !(1..=8).contains(&ref_size) {
        return shape;
    }
    let (Some(count), Some(top), Some(table)) = (
        uint(trailer + 8, 8),
        uint(trailer + 16, 8),
        uint(trailer + 24, 8),
    ) else {
        return shape;
    };
    let offset_of = |object: usize| {
        (object < count)
            .then(|| table.checked_add(object.checked_mul(offset_size)?))
            .flatten()
            .and_then(|at| uint(at, offset_size))
    };
    let mut pending = vec![(top, 1usize)];
    while let Some((object, depth)) = pending.pop() {
        shape.values += 1;
        shape.depth = shape.depth.max(depth);
        if shape.over() || shape.values + pending.len() > MAX_VALUES {
            shape.values = MAX_VALUES + 1;
            break;
        }
        let Some(at) = offset_of(object) else {
            continue;
        };
        let Some(&marker) = bytes.get(at) else {
            continue;
        };
        let per_entry = match marker >> 4 {
            0xa | 0xc => 1,
            0xd => 2,
            _ => continue,
        };
        // A count of 15 means the count follows as an integer object (marker 0x1n, 2^n bytes).
        let (len, refs) = match marker & 0xf {
            0xf => {
                let Some(size) = bytes.get(at + 1).map(|m| 1usize << (m & 0x3)) else {
                    continue;
                };
                let Some(len) = uint(at + 2, size) else {
                    continue;
                };
                (len, at + 2 + size)
            }
            len => (len as usize, at + 1),
        };
        let children = len.saturating_mul(per_entry);
        if children > MAX_VALUES {
            shape.values = MAX_VALUES + 1;
            break;
        }
        for i in 0..children {
            if let Some(child) = uint(refs + i * ref_size, ref_size) {
                pending.push((child, depth + 1));
            }
        }
    }
    shape
}

pub(crate) fn string(dict: &Dictionary, key: &str) -> Option<String> {
    dict.get(key).and_then(Value::as_string).map(str::to_string)
}

/// Parses a `.strings` file: binary or XML plist, or the text form
/// `"key" = "value";` with comments, in UTF-8 or UTF-16 (with a BOM).
pub(crate) fn strings_file(bytes: &[u8]) -> BTreeMap<String, String> {
    if looks_like_plist(bytes) {
        return dictionary(bytes)
            .map(|d| {
                d.iter()
                    .filter_map(|(k, v)| v.as_string().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
    }
    parse_strings_text(&decode_text(bytes))
}

fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |units: &[u8], le: bool| -> String {
        let iter = units.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(iter)
            .map(|c| c.unwrap_or('\u{fffd}'))
            .collect()
    };
    match bytes {
        [0xff, 0xfe, rest @ ..] => utf16(rest, true),
        [0xfe, 0xff, rest @ ..] => utf16(rest, false),
        [0xef, 0xbb, 0xbf, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        // UTF-16 without a BOM: ASCII text has a NUL in every other byte.
        [a, 0, ..] if *a != 0 => utf16(bytes, true),
        [0, b, ..] if *b != 0 => utf16(bytes, false),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The text form: `key = value;` pairs, keys and values quoted or bare, with
/// `/* */` and `//` comments and backslash escapes.
fn parse_strings_text(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = text.chars().peekable();
    let mut tokens: Vec<String> = Vec::new();
    while let Some(&c) = chars.peek() {
        match c {
            '/' => {
                chars.next();
                match chars.peek() {
                    Some('*') => {
                        let mut last = ' ';
                        for c in chars.by_ref() {
                            if last == '*' && c == '/' {
                                break;
                            }
                            last = c;
                        }
                    }
                    Some('/') => {
                        for c in chars.by_ref() {
                            if c == '\n' {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            '"' => {
                chars.next();
                let mut token = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => token.push('\n'),
                            Some('t') => token.push('\t'),
                            Some('r') => token.push('\r'),
                            Some(other) => token.push(other),
                            None => break,
                        },
                        other => token.push(other),
                    }
                }
                tokens.push(token);
            }
            '=' => {
                chars.next();
                tokens.push("=".into());
            }
            ';' => {
                chars.next();
                if let [key, eq, value] = tokens.as_slice() {
                    if eq == "=" {
                        out.insert(key.clone(), value.clone());
                    }
                }
                tokens.clear();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            _ => {
                let mut token = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '=' | ';' | '"') {
                        break;
                    }
                    token.push(c);
                    chars.next();
                }
                tokens.push(token);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_with_comments_escapes_and_bare_keys() {
        let text = "/* name */\n\"CFBundleDisplayName\" = \"示例 \\\"笔记\\\"\";\n// c\nCFBundleName = Notes;\n";
        let parsed = strings_file(text.as_bytes());
        assert_eq!(parsed["CFBundleDisplayName"], "示例 \"笔记\"");
        assert_eq!(parsed["CFBundleName"], "Notes");
    }

    #[test]
    fn utf16_strings_with_and_without_bom() {
        let text = "\"CFBundleDisplayName\" = \"笔记\";";
        let mut le = vec![0xff, 0xfe];
        text.encode_utf16()
            .for_each(|u| le.extend_from_slice(&u.to_le_bytes()));
        assert_eq!(strings_file(&le)["CFBundleDisplayName"], "笔记");
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(strings_file(&be)["CFBundleDisplayName"], "笔记");
    }

    #[test]
    fn shapes_within_limits_parse() {
        let xml = b"<?xml version=\"1.0\"?><!-- <array> --><plist version='1.0'><dict>\
            <key>a&amp;b</key><array><dict/><array/><string><![CDATA[<dict>]]></string></array>\
            </dict></plist>";
        assert!(dictionary(xml).is_ok());
        assert!(dictionary(b"{ a = (b, \"(((\", { c = d; }); /* ( */ }").is_ok());
    }

    #[test]
    fn deep_text_plists_and_unknown_entities_are_refused() {
        let deep = format!("{{ a = {}{}; }}", "(".repeat(100), ")".repeat(100));
        let err = dictionary(deep.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("nested deeper than 64 levels"), "{err}");
        let xml =
            b"<plist><dict><key>CFBundleIdentifier</key><string>&bundle;</string></dict></plist>";
        let err = dictionary(xml).unwrap_err().to_string();
        assert!(err.contains("unknown XML entity &bundle;"), "{err}");
        let many = format!(
            "<plist><array>{}</array></plist>",
            "<true/>".repeat(MAX_VALUES)
        );
        assert!(matches!(
            dictionary(many.as_bytes()),
            Err(PlistError::Refused(e)) if e.contains("more than")
        ));
    }

    #[test]
    fn binary_plist_strings() {
        let mut dict = Dictionary::new();
        dict.insert("CFBundleDisplayName".into(), Value::String("笔记".into()));
        let mut bytes = Vec::new();
        Value::Dictionary(dict)
            .to_writer_binary(&mut bytes)
            .unwrap();
        assert_eq!(strings_file(&bytes)["CFBundleDisplayName"], "笔记");
        assert!(dictionary(b"not a plist").is_err());
    }
}

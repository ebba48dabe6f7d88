//! Property lists (XML and binary, through the `plist` crate) and the
//! `InfoPlist.strings` files that localize them (text in UTF-8 or UTF-16, or binary).

use plist::{Dictionary, Value};
use std::collections::BTreeMap;

/// Whether `bytes` start like an XML or binary plist.
pub fn looks_like_plist(bytes: &[u8]) -> bool {
    [&b"<?xml"[..], b"bplist", b"<!DOCTYPE plist", b"<plist"]
        .iter()
        .any(|magic| bytes.starts_with(magic))
}

/// Parses an XML or binary plist whose root is a dictionary.
pub fn dictionary(bytes: &[u8]) -> Result<Dictionary, String> {
    match Value::from_reader(std::io::Cursor::new(bytes)) {
        Ok(Value::Dictionary(dict)) => Ok(dict),
        Ok(_) => Err("the plist's root is not a dictionary".into()),
        Err(e) => Err(format!("not a property list: {e}")),
    }
}

pub fn string(dict: &Dictionary, key: &str) -> Option<String> {
    dict.get(key).and_then(Value::as_string).map(str::to_string)
}

/// Parses a `.strings` file: binary or XML plist, or the text form
/// `"key" = "value";` with comments, in UTF-8 or UTF-16 (with a BOM).
pub fn strings_file(bytes: &[u8]) -> BTreeMap<String, String> {
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

//! JAR manifest (META-INF/MANIFEST.MF) and signature file (.SF) syntax, as Android's
//! verifier reads it: a main section, then sections separated by empty lines; each
//! section a run of `Name: value` attributes, a line that starts with one space
//! continuing the one before; lines end with CR LF, LF or CR. Each section keeps the
//! exact bytes it spans in the file (its empty terminating line included), since the
//! .SF digests cover those bytes.
//!
//! Sections are read one at a time: a caller keeps only what it needs of each.

use std::borrow::Cow;
use thiserror::Error;

/// One attribute, continuation lines joined, split at the first ": " (a line without one
/// is a name with an empty value). Not valid UTF-8 is read with replacement characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// One section and where it lies in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section<'a> {
    /// Offset of the section's first byte in the file.
    pub start: usize,
    /// The section's bytes: its lines and the empty line that ends it, if any.
    pub bytes: &'a [u8],
    pub attributes: Vec<Attribute<'a>>,
}

impl Section<'_> {
    /// The section's name: the value of its first attribute when that is `Name`.
    pub(crate) fn name(&self) -> Option<&str> {
        self.attributes
            .first()
            .filter(|a| a.name.eq_ignore_ascii_case("Name"))
            .map(|a| a.value.as_ref())
    }

    /// The value of the first attribute called `name` (names are case-insensitive).
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value.as_ref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum ManifestError {
    #[error("a section has more than {MAX_ATTRIBUTES} attributes")]
    TooManyAttributes,
    #[error("an attribute is longer than {MAX_ATTRIBUTE} bytes")]
    AttributeTooLong,
    #[error("it has more than {MAX_SECTIONS} sections")]
    TooManySections,
}

/// A section names one entry and its digests: a few attributes. Hostile files stop here.
const MAX_ATTRIBUTES: usize = 1024;
/// An entry name is at most 64 KiB (the zip's 16-bit length), plus `Name: `.
const MAX_ATTRIBUTE: usize = (64 << 10) + 64;
/// A section per zip entry (src/input's limit is 200,000) and the main section.
pub(crate) const MAX_SECTIONS: usize = 200_001;

/// The sections of a manifest or signature file, the main section first.
pub(crate) struct Sections<'a> {
    data: &'a [u8],
    position: usize,
    read: usize,
    done: bool,
}

pub(crate) fn sections(data: &[u8]) -> Sections<'_> {
    Sections {
        data,
        position: 0,
        read: 0,
        done: false,
    }
}

impl<'a> Sections<'a> {
    /// The next line (without its line end) and the offset just past its line end.
    fn line_at(&self, at: usize) -> Option<(&'a [u8], usize)> {
        let rest = self.data.get(at..).filter(|r| !r.is_empty())?;
        match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
            None => Some((rest, self.data.len())),
            Some(end) => {
                let crlf = rest.get(end..end + 2) == Some(b"\r\n");
                Some((&rest[..end], at + end + if crlf { 2 } else { 1 }))
            }
        }
    }

    fn read_section(&mut self) -> Result<Option<Section<'a>>, ManifestError> {
        // Empty lines before a section belong to none.
        let start = loop {
            match self.line_at(self.position) {
                None => return Ok(None),
                Some(([], next)) => self.position = next,
                Some(_) => break self.position,
            }
        };
        let mut attributes = Vec::new();
        let mut current: Option<Cow<'a, [u8]>> = None;
        while let Some((line, next)) = self.line_at(self.position) {
            self.position = next;
            if line.is_empty() {
                break;
            }
            match (&mut current, line.split_first()) {
                (Some(joined), Some((b' ', more))) => {
                    if joined.len() + more.len() > MAX_ATTRIBUTE {
                        return Err(ManifestError::AttributeTooLong);
                    }
                    joined.to_mut().extend_from_slice(more);
                }
                _ => {
                    if let Some(done) = current.take() {
                        push_attribute(&mut attributes, done)?;
                    }
                    if line.len() > MAX_ATTRIBUTE {
                        return Err(ManifestError::AttributeTooLong);
                    }
                    current = Some(Cow::Borrowed(line));
                }
            }
        }
        if let Some(done) = current {
            push_attribute(&mut attributes, done)?;
        }
        Ok(Some(Section {
            start,
            bytes: &self.data[start..self.position],
            attributes,
        }))
    }
}

fn push_attribute<'a>(
    attributes: &mut Vec<Attribute<'a>>,
    line: Cow<'a, [u8]>,
) -> Result<(), ManifestError> {
    if attributes.len() >= MAX_ATTRIBUTES {
        return Err(ManifestError::TooManyAttributes);
    }
    let text = match line {
        Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes),
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    };
    let attribute = match text.find(": ") {
        None => Attribute {
            name: text,
            value: Cow::Borrowed(""),
        },
        Some(at) => match text {
            Cow::Borrowed(text) => Attribute {
                name: Cow::Borrowed(&text[..at]),
                value: Cow::Borrowed(&text[at + 2..]),
            },
            Cow::Owned(text) => Attribute {
                name: Cow::Owned(text[..at].to_string()),
                value: Cow::Owned(text[at + 2..].to_string()),
            },
        },
    };
    attributes.push(attribute);
    Ok(())
}

impl<'a> Iterator for Sections<'a> {
    type Item = Result<Section<'a>, ManifestError>;

    /// Stops after the first error.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let section = self.read_section().and_then(|section| {
            self.read += usize::from(section.is_some());
            if self.read > MAX_SECTIONS {
                return Err(ManifestError::TooManySections);
            }
            Ok(section)
        });
        self.done = !matches!(section, Ok(Some(_)));
        section.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &[u8]) -> Vec<Section<'_>> {
        sections(data).collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn sections_keep_their_bytes_and_join_continuations() {
        let data = b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a/very/long/na\r\n me.txt\r\nSHA-256-Digest: AAA=\r\n\r\n\r\nname: b\nX: 1\n";
        let found = all(data);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].start, 0);
        assert_eq!(
            found[0].bytes,
            b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\n"
        );
        assert_eq!(found[0].value("created-by"), Some("x"));
        assert_eq!(found[0].name(), None);
        assert_eq!(found[1].name(), Some("a/very/long/name.txt"));
        assert_eq!(found[1].value("sha-256-digest"), Some("AAA="));
        assert!(found[1].bytes.ends_with(b"AAA=\r\n\r\n"));
        // The extra empty line belongs to no section; the last ends at the end of the file.
        assert_eq!(found[2].start, data.len() - b"name: b\nX: 1\n".len());
        assert_eq!(found[2].name(), Some("b"));
        assert_eq!(found[2].bytes, b"name: b\nX: 1\n");
    }

    #[test]
    fn cr_alone_ends_a_line_and_odd_lines_are_read_as_android_reads_them() {
        let found = all(b"A: 1\rB\r\rName:x\r C\r\n");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].attributes.len(), 2);
        assert_eq!(found[0].value("B"), Some(""));
        // No ": " separator: the whole line is a name, so the section has no name.
        assert_eq!(found[1].name(), None);
        assert_eq!(found[1].value("Name:xC"), Some(""));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = vec![b'a'; MAX_ATTRIBUTE + 1];
        assert_eq!(
            sections(&long).next(),
            Some(Err(ManifestError::AttributeTooLong))
        );
        let mut continued = b"A: ".to_vec();
        for _ in 0..MAX_ATTRIBUTE {
            continued.extend_from_slice(b"\n b");
        }
        assert_eq!(
            sections(&continued).next(),
            Some(Err(ManifestError::AttributeTooLong))
        );
        let many = b"a\n".repeat(MAX_ATTRIBUTES + 1);
        assert_eq!(
            sections(&many).next(),
            Some(Err(ManifestError::TooManyAttributes))
        );
        let sections_many = b"a\n\n".repeat(MAX_SECTIONS + 1);
        let mut it = sections(&sections_many);
        assert_eq!(it.by_ref().filter(Result::is_ok).count(), MAX_SECTIONS);
        assert!(it.next().is_none());
        assert!(sections(b"").next().is_none());
        assert!(sections(b"\n\r\n\r").next().is_none());
    }
}

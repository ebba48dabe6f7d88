//! Android binary XML (compiled AndroidManifest.xml): elements with their
//! attributes, in document order.

use super::res::{Chunk, ResError, StringPool, Value, CHUNK_STRING_POOL, TYPE_STRING};
use crate::bytes::{u32_at, Reader};
use std::collections::HashMap;
use std::sync::Arc;

const CHUNK_XML: u16 = 0x0003;
const CHUNK_RESOURCE_MAP: u16 = 0x0180;
const CHUNK_START_ELEMENT: u16 = 0x0102;
const CHUNK_END_ELEMENT: u16 = 0x0103;
const CHUNK_CDATA: u16 = 0x0104;
const NO_INDEX: u32 = 0xffff_ffff;
/// Manifests have dozens of elements; a million means a hostile file.
const MAX_ELEMENTS: usize = 1 << 20;

/// Strings are shared: a document may name one pool string from every attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrValue {
    String(Arc<str>),
    Typed(Value),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub name: Arc<str>,
    /// The framework attribute id from the resource map, e.g. 0x0101021b.
    pub resource_id: Option<u32>,
    pub value: AttrValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: Arc<str>,
    /// 1 for the root element.
    pub depth: usize,
    pub attributes: Vec<Attribute>,
    /// Character data inside the element, e.g. a <domain>'s host name, untrimmed.
    pub text: Option<Arc<str>>,
}

impl Element {
    /// The attribute with this framework id, or failing that this name.
    /// Android matches by id; the name covers manifests with no resource map.
    pub(crate) fn attribute(&self, resource_id: u32, name: &str) -> Option<&AttrValue> {
        self.attributes
            .iter()
            .find(|a| a.resource_id == Some(resource_id))
            .or_else(|| {
                self.attributes
                    .iter()
                    .find(|a| a.resource_id.is_none() && &*a.name == name)
            })
            .map(|a| &a.value)
    }

    /// An attribute without a framework id, such as the manifest's `package`.
    pub(crate) fn plain_attribute(&self, name: &str) -> Option<&AttrValue> {
        self.attributes
            .iter()
            .find(|a| &*a.name == name)
            .map(|a| &a.value)
    }
}

/// Parses a binary XML document into its elements.
pub(crate) fn parse(data: &[u8]) -> Result<Vec<Element>, ResError> {
    let root = Chunk::read(data, 0)?;
    if root.kind != CHUNK_XML {
        return Err(ResError::Malformed(format!(
            "not binary XML: first chunk is 0x{:04x}",
            root.kind
        )));
    }
    let mut pool = None;
    let mut resource_map: &[u8] = &[];
    let mut elements = Vec::new();
    let mut depth = 0usize;
    for chunk in Chunk::children(data, root.body_start(), root.end) {
        let chunk = chunk?;
        match chunk.kind {
            CHUNK_STRING_POOL if pool.is_none() => {
                pool = Some(Strings::new(StringPool::parse(data, chunk)?))
            }
            CHUNK_RESOURCE_MAP => resource_map = &data[chunk.body_start()..chunk.end],
            CHUNK_START_ELEMENT => {
                let pool = pool
                    .as_mut()
                    .ok_or_else(|| ResError::Malformed("element before the string pool".into()))?;
                depth += 1;
                if elements.len() >= MAX_ELEMENTS {
                    return Err(ResError::Malformed("too many elements".into()));
                }
                elements.push(read_element(data, chunk, pool, resource_map, depth)?);
            }
            CHUNK_END_ELEMENT => depth = depth.saturating_sub(1),
            CHUNK_CDATA => {
                // ResXMLTree_cdataExt: the text's string index, then a typed value.
                let text = u32_at(&data[..chunk.end], chunk.body_start())
                    .and_then(|i| pool.as_mut()?.get(i));
                if let (Some(text), Some(element)) = (text, elements.last_mut()) {
                    if element.depth == depth {
                        element.text = Some(text);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(elements)
}

/// The document's strings, each decoded once and shared by every reference.
struct Strings<'a> {
    pool: StringPool<'a>,
    decoded: HashMap<u32, Option<Arc<str>>>,
    empty: Arc<str>,
}

impl<'a> Strings<'a> {
    fn new(pool: StringPool<'a>) -> Self {
        Strings {
            pool,
            decoded: HashMap::new(),
            empty: Arc::from(""),
        }
    }

    fn get(&mut self, index: u32) -> Option<Arc<str>> {
        let pool = &self.pool;
        self.decoded
            .entry(index)
            .or_insert_with(|| pool.get(index).map(Arc::from))
            .clone()
    }

    fn get_or_empty(&mut self, index: u32) -> Arc<str> {
        self.get(index).unwrap_or_else(|| self.empty.clone())
    }
}

fn read_element(
    data: &[u8],
    chunk: Chunk,
    pool: &mut Strings<'_>,
    resource_map: &[u8],
    depth: usize,
) -> Result<Element, ResError> {
    let body = &data[..chunk.end];
    let ext = chunk.body_start();
    let mut r = Reader::at(body, ext)?;
    let _ns = r.u32()?;
    let name = pool.get_or_empty(r.u32()?);
    let attribute_start = r.u16()? as usize;
    let attribute_size = r.u16()? as usize;
    let attribute_count = r.u16()? as usize;
    if attribute_size < 20 {
        return Err(ResError::Malformed(format!(
            "element <{name}> has {attribute_size}-byte attributes"
        )));
    }
    let mut attributes = Vec::new();
    for i in 0..attribute_count {
        let mut a = Reader::at(body, ext + attribute_start + i * attribute_size)?;
        let _ns = a.u32()?;
        let name_index = a.u32()?;
        let raw_value = a.u32()?;
        let typed = Value::read(&mut a)?;
        let resource_id = u32_at(resource_map, name_index as usize * 4).filter(|id| *id != 0);
        let value = if typed.data_type == TYPE_STRING {
            AttrValue::String(pool.get_or_empty(typed.data))
        } else if raw_value != NO_INDEX && typed.data_type == 0 {
            AttrValue::String(pool.get_or_empty(raw_value))
        } else {
            AttrValue::Typed(typed)
        };
        attributes.push(Attribute {
            name: pool.get_or_empty(name_index),
            resource_id,
            value,
        });
    }
    Ok(Element {
        name,
        depth,
        attributes,
        text: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::android::res::tests::pool_chunk;

    fn chunk(kind: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
        let header_size = 8 + header.len();
        let mut out = Vec::new();
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(header_size as u16).to_le_bytes());
        out.extend_from_slice(&((header_size + body.len()) as u32).to_le_bytes());
        out.extend_from_slice(header);
        out.extend_from_slice(body);
        out
    }

    /// A minimal document: <manifest package="com.example" versionCode=7>
    /// with a resource map naming versionCode.
    pub(crate) fn sample_manifest() -> Vec<u8> {
        let strings = pool_chunk(
            &["versionCode", "package", "manifest", "com.example"],
            false,
        );
        let map = chunk(CHUNK_RESOURCE_MAP, &[], &0x0101021bu32.to_le_bytes());
        let mut ext = Vec::new();
        ext.extend_from_slice(&NO_INDEX.to_le_bytes()); // ns
        ext.extend_from_slice(&2u32.to_le_bytes()); // name "manifest"
        ext.extend_from_slice(&20u16.to_le_bytes()); // attributeStart
        ext.extend_from_slice(&20u16.to_le_bytes()); // attributeSize
        ext.extend_from_slice(&2u16.to_le_bytes()); // attributeCount
        ext.extend_from_slice(&[0; 6]);
        for (name, raw, ty, data) in [(0u32, NO_INDEX, 0x10u8, 7u32), (1, 3, 0x03, 3)] {
            ext.extend_from_slice(&NO_INDEX.to_le_bytes());
            ext.extend_from_slice(&name.to_le_bytes());
            ext.extend_from_slice(&raw.to_le_bytes());
            ext.extend_from_slice(&[8, 0, 0, ty]);
            ext.extend_from_slice(&data.to_le_bytes());
        }
        let mut line = Vec::new();
        line.extend_from_slice(&1u32.to_le_bytes());
        line.extend_from_slice(&NO_INDEX.to_le_bytes());
        let start = chunk(CHUNK_START_ELEMENT, &line, &ext);
        let mut end_body = Vec::new();
        end_body.extend_from_slice(&NO_INDEX.to_le_bytes());
        end_body.extend_from_slice(&2u32.to_le_bytes());
        let end = chunk(CHUNK_END_ELEMENT, &line, &end_body);
        let body = [strings, map, start, end].concat();
        chunk(CHUNK_XML, &[], &body)
    }

    #[test]
    fn reads_elements_and_typed_attributes() {
        let elements = parse(&sample_manifest()).unwrap();
        assert_eq!(elements.len(), 1);
        let manifest = &elements[0];
        assert_eq!(&*manifest.name, "manifest");
        assert_eq!(manifest.depth, 1);
        assert_eq!(
            manifest.attribute(0x0101021b, "versionCode"),
            Some(&AttrValue::Typed(Value {
                data_type: 0x10,
                data: 7
            }))
        );
        assert_eq!(
            manifest.plain_attribute("package"),
            Some(&AttrValue::String("com.example".into()))
        );
    }

    #[test]
    fn every_truncation_is_an_error_or_a_shorter_document() {
        let doc = sample_manifest();
        for len in 0..doc.len() {
            // Must not panic; a cut inside a chunk is always an error.
            let _ = parse(&doc[..len]);
        }
        assert!(parse(&doc[..doc.len() - 1]).is_err());
    }
}

//! _CodeSignature/CodeResources: the seal over a bundle's files. `files2` (or the
//! older `files`) lists each file's hash, and `rules2` (`rules`) says which files may
//! be left out (`omit`, `exclude`), which may be absent (`optional`) and which are
//! nested code sealed by their own signature (`cdhash`).

use super::bundle::Bundle;
use crate::crypto::DigestAlgorithm;
use crate::report::{Finding, VerifyCode};
use plist::{Dictionary, Value};
use std::collections::BTreeMap;
use std::io::Read;

/// Rules are a dozen patterns; a seal with more is hostile.
const MAX_RULES: usize = 256;
const MAX_PATTERN: usize = 1024;
/// Compiled size of one rule's pattern.
const MAX_REGEX_SIZE: usize = 1 << 20;
/// A symbolic link's target as a zip entry holds it.
const MAX_LINK: u64 = 4 << 10;
const READ_CHUNK: usize = 64 << 10;

/// What the seal says of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sealed {
    /// (algorithm, hash): SHA-256 from `hash2`, else SHA-1 from `hash`.
    pub hash: Option<(DigestAlgorithm, Vec<u8>)>,
    pub optional: bool,
    pub symlink: Option<String>,
    /// Nested code: the CDHash of its signature (its first 20 bytes).
    pub cdhash: Option<Vec<u8>>,
}

#[derive(Debug)]
struct Rule {
    pattern: regex_lite::Regex,
    weight: f64,
    /// `omit` or `exclude`: the file is left out of the seal.
    left_out: bool,
}

#[derive(Debug)]
pub(crate) struct CodeResources {
    pub files: BTreeMap<String, Sealed>,
    rules: Vec<Rule>,
}

impl CodeResources {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        let dictionary = super::property_list::dictionary(bytes).map_err(|e| e.to_string())?;
        // files2/rules2 since OS X 10.9; files/rules before.
        let (files_key, rules_key) = if dictionary.contains_key("files2") {
            ("files2", "rules2")
        } else {
            ("files", "rules")
        };
        let listed = dictionary
            .get(files_key)
            .and_then(Value::as_dictionary)
            .ok_or("it has no files2 or files dictionary")?;
        let files = listed
            .iter()
            .map(|(path, value)| Ok((path.clone(), sealed(path, value)?)))
            .collect::<Result<_, String>>()?;
        let rules = match dictionary.get(rules_key).and_then(Value::as_dictionary) {
            Some(rules) => parse_rules(rules)?,
            None => Vec::new(),
        };
        Ok(CodeResources { files, rules })
    }

    /// Whether the rule of greatest weight that matches `path` leaves it out.
    pub(crate) fn left_out(&self, path: &str) -> bool {
        self.rules
            .iter()
            .filter(|rule| rule.pattern.is_match(path))
            .max_by(|a, b| a.weight.total_cmp(&b.weight))
            .is_some_and(|rule| rule.left_out)
    }
}

fn sealed(path: &str, value: &Value) -> Result<Sealed, String> {
    let bad = |what: &str| format!("the entry {path:?} {what}");
    // `files` entries are the SHA-1 alone, or a dictionary.
    if let Some(hash) = value.as_data() {
        return Ok(Sealed {
            hash: Some((DigestAlgorithm::Sha1, hash.to_vec())),
            ..Sealed::default()
        });
    }
    let entry = value
        .as_dictionary()
        .ok_or_else(|| bad("is neither a hash nor a dictionary"))?;
    let data = |key: &str| entry.get(key).and_then(Value::as_data).map(<[u8]>::to_vec);
    let hash = data("hash2")
        .map(|h| (DigestAlgorithm::Sha256, h))
        .or_else(|| data("hash").map(|h| (DigestAlgorithm::Sha1, h)));
    let out = Sealed {
        hash,
        optional: entry.get("optional").and_then(Value::as_boolean) == Some(true),
        symlink: entry
            .get("symlink")
            .and_then(Value::as_string)
            .map(str::to_string),
        cdhash: data("cdhash"),
    };
    if out.hash.is_none() && out.symlink.is_none() && out.cdhash.is_none() {
        return Err(bad("has no hash, symlink or cdhash"));
    }
    Ok(out)
}

fn parse_rules(rules: &Dictionary) -> Result<Vec<Rule>, String> {
    if rules.len() > MAX_RULES {
        return Err(format!("it has {} rules", rules.len()));
    }
    let mut out = Vec::new();
    for (pattern, value) in rules {
        if pattern.len() > MAX_PATTERN {
            return Err(format!("a rule's pattern is {} bytes long", pattern.len()));
        }
        let compiled = regex_lite::RegexBuilder::new(pattern)
            .size_limit(MAX_REGEX_SIZE)
            .build()
            .map_err(|e| format!("the rule {pattern:?} is not a pattern: {e}"))?;
        // `true` is a plain rule of weight 1; a dictionary carries flags and a weight.
        let (weight, left_out) = match value.as_dictionary() {
            Some(rule) => {
                let flag = |key: &str| rule.get(key).and_then(Value::as_boolean) == Some(true);
                let weight = rule.get("weight").and_then(Value::as_real).unwrap_or(1.0);
                (weight, flag("omit") || flag("exclude"))
            }
            None => (1.0, false),
        };
        out.push(Rule {
            pattern: compiled,
            weight,
            left_out,
        });
    }
    Ok(out)
}

/// What checking the seal found, and the nested code it names by CDHash (the path of
/// the code from the bundle's root, and the CDHash sealed), for the caller to match
/// against the signatures it verified.
pub(crate) struct SealCheck {
    pub errors: Vec<Finding>,
    pub nested: Vec<(String, Vec<u8>)>,
}

/// Checks every file of the bundle at `prefix` (its files are `files`, relative to the
/// outer bundle's root) against the seal; each file is read once, as a stream.
/// `executable` (sealed by the CodeDirectory itself) and `_CodeSignature/` are not in
/// the seal. `label` names the bundle in the findings.
pub(crate) fn check(
    bundle: &mut Bundle<'_, '_>,
    files: &[String],
    prefix: &str,
    executable: &str,
    seal: &CodeResources,
    label: &str,
) -> SealCheck {
    let mut errors = Vec::new();
    let mut nested = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let nested_roots: Vec<&str> = seal
        .files
        .iter()
        .filter(|(_, s)| s.cdhash.is_some())
        .map(|(path, _)| path.as_str())
        .collect();
    for file in files {
        let Some(relative) = file.strip_prefix(prefix) else {
            continue;
        };
        if relative == executable || relative.starts_with("_CodeSignature/") {
            continue;
        }
        let Some(sealed) = seal.files.get(relative) else {
            let in_nested = nested_roots.iter().any(|root| {
                relative
                    .strip_prefix(root)
                    .is_some_and(|r| r.starts_with('/'))
            });
            if !in_nested && !seal.left_out(relative) {
                errors.push(Finding::new(
                    VerifyCode::EntryNotCovered,
                    format!("{label}{relative} is not sealed by {label}_CodeSignature/CodeResources: a file was added after signing"),
                ));
            }
            continue;
        };
        seen.insert(relative);
        if let Some(cdhash) = &sealed.cdhash {
            nested.push((file.clone(), cdhash.clone()));
        } else if let Some(target) = &sealed.symlink {
            check_link(bundle, file, target, label, relative, &mut errors);
        } else if let Some((algorithm, expected)) = &sealed.hash {
            check_hash(
                bundle,
                file,
                *algorithm,
                expected,
                label,
                relative,
                &mut errors,
            );
        }
    }
    for (path, sealed) in &seal.files {
        if seen.contains(path.as_str()) || sealed.optional {
            continue;
        }
        if let Some(target) = &sealed.symlink {
            // Unpacked bundles list no links among their files.
            if let Ok(Some(_)) = bundle.link_target(&format!("{prefix}{path}"), MAX_LINK) {
                check_link(
                    bundle,
                    &format!("{prefix}{path}"),
                    target,
                    label,
                    path,
                    &mut errors,
                );
                continue;
            }
        }
        let directory = format!("{prefix}{path}/");
        if sealed.cdhash.is_some() && files.iter().any(|f| f.starts_with(&directory)) {
            nested.push((
                format!("{prefix}{path}"),
                sealed.cdhash.clone().unwrap_or_default(),
            ));
            continue;
        }
        errors.push(Finding::new(
            VerifyCode::EntryMissing,
            format!(
                "{label}{path} is sealed by {label}_CodeSignature/CodeResources but missing from the bundle"
            ),
        ));
    }
    SealCheck { errors, nested }
}

fn check_hash(
    bundle: &mut Bundle<'_, '_>,
    file: &str,
    algorithm: DigestAlgorithm,
    expected: &[u8],
    label: &str,
    relative: &str,
    errors: &mut Vec<Finding>,
) {
    let digest = match bundle.open(file) {
        Ok(Some(entry)) => hash_stream(entry.reader, algorithm),
        Ok(None) => Err("it cannot be opened".to_string()),
        Err(e) => Err(e.to_string()),
    };
    match digest {
        Ok(digest) if digest == expected => {}
        Ok(_) => errors.push(Finding::new(
            VerifyCode::DigestMismatch,
            format!(
                "the {} of {label}{relative} does not match the one sealed in {label}_CodeSignature/CodeResources: the file was changed after signing",
                algorithm.name()
            ),
        )),
        Err(e) => errors.push(Finding::new(
            VerifyCode::ReadFailed,
            format!("{label}{relative}: {e}"),
        )),
    }
}

/// The digest of a stream, read a chunk at a time.
pub(crate) fn hash_stream(
    mut reader: impl Read,
    algorithm: DigestAlgorithm,
) -> Result<Vec<u8>, String> {
    let mut hasher = algorithm.hasher();
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(buffer.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read: {e}")),
        }
    }
}

/// A sealed symbolic link: in an IPA, an entry whose content is the target; in an
/// unpacked bundle, the link itself.
fn check_link(
    bundle: &mut Bundle<'_, '_>,
    file: &str,
    target: &str,
    label: &str,
    relative: &str,
    errors: &mut Vec<Finding>,
) {
    let found = match bundle.link_target(file, MAX_LINK) {
        Ok(found) => found,
        Err(e) => {
            errors.push(Finding::new(
                VerifyCode::ReadFailed,
                format!("{label}{relative}: {e}"),
            ));
            return;
        }
    };
    if found.as_deref() != Some(target) {
        errors.push(Finding::new(
            VerifyCode::DigestMismatch,
            format!("{label}{relative} is sealed as a link to {target:?} but is not one: it was changed after signing"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>files2</key><dict>
  <key>a.png</key><dict><key>hash2</key><data>AAAA</data></dict>
  <key>fr.lproj/x.strings</key><dict><key>hash2</key><data>AAAA</data><key>optional</key><true/></dict>
  <key>Frameworks/F.framework</key><dict><key>cdhash</key><data>AAAA</data><key>requirement</key><string>x</string></dict>
</dict>
<key>rules2</key><dict>
  <key>^.*</key><true/>
  <key>^(.*/)?\.DS_Store$</key><dict><key>omit</key><true/><key>weight</key><real>2000</real></dict>
  <key>^Info\.plist$</key><dict><key>omit</key><true/><key>weight</key><real>20</real></dict>
  <key>^.*\.lproj/</key><dict><key>optional</key><true/><key>weight</key><real>1000</real></dict>
  <key>^.*\.lproj/locversion.plist$</key><dict><key>omit</key><true/><key>weight</key><real>1100</real></dict>
</dict></dict></plist>"#;

    #[test]
    fn rules_leave_out_by_weight() {
        let seal = CodeResources::parse(SEAL.as_bytes()).unwrap();
        assert_eq!(seal.files.len(), 3);
        assert!(seal.files["fr.lproj/x.strings"].optional);
        assert!(seal.files["Frameworks/F.framework"].cdhash.is_some());
        assert!(seal.left_out("Info.plist"));
        assert!(seal.left_out("a/b/.DS_Store"));
        assert!(seal.left_out("en.lproj/locversion.plist"));
        assert!(!seal.left_out("en.lproj/other.strings"));
        assert!(!seal.left_out("sub/Info.plist"));
        assert!(!seal.left_out("b.png"));
    }

    /// An unpacked bundle against a seal: a good file, a changed one, a link, an
    /// optional file absent, a sealed file absent, an unsealed file, an omitted one,
    /// and the files of nested code sealed by CDHash.
    #[cfg(unix)]
    #[test]
    fn an_unpacked_bundle_against_its_seal() {
        use base64::Engine;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, bytes: &[u8]| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        };
        write("good.txt", b"good");
        write("changed.txt", b"changed");
        write("unsealed.txt", b"x");
        write(".DS_Store", b"x");
        write("App", b"code");
        write("Frameworks/F.framework/F", b"nested");
        write("_CodeSignature/CodeResources", b"seal");
        std::os::unix::fs::symlink("good.txt", root.join("link")).unwrap();
        let hash = |bytes: &[u8]| {
            base64::engine::general_purpose::STANDARD.encode(DigestAlgorithm::Sha256.digest(bytes))
        };
        let entry = |key: &str, body: String| format!("<key>{key}</key><dict>{body}</dict>");
        let files = [
            entry(
                "good.txt",
                format!("<key>hash2</key><data>{}</data>", hash(b"good")),
            ),
            entry(
                "changed.txt",
                format!("<key>hash2</key><data>{}</data>", hash(b"before")),
            ),
            entry("link", "<key>symlink</key><string>good.txt</string>".into()),
            entry(
                "gone.txt",
                format!("<key>hash2</key><data>{}</data>", hash(b"x")),
            ),
            entry(
                "maybe.txt",
                format!(
                    "<key>hash2</key><data>{}</data><key>optional</key><true/>",
                    hash(b"x")
                ),
            ),
            entry(
                "Frameworks/F.framework",
                "<key>cdhash</key><data>AAAA</data>".into(),
            ),
        ]
        .concat();
        let plist = format!(
            "<plist><dict><key>files2</key><dict>{files}</dict><key>rules2</key><dict>\
             <key>^.*</key><true/><key>^(.*/)?\\.DS_Store$</key><dict><key>omit</key><true/>\
             <key>weight</key><real>2000</real></dict></dict></dict></plist>"
        );
        let seal = CodeResources::parse(plist.as_bytes()).unwrap();
        let mut bundle = Bundle::Dir {
            root: root.to_path_buf(),
        };
        let listed = bundle.files();
        let check = super::check(&mut bundle, &listed, "", "App", &seal, "X.app/");
        let mut found: Vec<(VerifyCode, &str)> = check
            .errors
            .iter()
            .map(|f| {
                (
                    f.code,
                    f.message
                        .split(' ')
                        .find(|w| w.starts_with("X.app/"))
                        .unwrap(),
                )
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (VerifyCode::DigestMismatch, "X.app/changed.txt"),
                (VerifyCode::EntryNotCovered, "X.app/unsealed.txt"),
                (VerifyCode::EntryMissing, "X.app/gone.txt"),
            ]
        );
        assert_eq!(
            check.nested,
            [("Frameworks/F.framework".to_string(), vec![0u8; 3])]
        );
        // The link changed.
        std::fs::remove_file(root.join("link")).unwrap();
        std::os::unix::fs::symlink("changed.txt", root.join("link")).unwrap();
        let check = super::check(&mut bundle, &listed, "", "App", &seal, "X.app/");
        assert!(check
            .errors
            .iter()
            .any(|f| f.code == VerifyCode::DigestMismatch && f.message.contains("X.app/link")));
    }

    #[test]
    fn hostile_seals_are_refused() {
        assert!(CodeResources::parse(b"<plist><dict/></plist>").is_err());
        let bad_rule = SEAL.replace("^.*</key>", "(</key>");
        assert!(CodeResources::parse(bad_rule.as_bytes()).is_err());
        let empty_entry = SEAL.replace("<key>hash2</key><data>AAAA</data></dict>", "</dict>");
        assert!(CodeResources::parse(empty_entry.as_bytes()).is_err());
    }
}

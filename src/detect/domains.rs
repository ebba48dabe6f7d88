//! Hosts the app talks to, from URLs in its strings and from the places that
//! name hosts (manifest, network security config, ATS), grouped by
//! registrable domain with the Public Suffix List, each attributed to whoever's
//! code or files hold it (docs/detection.md): only the app's own are suggested
//! for filing.

use crate::android::dex::{class_name, Dex};
use crate::android::dex_code;
use crate::report::{DetectedSdk, DomainClass};
use memchr::memmem;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// Hosts that appear in URLs as XML namespaces and document types, not as servers.
const NAMESPACE_HOSTS: [&str; 7] = [
    "schemas.android.com",
    "www.w3.org",
    "schemas.xmlsoap.org",
    "xmlpull.org",
    "ns.adobe.com",
    "purl.org",
    "www.apple.com",
];

/// Domains (and their subdomains) of libraries, standards bodies and platforms: licence,
/// homepage and documentation URLs, and the platform vendors' own services (Google's and
/// Apple's hosts are never an app's to file); a detected SDK's vendor domain is its SDK's.
const LIBRARY_DOMAINS: [&str; 51] = [
    "apache.org",
    "android.com",
    "apple.com",
    "bintray.com",
    "chrome.com",
    "creativecommons.org",
    "eclipse.org",
    "ecma-international.org",
    "fsf.org",
    "g.co",
    "github.com",
    "githubusercontent.com",
    "gnu.org",
    "goo.gl",
    "google.com",
    "googlelabs.com",
    "googleapis.com",
    "googlesource.com",
    "googleusercontent.com",
    "gradle.org",
    "gstatic.com",
    "iana.org",
    "ietf.org",
    "jabber.org",
    "java.com",
    "java.net",
    "jetbrains.com",
    "json.org",
    "json-schema.org",
    "kotlinlang.org",
    "maven.org",
    "microsoft.com",
    "mozilla.org",
    "netty.io",
    "opensource.org",
    "oracle.com",
    "purl.org",
    "schema.org",
    "slf4j.org",
    "sourceforge.net",
    "squareup.com",
    "stackoverflow.com",
    "sun.com",
    "unicode.org",
    "w3.org",
    "wikipedia.org",
    "xml.org",
    "xmlpull.org",
    "xmlsoap.org",
    "xmpp.org",
    "youtube.com",
];

/// Java packages of libraries that are neither the app's nor an SDK a filing lists: the
/// platform, Kotlin, AndroidX and common open-source libraries. SDK rules are matched first.
const LIBRARY_PACKAGES: [&str; 34] = [
    "android.",
    "androidx.",
    "com.android.",
    "com.bumptech.glide.",
    "com.fasterxml.",
    "com.google.",
    "com.squareup.",
    "dalvik.",
    "io.flutter.",
    "io.netty.",
    "io.reactivex.",
    "java.",
    "javax.",
    "kotlin.",
    "kotlinx.",
    "libcore.",
    "okhttp3.",
    "okio.",
    "org.apache.",
    "org.bouncycastle.",
    "org.chromium.",
    "org.greenrobot.",
    "org.intellij.",
    "org.jetbrains.",
    "org.joda.",
    "org.json.",
    "org.jsoup.",
    "org.slf4j.",
    "org.w3c.",
    "org.xml.",
    "org.xmlpull.",
    "retrofit2.",
    "rx.",
    "sun.",
];

/// Top-level names reserved for documentation and tests (RFC 2606, RFC 6761).
const RESERVED_TOP_LEVEL: [&str; 5] = ["invalid", "test", "example", "localhost", "local"];

/// The longest host name DNS allows; longer runs are data, not hosts.
const MAX_HOST: usize = 253;
/// A scheme and a host: the most of a URL a piece boundary may cut.
const MAX_URL_START: usize = "https://".len() + MAX_HOST;
/// Streams are scanned in pieces of this size.
const PIECE: usize = 1 << 20;
/// Classes kept as evidence per owner of a host.
const MAX_EVIDENCE: usize = 3;
/// Namespaces of unknown classes kept per host: past this, the host is unknown anyway.
const MAX_NAMESPACES: usize = 8;
/// Evidence is a class name from the package, shortened past this.
const MAX_EVIDENCE_CHARS: usize = 200;

pub(crate) use crate::report::DetectedDomain;

/// Whose code holds a string: an SDK rule's (detected or not: that is known at the
/// end), a library's, or a class in some namespace (the first two labels of its package).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Sdk(&'static str),
    Library,
    Namespace(String),
}

/// A class that loads or stores a URL.
struct ClassUse {
    owners: Vec<Owner>,
    name: String,
}

/// Where a URL was found, as far as it tells whose it is.
enum Found<'c> {
    /// A file the app ships: resources, manifest, configuration, assets.
    File,
    /// Code no class can be named for: a dex string no class uses, an iOS executable.
    Unattributed,
    /// A licence, notice or credits file, named: the hosts in it are projects' and authors'.
    Notice(&'c str),
    /// The classes that use it.
    Classes(&'c [&'c ClassUse]),
}

#[derive(Default)]
struct Seen {
    sources: BTreeSet<&'static str>,
    count: usize,
    unattributed: bool,
    /// Classes by owner; namespaces beyond MAX_NAMESPACES only set `many_namespaces`.
    classes: BTreeMap<Owner, Vec<String>>,
    many_namespaces: bool,
}

impl Seen {
    fn class(&mut self, owner: &Owner, name: &str) {
        let namespaces = self
            .classes
            .keys()
            .filter(|o| matches!(o, Owner::Namespace(_)))
            .count();
        if matches!(owner, Owner::Namespace(_))
            && namespaces >= MAX_NAMESPACES
            && !self.classes.contains_key(owner)
        {
            self.many_namespaces = true;
            return;
        }
        let names = self.classes.entry(owner.clone()).or_default();
        if names.len() < MAX_EVIDENCE && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
}

#[derive(Default)]
pub(crate) struct Collector {
    hosts: BTreeMap<String, Seen>,
}

/// The position of the next `http://` or `https://` in `text`, and its length.
/// `host` as it is kept: lower-case ASCII, normalised; `None` for what is no host.
fn accepted_host(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    // Over four levels is still worth reporting; other refusals are not hosts.
    let ascii = match crate::domain_name::normalize(&host) {
        Ok(ascii) => ascii,
        Err(crate::domain_name::DomainError::TooManyLevels { .. }) => host,
        Err(_) => return None,
    };
    if NAMESPACE_HOSTS.contains(&ascii.as_str()) {
        return None;
    }
    // Only hosts under a known public suffix ("javax.xml.transform.dom" is a Java
    // package), and the reserved names, which are reported as such.
    let known = psl::suffix(ascii.as_bytes()).is_some_and(|s| s.is_known());
    if !is_reserved(&ascii) && (!known || psl::domain_str(&ascii).is_none()) {
        return None;
    }
    Some(ascii)
}

fn next_url(text: &[u8], finder: &memmem::Finder<'_>) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = finder.find(text.get(from..)?) {
        let at = from + at;
        let rest = text.get(at + 4..).unwrap_or_default();
        if rest.starts_with(b"://") {
            return Some((at, 7));
        }
        if rest.starts_with(b"s://") {
            return Some((at, 8));
        }
        from = at + 4;
    }
    None
}

fn http_finder() -> memmem::Finder<'static> {
    memmem::Finder::new(b"http")
}

impl Collector {
    /// Every `http://` or `https://` URL in `text`. URLs in an iOS executable ("macho")
    /// cannot be told from its static libraries'; those in files are the app's.
    pub(crate) fn text(&mut self, text: &str, source: &'static str) {
        let found = if source == "macho" {
            Found::Unattributed
        } else {
            Found::File
        };
        self.urls(text, source, &found, &http_finder());
    }

    fn urls(
        &mut self,
        text: &str,
        source: &'static str,
        found: &Found<'_>,
        finder: &memmem::Finder<'_>,
    ) {
        let mut rest = text;
        while let Some((at, scheme)) = next_url(rest.as_bytes(), finder) {
            let after = rest.get(at + scheme..).unwrap_or_default();
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(after.len());
            self.record(after.get(..end).unwrap_or_default(), source, found);
            rest = after.get(end..).unwrap_or_default();
        }
    }

    /// A host name as such; wildcards ("*.example.com") count as their domain.
    pub(crate) fn host(&mut self, host: &str, source: &'static str) {
        self.record(host, source, &Found::File);
    }

    /// The URLs among a dex file's strings, each attributed to the classes whose code
    /// loads it (`const-string`) or whose static fields hold it.
    pub(crate) fn dex(&mut self, data: &[u8], dex: &Dex<'_>) {
        let finder = http_finder();
        let count = u32::try_from(dex.string_count()).unwrap_or(0);
        // The URL strings' indexes, ascending, and a bit per string: most loaded strings
        // are not URLs, and a bit test turns them away at once. Dex::parse checked that
        // the string table fits in the file, so `count` bounds the allocation.
        let mut is_url = vec![0u64; (count as usize).div_ceil(64)];
        let mut indexes: Vec<u32> = Vec::new();
        let mut urls: Vec<(&[u8], Vec<usize>)> = Vec::new();
        for index in 0..count {
            if let Some(string) = dex.string(index as usize) {
                if next_url(string, &finder).is_some() {
                    if let Some(word) = is_url.get_mut(index as usize / 64) {
                        *word |= 1 << (index % 64);
                    }
                    indexes.push(index);
                    urls.push((string, Vec::new()));
                }
            }
        }
        if urls.is_empty() {
            return;
        }
        let slot = |index: u32| -> Option<usize> {
            let word = is_url.get(index as usize / 64)?;
            if word >> (index % 64) & 1 == 0 {
                return None;
            }
            indexes.binary_search(&index).ok()
        };
        let mut classes: Vec<ClassUse> = Vec::new();
        let mut budget = dex_code::Budget::for_file(data);
        for class in dex.class_defs() {
            let mut this: Option<usize> = None;
            let mut used = |index: u32| {
                let Some(url) = slot(index).and_then(|slot| urls.get_mut(slot)) else {
                    return;
                };
                let ordinal = *this.get_or_insert_with(|| {
                    classes.push(class_use(class.descriptor));
                    classes.len() - 1
                });
                if url.1.last() != Some(&ordinal) {
                    url.1.push(ordinal);
                }
            };
            // A class cut short by a lie keeps what was read before it; once the budget
            // is spent, the URLs not yet attributed stay unknown.
            let _ = dex_code::static_strings(data, class.static_values_off, &mut budget, &mut used);
            let _ = dex_code::const_strings(data, class.class_data_off, &mut budget, &mut used);
        }
        for (string, users) in &urls {
            let text = String::from_utf8_lossy(string);
            let users: Vec<&ClassUse> = users.iter().filter_map(|u| classes.get(*u)).collect();
            let found = if users.is_empty() {
                Found::Unattributed
            } else {
                Found::Classes(&users)
            };
            self.urls(&text, "dex", &found, &finder);
        }
    }

    fn record(&mut self, host: &str, source: &'static str, found: &Found<'_>) {
        if host.len() > MAX_HOST + "*.".len() {
            return;
        }
        let host = host.trim_start_matches("*.").trim_end_matches('.');
        // A host met before in the form it was kept in is kept again: normalising it
        // would give itself (a bundle names its few hosts hundreds of thousands of times).
        let seen = if self.hosts.contains_key(host) {
            self.hosts.get_mut(host)
        } else {
            accepted_host(host).map(|ascii| self.hosts.entry(ascii).or_default())
        };
        let Some(seen) = seen else {
            return;
        };
        seen.sources.insert(source);
        seen.count += 1;
        match found {
            Found::File => {}
            Found::Unattributed => seen.unattributed = true,
            Found::Notice(file) => seen.class(&Owner::Library, file),
            Found::Classes(classes) => {
                for class in *classes {
                    for owner in &class.owners {
                        seen.class(owner, &class.name);
                    }
                }
            }
        }
    }

    /// Every URL in `reader`'s bytes, read a piece at a time so that memory does not
    /// grow with the size; a URL cut by a piece's end is read whole with the next piece.
    /// Returns the bytes read.
    pub(crate) fn stream(&mut self, reader: impl Read, file: &str) -> std::io::Result<u64> {
        let found = if is_notice_file(file) {
            Found::Notice(file)
        } else {
            Found::File
        };
        self.stream_found(reader, "assets", &found)
    }

    fn stream_found(
        &mut self,
        mut reader: impl Read,
        source: &'static str,
        found: &Found<'_>,
    ) -> std::io::Result<u64> {
        let finder = http_finder();
        let mut buffer = Vec::with_capacity(PIECE + MAX_URL_START);
        let mut total = 0u64;
        loop {
            let read = (&mut reader).take(PIECE as u64).read_to_end(&mut buffer)?;
            total += read as u64;
            if read < PIECE {
                self.urls(&String::from_utf8_lossy(&buffer), source, found, &finder);
                return Ok(total);
            }
            let cut = piece_end(&buffer);
            self.urls(
                &String::from_utf8_lossy(&buffer[..cut]),
                source,
                found,
                &finder,
            );
            buffer.drain(..cut);
        }
    }

    /// Adds what another collector (another thread's) found.
    pub(crate) fn merge(&mut self, other: Collector) {
        for (host, seen) in other.hosts {
            let entry = self.hosts.entry(host).or_default();
            entry.sources.extend(seen.sources);
            entry.count += seen.count;
            entry.unattributed |= seen.unattributed;
            entry.many_namespaces |= seen.many_namespaces;
            for (owner, names) in seen.classes {
                for name in names {
                    entry.class(&owner, &name);
                }
            }
        }
    }

    /// Each host with its class, given the SDKs detected and the app's package name
    /// (Android: its namespace, the first two labels, tells the app's classes); the
    /// app's own first, then by how often they appear.
    pub(crate) fn finish(
        self,
        sdks: &[DetectedSdk],
        app_package: Option<&str>,
    ) -> Vec<DetectedDomain> {
        let detected: BTreeSet<&str> = sdks.iter().map(|s| s.id.as_str()).collect();
        let app_namespace = app_package.map(namespace);
        let mut out: Vec<DetectedDomain> = self
            .hosts
            .into_iter()
            .map(|(host, seen)| {
                let (class, third_party, evidence) =
                    attribute(&host, &seen, &detected, app_namespace);
                DetectedDomain {
                    level: crate::domain_name::level(&host),
                    registrable_domain: psl::domain_str(&host).unwrap_or(&host).to_string(),
                    sources: seen.sources.into_iter().collect(),
                    count: seen.count,
                    class,
                    third_party,
                    evidence,
                    host,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.class, std::cmp::Reverse(a.count), &a.host).cmp(&(
                b.class,
                std::cmp::Reverse(b.count),
                &b.host,
            ))
        });
        out
    }
}

/// Licence, notice and credits files (`licensing.html`, `NOTICE`, `third_party_licenses.json`,
/// `acknowledgements.html`…), by the file's name: the hosts they name are the homepages of the
/// projects and authors they credit.
fn is_notice_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [
        "licen",
        "notice",
        "credits",
        "copying",
        "acknowledg",
        "third_party",
        "thirdparty",
        "third-party",
        "open_source",
        "opensource",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// `example.*`, `.invalid`, `.test`, `.example`, `.localhost`, `.local`.
fn is_reserved(host: &str) -> bool {
    let top = host.rsplit('.').next().unwrap_or(host);
    if RESERVED_TOP_LEVEL.contains(&top) {
        return true;
    }
    psl::domain_str(host)
        .and_then(|domain| domain.split('.').next())
        .is_some_and(|label| label == "example")
}

fn is_under(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// "com.example" for "com.example.app.MainActivity" (a class) or "com.example.app" (a
/// package name): what an app's own classes share.
fn namespace(name: &str) -> &str {
    let mut dots = name.match_indices('.').map(|(at, _)| at);
    match (dots.next(), dots.next()) {
        (Some(_), Some(second)) => name.get(..second).unwrap_or(name),
        _ => name,
    }
}

/// Whose class `descriptor` is: the SDK rules whose packages hold it, else a library's,
/// else its namespace's.
fn class_use(descriptor: &[u8]) -> ClassUse {
    let name = class_name(descriptor).unwrap_or_default();
    let owners: Vec<Owner> = super::sdks::rules_of_class(&name)
        .into_iter()
        .map(Owner::Sdk)
        .collect();
    let owners = if !owners.is_empty() {
        owners
    } else if LIBRARY_PACKAGES.iter().any(|p| name.starts_with(p)) {
        vec![Owner::Library]
    } else {
        vec![Owner::Namespace(namespace(&name).to_string())]
    };
    // A crafted class name may be megabytes long.
    let name = match name.char_indices().nth(MAX_EVIDENCE_CHARS) {
        Some((end, _)) => format!("{}…", name.get(..end).unwrap_or_default()),
        None => name,
    };
    ClassUse { owners, name }
}

/// A host's class, the SDK it is attributed to, and the classes that decided it.
fn attribute(
    host: &str,
    seen: &Seen,
    detected: &BTreeSet<&str>,
    app_namespace: Option<&str>,
) -> (DomainClass, Option<String>, Vec<String>) {
    let evidence_of = |pick: &dyn Fn(&Owner) -> bool| -> Vec<String> {
        seen.classes
            .iter()
            .filter(|(owner, _)| pick(owner))
            .flat_map(|(_, names)| names.iter().cloned())
            .take(MAX_EVIDENCE)
            .collect()
    };
    if is_reserved(host) {
        return (DomainClass::Reserved, None, Vec::new());
    }
    // A vendor's domain pins the host to its SDK when the SDK is in the package, or when
    // the rule has nothing but domains (a script SDK such as WeChat's JS-SDK is its URL).
    if let Some(rule) = super::sdks::vendor_of_domain(host) {
        if detected.contains(rule) || is_domain_only(rule) {
            let evidence = evidence_of(&|o| *o == Owner::Sdk(rule));
            return (DomainClass::Sdk, Some(rule.to_string()), evidence);
        }
    }
    if LIBRARY_DOMAINS.iter().any(|d| is_under(host, d)) {
        return (DomainClass::Library, None, evidence_of(&|_| true));
    }
    if let Some(Owner::Sdk(rule)) = seen
        .classes
        .keys()
        .find(|o| matches!(o, Owner::Sdk(rule) if detected.contains(rule)))
    {
        let evidence = evidence_of(&|o| o == &Owner::Sdk(rule));
        return (DomainClass::Sdk, Some(rule.to_string()), evidence);
    }
    if seen.classes.contains_key(&Owner::Library) {
        return (
            DomainClass::Library,
            None,
            evidence_of(&|o| *o == Owner::Library),
        );
    }
    let own_class =
        |owner: &Owner| matches!(owner, Owner::Namespace(n) if Some(n.as_str()) == app_namespace);
    let foreign = seen.classes.keys().any(|o| !own_class(o));
    if seen.unattributed || seen.many_namespaces || foreign {
        return (DomainClass::Unknown, None, evidence_of(&|o| !own_class(o)));
    }
    (DomainClass::Own, None, evidence_of(&own_class))
}

/// A rule that names no code, only domains.
fn is_domain_only(id: &str) -> bool {
    super::sdks::rules().iter().any(|r| {
        r.id == id
            && r.android_packages.is_empty()
            && r.native_libs.is_empty()
            && r.ios_frameworks.is_empty()
            && r.ios_classes.is_empty()
            && r.harmony_packages.is_empty()
    })
}

/// Where a piece can end without cutting a URL's scheme or host: at the last byte
/// that no URL start holds, or else before the last scheme (or partial scheme) that a
/// host could follow; a run longer than a host is not one.
fn piece_end(data: &[u8]) -> usize {
    let in_url = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'/');
    let tail = data.len().saturating_sub(MAX_URL_START);
    match data.iter().rposition(|b| !in_url(b)) {
        Some(at) if at >= tail => at,
        _ => {
            let window = &data[tail..];
            let scheme = ["https://", "http://"]
                .iter()
                .filter_map(|s| window.windows(s.len()).rposition(|w| w == s.as_bytes()))
                .max();
            match scheme {
                Some(at) => tail + at,
                // What may be the start of a scheme stays for the next piece.
                None => data.len().saturating_sub("https:/".len()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::dex::tests::sample_defining;
    use crate::android::dex_code::tests::{class_data, code_item};

    fn detected(id: &str) -> DetectedSdk {
        let rule = super::super::sdks::find_rule(id).expect("a rule");
        DetectedSdk {
            id: rule.id.clone(),
            name_zh: rule.name_zh.clone(),
            name_en: rule.name_en.clone(),
            vendor: rule.vendor.clone(),
            category: rule.category.clone(),
            evidence: Vec::new(),
        }
    }

    /// (host, class, SDK, evidence)
    fn classes(found: &[DetectedDomain]) -> Vec<(&str, DomainClass, Option<&str>, Vec<&str>)> {
        found
            .iter()
            .map(|d| {
                let evidence = d.evidence.iter().map(String::as_str).collect();
                (d.host.as_str(), d.class, d.third_party.as_deref(), evidence)
            })
            .collect()
    }

    #[test]
    fn reserved_namespace_library_and_java_package_hosts() {
        let mut c = Collector::default();
        c.text(
            "https://example.invalid/ http://www.example.com/a https://api.example.com.cn \
             https://shop.test/ https://printer.local/ http://schemas.android.com/apk/res/android \
             http://www.w3.org/2001/XMLSchema http://www.apache.org/licenses/LICENSE-2.0 \
             http://www.slf4j.org/codes.html https://youtrack.jetbrains.com/issue \
             https://itunes.apple.com/app https://www.android.com/ http://jabber.org/protocol \
             http://javax.xml.transform.dom.DOMSource/feature https://support.google.com/x \
             http://listen.googlelabs.com/feed",
            "resources",
        );
        let found = c.finish(&[], Some("dev.appfiling.app"));
        let mut by_host: Vec<(&str, DomainClass)> =
            found.iter().map(|d| (d.host.as_str(), d.class)).collect();
        by_host.sort();
        use DomainClass::{Library, Reserved};
        assert_eq!(
            by_host,
            [
                ("api.example.com.cn", Reserved),
                ("example.invalid", Reserved),
                ("itunes.apple.com", Library),
                ("jabber.org", Library),
                ("listen.googlelabs.com", Library),
                ("printer.local", Reserved),
                ("shop.test", Reserved),
                ("support.google.com", Library),
                ("www.android.com", Library),
                ("www.apache.org", Library),
                ("www.example.com", Reserved),
                ("www.slf4j.org", Library),
                ("youtrack.jetbrains.com", Library),
            ]
        );
    }

    /// A dex defining `classes` (name, the strings its code loads); the strings are
    /// `urls` then the class descriptors.
    fn dex_with_code(urls: &[&str], classes: &[(&str, &[u16])]) -> Vec<u8> {
        let descriptors: Vec<String> = classes
            .iter()
            .map(|(name, _)| format!("L{};", name.replace('.', "/")))
            .collect();
        let mut strings: Vec<&str> = urls.to_vec();
        strings.extend(descriptors.iter().map(String::as_str));
        let types: Vec<u32> = (urls.len()..strings.len()).map(|i| i as u32).collect();
        let defined: Vec<u32> = (0..types.len() as u32).collect();
        let mut data = sample_defining(&strings, &types, &defined);
        let class_defs_at = 0x70 + strings.len() * 4 + types.len() * 4;
        for (i, (_, loads)) in classes.iter().enumerate() {
            let mut units = Vec::new();
            for index in *loads {
                units.extend([0x001a, *index]);
            }
            units.push(0x000e);
            let code_off = data.len() as u32;
            data.extend(code_item(&units));
            let class_data_off = data.len() as u32;
            data.extend(class_data(&[code_off]));
            let at = class_defs_at + i * 32 + 24;
            data[at..at + 4].copy_from_slice(&class_data_off.to_le_bytes());
        }
        data
    }

    fn dex_hosts(data: &[u8], sdks: &[DetectedSdk]) -> Vec<DetectedDomain> {
        let dex = Dex::parse(data).unwrap();
        let mut c = Collector::default();
        c.dex(data, &dex);
        c.finish(sdks, Some("dev.appfiling.app"))
    }

    /// The same kind of URL is the app's in the app's class, the SDK's in the SDK's, and
    /// unknown where no class uses it or the class is no one's known.
    #[test]
    fn a_url_belongs_to_the_classes_that_load_it() {
        let data = dex_with_code(
            &[
                "https://api.appfiling.dev/v1",
                "https://mobilegw.alipaydev.com/mgw.htm",
                "https://unused.appfiling.dev/",
                "https://stats.appfiling.net/",
                "http://www.example.com/",
            ],
            &[
                ("dev.appfiling.app.MainActivity", &[0, 4]),
                ("com.alipay.sdk.app.PayTask", &[1]),
                ("cn.somevendor.Stats", &[3]),
            ],
        );
        let found = dex_hosts(&data, &[detected("alipay")]);
        use DomainClass::{Own, Reserved, Sdk, Unknown};
        assert_eq!(
            classes(&found),
            [
                (
                    "api.appfiling.dev",
                    Own,
                    None,
                    vec!["dev.appfiling.app.MainActivity"]
                ),
                (
                    "stats.appfiling.net",
                    Unknown,
                    None,
                    vec!["cn.somevendor.Stats"]
                ),
                ("unused.appfiling.dev", Unknown, None, vec![]),
                (
                    "mobilegw.alipaydev.com",
                    Sdk,
                    Some("alipay"),
                    vec!["com.alipay.sdk.app.PayTask"]
                ),
                ("www.example.com", Reserved, None, vec![]),
            ]
        );
        // Without the SDK detected, its class is no one's the rules can name: unknown.
        let found = dex_hosts(&data, &[]);
        let alipay = found.iter().find(|d| d.host == "mobilegw.alipaydev.com");
        assert_eq!(alipay.map(|d| d.class), Some(Unknown));
        // An app class loading an SDK's host does not make it the app's.
        let data = dex_with_code(
            &["https://mobilegw.alipaydev.com/mgw.htm"],
            &[
                ("dev.appfiling.app.MainActivity", &[0]),
                ("com.alipay.sdk.app.PayTask", &[0]),
            ],
        );
        let found = dex_hosts(&data, &[detected("alipay")]);
        assert_eq!(found[0].class, Sdk);
        assert_eq!(found[0].evidence, ["com.alipay.sdk.app.PayTask"]);
    }

    /// qq-connect's rule claims all of qq.com: that pins a qq.com host only when QQ
    /// Connect is in the package.
    #[test]
    fn a_vendor_domain_of_an_absent_sdk_pins_nothing() {
        let data = dex_with_code(
            &["http://mta.qq.com/mta/ping"],
            &[("com.tencent.wxop.stat.StatService", &[0])],
        );
        let absent = dex_hosts(&data, &[]);
        assert_eq!(
            classes(&absent),
            [(
                "mta.qq.com",
                DomainClass::Unknown,
                None,
                vec!["com.tencent.wxop.stat.StatService"]
            )]
        );
        let present = dex_hosts(&data, &[detected("qq-connect")]);
        assert_eq!(present[0].class, DomainClass::Sdk);
        assert_eq!(present[0].third_party.as_deref(), Some("qq-connect"));
        // A rule made of domains only (a script SDK) is its URL: it pins its hosts.
        let mut c = Collector::default();
        c.text("https://res.wx.qq.com/open/js/jweixin-1.6.0.js", "assets");
        let found = c.finish(&[], None);
        assert_eq!(found[0].third_party.as_deref(), Some("wechat-jssdk"));
    }

    /// A `static final String` is in the class's static values, not in its code.
    #[test]
    fn a_constant_belongs_to_its_class() {
        let mut data = dex_with_code(
            &["https://api.appfiling.dev/v1"],
            &[("dev.appfiling.app.Config", &[])],
        );
        let values_off = data.len() as u32;
        data.extend([1, 0x17, 0]); // one value: string@0
        let at = 0x70 + 2 * 4 + 4 + 28;
        data[at..at + 4].copy_from_slice(&values_off.to_le_bytes());
        let found = dex_hosts(&data, &[]);
        assert_eq!(
            classes(&found),
            [(
                "api.appfiling.dev",
                DomainClass::Own,
                None,
                vec!["dev.appfiling.app.Config"]
            )]
        );
    }

    /// Only "too many levels" is let through, not any refusal whose text says "levels".
    #[test]
    fn an_invalid_host_that_mentions_levels_is_not_a_host() {
        let mut c = Collector::default();
        c.text(
            "https://levels-.appfiling.dev/ https://a.b.c.levels.appfiling.dev/",
            "resources",
        );
        let hosts: Vec<String> = c.finish(&[], None).into_iter().map(|d| d.host).collect();
        assert_eq!(hosts, ["a.b.c.levels.appfiling.dev"]);
    }

    #[test]
    fn urls_hosts_and_grouping() {
        let mut c = Collector::default();
        c.text(
            "see https://api.appfiling.com.cn/v1?x=1 and http://cdn.appfiling.com.cn:8080/a",
            "assets",
        );
        c.text("https://api.appfiling.com.cn/other", "resources");
        c.host("*.weixin.qq.com", "network_security_config");
        c.text("https://192.168.1.1/x https://localhost/y", "assets");
        c.host("a.b.c.d.appfiling.dev", "manifest");
        let found = c.finish(&[detected("wechat-opensdk")], None);
        let hosts: Vec<(&str, &str, usize)> = found
            .iter()
            .map(|d| (d.host.as_str(), d.registrable_domain.as_str(), d.level))
            .collect();
        assert_eq!(
            hosts,
            [
                ("api.appfiling.com.cn", "appfiling.com.cn", 3),
                ("a.b.c.d.appfiling.dev", "appfiling.dev", 6),
                ("cdn.appfiling.com.cn", "appfiling.com.cn", 3),
                ("weixin.qq.com", "qq.com", 3),
            ]
        );
        assert_eq!(found[0].count, 2);
        assert_eq!(found[0].sources, ["assets", "resources"]);
        assert_eq!(found[0].class, DomainClass::Own);
        assert_eq!(found[3].class, DomainClass::Sdk);
        assert_eq!(found[3].third_party.as_deref(), Some("wechat-opensdk"));
    }

    #[test]
    fn hosts_in_licence_and_credits_files_are_references() {
        let mut c = Collector::default();
        let credits = b"<a href=\"http://casper.beckman.uiuc.edu/~c-tsai4\">libchewing</a>";
        c.stream(&credits[..], "assets/licensing.html").unwrap();
        c.stream(
            &b"fetch('https://api.shop.com.cn/v1')"[..],
            "assets/index.html",
        )
        .unwrap();
        let found = c.finish(&[], Some("com.shop.app"));
        assert_eq!(
            classes(&found),
            [
                ("api.shop.com.cn", DomainClass::Own, None, vec![]),
                (
                    "casper.beckman.uiuc.edu",
                    DomainClass::Library,
                    None,
                    vec!["assets/licensing.html"]
                ),
            ]
        );
        for name in [
            "NOTICE",
            "assets/third_party_licenses.json",
            "Acknowledgements.html",
        ] {
            assert!(is_notice_file(name), "{name}");
        }
        assert!(!is_notice_file("assets/index.android.bundle"));
    }

    fn streamed_hosts(data: &[u8]) -> Vec<String> {
        let mut c = Collector::default();
        assert_eq!(
            c.stream(data, "assets/index.android.bundle").unwrap(),
            data.len() as u64
        );
        c.finish(&[], None).into_iter().map(|d| d.host).collect()
    }

    #[test]
    fn streams_find_urls_across_piece_boundaries() {
        let url = b"https://api.appfiling.com.cn/v1";
        for padding in [b' ', b'a'] {
            // The URL starts anywhere around the end of the first piece.
            for at in PIECE - url.len() - 2..PIECE + 2 {
                let mut data = vec![padding; at];
                data.extend_from_slice(url);
                data.extend_from_slice(b" tail");
                assert_eq!(
                    streamed_hosts(&data),
                    ["api.appfiling.com.cn"],
                    "padding {padding} at {at}"
                );
            }
        }
        // A run of URL characters longer than any host is data: no host, and no stall.
        assert!(streamed_hosts(&vec![b'a'; 3 * PIECE]).is_empty());
        let mut data = b"https://".to_vec();
        data.extend(vec![b'a'; 2 * PIECE]);
        assert!(streamed_hosts(&data).is_empty());
    }

    #[test]
    fn a_host_met_again_counts_under_the_name_kept() {
        let mut c = Collector::default();
        c.text(
            "https://API.Weixin.QQ.com/a https://api.weixin.qq.com/b https://api.weixin.qq.com./c \
             https://javax.xml.transform.dom/ https://javax.xml.transform.dom/",
            "assets",
        );
        let hosts: Vec<(String, usize)> = c
            .finish(&[], None)
            .into_iter()
            .map(|d| (d.host, d.count))
            .collect();
        assert_eq!(hosts, [("api.weixin.qq.com".to_string(), 3)]);
    }
}

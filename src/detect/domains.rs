//! Hosts the app talks to, from URLs in its strings and from the places that
//! name hosts (manifest, network security config, ATS), grouped by
//! registrable domain with the Public Suffix List.

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

/// The longest host name DNS allows; longer runs are data, not hosts.
const MAX_HOST: usize = 253;
/// A scheme and a host: the most of a URL a piece boundary may cut.
const MAX_URL_START: usize = "https://".len() + MAX_HOST;
/// Streams are scanned in pieces of this size.
const PIECE: usize = 1 << 20;

pub(crate) use crate::report::DetectedDomain;

#[derive(Default)]
pub(crate) struct Collector {
    hosts: BTreeMap<String, (BTreeSet<&'static str>, usize)>,
}

impl Collector {
    /// Every `http://` or `https://` URL in `text`.
    pub(crate) fn text(&mut self, text: &str, source: &'static str) {
        for scheme in ["https://", "http://"] {
            let mut rest = text;
            while let Some(at) = rest.find(scheme) {
                let after = &rest[at + scheme.len()..];
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                    .unwrap_or(after.len());
                self.host(&after[..end], source);
                rest = &after[end..];
            }
        }
    }

    /// A host name as such; wildcards ("*.example.com") count as their domain.
    pub(crate) fn host(&mut self, host: &str, source: &'static str) {
        if host.len() > MAX_HOST + "*.".len() {
            return;
        }
        let host = host
            .trim_start_matches("*.")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        // Over four levels is still worth reporting; other refusals are not hosts.
        let ascii = match crate::domain_name::normalize(&host) {
            Ok(ascii) => ascii,
            Err(crate::domain_name::DomainError::TooManyLevels { .. }) => host.clone(),
            Err(_) => return,
        };
        if NAMESPACE_HOSTS.contains(&ascii.as_str()) {
            return;
        }
        // Only hosts under a known public suffix: "a.b" is not a domain.
        if psl::suffix_str(&ascii).is_none_or(|s| s == ascii) || psl::domain_str(&ascii).is_none() {
            return;
        }
        let entry = self.hosts.entry(ascii).or_default();
        entry.0.insert(source);
        entry.1 += 1;
    }

    /// Every URL in `reader`'s bytes, read a piece at a time so that memory does not
    /// grow with the size; a URL cut by a piece's end is read whole with the next piece.
    /// Returns the bytes read.
    pub(crate) fn stream(
        &mut self,
        mut reader: impl Read,
        source: &'static str,
    ) -> std::io::Result<u64> {
        let mut buffer = Vec::with_capacity(PIECE + MAX_URL_START);
        let mut total = 0u64;
        loop {
            let read = (&mut reader).take(PIECE as u64).read_to_end(&mut buffer)?;
            total += read as u64;
            if read < PIECE {
                self.text(&String::from_utf8_lossy(&buffer), source);
                return Ok(total);
            }
            let cut = piece_end(&buffer);
            self.text(&String::from_utf8_lossy(&buffer[..cut]), source);
            buffer.drain(..cut);
        }
    }

    /// Adds what another collector (another thread's) found.
    pub(crate) fn merge(&mut self, other: Collector) {
        for (host, (sources, count)) in other.hosts {
            let entry = self.hosts.entry(host).or_default();
            entry.0.extend(sources);
            entry.1 += count;
        }
    }

    /// The app's own domains first, then by how often they appear.
    pub(crate) fn finish(self) -> Vec<DetectedDomain> {
        let mut out: Vec<DetectedDomain> = self
            .hosts
            .into_iter()
            .filter_map(|(host, (sources, count))| {
                let registrable = psl::domain_str(&host)?.to_string();
                Some(DetectedDomain {
                    level: crate::domain_name::level(&host),
                    third_party: super::sdks::vendor_of_domain(&host).map(str::to_string),
                    registrable_domain: registrable,
                    sources: sources.into_iter().collect(),
                    count,
                    host,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (a.third_party.is_some(), std::cmp::Reverse(a.count), &a.host).cmp(&(
                b.third_party.is_some(),
                std::cmp::Reverse(b.count),
                &b.host,
            ))
        });
        out
    }
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

    /// Only "too many levels" is let through, not any refusal whose text says "levels".
    #[test]
    fn an_invalid_host_that_mentions_levels_is_not_a_host() {
        let mut c = Collector::default();
        c.text(
            "https://levels-.example.com/ https://a.b.c.levels.example.com/",
            "dex",
        );
        let hosts: Vec<String> = c.finish().into_iter().map(|d| d.host).collect();
        assert_eq!(hosts, ["a.b.c.levels.example.com"]);
    }

    #[test]
    fn urls_hosts_and_grouping() {
        let mut c = Collector::default();
        c.text(
            "see https://api.example.com.cn/v1?x=1 and http://cdn.example.com.cn:8080/a",
            "dex",
        );
        c.text("https://api.example.com.cn/other", "resources");
        c.host("*.weixin.qq.com", "network_security_config");
        c.text("https://192.168.1.1/x https://localhost/y", "dex");
        c.host("a.b.c.d.example.com", "manifest");
        let found = c.finish();
        let hosts: Vec<(&str, &str, usize)> = found
            .iter()
            .map(|d| (d.host.as_str(), d.registrable_domain.as_str(), d.level))
            .collect();
        assert_eq!(
            hosts,
            [
                ("api.example.com.cn", "example.com.cn", 3),
                ("a.b.c.d.example.com", "example.com", 6),
                ("cdn.example.com.cn", "example.com.cn", 3),
                ("weixin.qq.com", "qq.com", 3),
            ]
        );
        assert_eq!(found[0].count, 2);
        assert_eq!(found[0].sources, ["dex", "resources"]);
        assert_eq!(found[3].third_party.as_deref(), Some("wechat-opensdk"));
    }

    fn streamed_hosts(data: &[u8]) -> Vec<String> {
        let mut c = Collector::default();
        assert_eq!(c.stream(data, "assets").unwrap(), data.len() as u64);
        c.finish().into_iter().map(|d| d.host).collect()
    }

    #[test]
    fn streams_find_urls_across_piece_boundaries() {
        let url = b"https://api.example.com.cn/v1";
        for padding in [b' ', b'a'] {
            // The URL starts anywhere around the end of the first piece.
            for at in PIECE - url.len() - 2..PIECE + 2 {
                let mut data = vec![padding; at];
                data.extend_from_slice(url);
                data.extend_from_slice(b" tail");
                assert_eq!(
                    streamed_hosts(&data),
                    ["api.example.com.cn"],
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
}

//! Domain names for the 域名 field: syntax, IDN to punycode, at most four
//! levels, no IP addresses and no URL paths.

/// The portals count a registrable domain (example.com, example.com.cn) as 二级, each
/// label in front of it as one more, and accept up to 四级 (docs/providers.md).
pub(crate) const MAX_LEVELS: usize = 4;

/// A host's level as the portals count it: 2 for the registrable domain (the label under
/// the public suffix), one more per label before it; `b.a.example.com.cn` is 4.
pub(crate) fn level(ascii: &str) -> usize {
    let labels = |name: &str| name.split('.').count();
    match psl::domain_str(ascii) {
        Some(registrable) => 2 + labels(ascii).saturating_sub(labels(registrable)),
        None => labels(ascii),
    }
}

/// A level in the portals' words: 2 → "二级".
pub(crate) fn level_name(level: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match DIGITS.get(level) {
        Some(digit) => format!("{digit}级"),
        None => format!("{level}级"),
    }
}

/// Why a domain name cannot be filed; `input` is the name as given.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DomainError {
    #[error("{input:?} is a URL: give the host name only")]
    Url { input: String },
    #[error("{input:?} is an IP address or has a port: only domain names can be filed")]
    Address { input: String },
    #[error("{input:?} is not a valid domain name")]
    Invalid { input: String },
    #[error("{input:?} is not a full domain name")]
    NotFull { input: String },
    #[error("{input:?} has an invalid label {label:?}")]
    Label { input: String, label: String },
    #[error(
        "{input:?} is a {}域名 ({levels} levels, where example.com and example.com.cn are 二级); the portals take up to 四级: file the domain it is under",
        level_name(*levels)
    )]
    TooManyLevels { input: String, levels: usize },
}

/// The ASCII (punycode) form of `input`, or why it is refused.
pub(crate) fn normalize(input: &str) -> Result<String, DomainError> {
    let input_owned = || input.to_string();
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.contains("://")
        || trimmed.contains('/')
        || trimmed.contains('?')
        || trimmed.contains('#')
    {
        return Err(DomainError::Url {
            input: input_owned(),
        });
    }
    if trimmed.contains(':') || trimmed.parse::<std::net::IpAddr>().is_ok() {
        return Err(DomainError::Address {
            input: input_owned(),
        });
    }
    let ascii = idna::domain_to_ascii(trimmed).map_err(|_| DomainError::Invalid {
        input: input_owned(),
    })?;
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 || ascii.len() > 253 {
        return Err(DomainError::NotFull {
            input: input_owned(),
        });
    }
    for label in &labels {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(DomainError::Label {
                input: input_owned(),
                label: label.to_string(),
            });
        }
    }
    let levels = level(&ascii);
    if levels > MAX_LEVELS {
        return Err(DomainError::TooManyLevels {
            input: input_owned(),
            levels,
        });
    }
    Ok(ascii)
}

/// Every domain normalized and deduplicated, in order, with the reasons for those refused.
pub(crate) fn normalize_all(inputs: &[String]) -> (Vec<String>, Vec<String>) {
    let mut good: Vec<String> = Vec::new();
    let mut refused = Vec::new();
    for input in inputs {
        match normalize(input) {
            Ok(d) if !good.contains(&d) => good.push(d),
            Ok(_) => {}
            Err(e) => refused.push(e.to_string()),
        }
    }
    (good, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        assert_eq!(normalize("Example.COM").unwrap(), "example.com");
        assert_eq!(
            normalize("api.v2.example.com.").unwrap(),
            "api.v2.example.com"
        );
        assert_eq!(normalize("例子.中国").unwrap(), "xn--fsqu00a.xn--fiqs8s");
    }

    /// Alibaba Cloud's FAQ: aliyun.com and aliyun.com.cn are 二级, b.a.aliyun.com and
    /// b.a.aliyun.com.cn are 四级.
    #[test]
    fn levels_are_counted_from_the_registrable_domain() {
        for (host, expected) in [
            ("aliyun.com", 2),
            ("aliyun.com.cn", 2),
            ("a.aliyun.com", 3),
            ("b.a.aliyun.com", 4),
            ("b.a.aliyun.com.cn", 4),
        ] {
            assert_eq!(level(host), expected, "{host}");
        }
        assert_eq!(normalize("b.a.aliyun.com.cn").unwrap(), "b.a.aliyun.com.cn");
        let refused = normalize("c.b.a.aliyun.com.cn").unwrap_err().to_string();
        assert!(refused.contains("五级域名 (5 levels"), "{refused}");
        assert_eq!(level_name(4), "四级");
    }

    #[test]
    fn refuses_what_cannot_be_filed() {
        assert!(normalize("a.b.c.example.com")
            .unwrap_err()
            .to_string()
            .contains("5 levels"));
        assert!(normalize("https://example.com/x")
            .unwrap_err()
            .to_string()
            .contains("URL"));
        assert!(normalize("example.com/path")
            .unwrap_err()
            .to_string()
            .contains("URL"));
        assert!(normalize("192.168.1.1")
            .unwrap_err()
            .to_string()
            .contains("IP"));
        assert!(normalize("[::1]").is_err());
        assert!(normalize("localhost")
            .unwrap_err()
            .to_string()
            .contains("full domain"));
        assert!(normalize("-bad.example.com").is_err());
        assert!(normalize("exa mple.com").is_err());
    }

    #[test]
    fn deduplicates_after_normalizing() {
        let input: Vec<String> = ["example.com", "EXAMPLE.com.", "1.2.3.4", "api.example.com"]
            .map(String::from)
            .to_vec();
        let (good, refused) = normalize_all(&input);
        assert_eq!(good, ["example.com", "api.example.com"]);
        assert_eq!(refused.len(), 1);
    }
}

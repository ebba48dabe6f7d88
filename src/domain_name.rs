//! Domain names for the 域名 field: syntax, IDN to punycode, at most four
//! levels, no IP addresses and no URL paths.

/// The portals count example.com as 2 levels and accept up to 4.
pub(crate) const MAX_LEVELS: usize = 4;

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
        "{input:?} has {levels} levels; the portals take at most {MAX_LEVELS} (example.com is 2)"
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
    if labels.len() > MAX_LEVELS {
        return Err(DomainError::TooManyLevels {
            input: input_owned(),
            levels: labels.len(),
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

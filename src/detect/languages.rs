//! 服务语言: the languages the app itself is translated into, in the portal's
//! wording. Libraries bring dozens of locales (AppCompat alone ~80), so a
//! locale counts only when it translates the app's name or nine in ten of
//! the strings the default locale has (docs/detection.md).

use serde::Serialize;

/// A locale counts with at least this share of the default locale's strings:
/// a library's locales cover only the library's strings, never nearly all.
pub const MIN_SHARE: f64 = 0.9;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedLanguage {
    /// The portal's wording, e.g. "中文简体".
    pub language: &'static str,
    /// The locales behind it, e.g. ["zh-CN", "zh-Hans"].
    pub locales: Vec<String>,
}

/// The portal's name for a locale tag; `None` for "default" and unknown languages.
pub fn language_of(locale: &str) -> Option<&'static str> {
    if locale == "default" {
        return None;
    }
    let lower = locale.to_ascii_lowercase().replace('_', "-");
    Some(match lower.as_str() {
        l if l.starts_with("zh-hant") || l == "zh-tw" || l == "zh-hk" || l == "zh-mo" => "中文繁体",
        l if l.starts_with("zh") => "中文简体",
        l if l.starts_with("en") => "英语",
        l if l.starts_with("ja") => "日语",
        l if l.starts_with("ko") => "韩语",
        l if l.starts_with("fr") => "法语",
        l if l.starts_with("de") => "德语",
        l if l.starts_with("es") => "西班牙语",
        l if l.starts_with("ru") => "俄语",
        l if l.starts_with("pt") => "葡萄牙语",
        l if l.starts_with("it") => "意大利语",
        l if l.starts_with("ar") => "阿拉伯语",
        l if l.starts_with("th") => "泰语",
        l if l.starts_with("vi") => "越南语",
        l if l.starts_with("id") || l.starts_with("in") => "印度尼西亚语",
        l if l.starts_with("ms") => "马来语",
        l if l.starts_with("bo") => "藏语",
        l if l.starts_with("ug") => "维吾尔语",
        l if l.starts_with("mn") => "蒙古语",
        _ => return None,
    })
}

/// Groups locales by language. Simplified Chinese comes first: the apps are
/// filed for mainland China, and a default locale is taken as Chinese when
/// nothing else says otherwise.
pub fn group(locales: impl IntoIterator<Item = String>) -> Vec<DetectedLanguage> {
    let mut out: Vec<DetectedLanguage> = vec![DetectedLanguage {
        language: "中文简体",
        locales: Vec::new(),
    }];
    for locale in locales {
        let Some(language) = language_of(&locale) else {
            continue;
        };
        match out.iter_mut().find(|l| l.language == language) {
            Some(entry) if !entry.locales.contains(&locale) => entry.locales.push(locale),
            Some(_) => {}
            None => out.push(DetectedLanguage {
                language,
                locales: vec![locale],
            }),
        }
    }
    out
}

/// The locales that count: those translating the label, or with enough strings.
pub fn counted(label_locales: &[String], strings_per_locale: &[(String, usize)]) -> Vec<String> {
    let default = strings_per_locale
        .iter()
        .find(|(l, _)| l == "default")
        .map_or(0, |(_, n)| *n);
    let mut out: Vec<String> = label_locales.to_vec();
    for (locale, count) in strings_per_locale {
        if locale != "default"
            && default > 0
            && *count as f64 >= MIN_SHARE * default as f64
            && !out.contains(locale)
        {
            out.push(locale.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_locales_do_not_count() {
        let strings = vec![
            ("default".to_string(), 400),
            ("en".to_string(), 380),
            ("fr".to_string(), 60),  // AppCompat's share only
            ("de".to_string(), 330), // most, but not nine in ten
        ];
        let counted = counted(&["zh-CN".to_string()], &strings);
        assert_eq!(counted, ["zh-CN", "en"]);
        let languages: Vec<&str> = group(counted).iter().map(|l| l.language).collect();
        assert_eq!(languages, ["中文简体", "英语"]);
    }

    #[test]
    fn portal_wording() {
        assert_eq!(language_of("zh-Hant-TW"), Some("中文繁体"));
        assert_eq!(language_of("zh_CN"), Some("中文简体"));
        assert_eq!(language_of("default"), None);
        assert_eq!(language_of("xx"), None);
    }
}

//! 服务语言: the languages the app itself is translated into, in the portal's
//! wording. Libraries bring dozens of locales (AppCompat alone ~80), so a
//! locale counts only when it translates the app's name or nine in ten of
//! the strings the default locale has (docs/detection.md).

use std::collections::HashSet;

/// A locale counts with at least this share of the default locale's strings:
/// a library's locales cover only the library's strings, never nearly all.
pub(crate) const MIN_SHARE: f64 = 0.9;

pub(crate) use crate::report::DetectedLanguage;

/// The portal's wording by ISO 639 primary subtag. Old iOS bundles name
/// their .lproj folders in English ("Japanese.lproj"), so those names count
/// too; "in" is Java's old code for Indonesian.
const LANGUAGES: &[(&[&str], &str)] = &[
    (&["zh", "chinese"], "中文简体"),
    (&["en", "english"], "英语"),
    (&["ja", "japanese"], "日语"),
    (&["ko", "korean"], "韩语"),
    (&["fr", "french"], "法语"),
    (&["de", "german"], "德语"),
    (&["es", "spanish"], "西班牙语"),
    (&["ru", "russian"], "俄语"),
    (&["pt", "portuguese"], "葡萄牙语"),
    (&["it", "italian"], "意大利语"),
    (&["ar", "arabic"], "阿拉伯语"),
    (&["th", "thai"], "泰语"),
    (&["vi", "vietnamese"], "越南语"),
    (&["id", "in", "indonesian"], "印度尼西亚语"),
    (&["ms", "malay"], "马来语"),
    (&["bo", "tibetan"], "藏语"),
    (&["ug", "uyghur"], "维吾尔语"),
    (&["mn", "mongolian"], "蒙古语"),
];

/// The portal's name for a locale tag; `None` for "default" and unknown languages.
pub(crate) fn language_of(locale: &str) -> Option<&'static str> {
    let lower = locale.to_ascii_lowercase().replace('_', "-");
    let mut subtags = lower.split('-');
    let primary = subtags.next()?;
    let (_, language) = LANGUAGES
        .iter()
        .find(|(codes, _)| codes.contains(&primary))?;
    // Traditional Chinese: the Hant script, or a region that writes it
    // unless the tag names the Hans script.
    let rest: Vec<&str> = subtags.collect();
    let traditional = *language == "中文简体"
        && !rest.contains(&"hans")
        && rest
            .iter()
            .any(|s| matches!(*s, "hant" | "tw" | "hk" | "mo"));
    Some(if traditional {
        "中文繁体"
    } else {
        language
    })
}

/// Groups locales by language. Simplified Chinese comes first: the apps are
/// filed for mainland China, and a default locale is taken as Chinese when
/// nothing else says otherwise.
pub(crate) fn group(locales: impl IntoIterator<Item = String>) -> Vec<DetectedLanguage> {
    let mut out: Vec<DetectedLanguage> = vec![DetectedLanguage {
        language: "中文简体",
        locales: Vec::new(),
    }];
    // Sets, not searches in lists: a package may bring a great many locales.
    let mut seen = HashSet::new();
    for locale in locales {
        let Some(language) = language_of(&locale) else {
            continue;
        };
        if !seen.insert(locale.clone()) {
            continue;
        }
        match out.iter_mut().find(|l| l.language == language) {
            Some(entry) => entry.locales.push(locale),
            None => out.push(DetectedLanguage {
                language,
                locales: vec![locale],
            }),
        }
    }
    out
}

/// The locales that count: those translating the label, or with enough strings.
pub(crate) fn counted(
    label_locales: &[String],
    strings_per_locale: &[(String, usize)],
) -> Vec<String> {
    let default = strings_per_locale
        .iter()
        .find(|(l, _)| l == "default")
        .map_or(0, |(_, n)| *n);
    let mut out: Vec<String> = label_locales.to_vec();
    let mut seen: HashSet<&str> = label_locales.iter().map(String::as_str).collect();
    for (locale, count) in strings_per_locale {
        if locale != "default"
            && default > 0
            && *count as f64 >= MIN_SHARE * default as f64
            && seen.insert(locale)
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
        // The primary subtag decides: Mapudungun is not Arabic.
        assert_eq!(language_of("arn"), None);
        assert_eq!(language_of("zh-Hans-HK"), Some("中文简体"));
        assert_eq!(language_of("zh-HK"), Some("中文繁体"));
        assert_eq!(language_of("zh-Hans"), Some("中文简体"));
        assert_eq!(language_of("in"), Some("印度尼西亚语"));
        assert_eq!(language_of("Japanese"), Some("日语"));
    }
}

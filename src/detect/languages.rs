//! 服务语言: the languages the app itself is translated into, in the portal's
//! wording. Libraries bring dozens of locales (AppCompat alone ~80), so on
//! Android a locale counts only when it translates the app's name, or at least
//! `MIN_SHARE` of the app's own strings and `MIN_OWN_STRINGS` of them: strings
//! whose names no known library uses (docs/detection.md).

use std::collections::HashSet;

/// A locale counts with at least this share of the own strings the default
/// locale has. Libraries leave their names on their strings, so once the names
/// below are set aside a library's locale holds none of the app's own strings
/// (0 in every library-only locale of the corpora); a real translation that is
/// part done (zh-CN: 237 of 372) is well above 30%.
pub(crate) const MIN_SHARE: f64 = 0.3;

/// ...and at least this many own strings: one or two library strings missing
/// from the list must not make a locale of an app with few strings. Such an app
/// is still credited through its translated name.
pub(crate) const MIN_OWN_STRINGS: usize = 3;

/// Names (prefixes ending in `_`, or whole names) of the string resources that
/// libraries merge into an app's resource table, with the library each comes
/// from: the names the libraries' own res/values/strings.xml define, as found in
/// the corpora's packages (../shared/corpus) or the libraries' sources.
const LIBRARY_STRINGS: &[(&str, &[&str])] = &[
    ("AndroidX AppCompat", &["abc_", "search_menu_title"]),
    (
        "AndroidX Core",
        &[
            "status_bar_notification_info_overflow",
            "call_notification_",
        ],
    ),
    ("AndroidX Startup and other androidx_ names", &["androidx_"]),
    (
        "Material Components (and the older Design support library)",
        &[
            "mtrl_",
            "material_",
            "m3_",
            "design_",
            "bottom_sheet_behavior",
            "bottomsheet_",
            "side_sheet_",
            "searchbar_",
            "searchview_",
            "fab_transformation_",
            "appbar_scrolling_view_behavior",
            "hide_bottom_view_on_scroll_behavior",
            "character_counter_",
            "password_toggle_",
            "path_password_",
            "chip_text",
            "clear_text_end_icon_content_description",
            "error_icon_content_description",
            "exposed_dropdown_menu_content_description",
            "icon_content_description",
            "item_view_role_description",
        ],
    ),
    (
        "Jetpack Compose UI and Material",
        &[
            "m3c_",
            "navigation_menu",
            "close_drawer",
            "close_sheet",
            "default_error_message",
            "dropdown_menu",
            "range_start",
            "range_end",
        ],
    ),
    ("AndroidX Navigation UI", &["nav_app_bar_"]),
    ("AndroidX Leanback (TV)", &["lb_", "orb_search_action"]),
    (
        "AndroidX Preference",
        &[
            "v7_preference_",
            "summary_collapsed_preference_list",
            "expand_button_title",
            "preference_copied",
        ],
    ),
    ("AndroidX Biometric", &["fingerprint_"]),
    (
        "Google Play services base",
        &[
            "common_google_play_services_",
            "common_signin_button_",
            "common_open_on_phone",
        ],
    ),
    (
        "Firebase Cloud Messaging",
        &["fcm_fallback_notification_channel_label"],
    ),
    ("ExoPlayer / AndroidX Media3", &["exo_"]),
    (
        "Wear OS support library",
        &["time_difference_", "dismiss_overlay_button_label"],
    ),
    ("Facebook SDK", &["com_facebook_"]),
    ("React Native", &["catalyst_"]),
];

/// What `aapt2 optimize --collapse-resource-names` leaves of every name: it
/// says nothing about whose the string is.
const COLLAPSED_NAME: &str = "0_resource_name_obfuscated";

/// Whether a string resource of this name is the app's own: not a known
/// library's, and not a name collapsed beyond recognition.
pub(crate) fn is_own_string(name: &str) -> bool {
    name != COLLAPSED_NAME
        && !LIBRARY_STRINGS.iter().any(|(_, names)| {
            names.iter().any(|n| {
                if n.ends_with('_') {
                    name.starts_with(n)
                } else {
                    name == *n
                }
            })
        })
}

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

/// The portal's name for a locale tag; `None` for "default", unknown languages
/// and pseudo-locales.
pub(crate) fn language_of(locale: &str) -> Option<&'static str> {
    let lower = locale.to_ascii_lowercase().replace('_', "-");
    let mut subtags = lower.split('-');
    let primary = subtags.next()?;
    let (_, language) = LANGUAGES
        .iter()
        .find(|(codes, _)| codes.contains(&primary))?;
    let rest: Vec<&str> = subtags.collect();
    // en-XA and ar-XB are the build tools' pseudo-locales (accented and
    // mirrored text for layout tests): no one reads the app in them.
    if rest.iter().any(|s| matches!(*s, "xa" | "xb")) {
        return None;
    }
    // Traditional Chinese: the Hant script, or a region that writes it
    // unless the tag names the Hans script.
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

/// Groups locales by language; Simplified Chinese comes first, as the apps are
/// filed for mainland China. Only what the locales show: the default strings'
/// language is not known from a locale (see `credit_default_label`).
pub(crate) fn group(locales: impl IntoIterator<Item = String>) -> Vec<DetectedLanguage> {
    let mut out: Vec<DetectedLanguage> = Vec::new();
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
    // Stable: the other languages keep the order their locales came in.
    out.sort_by_key(|l| l.language != "中文简体");
    out
}

/// Credits 中文简体 to the default strings when no locale did and the app's
/// default label is written in Chinese characters (`"default"` stands for them in
/// `locales`): an app's default language shows in no locale tag, and is never assumed.
pub(crate) fn credit_default_label(languages: &mut Vec<DetectedLanguage>, label: Option<&str>) {
    let han = |c: char| matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}');
    if !label.is_some_and(|l| l.chars().any(han)) {
        return;
    }
    if languages.iter().all(|l| l.language != "中文简体") {
        languages.insert(
            0,
            DetectedLanguage {
                language: "中文简体",
                locales: vec!["default".to_string()],
            },
        );
    }
}

/// The files of an iOS locale folder that only the app itself writes: its name
/// and permission texts, and its own strings. A library's tables (CocoaPods may
/// copy a pod's `xx.lproj/Pod.strings` to the bundle's root) do not make a locale.
const IOS_OWN_STRINGS: &[&str] = &[
    "InfoPlist.strings",
    "Localizable.strings",
    "Localizable.stringsdict",
];

/// The locales of an iOS bundle's root `.lproj` folders that hold the app's own
/// strings (`files`: paths inside the bundle); "Base" is no locale.
pub(crate) fn ios_locales(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| f.split_once(".lproj/"))
        .filter(|(locale, file)| {
            !locale.contains('/') && *locale != "Base" && IOS_OWN_STRINGS.contains(file)
        })
        .map(|(locale, _)| locale.replace('_', "-"))
        .collect()
}

/// The locales that count: those translating the label, or with enough of the
/// app's own strings (`own_strings_per_locale`: "default" and each locale, with
/// how many own strings each defines).
pub(crate) fn counted(
    label_locales: &[String],
    own_strings_per_locale: &[(String, usize)],
) -> Vec<String> {
    let default = own_strings_per_locale
        .iter()
        .find(|(l, _)| l == "default")
        .map_or(0, |(_, n)| *n);
    let mut out: Vec<String> = label_locales.to_vec();
    let mut seen: HashSet<&str> = label_locales.iter().map(String::as_str).collect();
    for (locale, count) in own_strings_per_locale {
        if locale != "default"
            && *count >= MIN_OWN_STRINGS
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
    fn a_share_of_the_own_strings_counts() {
        let strings = vec![
            ("default".to_string(), 372),
            ("zh-CN".to_string(), 237), // a translation part done
            ("en".to_string(), 112),    // just over 30%
            ("fr".to_string(), 111),    // just under
            ("de".to_string(), 0),      // a library's locale: none of the own strings
        ];
        let counted = counted(&["ja".to_string()], &strings);
        assert_eq!(counted, ["ja", "zh-CN", "en"]);
        let languages: Vec<&str> = group(counted).iter().map(|l| l.language).collect();
        assert_eq!(languages, ["中文简体", "日语", "英语"]);
    }

    #[test]
    fn a_few_strings_are_not_a_translation() {
        // Two own strings, both translated: 100%, but two could be a library's
        // names the list misses. The label alone would count.
        let strings = vec![("default".to_string(), 2), ("fr".to_string(), 2)];
        assert!(counted(&[], &strings).is_empty());
        assert_eq!(counted(&["fr".to_string()], &strings), ["fr"]);
        let strings = vec![("default".to_string(), 3), ("fr".to_string(), 3)];
        assert_eq!(counted(&[], &strings), ["fr"]);
    }

    #[test]
    fn library_names_are_not_the_apps() {
        for name in [
            "abc_action_bar_home_description",
            "search_menu_title",
            "mtrl_picker_save",
            "m3_sys_motion",
            "common_google_play_services_enable_button",
            "exo_controls_play_description",
            "status_bar_notification_info_overflow",
            "fab_transformation_sheet_behavior",
            "lb_search_bar_hint",
            COLLAPSED_NAME,
        ] {
            assert!(!is_own_string(name), "{name}");
        }
        // Whole names match whole: an app's own names that merely start alike stay its own.
        for name in ["app_name", "search_menu_title_extra", "chip_texts", "abc"] {
            assert!(is_own_string(name), "{name}");
        }
    }

    #[test]
    fn the_default_strings_count_as_chinese_only_when_the_label_is() {
        let names = |languages: &[DetectedLanguage]| -> Vec<(String, Vec<String>)> {
            languages
                .iter()
                .map(|l| (l.language.to_string(), l.locales.clone()))
                .collect()
        };
        let mut english_default = group(["fr".to_string()]);
        credit_default_label(&mut english_default, Some("Tiny App for CTS"));
        assert_eq!(
            names(&english_default),
            [("法语".into(), vec!["fr".into()])]
        );
        let mut chinese_default = group(["fr".to_string()]);
        credit_default_label(&mut chinese_default, Some("记账本 Pro"));
        assert_eq!(
            names(&chinese_default),
            [
                ("中文简体".into(), vec!["default".into()]),
                ("法语".into(), vec!["fr".into()])
            ]
        );
        // A zh locale already credits it; nothing is added.
        let mut translated = group(["en".to_string(), "zh-CN".to_string()]);
        credit_default_label(&mut translated, Some("记账本"));
        assert_eq!(
            names(&translated),
            [
                ("中文简体".into(), vec!["zh-CN".into()]),
                ("英语".into(), vec!["en".into()])
            ]
        );
        let mut none = Vec::new();
        credit_default_label(&mut none, None);
        assert!(none.is_empty());
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
        assert_eq!(language_of("en-XA"), None);
        assert_eq!(language_of("ar-XB"), None);
    }

    /// The locales credited for a resource table: `string_table`'s keys and locales.
    fn credited(label: &[&str], keys: &[&str], locales: &[(&[u8; 2], &[u16])]) -> Vec<String> {
        let data = crate::android::arsc::tests::string_table(keys, locales);
        let table = crate::android::arsc::ResourceTable::parse(&data).unwrap();
        let label: Vec<String> = label.iter().map(|l| l.to_string()).collect();
        counted(&label, &table.string_counts_by_locale(is_own_string))
    }

    #[test]
    fn appcompat_only_locales_are_not_credited() {
        // An app of four own strings and twelve AppCompat ones; French and
        // German translate AppCompat's only: 12 of 16 strings, 0 of the own 4.
        let mut keys = vec!["app_name", "greeting", "farewell", "settings"];
        let library: Vec<String> = (0..12).map(|i| format!("abc_string_{i}")).collect();
        keys.extend(library.iter().map(String::as_str));
        let all: Vec<u16> = (0..16).collect();
        let appcompat: Vec<u16> = (4..16).collect();
        let credited = credited(
            &[],
            &keys,
            &[(b"\0\0", &all), (b"fr", &appcompat), (b"de", &appcompat)],
        );
        assert!(credited.is_empty(), "{credited:?}");
    }

    #[test]
    fn own_strings_above_the_share_count_below_do_not() {
        // Ten own strings and ten Material ones. Japanese translates 3 own (30%),
        // Korean 2 (20%) plus every Material string.
        let mut keys: Vec<String> = (0..10).map(|i| format!("own_{i}")).collect();
        keys.extend((0..10).map(|i| format!("mtrl_{i}")));
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let all: Vec<u16> = (0..20).collect();
        let japanese: Vec<u16> = vec![0, 1, 2];
        let korean: Vec<u16> = [0, 1].into_iter().chain(10..20).collect();
        let credited = credited(
            &[],
            &keys,
            &[(b"\0\0", &all), (b"ja", &japanese), (b"ko", &korean)],
        );
        assert_eq!(credited, ["ja"]);
    }

    #[test]
    fn the_label_alone_counts() {
        // Russian translates the app's name and nothing else: 1 of 4 own strings.
        let keys = ["app_name", "greeting", "farewell", "settings"];
        let credited = credited(&["ru"], &keys, &[(b"\0\0", &[0, 1, 2, 3]), (b"ru", &[0])]);
        assert_eq!(credited, ["ru"]);
    }

    #[test]
    fn collapsed_names_credit_nothing_but_the_label() {
        // `aapt2 optimize --collapse-resource-names`: whose strings they are is unknown.
        let keys = [COLLAPSED_NAME; 6];
        let all: Vec<u16> = (0..6).collect();
        let credited = credited(&["zh-CN"], &keys, &[(b"\0\0", &all), (b"fr", &all)]);
        assert_eq!(credited, ["zh-CN"]);
    }

    #[test]
    fn ios_locales_hold_the_apps_own_strings() {
        let files: Vec<String> = [
            "en.lproj/InfoPlist.strings",
            "zh_Hans.lproj/Localizable.strings",
            "ja.lproj/Localizable.stringsdict",
            "fr.lproj/MJRefresh.strings", // a pod's table copied to the root
            "de.lproj/Main.storyboardc/Info.plist",
            "Base.lproj/InfoPlist.strings",
            "Frameworks/Pod.framework/ko.lproj/Localizable.strings",
            "Pod.bundle/ru.lproj/Localizable.strings",
        ]
        .iter()
        .map(|f| f.to_string())
        .collect();
        assert_eq!(ios_locales(&files), ["en", "zh-Hans", "ja"]);
    }
}

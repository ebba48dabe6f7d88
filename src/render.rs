//! Human-readable output: the values to paste first, then the evidence.

use crate::report::{
    Certificate, FingerprintAlgorithm, HarmonyCertificateKind, PackageReport, Platform, PublicKey,
    Report, Severity,
};
use std::borrow::Cow;
use std::fmt::Write;

/// Characters of package content that must not reach a report raw: control
/// characters (a newline forges a line, ESC starts a terminal sequence such as
/// OSC 52 clipboard writes or SGR 8 hidden text) and the bidi formatting
/// characters and line separators that reorder or break what is shown.
pub(crate) fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `value` safe to print: control and bidi characters shown as escapes
/// (`\n`, `\t`, `\u{1b}`), everything else as is.
pub fn escape_controls(value: &str) -> Cow<'_, str> {
    if !value.contains(must_escape) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if must_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Appends one line, escaped as a whole: no value in it can start a line of
/// its own or reach the terminal raw, whichever field it came from.
pub(crate) fn push_line(out: &mut String, line: &str) {
    out.push_str(&escape_controls(line));
    out.push('\n');
}

/// `writeln!` for reports: the line goes through [`push_line`].
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {
        $crate::render::push_line($out, &format!($($arg)*))
    };
}
pub(crate) use outln;

/// How text output looks: plain, or coloured with ANSI escapes for a terminal. The
/// caller decides (`--color`, `NO_COLOR`, whether stdout is a terminal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours around verdicts and the weight of each warning.
    pub color: bool,
}

/// What a coloured piece of text says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    /// Ready, verified, matches: green.
    Good,
    /// Not valid, does not verify, drifted: red.
    Bad,
    /// To look at before filing: yellow.
    Review,
    /// Background detail: dim.
    Info,
}

impl Style {
    /// `text`, escaped like every line, in the tone's colour when colour is on.
    fn paint(self, tone: Tone, text: &str) -> String {
        let text = escape_controls(text);
        if !self.color {
            return text.into_owned();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Bad => "31",
            Tone::Review => "33",
            Tone::Info => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// Appends one line: `before` and `rest` escaped around `painted` (escaped by [`Style::paint`]).
fn push_painted(out: &mut String, before: &str, painted: &str, rest: &str) {
    out.push_str(&escape_controls(before));
    out.push_str(painted);
    out.push_str(&escape_controls(rest));
    out.push('\n');
}

/// `label` followed by spaces up to `width` terminal columns: a CJK character takes two,
/// so labels such as 平台 and 签名MD5值 line up with ASCII ones.
fn pad(label: &str, width: usize) -> String {
    let columns = unicode_width::UnicodeWidthStr::width(label);
    format!("{label}{}", " ".repeat(width.saturating_sub(columns)))
}

/// The column values start at in a block of labels (`app`, `detected`…).
const LABEL_WIDTH: usize = 13;

/// Renders every package of a report as text, without colour; errors are the caller's to
/// print (stderr).
pub fn text(report: &Report) -> String {
    styled_text(report, Style::default())
}

/// [`text`] in a style: coloured for a terminal when `style.color`.
pub fn styled_text(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for package in &report.packages {
        package_text(&mut out, package, style);
        out.push('\n');
    }
    out
}

fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

fn package_text(out: &mut String, p: &PackageReport, style: Style) {
    outln!(out, "{}", p.path);
    if let Some(f) = &p.filing {
        let platform = f.platform.display_name();
        // The label says which hash the field holds when it is not the MD5 its name promises.
        let fingerprint = match f.signature_md5_algorithm {
            FingerprintAlgorithm::Md5 => "签名MD5值",
            FingerprintAlgorithm::Sha1 => "签名MD5值 (SHA-1)",
        };
        let width = LABEL_WIDTH.max(unicode_width::UnicodeWidthStr::width(fingerprint) + 2);
        outln!(out, "  备案信息 (paste into the portal)");
        outln!(out, "    {}{platform}", pad("平台", width));
        outln!(
            out,
            "    {}{}",
            pad("包名", width),
            or_dash(f.package_name.as_deref())
        );
        outln!(
            out,
            "    {}{}",
            pad("公钥", width),
            or_dash(f.public_key.as_deref())
        );
        outln!(
            out,
            "    {}{}",
            pad(fingerprint, width),
            f.signature_md5_field
        );
    }
    status_text(out, p, style);
    if let Some(f) = &p.filing {
        outln!(out, "  chosen: {}", f.reason);
    }
    if let Some(v) = &p.verification {
        let tone = if v.verified { Tone::Good } else { Tone::Bad };
        push_painted(out, "  signature  ", &style.paint(tone, &v.summary()), "");
    }
    warnings_text(out, p, style);
    // Certificate files and .p12 name no app: only their certificates are shown.
    if !p.format.is_key_only() {
        app_text(out, p);
    }
    if let Some(keystore) = &p.keystore {
        outln!(
            out,
            "  keystore       {} (integrity {})",
            keystore.kind,
            keystore.integrity
        );
        for entry in &keystore.entries {
            outln!(
                out,
                "  alias {} ({})",
                entry.alias,
                entry.kind.as_str().replace('_', " ")
            );
            for (i, key) in entry.chain.iter().enumerate() {
                outln!(out, "    certificate #{}", i + 1);
                certificate_text(out, &key.certificate, &key.public_key, "      ");
            }
        }
    } else if p.platform == Platform::Android {
        let sdk = |v: Option<u32>| v.map_or("-".into(), |v| v.to_string());
        outln!(
            out,
            "    sdk          min {}, target {}",
            sdk(p.min_sdk),
            sdk(p.target_sdk)
        );
        if let Some(debuggable) = p.debuggable {
            outln!(out, "    debuggable   {debuggable}");
        }
        outln!(out, "    icon         {}", or_dash(p.icon.as_deref()));
    }
    if let Some(ios) = &p.ios {
        ios_text(out, ios);
    }
    if let Some(harmony) = &p.harmony {
        harmony_text(out, harmony);
    }
    for c in &p.chain {
        outln!(out, "  chain: {}", c.role);
        certificate_text(out, &c.key.certificate, &c.key.public_key, "    ");
    }
    let schemes: Vec<&str> = p.schemes.iter().map(|s| s.name()).collect();
    outln!(
        out,
        "  schemes        {}",
        if schemes.is_empty() {
            "none".into()
        } else {
            schemes.join(", ")
        }
    );
    let unknown: Vec<&str> = p
        .signing_block
        .iter()
        .filter(|b| b.name.is_none())
        .map(|b| b.id.as_str())
        .collect();
    if !unknown.is_empty() {
        outln!(out, "  unknown blocks {}", unknown.join(", "));
    }
    // One block per certificate: v1, v2 and v3 usually share one.
    let mut groups: Vec<(Vec<String>, &crate::report::CertifiedKey)> = Vec::new();
    for signer in &p.signers {
        let mut label = signer.scheme.name().to_string();
        if let Some(file) = &signer.signature_file {
            label.push_str(&format!(" ({file})"));
        }
        if let Some(alias) = &signer.alias {
            label.push_str(&format!(" (alias {alias})"));
        }
        if let (Some(min), Some(max)) = (signer.min_sdk, signer.max_sdk) {
            label.push_str(&format!(" (SDK {min}..{max})"));
        }
        let sha = &signer.key.certificate.sha256;
        match groups
            .iter_mut()
            .find(|(_, key)| key.certificate.sha256 == *sha)
        {
            Some((labels, _)) => labels.push(label),
            None => groups.push((vec![label], &signer.key)),
        }
    }
    // A keystore's keys are listed under their aliases above.
    for (labels, key) in groups.into_iter().filter(|_| p.keystore.is_none()) {
        outln!(out, "  signer {}", labels.join(", "));
        certificate_text(out, &key.certificate, &key.public_key, "    ");
    }
    if !p.lineage.is_empty() {
        outln!(out, "  lineage (oldest first)");
        for (i, node) in p.lineage.iter().enumerate() {
            outln!(
                out,
                "    {}. {} [{}]",
                i + 1,
                node.key.certificate.subject,
                node.capabilities.join(", ")
            );
            outln!(out, "       SHA-256 {}", node.key.certificate.sha256);
        }
    }
    if let Some(sdk) = p.rotation_min_sdk {
        outln!(out, "  rotation from  SDK {sdk}");
    }
    if let Some(stamp) = &p.source_stamp {
        outln!(
            out,
            "  source stamp   {} (SHA-256 {})",
            stamp.certificate.subject,
            stamp.certificate.sha256
        );
    }
    if let Some(d) = &p.detection {
        detection_text(out, d);
    }
}

/// One line: `✔ ready to file`, or `✘ not valid for filing: <reasons in a few words>`.
fn status_text(out: &mut String, p: &PackageReport, style: Style) {
    let reasons = p.not_valid_for_filing_briefly();
    if !reasons.is_empty() {
        let mark = style.paint(Tone::Bad, "✘ not valid for filing");
        push_painted(out, "  ", &mark, &format!(": {}", reasons.join("; ")));
        return;
    }
    let to_review = p
        .warnings
        .iter()
        .filter(|w| w.code.severity() == Severity::Review)
        .count();
    let mut note = match to_review {
        0 => String::new(),
        1 => "; review the warning below".to_string(),
        n => format!("; review the {n} warnings below"),
    };
    // Not seen is not said: a signature that was not checked is not called sound.
    if p.verification.is_none() && !p.format.is_key_only() {
        note += "; signature not checked (inspect --verify, or appfiling verify)";
    }
    push_painted(
        out,
        "  ",
        &style.paint(Tone::Good, "✔ ready to file"),
        &note,
    );
}

/// The warnings, most serious first, each with its weight in words:
/// `not valid [debug_certificate] …`, `review [debuggable] …`, `info […] …`.
fn warnings_text(out: &mut String, p: &PackageReport, style: Style) {
    let mut warnings: Vec<&crate::report::Warning> = p.warnings.iter().collect();
    warnings.sort_by_key(|w| w.code.severity());
    for w in warnings {
        let (word, tone) = match w.code.severity() {
            Severity::NotValid => ("not valid", Tone::Bad),
            Severity::Review => ("review", Tone::Review),
            Severity::Info => ("info", Tone::Info),
        };
        let word = style.paint(tone, &pad(word, 9));
        push_painted(out, "  ", &word, &format!(" [{}] {}", w.code, w.message));
    }
}

/// What `--detect` found: suggestions for 使用外部SDK, 域名 and 服务语言, with evidence.
fn detection_text(out: &mut String, d: &crate::report::Detection) {
    outln!(out, "  detected (suggestions, confirm before filing)");
    outln!(
        out,
        "    {}{}",
        pad("使用外部SDK", LABEL_WIDTH),
        if d.sdks.is_empty() {
            "否 (no rule matched)"
        } else {
            "是"
        }
    );
    for sdk in &d.sdks {
        outln!(
            out,
            "      {} / {} [{}] ({}): {}",
            sdk.name_zh,
            sdk.name_en,
            sdk.category,
            sdk.vendor,
            sdk.evidence.join(", ")
        );
    }
    if !d.packages.is_empty() {
        outln!(out, "    packages     {}", d.packages.join(", "));
    }
    if d.domains.is_empty() {
        outln!(out, "    {}-", pad("域名", LABEL_WIDTH));
    } else {
        outln!(out, "    域名");
    }
    for domain in &d.domains {
        outln!(
            out,
            "      {} ({}; level {}, {}, seen {}x in {})",
            domain.host,
            domain.whose(),
            domain.level,
            domain.registrable_domain,
            domain.count,
            domain.sources.join(", ")
        );
    }
    let languages: Vec<String> = d
        .languages
        .iter()
        .map(|l| format!("{} ({})", l.language, l.locales.join(", ")))
        .collect();
    outln!(
        out,
        "    {}{}",
        pad("服务语言", LABEL_WIDTH),
        if languages.is_empty() {
            "-".to_string()
        } else {
            languages.join("; ")
        }
    );
}

fn app_text(out: &mut String, p: &PackageReport) {
    outln!(out, "  app");
    outln!(
        out,
        "    package      {}",
        or_dash(p.package_name.as_deref())
    );
    let name = match (&p.app_name, &p.label_reference) {
        (Some(name), _) => name.clone(),
        (None, Some(reference)) => format!("unresolved ({reference})"),
        (None, None) => "-".into(),
    };
    outln!(out, "    name         {name}");
    for (locale, label) in &p.app_names {
        outln!(out, "      {locale:<10} {label}");
    }
    let version = format!(
        "{} ({})",
        or_dash(p.version_name.as_deref()),
        p.version_code.map_or("-".into(), |c| c.to_string())
    );
    outln!(out, "    version      {version}");
}

fn harmony_text(out: &mut String, h: &crate::report::HarmonyDetails) {
    if let Some(model) = h.model {
        let api = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
        outln!(
            out,
            "    module       {} ({model} model, API {} to {})",
            or_dash(h.module_name.as_deref()),
            api(h.min_api_version),
            api(h.target_api_version)
        );
    }
    if let Some(label) = &h.label_reference {
        outln!(out, "    label        {label}");
    }
    if let Some(magic) = h.sign_block_magic {
        let blocks: Vec<String> = h
            .sign_blocks
            .iter()
            .map(|b| format!("{} {}", b.name.unwrap_or(&b.kind), b.length))
            .collect();
        outln!(
            out,
            "  signing block  \"{magic}\" v{}: {}",
            h.sign_block_version.unwrap_or(0),
            blocks.join(", ")
        );
    }
    if let Some(profile) = &h.profile {
        outln!(
            out,
            "  profile        {} [{}], {}",
            or_dash(profile.bundle_name.as_deref()),
            or_dash(profile.kind.as_deref()),
            or_dash(profile.app_distribution_type.as_deref())
        );
        outln!(
            out,
            "    valid        {} .. {}",
            or_dash(profile.not_before.as_deref()),
            or_dash(profile.not_after.as_deref())
        );
        if let Some(key) = &profile.certificate {
            let kind = profile
                .certificate_kind
                .map_or("certificate", HarmonyCertificateKind::as_str);
            outln!(
                out,
                "    {kind:<12} {} (SHA-1 {})",
                key.certificate.subject,
                key.certificate.sha1
            );
        }
    }
    for module in &h.modules {
        let sha1 = module
            .filing
            .as_ref()
            .map_or("-", |f| f.signature_md5_field.as_str());
        outln!(
            out,
            "  module {} ({}), signer SHA-1 {sha1}",
            module.path,
            or_dash(module.package_name.as_deref())
        );
    }
}

fn ios_text(out: &mut String, ios: &crate::report::IosDetails) {
    if let Some(build) = &ios.bundle_version {
        outln!(out, "    build        {build}");
    }
    if let Some(platform) = &ios.platform {
        let minimum = or_dash(ios.minimum_os_version.as_deref());
        outln!(out, "    platform     {platform} (minimum {minimum})");
    }
    if !ios.icon_names.is_empty() {
        outln!(out, "    icons        {}", ios.icon_names.join(", "));
    }
    if let Some(executable) = &ios.executable {
        let encrypted = match ios.encrypted {
            Some(true) => " (FairPlay-encrypted)",
            _ => "",
        };
        outln!(out, "    executable   {executable}{encrypted}");
    }
    if let Some(sig) = &ios.code_signature {
        outln!(
            out,
            "  code signature {} (team {}, {})",
            or_dash(sig.identifier.as_deref()),
            or_dash(sig.team_id.as_deref()),
            sig.architectures.join(", ")
        );
        for c in &sig.chain {
            outln!(
                out,
                "    {:<12} {} (SHA-1 {})",
                c.role,
                c.key.certificate.subject,
                c.key.certificate.sha1
            );
        }
    }
    let profiles = ios.profile.iter().map(|p| ("app", p));
    let extension_profiles = ios
        .extensions
        .iter()
        .filter_map(|e| e.profile.as_ref().map(|p| (e.path.as_str(), p)));
    for (owner, profile) in profiles.chain(extension_profiles) {
        outln!(
            out,
            "  profile ({owner}) {} [{}]",
            or_dash(profile.name.as_deref()),
            profile.kind
        );
        outln!(
            out,
            "    app id       {}",
            or_dash(profile.application_identifier.as_deref())
        );
        outln!(
            out,
            "    team         {} {}",
            profile.team_identifier.join(","),
            or_dash(profile.team_name.as_deref())
        );
        outln!(
            out,
            "    expires      {}",
            or_dash(profile.expiration_date.as_deref())
        );
        if profile.provisioned_devices > 0 {
            outln!(out, "    devices      {}", profile.provisioned_devices);
        }
        for key in &profile.developer_certificates {
            outln!(
                out,
                "    certificate  {} (SHA-1 {})",
                key.certificate.subject,
                key.certificate.sha1
            );
        }
    }
    for extension in &ios.extensions {
        outln!(
            out,
            "  extension {} ({})",
            extension.path,
            or_dash(extension.bundle_id.as_deref())
        );
    }
}

fn certificate_text(out: &mut String, c: &Certificate, k: &PublicKey, indent: &str) {
    outln!(out, "{indent}subject   {}", c.subject);
    outln!(out, "{indent}issuer    {}", c.issuer);
    outln!(out, "{indent}serial    {}", c.serial);
    outln!(out, "{indent}valid     {} .. {}", c.not_before, c.not_after);
    outln!(out, "{indent}algorithm {}", c.signature_algorithm);
    outln!(out, "{indent}MD5       {}", c.md5);
    outln!(out, "{indent}SHA-1     {}", c.sha1);
    outln!(out, "{indent}SHA-256   {}", c.sha256);
    let bits = k.bits.map_or(String::new(), |b| format!(" {b}"));
    outln!(out, "{indent}key       {}{bits}", k.algorithm);
    if let Some(modulus) = &k.modulus_hex {
        outln!(out, "{indent}modulus   {modulus}");
    }
    if let Some(e) = k.exponent {
        outln!(out, "{indent}exponent  {e}");
    }
    if let Some(curve) = &k.curve {
        outln!(out, "{indent}curve     {curve}");
    }
    if let Some(point) = &k.ec_point_hex {
        outln!(out, "{indent}point     {point}");
    }
    outln!(out, "{indent}key SHA-256 {}", k.spki_sha256);
}

/// `appfiling verify` as text: per package, the verdict, then each scheme with its errors
/// and warnings, and the package's own errors.
pub fn verify_text(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for p in &report.packages {
        outln!(&mut out, "{}", p.path);
        let Some(v) = &p.verification else {
            outln!(
                &mut out,
                "  signature  not checked: this file signs no package"
            );
            out.push('\n');
            continue;
        };
        let tone = if v.verified { Tone::Good } else { Tone::Bad };
        push_painted(
            &mut out,
            "  signature  ",
            &style.paint(tone, &v.summary()),
            "",
        );
        for scheme in &v.schemes {
            let (verdict, tone) = match (scheme.verified, scheme.scheme) {
                (true, _) => ("verified", Tone::Good),
                (false, crate::report::VerifiedScheme::Stamp) => {
                    ("does not verify (never required)", Tone::Info)
                }
                (false, _) => ("DOES NOT VERIFY", Tone::Bad),
            };
            let indent = format!("  {:<19}", scheme.scheme.name());
            push_painted(&mut out, &indent, &style.paint(tone, verdict), "");
            for e in &scheme.errors {
                outln!(&mut out, "    error    [{}] {}", e.code, e.message);
            }
            for w in &scheme.warnings {
                outln!(&mut out, "    warning  [{}] {}", w.code, w.message);
            }
        }
        for e in &v.errors {
            outln!(&mut out, "  error  [{}] {}", e.code, e.message);
        }
        out.push('\n');
    }
    out
}

/// `appfiling check` as text: one verdict per package, then each difference with
/// what was filed, what the package has and what it means.
pub fn check_text(results: &[crate::check::CheckResult], style: Style) -> String {
    let mut out = String::new();
    for r in results {
        let what = format!(
            "{} {}",
            r.platform,
            r.package_name.as_deref().unwrap_or("(no package name)")
        );
        if r.matches {
            let verdict = style.paint(Tone::Good, "matches the filing");
            let record = r.record.as_deref().unwrap_or("-");
            let rest = format!(" ({what}; record {record})");
            push_painted(&mut out, &format!("{}: ", r.path), &verdict, &rest);
            continue;
        }
        let verdict = style.paint(Tone::Bad, "DRIFTED from the filing");
        let record = r.record.as_deref().unwrap_or("none for this platform");
        let rest = format!(" ({what}; record {record})");
        push_painted(&mut out, &format!("{}: ", r.path), &verdict, &rest);
        for d in &r.differences {
            let label = match d.field {
                "platform" => "platform",
                "package_name" => "包名 / Bundle ID (package name)",
                "certificate_sha256" => "signing certificate SHA-256",
                "md5" => "签名MD5值 (certificate MD5)",
                "sha1" => "签名MD5值 (certificate SHA-1)",
                "public_key" => "公钥 (public key)",
                "signature" => "signature (does it hold?)",
                "validity" => "valid for filing?",
                _ => "signer",
            };
            outln!(&mut out, "  {label}");
            outln!(&mut out, "    filed:   {}", d.filed);
            outln!(&mut out, "    package: {}", d.found);
            outln!(&mut out, "    {}", d.meaning);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown_not_obeyed() {
        assert_eq!(escape_controls("plain 名称"), "plain 名称");
        assert_eq!(
            escape_controls(
                "a\n公钥 x\r\t\u{1b}]52;c;eA==\u{7}\u{1b}[8m\u{9b}\u{202e}\u{2066}\u{2028}"
            ),
            "a\\n公钥 x\\r\\t\\u{1b}]52;c;eA==\\u{7}\\u{1b}[8m\\u{9b}\\u{202e}\\u{2066}\\u{2028}"
        );
        let mut out = String::new();
        outln!(&mut out, "    name         {}", "x\n    公钥        forged");
        assert_eq!(out.lines().count(), 1, "{out}");
    }
}

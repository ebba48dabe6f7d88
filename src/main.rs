//! The `appfiling` command: parses arguments, calls the library, prints.

use anyhow::{bail, Context};
use appfiling::batch::{Batch, ErrorLine, Finished, Outcome, Tally};
use appfiling::sheet::provider::KeyForm;
use appfiling::sheet::render::Format as SheetFormat;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit codes (README, docs/ci.md, docs/json.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// Every input was read (and matched, or made a complete sheet).
    Ok = 0,
    /// `check`: a package drifted from its filing; `sheet`: the sheet has errors.
    Failed = 1,
    /// A bad option or option file, as clap uses for its own.
    Usage = 2,
    /// At least one input could not be read as a package.
    Unreadable = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Files given as options are read through these caps (a real filing.toml is a few KB, a
/// sheet or report JSON for `--against` rarely a few MB): `/dev/zero` or a runaway file
/// is refused instead of filling memory.
const MAX_CONFIG_FILE: u64 = 1 << 20;
const MAX_AGAINST_FILE: u64 = 16 << 20;
const MAX_PASSWORD_FILE: u64 = 64 << 10;

/// Reads a file named by an option, refusing more than `cap` bytes.
fn read_option_file(option: &str, path: &std::path::Path, cap: u64) -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(cap + 1).read_to_end(&mut bytes))
        .with_context(|| format!("{option}: cannot read {}", path.display()))?;
    if bytes.len() as u64 > cap {
        bail!(
            "{option}: {} is larger than the {cap}-byte limit for this option",
            path.display()
        );
    }
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{option}: {} is not UTF-8 text", path.display()))
}

#[derive(Parser)]
#[command(
    version,
    about = "Reads app packages and prints what APP备案 portals ask for"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the text output of inspect, verify and check: auto colours it on a
    /// terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

/// `--color`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    /// When standard output is a terminal and NO_COLOR is unset or empty.
    Auto,
    /// Always, even through a pipe or with NO_COLOR set.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// The style of text output (https://no-color.org: any non-empty NO_COLOR turns colour off).
    fn style(self) -> appfiling::render::Style {
        use std::io::IsTerminal;
        let color = match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        appfiling::render::Style { color }
    }
}

/// The providers whose forms `sheet` fills: one for each file in providers/.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Provider {
    /// Alibaba Cloud (阿里云).
    Aliyun,
    /// Tencent Cloud (腾讯云).
    Tencent,
    /// Huawei Cloud (华为云).
    Huawei,
    /// Any other provider: the MIIT form's fields.
    Generic,
}

impl Provider {
    /// The name `sheet::provider::load` takes: the file's stem in providers/.
    fn name(self) -> &'static str {
        match self {
            Provider::Aliyun => "aliyun",
            Provider::Tencent => "tencent",
            Provider::Huawei => "huawei",
            Provider::Generic => "generic",
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Report identity, every signer and the values to file for each package.
    Inspect {
        /// Output format; jsonl prints one package per line as soon as it is read.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also detect third-party SDKs, domains and languages (reads the code).
        #[arg(long)]
        detect: bool,
        /// Also check that the signatures hold (reads every signed byte), as `verify` does.
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        sdk: SdkRange,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Check that each package's signatures hold, as Android, iOS and HarmonyOS would
    /// (exit 1 when one does not).
    Verify {
        /// Output format: text prints the verdict and each scheme; json and jsonl print
        /// the full report with its `verification` block.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        sdk: SdkRange,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Fail when a package no longer matches what was filed, or its signature does not
    /// hold (exit 1), for release pipelines.
    Check {
        /// The filing record: `sheet --format json` output (or `inspect --format json`).
        #[arg(long, value_name = "FILE", required_unless_present_any = ["expect_package", "expect_md5", "expect_sha1", "expect_sha256", "expect_pubkey"])]
        against: Option<PathBuf>,
        /// The filed package name or Bundle ID.
        #[arg(long, value_name = "ID", conflicts_with = "against")]
        expect_package: Option<String>,
        /// The filed 签名MD5值 of an Android app (MD5 of the certificate).
        #[arg(long, value_name = "HEX", conflicts_with = "against")]
        expect_md5: Option<String>,
        /// The filed 签名MD5值 of an iOS or HarmonyOS app (SHA-1 of the certificate).
        #[arg(long, value_name = "HEX", conflicts_with = "against")]
        expect_sha1: Option<String>,
        /// The SHA-256 of the filed certificate.
        #[arg(long, value_name = "HEX", conflicts_with = "against")]
        expect_sha256: Option<String>,
        /// The filed 公钥: the RSA modulus in decimal or hex, or a HarmonyOS EC point 04‖X‖Y in hex.
        #[arg(
            long,
            value_name = "VALUE",
            conflicts_with = "against",
            allow_hyphen_values = true
        )]
        expect_pubkey: Option<String>,
        /// Output format; jsonl prints one result per line as soon as it is checked.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Compare the values only: do not check that the signatures hold.
        #[arg(long)]
        no_verify: bool,
        #[command(flatten)]
        sdk: SdkRange,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Fill one provider's APP备案 form for an app, from its packages and filing.toml.
    Sheet {
        /// filing.toml: what the packages cannot tell (`appfiling init` writes one).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Whose form to fill.
        #[arg(long, value_enum, default_value_t = Provider::Aliyun)]
        provider: Provider,
        /// Output format: text, markdown, csv, html and json print (or write with -o); xlsx
        /// needs -o.
        #[arg(long, value_enum, default_value_t = SheetFormat::Text)]
        format: SheetFormat,
        /// Override the provider's 公钥 form for RSA keys: the modulus in decimal or hex, or
        /// base64: the whole public key (SubjectPublicKeyInfo, the body of a PEM PUBLIC KEY),
        /// not the modulus.
        #[arg(long, value_enum)]
        pubkey_format: Option<KeyForm>,
        /// Write here instead of to standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// File the app's own detected domains without listing them in filing.toml.
        #[arg(long)]
        accept_detected_domains: bool,
        /// Also write the APP图标 PNG (at most 100 KB) here.
        #[arg(long, value_name = "FILE")]
        icon: Option<PathBuf>,
        /// Replace the output files if they exist.
        #[arg(long)]
        force: bool,
        /// Make a draft: accept packages not valid for filing (debug, development or
        /// expired certificates, unsigned, a signature that does not hold) as warnings.
        #[arg(long)]
        draft: bool,
        /// The app's packages, one or more per platform (- for one on standard input).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Say what a value is in the packages (the public key's MD5, the chain's root, the
    /// APK file's digest…) and what to file instead: for a filing that came back rejected.
    Explain {
        /// The value: a fingerprint, a 公钥, a PEM block or Base64, as filed or refused.
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Output format: text says in words what the value is and what to file instead;
        /// json and jsonl give each match with its kind.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        keystore: KeystoreArgs,
        /// The app's packages, or the certificates and profiles to look in (directories are
        /// searched).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write a filing.toml template, pre-filled with what the packages show (SDKs found
    /// in the code are rows to confirm); what they cannot show is left for you to write.
    Init {
        /// Write here instead of to standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
        /// The app's packages, one or more per platform (- for one on standard input).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Serve the filing desk in a browser: drop packages, copy the values, fill in the
    /// basic information and download the sheet; a JSON API for release platforms too
    /// (docs/serve.md). Uploads are deleted when each request ends; nothing is kept.
    Serve {
        /// Address to listen on; any other than loopback needs --token. Port 0 picks a
        /// free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Largest upload per request, e.g. 512MiB or 2GiB (413 past it).
        #[arg(long, default_value = "512MiB", value_parser = appfiling::serve::parse_size)]
        max_upload: u64,
        /// Secret the page and the API need: open the page with ?token=…, call the API
        /// with Authorization: Bearer ….
        #[arg(long, env = "APPFILING_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Open the page in the default browser once listening.
        #[arg(long)]
        open: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// e.g. `appfiling completions bash > ~/.local/share/bash-completion/completions/appfiling`
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or one command's page.
    ///
    /// e.g. `appfiling man > appfiling.1`, `appfiling man inspect > appfiling-inspect.1`
    Man {
        /// The command whose page to print, e.g. `inspect` (appfiling-inspect(1)).
        command: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// One JSON object per line, each as soon as it is done.
    Jsonl,
}

/// The Android SDK levels a verification covers.
#[derive(Args)]
struct SdkRange {
    /// Android: verify for SDK levels from this one up (default: the APK's own minSdk).
    #[arg(long, value_name = "LEVEL")]
    min_sdk: Option<u32>,
    /// Android: verify for SDK levels up to this one (default: every newer level).
    #[arg(long, value_name = "LEVEL")]
    max_sdk: Option<u32>,
}

impl SdkRange {
    /// The verification these levels ask for; `wanted` says whether one was asked at all
    /// (the levels are refused without it, before anything is read).
    fn verify(
        self,
        wanted: bool,
        without: &str,
    ) -> anyhow::Result<Option<appfiling::VerifyOptions>> {
        let given = self.min_sdk.is_some() || self.max_sdk.is_some();
        if !wanted {
            if given {
                bail!("--min-sdk and --max-sdk choose what to verify: they need {without}");
            }
            return Ok(None);
        }
        if let (Some(min), Some(max)) = (self.min_sdk, self.max_sdk) {
            if min > max {
                bail!("--min-sdk {min} is above --max-sdk {max}");
            }
        }
        Ok(Some(appfiling::VerifyOptions {
            min_sdk: self.min_sdk,
            max_sdk: self.max_sdk,
        }))
    }
}

/// PKCS#12 files and keystores: the alias, and the password (one way to pass a secret across the tool).
#[derive(Args)]
struct KeystoreArgs {
    /// The keystore alias to report and file (default: every alias).
    #[arg(long, value_name = "ALIAS")]
    alias: Option<String>,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The password itself (visible to other users: prefer the two above).
    #[arg(long = "password", value_name = "PASSWORD")]
    literal: Option<String>,
}

/// What `inspect` and `check` read, and how.
#[derive(Args)]
struct Inputs {
    #[command(flatten)]
    keystore: KeystoreArgs,
    #[command(flatten)]
    batch: BatchArgs,
    /// Packages, or directories to search for them (recursively), or - for one on standard
    /// input: APK, AAB, APKS/XAPK/APKM, JKS/JCEKS/PKCS#12 keystores, IPA, .app,
    /// .mobileprovision, HAP, .p7b, .cer/.pem, .p12.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Reading many packages.
#[derive(Args)]
struct BatchArgs {
    /// Packages read at once (default: one per core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// With --format jsonl: print in input order once all are read, not as each finishes.
    #[arg(long)]
    sort: bool,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    quiet: bool,
}

/// One message on stderr. Messages quote file names and package content, so control
/// characters are shown escaped, never sent to the terminal.
fn say(message: &str) {
    eprintln!("appfiling: {}", appfiling::render::escape_controls(message));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = run(cli).unwrap_or_else(|e| {
        if is_broken_pipe(&e) {
            return Exit::Ok;
        }
        say(&format!("{e:#}"));
        Exit::Usage
    });
    exit.into()
}

impl KeystoreArgs {
    /// The options these arguments make: the alias and the password, read.
    fn options(self, detect: bool) -> anyhow::Result<appfiling::Options> {
        Ok(appfiling::Options {
            alias: self.alias.clone(),
            detect,
            password: self.password()?,
            ..appfiling::Options::default()
        })
    }

    fn password(self) -> anyhow::Result<Option<String>> {
        match (self.password_env, self.password_file, self.literal) {
            (None, None, None) => Ok(None),
            (Some(var), None, None) => std::env::var(&var).map(Some).with_context(|| {
                format!("--password-env: the environment variable {var} is not set")
            }),
            (None, Some(path), None) => {
                let text = read_option_file("--password-file", &path, MAX_PASSWORD_FILE)?;
                Ok(Some(text.lines().next().unwrap_or_default().to_string()))
            }
            (None, None, Some(literal)) => {
                eprintln!("appfiling: warning: --password shows the password to other users of this machine; prefer --password-env or --password-file");
                Ok(Some(literal))
            }
            _ => bail!("give only one of --password-env, --password-file and --password"),
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    let style = cli.color.style();
    match cli.command {
        Command::Inspect {
            format,
            detect,
            verify,
            sdk,
            inputs,
        } => {
            let verify = sdk.verify(verify, "--verify")?;
            let options = appfiling::Options {
                verify,
                ..inputs.keystore.options(detect)?
            };
            inspect(
                format,
                &inputs.paths,
                &options,
                &inputs.batch,
                Mode::Inspect,
                style,
            )
        }
        Command::Verify {
            format,
            sdk,
            inputs,
        } => {
            let options = appfiling::Options {
                verify: sdk.verify(true, "")?,
                ..inputs.keystore.options(false)?
            };
            inspect(
                format,
                &inputs.paths,
                &options,
                &inputs.batch,
                Mode::Verify,
                style,
            )
        }
        Command::Check {
            against,
            expect_package,
            expect_md5,
            expect_sha1,
            expect_sha256,
            expect_pubkey,
            format,
            no_verify,
            sdk,
            inputs,
        } => {
            let verify = sdk.verify(!no_verify, "verification (drop --no-verify)")?;
            let records = match against {
                Some(file) => {
                    let text = read_option_file("--against", &file, MAX_AGAINST_FILE)?;
                    let name = file.display().to_string();
                    appfiling::check::records_from_json(&text, &name)
                        .map_err(|e| anyhow::anyhow!("--against {name}: {e}"))?
                }
                None => {
                    use appfiling::check::{parse_fingerprint, Fingerprint};
                    let parse = |value: Option<String>, kind| {
                        value
                            .map(|v| parse_fingerprint(&v, kind))
                            .transpose()
                            .map_err(anyhow::Error::msg)
                    };
                    vec![appfiling::check::Filed {
                        source: "the --expect options".into(),
                        platform: None,
                        package_name: expect_package,
                        certificate_sha256: parse(expect_sha256, Fingerprint::Sha256)?,
                        md5: parse(expect_md5, Fingerprint::Md5)?,
                        sha1: parse(expect_sha1, Fingerprint::Sha1)?,
                        public_key: expect_pubkey
                            .map(|v| appfiling::check::parse_public_key(&v))
                            .transpose()
                            .map_err(anyhow::Error::msg)?,
                    }]
                }
            };
            let options = appfiling::Options {
                verify,
                ..inputs.keystore.options(false)?
            };
            check(
                format,
                &inputs.paths,
                &options,
                &inputs.batch,
                &records,
                style,
            )
        }
        Command::Sheet {
            config,
            provider,
            format,
            pubkey_format,
            output,
            accept_detected_domains,
            icon,
            force,
            draft,
            paths,
        } => {
            let outputs = Outputs {
                accept_detected_domains,
                sheet: output,
                icon,
                force,
                draft,
            };
            sheet(
                config,
                provider.name(),
                format,
                pubkey_format,
                outputs,
                &paths,
            )
        }
        Command::Explain {
            value,
            format,
            keystore,
            paths,
        } => explain(&value, format, &paths, &keystore.options(false)?),
        Command::Init {
            output,
            force,
            paths,
        } => init(output, force, &paths),
        Command::Serve {
            bind,
            max_upload,
            token,
            open,
        } => serve(bind, max_upload, token, open),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "appfiling", &mut script);
            write_stdout(&script)?;
            Ok(Exit::Ok)
        }
        Command::Man { command } => {
            write_stdout(&man_page(command.as_deref())?)?;
            Ok(Exit::Ok)
        }
    }
}

/// `appfiling serve`: runs until SIGINT or SIGTERM.
fn serve(
    bind: std::net::SocketAddr,
    max_upload: u64,
    token: Option<String>,
    open: bool,
) -> anyhow::Result<Exit> {
    let options = appfiling::serve::ServeOptions {
        bind,
        max_upload,
        token,
    };
    let with_token = options.token.is_some();
    appfiling::serve::run(options, |address| {
        let url = format!("http://{address}/");
        // Tests and scripts read the port from this line (docs/serve.md).
        eprintln!("appfiling serve: listening on {url}");
        if with_token {
            eprintln!(
                "appfiling serve: the page and the API need the token: open it with ?token=…"
            );
        }
        if open {
            open_in_browser(&url);
        }
    })?;
    Ok(Exit::Ok)
}

/// Asks the desktop to open `url`; says so when it cannot (a server has no desktop).
fn open_in_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        eprintln!("appfiling serve: cannot start {opener}: open {url} yourself");
    }
}

/// The manual page of appfiling, or of one of its commands, in roff.
fn man_page(command: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let cli = Cli::command();
    let page = match command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                bail!(
                    "man: no command {name:?}; the commands are {}",
                    names.join(", ")
                );
            };
            // A page of its own, named as man expects: appfiling-inspect(1).
            sub.clone()
                .display_name(format!("appfiling-{name}"))
                .bin_name(format!("appfiling {name}"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .context("writing the manual page")?;
    Ok(roff)
}

/// Writes all of `bytes` to standard output.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("writing to stdout")
}

/// Whether an error is standard output closed by its reader (`appfiling … | head -1`):
/// the end of the run, not a failure, as in ripgrep.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints the report's errors; exit 3 when there are any.
fn report_errors(report: &appfiling::Report) -> Exit {
    for error in &report.errors {
        say(&error.message);
    }
    read_exit(report.errors.len())
}

/// `init`: the template from what the packages show (with detection), written only
/// when at least one package could be read.
fn init(output: Option<PathBuf>, force: bool, paths: &[PathBuf]) -> anyhow::Result<Exit> {
    check_outputs(SheetFormat::Text, output.as_deref(), None, force)?;
    check_stdin(paths)?;
    let detecting = appfiling::Options {
        detect: true,
        ..appfiling::Options::default()
    };
    let report = inspect_named(paths, &detecting);
    if report.packages.is_empty() {
        report_errors(&report);
        say("no package could be read: no template written");
        return Ok(Exit::Unreadable);
    }
    let template = appfiling::sheet::config::template(&report.packages);
    match &output {
        Some(path) => appfiling::output::write_file(path, template.as_bytes(), force)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(template.as_bytes())?,
    }
    Ok(report_errors(&report))
}

/// Where `sheet` writes: the sheet (else stdout) and the icon; whether detected domains
/// are filed, and whether it is a draft.
struct Outputs {
    accept_detected_domains: bool,
    sheet: Option<PathBuf>,
    icon: Option<PathBuf>,
    force: bool,
    draft: bool,
}

fn sheet(
    config: Option<PathBuf>,
    provider: &str,
    format: SheetFormat,
    pubkey_format: Option<KeyForm>,
    outputs: Outputs,
    paths: &[PathBuf],
) -> anyhow::Result<Exit> {
    let Outputs {
        accept_detected_domains,
        sheet: output,
        icon,
        force,
        draft,
    } = outputs;
    use appfiling::sheet::{self, render};
    check_outputs(format, output.as_deref(), icon.as_deref(), force)?;
    check_stdin(paths)?;
    let provider = sheet::provider::load(provider).map_err(anyhow::Error::msg)?;
    let config_path = config.as_ref();
    let config = match &config {
        Some(path) => {
            let text = read_option_file("--config", path, MAX_CONFIG_FILE)?;
            sheet::config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => sheet::config::Config::default(),
    };
    let detecting = appfiling::Options {
        detect: true,
        icon: true,
        verify: Some(appfiling::VerifyOptions::default()),
        ..appfiling::Options::default()
    };
    let report = inspect_named(paths, &detecting);
    if report.packages.is_empty() {
        report_errors(&report);
        say("no package could be read: no sheet written");
        return Ok(Exit::Unreadable);
    }
    let options = sheet::SheetOptions {
        accept_detected_domains,
        provider,
        pubkey_format,
        draft,
        config_path: config_path.map(|p| p.display().to_string()),
    };
    let built = sheet::build(&report.packages, &config, &options);
    let rendered = render::render(&built, format).map_err(anyhow::Error::msg)?;
    match &output {
        Some(path) => appfiling::output::write_file(path, &rendered, force)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&rendered)?,
    }
    match (&icon, &built.icon) {
        (Some(path), Some(exported)) => {
            appfiling::output::write_file(path, &exported.png, force)
                .with_context(|| format!("cannot write {}", path.display()))?
        }
        (Some(path), None) => say(&format!("no icon to write to {}", path.display())),
        _ => {}
    }
    // The errors also go to stderr unless the text sheet showing them is on the terminal:
    // a CI log keeps why the sheet failed.
    if output.is_some()
        || format != render::Format::Text
        || !std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        for e in &built.errors {
            say(&format!("error: {}: {}", e.field, e.message));
        }
    }
    Ok(match report_errors(&report) {
        Exit::Ok if !built.errors.is_empty() => Exit::Failed,
        exit => exit,
    })
}

/// Refuses, before any package is read, what would stop `sheet` when it writes: so a run
/// never ends with one file written and the next refused.
fn check_outputs(
    format: SheetFormat,
    sheet: Option<&std::path::Path>,
    icon: Option<&std::path::Path>,
    force: bool,
) -> anyhow::Result<()> {
    if !format.is_text() && sheet.is_none() {
        bail!("--format xlsx writes a binary file: give it with -o FILE");
    }
    if let (Some(sheet_path), Some(icon_path)) = (sheet, icon) {
        if same_file(sheet_path, icon_path) {
            bail!(
                "-o and --icon name the same file ({}): give the icon its own .png",
                icon_path.display()
            );
        }
    }
    for path in sheet.iter().chain(&icon) {
        if !force && std::fs::symlink_metadata(path).is_ok() {
            bail!("{} exists: pass --force to replace it", path.display());
        }
        if !folder_of(path).is_dir() {
            bail!(
                "cannot write {}: no folder {}",
                path.display(),
                folder_of(path).display()
            );
        }
    }
    Ok(())
}

/// The folder a file is (or would be) in: "." for a bare name.
fn folder_of(path: &std::path::Path) -> &std::path::Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
}

/// Whether two paths name one file: the same path, or (when both exist) one inode.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        // A file not yet there: compare the canonical folder and the name.
        _ => {
            let canonical = |p: &std::path::Path| {
                std::fs::canonicalize(folder_of(p))
                    .ok()
                    .map(|d| d.join(p.file_name().unwrap_or_default()))
            };
            canonical(a).is_some() && canonical(a) == canonical(b)
        }
    }
}

/// `-` among the paths: standard input.
const STDIN_PATH: &str = "-";
/// What standard input is called in reports and messages.
const STDIN_NAME: &str = "<stdin>";
/// Standard input is copied to a temporary file, never into memory, up to this size.
const MAX_STDIN: u64 = 4 << 30;

/// Refuses, before anything is read, a `-` that cannot work: given twice, or standard
/// input left on the terminal (reading it would wait for typing).
fn check_stdin(paths: &[PathBuf]) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    match paths.iter().filter(|p| p.as_os_str() == STDIN_PATH).count() {
        0 => Ok(()),
        1 if std::io::stdin().is_terminal() => bail!(
            "- reads a package from standard input, which is a terminal: pipe one in, e.g. appfiling inspect - < app.apk"
        ),
        1 => Ok(()),
        _ => bail!("- (standard input) can be given only once"),
    }
}

/// The package on standard input: copied to a temporary file (bounded by `MAX_STDIN`), so
/// that it is read like any file, with random access and no more memory.
fn read_stdin(options: &appfiling::Options) -> Outcome {
    use std::io::{Read, Seek};
    let spool = || -> std::io::Result<std::fs::File> {
        let mut file = tempfile::tempfile()?;
        let copied = std::io::copy(&mut std::io::stdin().lock().take(MAX_STDIN + 1), &mut file)?;
        if copied > MAX_STDIN {
            return Err(std::io::Error::other(format!(
                "standard input holds more than the {MAX_STDIN}-byte limit"
            )));
        }
        file.rewind()?;
        Ok(file)
    };
    let inspected = spool()
        .map_err(|e| appfiling::ErrorKind::Io(e).at(STDIN_NAME))
        .and_then(|file| appfiling::inspect_reader(STDIN_NAME, file, options));
    match inspected {
        Ok(package) => Outcome::Package(Box::new(package)),
        Err(e) => Outcome::Error(e.entry()),
    }
}

/// Every package under `paths`, directories searched as `check` searches them, with `-`
/// read from standard input first.
fn inspect_named(paths: &[PathBuf], options: &appfiling::Options) -> appfiling::Report {
    let files: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != STDIN_PATH)
        .collect();
    let from_stdin = (files.len() < paths.len()).then(|| read_stdin(options));
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = Batch::collect(&files)
        .read(options, jobs, |_| {})
        .into_report();
    match from_stdin {
        Some(Outcome::Package(package)) => report.packages.insert(0, *package),
        Some(Outcome::Error(error)) => report.errors.insert(0, error),
        Some(Outcome::Skipped(_)) | None => {}
    }
    report
}

/// Reads every input under `paths` in parallel (`-`, standard input, first), with a
/// progress bar on a terminal. Each outcome goes to `each` as it finishes, the bar set
/// aside while it prints; unless `streaming`, all are kept in input order (streaming keeps
/// nothing, so a batch of any size needs no more memory than one package). When `each`
/// cannot write, the run ends there (see `end_on_write_error`).
fn read_batch(
    paths: &[PathBuf],
    options: &appfiling::Options,
    args: &BatchArgs,
    streaming: bool,
    mut each: impl FnMut(&Outcome) -> std::io::Result<()>,
) -> Finished {
    use indicatif::{ProgressBar, ProgressDrawTarget};
    use std::io::IsTerminal;
    let (stdin, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
        paths.iter().partition(|p| p.as_os_str() == STDIN_PATH);
    let batch = Batch::collect(&files);
    let inputs = batch.len() + stdin.len();
    let progress = if !args.quiet && inputs > 1 && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(inputs as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut each = |outcome: &Outcome| {
        progress.inc(1);
        if let Err(e) = progress.suspend(|| each(outcome)) {
            progress.finish_and_clear();
            end_on_write_error(&e);
        }
    };
    let from_stdin = (!stdin.is_empty()).then(|| read_stdin(options));
    if let Some(outcome) = &from_stdin {
        each(outcome);
    }
    let mut finished = if streaming {
        Finished {
            outcomes: Vec::new(),
            tally: batch.stream(options, jobs, each),
        }
    } else {
        batch.read(options, jobs, each)
    };
    progress.finish_and_clear();
    if let Some(outcome) = from_stdin {
        let tally = &mut finished.tally;
        match &outcome {
            Outcome::Package(p) => {
                tally.packages += 1;
                tally.warnings += p.warnings.len();
            }
            Outcome::Error(_) => tally.errors += 1,
            Outcome::Skipped(_) => {}
        }
        // `-` alone is one input, not a batch.
        tally.many = paths.len() > 1;
        if !streaming {
            finished.outcomes.insert(0, outcome);
        }
    }
    finished
}

/// Ends the run when standard output cannot be written to: quietly with exit 0 when its
/// reader has gone (`appfiling inspect --format jsonl DIR | head -1`), as ripgrep does;
/// otherwise saying why, with exit 2 as for any other failure of the run itself.
fn end_on_write_error(error: &std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(Exit::Ok as i32);
    }
    say(&format!("writing to stdout: {error}"));
    std::process::exit(Exit::Usage as i32)
}

fn print_line(value: &impl serde::Serialize) -> std::io::Result<()> {
    let line = serde_json::to_string(value).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// The summary line on stderr, for more than one input or a directory.
fn summary(args: &BatchArgs, tally: &Tally, drifted: Option<usize>) {
    if args.quiet {
        return;
    }
    if let Some(line) = tally.summary(drifted) {
        eprintln!("appfiling: {line}");
    }
}

/// Exit 3 when an input could not be read.
fn read_exit(errors: usize) -> Exit {
    if errors > 0 {
        Exit::Unreadable
    } else {
        Exit::Ok
    }
}

/// `inspect` and `verify` read and print alike; they differ in the text they print and
/// in what fails.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Inspect,
    /// Exit 1 when a package's signature does not hold.
    Verify,
}

/// Whether `verify` fails on this package: its signature was checked and does not hold.
fn does_not_verify(package: &appfiling::PackageReport) -> bool {
    package.verification.as_ref().is_some_and(|v| !v.verified)
}

fn inspect(
    format: Format,
    paths: &[PathBuf],
    options: &appfiling::Options,
    args: &BatchArgs,
    mode: Mode,
    style: appfiling::render::Style,
) -> anyhow::Result<Exit> {
    check_stdin(paths)?;
    let streaming = format == Format::Jsonl && !args.sort;
    let mut streamed_failures = 0;
    let Finished { outcomes, tally } = read_batch(paths, options, args, streaming, |outcome| {
        if !streaming {
            return Ok(());
        }
        match outcome {
            Outcome::Package(p) => {
                streamed_failures += usize::from(does_not_verify(p));
                print_line(p)
            }
            Outcome::Error(e) => {
                say(&e.message);
                print_line(&ErrorLine::from(e))
            }
            Outcome::Skipped(_) => Ok(()),
        }
    });
    // Sorted jsonl: every line in input order (streamed jsonl kept nothing).
    let mut lines = String::new();
    if format == Format::Jsonl {
        for outcome in &outcomes {
            let line = match outcome {
                Outcome::Package(p) => serde_json::to_string(p),
                Outcome::Error(e) => serde_json::to_string(&ErrorLine::from(e)),
                Outcome::Skipped(_) => continue,
            };
            lines += &(line.context("serialising")? + "\n");
        }
    }
    let report = Finished { outcomes, tally }.into_report();
    let rendered = match (format, mode) {
        (Format::Json, _) => {
            serde_json::to_string_pretty(&report).context("serialising the report")? + "\n"
        }
        (Format::Text, Mode::Inspect) => appfiling::render::styled_text(&report, style),
        (Format::Text, Mode::Verify) => appfiling::render::verify_text(&report, style),
        (Format::Jsonl, _) => lines,
    };
    write_stdout(rendered.as_bytes())?;
    report_errors(&report);
    let failures = streamed_failures
        + report
            .packages
            .iter()
            .filter(|p| does_not_verify(p))
            .count();
    summary(args, &tally, None);
    Ok(match read_exit(tally.errors) {
        Exit::Ok if mode == Mode::Verify && failures > 0 => Exit::Failed,
        exit => exit,
    })
}

fn check(
    format: Format,
    paths: &[PathBuf],
    options: &appfiling::Options,
    args: &BatchArgs,
    records: &[appfiling::check::Filed],
    style: appfiling::render::Style,
) -> anyhow::Result<Exit> {
    check_stdin(paths)?;
    let streaming = format == Format::Jsonl && !args.sort;
    let mut streamed_drifts = 0;
    let Finished { outcomes, tally } = read_batch(paths, options, args, streaming, |outcome| {
        if !streaming {
            return Ok(());
        }
        match outcome {
            Outcome::Package(p) => {
                let result = appfiling::check::check(p, records);
                streamed_drifts += usize::from(!result.matches);
                print_line(&result)
            }
            Outcome::Error(e) => {
                say(&e.message);
                print_line(&ErrorLine::from(e))
            }
            Outcome::Skipped(_) => Ok(()),
        }
    });
    // What was kept (not streamed): each package checked once, in input order.
    let mut document = appfiling::check::CheckReport {
        schema_version: appfiling::report::SCHEMA_VERSION,
        results: Vec::new(),
        errors: Vec::new(),
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Package(p) => {
                let result = appfiling::check::check(&p, records);
                if format == Format::Jsonl {
                    print_line(&result).context("writing to stdout")?;
                }
                document.results.push(result);
            }
            Outcome::Error(e) => {
                if format == Format::Jsonl {
                    print_line(&ErrorLine::from(&e)).context("writing to stdout")?;
                }
                document.errors.push(e);
            }
            Outcome::Skipped(_) => {}
        }
    }
    match format {
        Format::Json => {
            write_stdout((document.to_json().context("serialising")? + "\n").as_bytes())?
        }
        Format::Text => {
            write_stdout(appfiling::render::check_text(&document.results, style).as_bytes())?
        }
        Format::Jsonl => {}
    }
    for e in &document.errors {
        say(&e.message);
    }
    let drifted = streamed_drifts + document.results.iter().filter(|r| !r.matches).count();
    summary(args, &tally, Some(drifted));
    Ok(match read_exit(tally.errors) {
        Exit::Ok if drifted > 0 => Exit::Failed,
        exit => exit,
    })
}

/// `explain`: what `value` is in each package; exit 0 when it was found in one, 1 when
/// it matches nothing, 3 when an input could not be read.
fn explain(
    value: &str,
    format: Format,
    paths: &[PathBuf],
    options: &appfiling::Options,
) -> anyhow::Result<Exit> {
    if value.trim().is_empty() {
        bail!("explain: the value is empty: give the value the portal refused (签名MD5值, 公钥…)");
    }
    check_stdin(paths)?;
    let report = inspect_named(paths, options);
    let document = appfiling::explain::ExplainReport::new(value, report);
    match format {
        Format::Json => write_stdout(
            (serde_json::to_string_pretty(&document).context("serialising")? + "\n").as_bytes(),
        )?,
        Format::Jsonl => {
            for line in &document.matches {
                print_line(line)?;
            }
            for error in &document.errors {
                print_line(&ErrorLine::from(error))?;
            }
        }
        Format::Text => write_stdout(document.to_text().as_bytes())?,
    }
    for e in &document.errors {
        say(&e.message);
    }
    Ok(match read_exit(document.errors.len()) {
        Exit::Ok if document.matches.is_empty() => Exit::Failed,
        exit => exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument of every command, with the command's path: `appfiling sheet --provider`.
    fn every_argument(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        for arg in command.get_arguments() {
            out.push((path.to_string(), arg.clone()));
        }
        for sub in command.get_subcommands() {
            every_argument(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    /// The commands and arguments under `command` that have no help text.
    fn without_help(command: &clap::Command) -> Vec<String> {
        let mut arguments = Vec::new();
        every_argument(command, command.get_name(), &mut arguments);
        let silent_arguments = arguments
            .iter()
            .filter(|(_, arg)| {
                arg.get_help()
                    .is_none_or(|h| h.to_string().trim().is_empty())
            })
            .map(|(path, arg)| format!("{path} {}", arg.get_id()));
        let silent_commands = command
            .get_subcommands()
            .filter(|c| c.get_about().is_none())
            .map(|c| c.get_name().to_string());
        silent_arguments.chain(silent_commands).collect()
    }

    #[test]
    fn every_command_and_option_has_help() {
        let mut cli = Cli::command();
        cli.build();
        let mut arguments = Vec::new();
        every_argument(&cli, "appfiling", &mut arguments);
        assert!(arguments.len() > 40, "{}", arguments.len());
        assert_eq!(without_help(&cli), Vec::<String>::new());
        // The walk sees what it must refuse.
        let mut bare = clap::Command::new("x")
            .subcommand(clap::Command::new("y").arg(clap::Arg::new("z").long("z")));
        bare.build();
        assert_eq!(without_help(&bare), ["x y z", "y"]);
    }

    #[test]
    fn provider_choices_are_the_files_in_providers() {
        let mut files: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/providers"))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .filter_map(|name| name.strip_suffix(".toml").map(str::to_string))
                .collect();
        files.sort();
        let mut choices: Vec<&str> = Provider::value_variants()
            .iter()
            .map(|p| p.name())
            .collect();
        choices.sort_unstable();
        assert_eq!(choices, files);
        for provider in Provider::value_variants() {
            // The name clap takes is the name the library loads.
            let value = provider.to_possible_value().unwrap();
            assert_eq!(value.get_name(), provider.name());
            appfiling::sheet::provider::load(provider.name()).unwrap();
        }
    }
}

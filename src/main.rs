//! The `appfiling` command: parses arguments, calls the library, prints.

use anyhow::{bail, Context};
use appfiling::sheet::provider::KeyForm;
use appfiling::sheet::render::Format as SheetFormat;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when any input could not be read as a package.
const EXIT_UNREADABLE: u8 = 3;
/// Exit code for usage errors, as clap uses.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    version,
    about = "Reads app packages and prints what APP备案 portals ask for"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report identity, every signer and the values to file for each package.
    Inspect {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also detect third-party SDKs, domains and languages (reads the code).
        #[arg(long)]
        detect: bool,
        /// Read the PKCS#12 password from this environment variable.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// Read the PKCS#12 password from the first line of this file.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// The PKCS#12 password itself (visible to other users: prefer the two above).
        #[arg(long, value_name = "PASSWORD")]
        password: Option<String>,
        /// Packages to read: APK, IPA, .app, .mobileprovision, .cer/.pem, .p12.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Fill one provider's APP备案 form for an app, from its packages and filing.toml.
    Sheet {
        /// filing.toml: what the packages cannot tell (`appfiling init` writes one).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Whose form: aliyun, tencent, huawei or generic.
        #[arg(long, default_value = "aliyun")]
        provider: String,
        #[arg(long, value_enum, default_value_t = SheetFormat::Text)]
        format: SheetFormat,
        /// Override the provider's 公钥 form for RSA keys.
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
        /// The app's packages, one or more per platform.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print a filing.toml template, pre-filled from the packages.
    Init {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("appfiling: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn password(
    env: Option<String>,
    file: Option<PathBuf>,
    literal: Option<String>,
) -> anyhow::Result<Option<String>> {
    match (env, file, literal) {
        (None, None, None) => Ok(None),
        (Some(var), None, None) => std::env::var(&var)
            .map(Some)
            .with_context(|| format!("--password-env: the environment variable {var} is not set")),
        (None, Some(path), None) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("--password-file: cannot read {}", path.display()))?;
            Ok(Some(text.lines().next().unwrap_or_default().to_string()))
        }
        (None, None, Some(literal)) => {
            eprintln!("appfiling: warning: --password shows the password to other users of this machine; prefer --password-env or --password-file");
            Ok(Some(literal))
        }
        _ => bail!("give only one of --password-env, --password-file and --password"),
    }
}

/// Exit code when the sheet has errors (missing fields, invalid values).
const EXIT_SHEET_INCOMPLETE: u8 = 1;

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inspect {
            format,
            detect,
            password_env,
            password_file,
            password: literal,
            paths,
        } => {
            let options = appfiling::Options {
                password: password(password_env, password_file, literal)?,
                detect,
            };
            inspect(format, &paths, &options)
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
            paths,
        } => {
            let outputs = Outputs {
                accept_detected_domains,
                sheet: output,
                icon,
                force,
            };
            sheet(config, &provider, format, pubkey_format, outputs, &paths)
        }
        Command::Init { paths } => {
            let report = appfiling::inspect_all(&paths, &appfiling::Options::default());
            print!("{}", appfiling::sheet::config::template(&report.packages));
            Ok(report_errors(&report))
        }
    }
}

/// Prints the report's errors; exit 3 when there are any.
fn report_errors(report: &appfiling::Report) -> ExitCode {
    for error in &report.errors {
        eprintln!("appfiling: {}", error.message);
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_UNREADABLE)
    }
}

/// Where `sheet` writes: the sheet (else stdout) and the icon; and whether
/// detected domains are filed.
struct Outputs {
    accept_detected_domains: bool,
    sheet: Option<PathBuf>,
    icon: Option<PathBuf>,
    force: bool,
}

fn sheet(
    config: Option<PathBuf>,
    provider: &str,
    format: SheetFormat,
    pubkey_format: Option<KeyForm>,
    outputs: Outputs,
    paths: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let Outputs {
        accept_detected_domains,
        sheet: output,
        icon,
        force,
    } = outputs;
    use appfiling::sheet::{self, render};
    let provider = sheet::provider::load(provider).map_err(anyhow::Error::msg)?;
    let config = match &config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            sheet::config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => sheet::config::Config::default(),
    };
    let detecting = appfiling::Options {
        detect: true,
        ..appfiling::Options::default()
    };
    let report = appfiling::inspect_all(paths, &detecting);
    let options = sheet::SheetOptions {
        accept_detected_domains,
        provider,
        pubkey_format,
    };
    let built = sheet::build(&report.packages, &config, &options);
    if !format.is_text() && output.is_none() {
        bail!("--format xlsx writes a binary file: give it with -o FILE");
    }
    let rendered = render::render(&built, format).map_err(anyhow::Error::msg)?;
    match &output {
        Some(path) => appfiling::output::write_file(path, &rendered, force)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(&rendered)
            .context("writing to stdout")?,
    }
    match (&icon, &built.icon) {
        (Some(path), Some(exported)) => {
            appfiling::output::write_file(path, &exported.png, force)
                .with_context(|| format!("cannot write {}", path.display()))?
        }
        (Some(path), None) => eprintln!("appfiling: no icon to write to {}", path.display()),
        _ => {}
    }
    if output.is_some() || format != render::Format::Text {
        for e in &built.errors {
            eprintln!("appfiling: error: {}: {}", e.field, e.message);
        }
    }
    let code = report_errors(&report);
    if code == ExitCode::SUCCESS && !built.errors.is_empty() {
        return Ok(ExitCode::from(EXIT_SHEET_INCOMPLETE));
    }
    Ok(code)
}

fn inspect(
    format: Format,
    paths: &[PathBuf],
    options: &appfiling::Options,
) -> anyhow::Result<ExitCode> {
    let report = appfiling::inspect_all(paths, options);
    let rendered = match format {
        Format::Json => {
            serde_json::to_string_pretty(&report).context("serialising the report")? + "\n"
        }
        Format::Text => appfiling::render::text(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(rendered.as_bytes())
        .context("writing to stdout")?;
    Ok(report_errors(&report))
}

//! The `appfiling` command: parses arguments, calls the library, prints.

use anyhow::{bail, Context};
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Command::Inspect {
        format,
        password_env,
        password_file,
        password: literal,
        paths,
    } = cli.command;
    let options = appfiling::Options {
        password: password(password_env, password_file, literal)?,
    };
    let report = appfiling::inspect_all(&paths, &options);
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
    for error in &report.errors {
        eprintln!("appfiling: {}", error.message);
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_UNREADABLE)
    })
}

//! `marketlens rates import FILE.xml` / `marketlens rates show`: the ECB reference
//! rates analyses convert with.
//!
//! An imported file is checked (it must parse as ECB euro reference-rate XML), then
//! stored as `<data_dir>/rates/eurofxref.xml`, written to a temporary file beside it
//! and renamed, so a running server never reads half a file. Later analyses (new
//! processes) use it instead of the bundled snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use marketlens_core::normalize::currency::RateTable;
use marketlens_service::startup::{load_rates, rates_file};

use crate::stdout::outln;

#[derive(Subcommand)]
pub enum RatesAction {
    /// Check and store an ECB euro reference-rate XML file (daily, 90-day or
    /// historical; the most recent date is used).
    Import {
        /// The XML file, e.g. eurofxref-daily.xml from the ECB.
        file: PathBuf,
    },
    /// Print the date and rates that analyses use, and where they come from.
    Show,
}

pub fn run(data_dir: &Path, action: RatesAction) -> ExitCode {
    match action {
        RatesAction::Import { file } => import(data_dir, &file),
        RatesAction::Show => show(data_dir),
    }
}

fn import(data_dir: &Path, file: &Path) -> ExitCode {
    let xml = match std::fs::read_to_string(file) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let table = match RateTable::from_ecb_xml(&xml) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let target = rates_file(data_dir);
    if let Err(e) = write_atomically(&target, xml.as_bytes()) {
        eprintln!("error: cannot write {}: {e}", target.display());
        return ExitCode::from(1);
    }
    outln!(
        "imported date={} currencies={} path={}",
        table.date(),
        table.currencies().count(),
        target.display()
    );
    ExitCode::SUCCESS
}

fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".eurofxref.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn show(data_dir: &Path) -> ExitCode {
    let (table, origin) = match load_rates(data_dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let source = match origin {
        Some(path) => format!("imported path={}", path.display()),
        None => "bundled".to_owned(),
    };
    outln!("source={source} date={} base=EUR", table.date());
    for c in table.currencies() {
        if let Some(rate) = table.per_eur(c) {
            outln!("{c} {rate}");
        }
    }
    ExitCode::SUCCESS
}

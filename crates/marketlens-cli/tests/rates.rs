//! `marketlens rates import` and `rates show`: an ECB reference-rate file is checked,
//! stored in the data directory and shown.

mod support;

use std::path::Path;
use std::process::Output;

use support::{marketlens_in, stdout_of};

/// `marketlens rates ARGS` on `data_dir`.
fn rates(data_dir: &Path, args: &[&str]) -> Output {
    marketlens_in(data_dir)
        .arg("rates")
        .args(args)
        .output()
        .unwrap()
}

const ECB_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time='2026-11-20'>
      <Cube currency='USD' rate='1.2000'/>
      <Cube currency='GBP' rate='0.8000'/>
    </Cube>
  </Cube>
</gesmes:Envelope>"#;

#[test]
fn rates_import_is_checked_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(&rates(dir.path(), &["show"]));
    assert!(out.starts_with("source=bundled date=2026-10-30"), "{out}");

    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<html>not rates</html>").unwrap();
    let out = rates(dir.path(), &["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("rates/eurofxref.xml").exists());

    let good = dir.path().join("eurofxref.xml");
    std::fs::write(&good, ECB_XML).unwrap();
    let out = stdout_of(&rates(dir.path(), &["import", good.to_str().unwrap()]));
    assert!(out.contains("date=2026-11-20"), "{out}");
    let out = stdout_of(&rates(dir.path(), &["show"]));
    assert!(out.contains("source=imported"), "{out}");
    assert!(out.contains("date=2026-11-20"));
    assert!(
        out.lines().any(|l| l == "USD 1.2000" || l == "USD 1.2"),
        "{out}"
    );
}

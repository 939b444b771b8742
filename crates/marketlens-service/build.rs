//! Records the git commit the binary was built from, for result traceability.
use std::process::Command;

fn main() {
    let sha = std::env::var("MARKETLENS_GIT_SHA").ok().or_else(|| {
        Command::new("git")
            .args(["rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_owned())
    });
    println!(
        "cargo:rustc-env=MARKETLENS_GIT_SHA={}",
        sha.unwrap_or_else(|| "unknown".into())
    );
    // Rebuild when HEAD moves (a new commit or a checkout).
    if let Ok(out) = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .output()
        && let Ok(dir) = String::from_utf8(out.stdout)
    {
        let dir = dir.trim();
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
    }
    println!("cargo:rerun-if-env-changed=MARKETLENS_GIT_SHA");
}

//! The processes a load test starts (demo shop, API, workers) and what the kernel says
//! about them: CPU seconds from `/proc/<pid>/stat`, resident memory from
//! `/proc/<pid>/status` (`VmRSS` now, `VmHWM` its peak).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde::Serialize;

/// A started process, killed and reaped when dropped so an interrupted run leaves
/// nothing behind.
pub struct Started {
    pub role: String,
    child: Child,
}

impl Started {
    /// Runs this executable again with `args`; its standard error goes to `log`.
    pub fn spawn(role: &str, args: &[String], log: &Path) -> std::io::Result<Started> {
        let exe = std::env::current_exe()?;
        let log = std::fs::File::create(log)?;
        let child = Command::new(exe)
            .args(args)
            // The children's own logs: warnings only, so logging costs them little.
            .env("MARKETLENS_LOG", "warn")
            .env("MARKETLENS_LOG_FORMAT", "text")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        Ok(Started {
            role: role.to_owned(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited (its status), without waiting.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The process's figures now (CPU so far, current and peak resident memory).
    pub fn usage(&self) -> Option<ProcessUsage> {
        ProcessUsage::read(self.pid())
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One process's resource use as the kernel counts it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProcessUsage {
    /// User plus system CPU time, all threads.
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    /// The peak resident set (`VmHWM`).
    pub peak_rss_bytes: u64,
}

impl ProcessUsage {
    pub fn read(pid: u32) -> Option<ProcessUsage> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let ticks = cpu_ticks(&stat)?;
        Some(ProcessUsage {
            cpu_seconds: ticks as f64 / clock_ticks_per_second() as f64,
            rss_bytes: status_kib(&status, "VmRSS:")? * 1024,
            peak_rss_bytes: status_kib(&status, "VmHWM:")? * 1024,
        })
    }
}

/// `utime + stime` from a `/proc/<pid>/stat` line. The command name (field 2) is in
/// parentheses and may itself hold spaces or parentheses, so fields are counted from
/// the last `)`: utime and stime are the 14th and 15th fields.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A `Name:   1234 kB` line of `/proc/<pid>/status`, in KiB.
fn status_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The unit of `/proc/<pid>/stat` times (`USER_HZ`), as `getconf CLK_TCK` reports it;
/// 100, what Linux uses on every common architecture, if it cannot be asked.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100)
    })
}

/// A free local TCP port (the listener is closed again; the caller binds it soon).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_count_fields_after_the_command_name() {
        // A command name with a space and a parenthesis, as a process may be named.
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 50 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(300));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_lines_read_in_kib() {
        let status = "Name:\tmarketlens\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kib(status, "VmHWM:"), Some(20480));
        assert_eq!(status_kib(status, "VmRSS:"), Some(10240));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let usage = ProcessUsage::read(std::process::id()).unwrap();
        assert!(usage.peak_rss_bytes >= usage.rss_bytes && usage.rss_bytes > 0);
    }
}

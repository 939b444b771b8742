//! Standard output for every command that prints. `println!` panics when the reader
//! has gone (`marketlens rates show | head -1` closes the pipe after one line); here a
//! closed pipe quietly ends the output instead: what is printed afterwards is dropped
//! and the command finishes normally, as Unix tools do. Any other write error (a full
//! disk behind a redirection) is reported once on stderr and makes the command fail.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU8, Ordering};

const OPEN: u8 = 0;
/// The reader went away: the rest of the output is dropped, not an error.
const READER_GONE: u8 = 1;
/// Writing failed for another reason (reported once): the command fails.
const FAILED: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(OPEN);

/// Writes `args` to standard output (see the module documentation for errors).
pub fn write(args: std::fmt::Arguments<'_>) {
    if STATE.load(Ordering::Relaxed) != OPEN {
        return;
    }
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        record(&e);
    }
}

/// Flushes what is buffered (a last line without a newline) and says whether every
/// write reached standard output or its reader went away; `false` when one failed
/// for another reason.
pub fn finish() -> bool {
    if STATE.load(Ordering::Relaxed) == OPEN
        && let Err(e) = io::stdout().lock().flush()
    {
        record(&e);
    }
    STATE.load(Ordering::Relaxed) != FAILED
}

fn record(e: &io::Error) {
    if e.kind() == io::ErrorKind::BrokenPipe {
        STATE.store(READER_GONE, Ordering::Relaxed);
    } else {
        STATE.store(FAILED, Ordering::Relaxed);
        eprintln!("error: cannot write to standard output: {e}");
    }
}

/// `print!` that survives a closed pipe (see [`write`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

/// `println!` that survives a closed pipe (see [`write`]).
macro_rules! outln {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

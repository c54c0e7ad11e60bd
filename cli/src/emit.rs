//! Emitting: what a command writes to stdout, and the one `error:` line a failure
//! writes to stderr.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::failure::{EXIT_API, Failure};
use crate::output::clean;

/// Writes the output to stdout. A closed pipe (`| head`) ends the program quietly.
pub(crate) fn emit(text: &str) -> Result<(), Failure> {
    emit_bytes(text.as_bytes())
}

/// [`emit`] for bytes (a body as the API sent it).
pub(crate) fn emit_bytes(bytes: &[u8]) -> Result<(), Failure> {
    match write_stdout(bytes) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|e| Failure {
            code: EXIT_API,
            ..Failure::usage(format!("could not write to stdout: {e}"))
        }),
    }
}

/// Writes output that holds a new secret: it is shown this once, so a closed pipe is a
/// failure too, which says that the rotation happened.
pub(crate) fn emit_secret(bytes: &[u8], what: &str) -> Result<(), Failure> {
    write_stdout(bytes).map_err(|e| Failure {
        code: EXIT_API,
        ..Failure::usage(format!(
            "the {what} was rotated but could not be written to stdout ({e}): the old one no \
             longer works; rotate again"
        ))
    })
}

pub(crate) fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush())
}

/// The exit code of a result; a failure's one line goes to stderr first.
pub(crate) fn exit(result: &Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // One line, whatever the message holds. If stderr is gone there is nobody to
            // tell; the exit code still says it.
            let _ = writeln!(io::stderr().lock(), "error: {}", clean(&f.message));
            ExitCode::from(f.code)
        }
    }
}

//! What the waits share (`production-tests wait`, `domains wait`): their interval and
//! timeout options, and the progress line they draw on stderr when it is a terminal.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hopae::Error;
use hopae::wait::{WaitOptions, WaitProgress};

use crate::failure::Failure;
use crate::options::DurationArg;

/// The shortest `--interval` of a wait: a typo such as `1ms` must not poll the API a
/// thousand times a second.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// The exit status of a wait interrupted by Ctrl-C: 128 + SIGINT, as a shell reports it.
const EXIT_INTERRUPTED: i32 = 130;

/// Wait options from `--interval` and `--timeout`, each falling back to `defaults`'.
pub(crate) fn wait_options(
    defaults: WaitOptions,
    interval: Option<&DurationArg>,
    timeout: Option<&DurationArg>,
) -> Result<WaitOptions, Failure> {
    let mut options = defaults;
    if let Some(interval) = interval {
        if interval.value < MIN_INTERVAL {
            return Err(Failure::usage(format!(
                "--interval must be at least {}ms, got `{interval}`",
                MIN_INTERVAL.as_millis()
            )));
        }
        options = options.interval(interval.value);
    }
    if let Some(timeout) = timeout {
        options = options.timeout(timeout.value);
    }
    Ok(options)
}

/// Runs `wait` with `options`; when stderr is a terminal, `line` describes every poll
/// that did not end the wait on a progress line redrawn in place. Ctrl-C ends that line,
/// says `interrupted` (what was interrupted and how to resume) as an `error:` line, and
/// exits with 130.
pub(crate) fn with_progress<T>(
    mut options: WaitOptions,
    line: impl Fn(&WaitProgress) -> String + Send + Sync + 'static,
    interrupted: String,
    wait: impl FnOnce(&WaitOptions) -> Result<T, Error>,
) -> Result<T, Error> {
    let progress = io::stderr()
        .is_terminal()
        .then(|| Arc::new(Mutex::new(ProgressLine::default())));
    if let Some(shown) = &progress {
        let on_poll = Arc::clone(shown);
        options = options.on_poll(move |p| {
            let text = line(p);
            let mut shown = on_poll.lock().unwrap_or_else(|e| e.into_inner());
            let _ = shown.draw(&mut io::stderr().lock(), &text);
        });
    }
    // Ctrl-C: end the progress line first (so that the message and the shell's prompt
    // start on a fresh one), then say what was interrupted. If a handler cannot be
    // installed, Ctrl-C keeps its default; nothing else changes.
    let on_interrupt = progress.clone();
    let _ = ctrlc::set_handler(move || {
        let mut err = io::stderr().lock();
        if let Some(shown) = &on_interrupt {
            let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
            let _ = shown.end(&mut err);
        }
        let _ = writeln!(err, "error: {interrupted}");
        std::process::exit(EXIT_INTERRUPTED);
    });
    let result = wait(&options);
    if let Some(shown) = &progress {
        // End the progress line so that what follows (the result, or an error) starts on
        // a fresh one.
        let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
        let _ = shown.end(&mut io::stderr().lock());
    }
    result
}

/// The progress line of a wait on a terminal, redrawn in place after every poll.
#[derive(Debug, Default)]
struct ProgressLine {
    /// Characters of the line on screen; 0 when none is (progress lines are never empty).
    width: usize,
}

impl ProgressLine {
    /// Redraws the line: back to its start, the new text, then spaces over the rest of
    /// the old one.
    fn draw(&mut self, out: &mut impl Write, line: &str) -> io::Result<()> {
        let width = line.chars().count();
        let pad = self.width.saturating_sub(width);
        self.width = width;
        write!(out, "\r{line}{:pad$}", "")?;
        out.flush()
    }

    /// Ends the line, so that the next output starts on a fresh one. Writes nothing when
    /// no line is on screen (an error on the first poll gets no empty line before it).
    fn end(&mut self, out: &mut impl Write) -> io::Result<()> {
        if std::mem::take(&mut self.width) == 0 {
            return Ok(());
        }
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(f: impl FnOnce(&mut ProgressLine, &mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut ProgressLine::default(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn progress_line_redraws_in_place_and_ends_with_one_newline() {
        let out = drawn(|p, out| {
            p.draw(out, "pending (3 polls)").unwrap();
            p.draw(out, "gone").unwrap();
            p.end(out).unwrap();
            p.end(out).unwrap();
        });
        assert_eq!(out, "\rpending (3 polls)\rgone             \n");
    }

    #[test]
    fn progress_line_never_drawn_ends_with_nothing() {
        // An error on the first poll (or Ctrl-C before it): no empty line.
        assert_eq!(drawn(|p, out| p.end(out).unwrap()), "");
    }

    fn arg(s: &str) -> DurationArg {
        s.parse().unwrap()
    }

    #[test]
    fn wait_options_keep_the_defaults_and_take_the_options() {
        let defaults = WaitOptions::new()
            .interval(Duration::from_secs(30))
            .timeout(Duration::from_secs(3600));
        let o = wait_options(defaults.clone(), None, None).unwrap();
        assert_eq!(o.interval, Some(Duration::from_secs(30)));
        assert_eq!(o.timeout, Duration::from_secs(3600));
        let o = wait_options(defaults, Some(&arg("100ms")), Some(&arg("0"))).unwrap();
        assert_eq!(o.interval, Some(Duration::from_millis(100)));
        assert_eq!(o.timeout, Duration::ZERO);
    }

    #[test]
    fn wait_interval_below_100ms_is_a_usage_error() {
        for interval in ["0", "0s", "1ms", "99ms"] {
            let f = wait_options(WaitOptions::new(), Some(&arg(interval)), None).unwrap_err();
            assert_eq!(f.code, 2, "{interval}");
            assert_eq!(
                f.message,
                format!("--interval must be at least 100ms, got `{interval}`")
            );
        }
    }
}

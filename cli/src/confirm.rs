//! Confirmation before a change that cannot be undone (`apps delete`, the two
//! `rotate-secret` commands, the deletes of workflows, documents and custom domains).
//!
//! `--yes` confirms up front. Without it, on a terminal (stdin and stderr both), the
//! command asks on stderr for the id of what it changes (the app's, the workflow's, the
//! document's) to be typed back; anywhere else (a script, a CI job) there is nobody to
//! ask, and the command refuses with a usage error that names `--yes`. Nothing is sent
//! before the confirmation.

use std::io::{self, BufRead, IsTerminal, Read, Write};

use crate::failure::Failure;
use crate::output::clean;

pub(crate) const CONFIRM_NOTES: &str = "\
This cannot be undone. On a terminal the command asks you to type the app id to confirm;
elsewhere (a script, a CI job) it needs --yes.";

/// A command that changes what cannot be undone.
#[derive(clap::Args, Debug)]
pub(crate) struct Confirmed {
    /// The app's client id
    pub(crate) app: String,

    /// Confirm without being asked (required when there is no terminal)
    #[arg(long)]
    pub(crate) yes: bool,
}

/// The longest answer read from the terminal.
const MAX_ANSWER: u64 = 1024;

/// What the user types to confirm: `noun` names it in the prompt (`app id`), `id` is the
/// text to type (`FK5b0KSM`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Typed<'a> {
    pub(crate) noun: &'a str,
    pub(crate) id: &'a str,
}

impl<'a> Typed<'a> {
    /// The app's id.
    pub(crate) fn app(id: &'a str) -> Typed<'a> {
        Typed { noun: "app id", id }
    }
}

/// Confirms `action` (`delete app FK5b0KSM`): `--yes`, or `typed` typed on the terminal.
pub(crate) fn confirm(
    yes: bool,
    action: &str,
    consequence: &str,
    typed: Typed<'_>,
) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(Failure::usage(format!(
            "pass --yes to {action} (it cannot be undone, and there is no terminal to ask)"
        )));
    }
    let mut input = io::stdin().lock().take(MAX_ANSWER);
    ask(
        &mut input,
        &mut io::stderr().lock(),
        action,
        consequence,
        typed,
    )
}

/// Asks on `output` for the id and reads the answer from `input`.
fn ask(
    input: &mut impl BufRead,
    output: &mut impl Write,
    action: &str,
    consequence: &str,
    typed: Typed<'_>,
) -> Result<(), Failure> {
    let (noun, id) = (typed.noun, clean(typed.id));
    let declined = || Failure::usage(format!("{action} not confirmed: nothing was changed"));
    write!(
        output,
        "{action}: {consequence}. This cannot be undone.\nType the {noun} ({id}) to confirm: "
    )
    .and_then(|()| output.flush())
    .map_err(|_| declined())?;
    let mut answer = String::new();
    let read = input.read_line(&mut answer);
    if matches!(read, Ok(0) | Err(_)) {
        // End of input (Ctrl-D): end the prompt's line.
        let _ = writeln!(output);
        return Err(declined());
    }
    if answer.trim() == id {
        Ok(())
    } else {
        Err(declined())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(answer: &str) -> (Result<(), Failure>, String) {
        let mut out = Vec::new();
        let result = ask(
            &mut answer.as_bytes(),
            &mut out,
            "delete app FK5b0KSM",
            "its client id stops working",
            Typed::app("FK5b0KSM"),
        );
        (result, String::from_utf8(out).unwrap())
    }

    #[test]
    fn the_typed_app_id_confirms() {
        let (result, prompt) = answered("FK5b0KSM\n");
        assert_eq!(result, Ok(()));
        assert_eq!(
            prompt,
            "delete app FK5b0KSM: its client id stops working. This cannot be undone.\n\
             Type the app id (FK5b0KSM) to confirm: "
        );
        assert_eq!(answered("  FK5b0KSM  \r\n").0, Ok(()));
    }

    #[test]
    fn anything_else_declines_with_a_usage_error() {
        for answer in ["", "\n", "y\n", "yes\n", "fk5b0ksm\n", "FK5b0KS\n"] {
            let f = answered(answer).0.unwrap_err();
            assert_eq!(f.code, 2, "{answer:?}");
            assert_eq!(
                f.message,
                "delete app FK5b0KSM not confirmed: nothing was changed"
            );
        }
        // End of input ends the prompt's line.
        assert!(answered("").1.ends_with("to confirm: \n"));
    }

    #[test]
    fn yes_confirms_without_asking() {
        assert_eq!(confirm(true, "delete app A", "x", Typed::app("A")), Ok(()));
    }

    #[test]
    fn the_prompt_names_what_to_type() {
        let mut out = Vec::new();
        let typed = Typed {
            noun: "workflow id",
            id: "kyc",
        };
        let result = ask(
            &mut &b"kyc\n"[..],
            &mut out,
            "delete workflow kyc",
            "gone",
            typed,
        );
        assert_eq!(result, Ok(()));
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("Type the workflow id (kyc) to confirm: ")
        );
    }
}

//! `hopae workspace`: the workspace the API key belongs to.

use crate::failure::Failure;
use crate::options::Global;
use crate::output::workspace_text;
use crate::show::show;

/// Runs `hopae workspace`. With `--json`, the output is the API's body as sent.
pub(crate) fn run(global: &Global) -> Result<(), Failure> {
    show(global, |c| c.workspace(), workspace_text)
}

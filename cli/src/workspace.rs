//! `hopae workspace`: the workspace the API key belongs to.

use crate::options::Global;
use crate::output::workspace_text;
use crate::raw::Keep;
use crate::{Failure, connect, emit};

/// Runs `hopae workspace`. With `--json`, the output is the API's body as sent.
pub(crate) fn run(global: &Global) -> Result<(), Failure> {
    let api = connect(global, Keep::Last)?;
    let workspace = api.client.workspace()?;
    if global.json {
        return api.print_last();
    }
    emit(&workspace_text(&workspace))
}

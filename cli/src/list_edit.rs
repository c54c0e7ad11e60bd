//! Editing a list the API only replaces (redirect URIs, webhook events): read it, add and
//! remove items, write it back, and say what changed.

/// What `--add-...` and `--remove-...` did to a list.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Edit {
    added: Vec<String>,
    removed: Vec<String>,
    /// Asked to add but listed already, or to remove but not listed.
    unchanged: Vec<String>,
}

impl Edit {
    /// The list after adding `add` (at the end, each once) and removing `remove`, and
    /// what changed.
    pub(crate) fn apply(
        current: &[String],
        add: &[String],
        remove: &[String],
    ) -> (Vec<String>, Edit) {
        let mut list = current.to_vec();
        let mut edit = Edit::default();
        for item in add {
            if list.contains(item) {
                edit.unchanged.push(item.clone());
            } else {
                list.push(item.clone());
                edit.added.push(item.clone());
            }
        }
        for item in remove {
            if let Some(i) = list.iter().position(|x| x == item) {
                list.remove(i);
                edit.removed.push(item.clone());
            } else {
                edit.unchanged.push(item.clone());
            }
        }
        (list, edit)
    }

    /// `<what>: added a; removed b; unchanged (already as asked) c`, one line, or nothing
    /// when nothing was asked.
    pub(crate) fn line(&self, what: &str) -> String {
        let mut parts = Vec::new();
        for (label, items) in [
            ("added", &self.added),
            ("removed", &self.removed),
            ("unchanged (already as asked)", &self.unchanged),
        ] {
            if !items.is_empty() {
                parts.push(format!(
                    "{label} {}",
                    crate::output::clean(&items.join(", "))
                ));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("{what}: {}\n", parts.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_added_and_removed_once_and_the_rest_kept() {
        let current = vec!["verification.completed".to_owned(), "a".to_owned()];
        let (list, edit) = Edit::apply(
            &current,
            &["verification.failed".into(), "a".into()],
            &["verification.completed".into(), "b".into()],
        );
        assert_eq!(list, ["a", "verification.failed"]);
        assert_eq!(
            edit.line("events"),
            "events: added verification.failed; removed verification.completed; \
             unchanged (already as asked) a, b\n"
        );
        assert_eq!(Edit::default().line("events"), "");
    }
}

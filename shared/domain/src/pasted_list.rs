//! Pasted lists of emails (SPEC §3): split on new lines, commas, semicolons and spaces.

use std::collections::HashSet;

use crate::email::Email;

/// What a pasted list holds, so "I expected 10 and it says 9" is visible.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastedList {
    /// Every entry found in the text, in order.
    pub entries: Vec<String>,
    /// Unique valid addresses, in order of first appearance.
    pub valid: Vec<Email>,
    /// Entries that are not email addresses.
    pub invalid: Vec<String>,
    /// Valid addresses that appeared before in the list (one per repeat).
    pub duplicates: Vec<Email>,
}

pub fn parse_pasted_list(text: &str) -> PastedList {
    let mut list = PastedList::default();
    let mut seen = HashSet::new();
    for entry in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        list.entries.push(entry.to_string());
        match Email::parse(entry.trim_matches(|c| c == '<' || c == '>')) {
            Ok(email) if seen.contains(&email) => list.duplicates.push(email),
            Ok(email) => {
                seen.insert(email.clone());
                list.valid.push(email);
            }
            Err(_) => list.invalid.push(entry.to_string()),
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_every_separator_and_reports_each_kind() {
        let list = parse_pasted_list("a@x.org, b@x.org;c@x.org\nnot-an-email  A@X.org\r\n\td@x.org");
        assert_eq!(list.entries.len(), 6);
        let valid: Vec<&str> = list.valid.iter().map(Email::as_str).collect();
        assert_eq!(valid, ["a@x.org", "b@x.org", "c@x.org", "d@x.org"]);
        assert_eq!(list.invalid, ["not-an-email"]);
        assert_eq!(list.duplicates[0].as_str(), "a@x.org");
    }
}

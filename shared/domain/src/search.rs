//! What a member search (`q`) matches: the start of a member's email, of "first last" or
//! of "last first", compared without case and with white space collapsed. A search reads
//! its matches in order instead of scanning: the emails from the member tabs' index (whose
//! sort key is the email), the names from one search entry per name term.

use crate::member::Member;

/// `text` as terms are compared: lower case, words separated by one space.
pub fn search_key(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// The terms a member is found by, distinct and in ascending order: its email, and its
/// names in both orders (none when it has no name yet, as an invitee may not).
pub fn search_terms(member: &Member) -> Vec<String> {
    terms_of(member.email.as_str(), &member.first_name, &member.last_name)
}

/// The terms of a member's names, distinct and in ascending order: "first last" and "last
/// first" (none when it has no name yet): what its search entries hold.
pub fn name_terms(member: &Member) -> Vec<String> {
    names_of(&member.first_name, &member.last_name)
}

fn terms_of(email: &str, first_name: &str, last_name: &str) -> Vec<String> {
    let mut terms = names_of(first_name, last_name);
    terms.push(email.to_lowercase());
    terms.sort();
    terms.dedup();
    terms
}

fn names_of(first_name: &str, last_name: &str) -> Vec<String> {
    let first = search_key(first_name);
    let last = search_key(last_name);
    let mut terms: Vec<String> = [format!("{first} {last}"), format!("{last} {first}")]
        .map(|name| name.trim().to_string())
        .into_iter()
        .filter(|term| !term.is_empty())
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

/// The first of a member's terms that starts with `key` (a `search_key`): where a search
/// lists the member, once, however many of its terms match.
pub fn first_match<'a>(terms: &'a [String], key: &str) -> Option<&'a str> {
    terms.iter().find(|term| term.starts_with(key)).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_found_by_email_and_by_either_name_first() {
        let terms = terms_of("ann.smith@acme.test", "Ann  Marie", "Smith");
        assert_eq!(terms, ["ann marie smith", "ann.smith@acme.test", "smith ann marie"]);
        for q in ["ann.smith@acme.test", "ann.s", "Ann", "ANN MAR", "smi", "smith ann"] {
            assert!(first_match(&terms, &search_key(q)).is_some(), "{q}");
        }
        for q in ["marie", "acme", "ann smith"] {
            assert_eq!(first_match(&terms, &search_key(q)), None, "{q}");
        }
        assert_eq!(
            first_match(&terms, "ann"),
            Some("ann marie smith"),
            "listed once, at its first term"
        );
    }

    #[test]
    fn an_invitee_without_a_name_is_found_by_email() {
        assert_eq!(terms_of("x@acme.test", "", " "), ["x@acme.test"]);
        assert_eq!(terms_of("x@acme.test", "Cher", ""), ["cher", "x@acme.test"]);
        assert!(names_of("", " ").is_empty(), "no search entry for an invitee without a name");
        assert_eq!(names_of("Cher", ""), ["cher"], "one name: one term");
        assert_eq!(names_of("Ann", "Smith"), ["ann smith", "smith ann"]);
    }
}

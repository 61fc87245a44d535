//! What a member search (`q`) matches: the start of a member's email, of "first last" or
//! of "last first", compared without case and with white space collapsed. A search reads
//! its matches in order instead of scanning: the emails from the member tabs' index (whose
//! sort key is the email), the names from two more indexes of the member, one for each
//! order of its names (`name_orders`).

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

/// The two orders a member's names are found in, each an index of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameOrder {
    FirstLast,
    LastFirst,
}

impl NameOrder {
    pub const ALL: [NameOrder; 2] = [NameOrder::FirstLast, NameOrder::LastFirst];
}

/// A member's names as its two name index entries hold them: "first last", then "last
/// first" unless that is the same term (a member with one name has one entry). None when
/// it has no name yet.
pub fn name_orders(member: &Member) -> [Option<String>; 2] {
    distinct_orders(&member.first_name, &member.last_name)
}

/// A member's name in `order` (`name_orders`).
pub fn name_term(member: &Member, order: NameOrder) -> Option<String> {
    let [first_last, last_first] = name_orders(member);
    match order {
        NameOrder::FirstLast => first_last,
        NameOrder::LastFirst => last_first,
    }
}

fn distinct_orders(first_name: &str, last_name: &str) -> [Option<String>; 2] {
    let [first_last, last_first] = orders_of(first_name, last_name);
    let last_first = last_first.filter(|term| first_last.as_ref() != Some(term));
    [first_last, last_first]
}

fn orders_of(first_name: &str, last_name: &str) -> [Option<String>; 2] {
    let first = search_key(first_name);
    let last = search_key(last_name);
    [format!("{first} {last}"), format!("{last} {first}")].map(|name| Some(name.trim().to_string()).filter(|term| !term.is_empty()))
}

fn terms_of(email: &str, first_name: &str, last_name: &str) -> Vec<String> {
    let mut terms = names_of(first_name, last_name);
    terms.push(email.to_lowercase());
    terms.sort();
    terms.dedup();
    terms
}

fn names_of(first_name: &str, last_name: &str) -> Vec<String> {
    let mut terms: Vec<String> = orders_of(first_name, last_name).into_iter().flatten().collect();
    terms.sort();
    terms.dedup();
    terms
}

/// The first of a member's terms that starts with `key` (a `search_key`), if any: whether a
/// member matches a search (the search lists it once, in the first of its phases that
/// matches: email, "first last", "last first").
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
        assert_eq!(first_match(&terms, "ann"), Some("ann marie smith"), "the first matching term");
    }

    #[test]
    fn an_invitee_without_a_name_is_found_by_email() {
        assert_eq!(terms_of("x@acme.test", "", " "), ["x@acme.test"]);
        assert_eq!(terms_of("x@acme.test", "Cher", ""), ["cher", "x@acme.test"]);
        assert!(names_of("", " ").is_empty(), "no search entry for an invitee without a name");
        assert_eq!(names_of("Cher", ""), ["cher"], "one name: one term");
        assert_eq!(names_of("Ann", "Smith"), ["ann smith", "smith ann"]);
    }

    #[test]
    fn a_member_has_an_entry_for_each_order_of_its_names() {
        let orders = distinct_orders;
        assert_eq!(
            orders("Ann  Marie", "Smith"),
            [Some("ann marie smith".into()), Some("smith ann marie".into())]
        );
        assert_eq!(orders("Cher", ""), [Some("cher".into()), None], "one name: one entry");
        assert_eq!(orders("", "Cher"), [Some("cher".into()), None]);
        assert_eq!(orders(" ", ""), [None, None], "no name: none");
    }
}

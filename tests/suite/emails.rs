//! The emails people get read as a person would: a subject per kind, a text part and an
//! HTML part with the org's name and one button for the link, times written out in words
//! ("Saturday 12 December 2026, 06:22 UTC"), never a machine timestamp; and the MIME
//! message both mailers send holds both parts.

use serde_json::json;

use roster_app::emails::{human_time, mime_message};
use roster_tests::TestApp;

/// A machine timestamp (RFC 3339 / ISO 8601), anywhere in `text`.
fn machine_timestamp(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(13)).find_map(|i| {
        let window = &bytes[i..i + 13];
        let digits = |range: std::ops::Range<usize>| window[range].iter().all(u8::is_ascii_digit);
        (digits(0..4) && window[4] == b'-' && digits(5..7) && window[7] == b'-' && digits(8..10) && window[10] == b'T' && digits(11..13))
            .then(|| &text[i..i + 13])
    })
}

async fn every_email_has_a_text_and_an_html_part_and_says_times_in_words(t: TestApp) {
    let org = t.create_org("Saint Mary", "paid").await;
    let o = &org.org_id;
    // A name with characters HTML must escape.
    let renamed = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{o}"),
            Some(&org.admin_token),
            Some(json!({"name": "Saint <Mary> & Co"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let invited = t
        .invite(
            &org,
            &org.admin_token,
            json!({"email": "ivy@mail.test", "role": "member", "first_name": "Ivy"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let made = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/accounts"),
            Some(&org.admin_token),
            Some(json!({"email": "made@mail.test", "first_name": "Made", "last_name": "Here", "role": "member"})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let pending = t.join(&org, "joiner@mail.test").await;
    // An address that has an account is told by email instead.
    let code = t.join_code(&org).await;
    let notice = t
        .call(
            "POST",
            &format!("/v1/join/{code}"),
            None,
            Some(json!({"email": "ivy@mail.test", "first_name": "I", "last_name": "V", "phone": "5550100100"})),
        )
        .await;
    assert_eq!(notice.status, 202, "{}", notice.text);
    let approved = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/{pending}/approve"),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    t.drain().await;

    let expires = invited.body["invitation"]["expires_at"].as_str().unwrap();
    let expires = time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).unwrap();
    let invitation = t
        .emails_to("ivy@mail.test")
        .into_iter()
        .find(|e| e.text_body.contains("/invite/"))
        .unwrap();
    assert_eq!(invitation.subject, "Your invitation to Saint <Mary> & Co");
    let in_words = format!("expires on {}", human_time(expires));
    assert!(invitation.text_body.contains(&in_words), "{}", invitation.text_body);
    assert!(invitation.html_body.contains(&in_words), "{}", invitation.html_body);
    assert!(invitation
        .html_body
        .contains("<h1 style=\"margin:0 0 24px;font-size:20px\">Saint &lt;Mary&gt; &amp; Co</h1>"));
    let link = invitation.text_body.lines().find(|l| l.starts_with("http")).unwrap();
    assert_eq!(
        invitation
            .html_body
            .matches("display:inline-block\">Accept the invitation</a>")
            .count(),
        1,
        "one button"
    );
    assert!(invitation.html_body.contains(&format!("<a href=\"{link}\"")));

    assert!(!t.emails_to("joiner@mail.test").is_empty(), "an approved join request is emailed");
    let mut subjects = Vec::new();
    for to in ["ivy@mail.test", "made@mail.test", "joiner@mail.test"] {
        for email in t.emails_to(to) {
            assert!(email.html_body.starts_with("<!DOCTYPE html>"), "{}: no HTML part", email.subject);
            assert!(email.html_body.contains("Saint &lt;Mary&gt; &amp; Co"), "{}", email.subject);
            for body in [&email.text_body, &email.html_body] {
                assert_eq!(machine_timestamp(body), None, "{}: {body}", email.subject);
            }
            let message = String::from_utf8(mime_message(&email, expires).unwrap()).unwrap();
            assert!(message.contains("Content-Type: multipart/alternative;"), "{message}");
            let text_at = message.find("Content-Type: text/plain; charset=utf-8").expect("a text part");
            let html_at = message.find("Content-Type: text/html; charset=utf-8").expect("an HTML part");
            assert!(
                text_at < html_at,
                "the HTML part comes last, as readers prefer the last they can show"
            );
            let decoded = roster_tests::quoted_printable_decoded(&message);
            for line in email.text_body.lines().filter(|l| l.starts_with("http")) {
                assert!(decoded.contains(&format!("\n{line}\n")), "{decoded}");
                assert!(decoded.contains(&format!("<a href=\"{line}\"")), "{decoded}");
            }
            subjects.push(email.subject);
        }
    }
    subjects.sort();
    subjects.dedup();
    assert_eq!(
        subjects,
        [
            "Your Saint <Mary> & Co account",
            "Your invitation to Saint <Mary> & Co",
            "Your request to join Saint <Mary> & Co",
        ],
        "a subject per kind"
    );
}

on_every_backend!(every_email_has_a_text_and_an_html_part_and_says_times_in_words);

#[test]
fn a_machine_timestamp_is_spotted() {
    assert_eq!(machine_timestamp("expires at 2026-12-12T06:22:47.27Z."), Some("2026-12-12T06"));
    assert_eq!(machine_timestamp("expires on Saturday 12 December 2026, 06:22 UTC"), None);
}

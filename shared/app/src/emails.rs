//! The emails Roster sends: per kind a subject, a plain-text part and an HTML part (the
//! org's name, one button for the link, times as people write them), and the MIME message
//! both mailers send, built with lettre: the `.eml` outbox and SES get the same message
//! (but for its MIME boundary and date, and the Message-ID and Date SES sets itself).

use std::time::SystemTime;

use lettre::message::{Mailbox, MultiPart};
use time::{OffsetDateTime, UtcOffset};

use roster_domain::{Member, MembershipStatus, Org};

use crate::ports::{MailError, OutgoingEmail};

pub struct RenderedEmail {
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// A time as an email says it: "Saturday 12 December 2026, 06:22 UTC".
pub fn human_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{} {} {} {}, {:02}:{:02} UTC",
        at.weekday(),
        at.day(),
        at.month(),
        at.year(),
        at.hour(),
        at.minute()
    )
}

/// What an email says, before it becomes text and HTML: paragraphs, at most one button
/// (its link written out too, for mail readers without HTML), and paragraphs after it.
struct Letter<'a> {
    /// Who the email is from, as people know it: the org's name, or Roster's.
    from_name: &'a str,
    greeting: String,
    before: Vec<String>,
    /// Lines shown set apart (a login email and a temporary password), as `label: value`.
    details: Vec<(&'static str, String)>,
    button: Option<(&'static str, &'a str)>,
    after: Vec<String>,
}

impl Letter<'_> {
    fn render(self, subject: String) -> RenderedEmail {
        RenderedEmail {
            text_body: self.text(),
            html_body: self.html(&subject),
            subject,
        }
    }

    fn text(&self) -> String {
        let mut blocks = vec![self.greeting.clone()];
        blocks.extend(self.before.iter().filter(|p| !p.is_empty()).cloned());
        if !self.details.is_empty() {
            blocks.push(
                self.details
                    .iter()
                    .map(|(label, value)| format!("{label}: {value}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        if let Some((label, link)) = self.button {
            blocks.push(format!("{label}:\n{link}"));
        }
        blocks.extend(self.after.iter().filter(|p| !p.is_empty()).cloned());
        blocks.push(match self.from_name {
            ROSTER => "— Roster".to_string(),
            name => format!("— {name} on Roster"),
        });
        blocks.join("\n\n") + "\n"
    }

    fn html(&self, subject: &str) -> String {
        let paragraph = |text: &String| match text.is_empty() {
            true => String::new(),
            false => format!("<p style=\"margin:0 0 16px\">{}</p>\n", escape(text)),
        };
        let mut body = String::new();
        body.push_str(&paragraph(&self.greeting));
        self.before.iter().for_each(|p| body.push_str(&paragraph(p)));
        if !self.details.is_empty() {
            body.push_str("<table role=\"presentation\" style=\"margin:0 0 16px;background:#f3f4f6;border-radius:6px;padding:12px\">\n");
            for (label, value) in &self.details {
                body.push_str(&format!(
                    "<tr><td style=\"padding:2px 12px 2px 0;color:#4b5563\">{}</td><td style=\"font-family:monospace;font-size:15px\">{}</td></tr>\n",
                    escape(label),
                    escape(value)
                ));
            }
            body.push_str("</table>\n");
        }
        if let Some((label, link)) = self.button {
            body.push_str(&format!(
                "<p style=\"margin:24px 0\"><a href=\"{link}\" style=\"background:#1d4ed8;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600;display:inline-block\">{label}</a></p>\n\
                 <p style=\"margin:0 0 16px;color:#4b5563;font-size:13px\">If the button does not work, copy this link into your browser:<br>\n<a href=\"{link}\" style=\"color:#1d4ed8;word-break:break-all\">{link}</a></p>\n",
                link = escape(link),
                label = escape(label),
            ));
        }
        self.after.iter().for_each(|p| body.push_str(&paragraph(p)));
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n</head>\n\
             <body style=\"margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#111827;font-size:16px;line-height:1.5\">\n\
             <div style=\"max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:32px\">\n\
             <h1 style=\"margin:0 0 24px;font-size:20px\">{org}</h1>\n{body}\
             <p style=\"margin:24px 0 0;color:#6b7280;font-size:13px\">{footer}</p>\n</div>\n</body>\n</html>\n",
            title = escape(subject),
            org = escape(self.from_name),
            footer = match self.from_name {
                ROSTER => "Sent by Roster.".to_string(),
                name => format!("Sent by Roster for {}.", escape(name)),
            },
        )
    }
}

/// The sender's name of emails that are from no one org.
const ROSTER: &str = "Roster";

/// A one-time sign-in code, to an email with accounts in `orgs` that allow codes.
pub fn sign_in_code(code: &str, orgs: &[String], expires_at: OffsetDateTime) -> RenderedEmail {
    let into = match orgs {
        [one] => format!("It signs you in to {one}."),
        several => format!("It signs you in to your accounts in {}.", several.join(", ")),
    };
    Letter {
        from_name: ROSTER,
        greeting: "Hello,".into(),
        before: vec![format!("Your Roster sign-in code is below. {into}")],
        details: vec![("Sign-in code", code.to_string())],
        button: None,
        after: vec![
            format!(
                "It works once, until {}. Never share it: Roster never asks for it.",
                human_time(expires_at)
            ),
            "If you did not ask to sign in you can ignore this email; no one gets in without the code.".into(),
        ],
    }
    .render(format!("Your Roster sign-in code: {code}"))
}

/// Text as HTML text or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn hello(member: &Member) -> String {
    if member.first_name.is_empty() {
        "Hello,".to_string()
    } else {
        format!("Hello {},", member.first_name)
    }
}

pub fn invitation(org: &Org, member: &Member, accept_link: &str, again: bool) -> RenderedEmail {
    let expiry = member
        .invitation
        .as_ref()
        .map(|i| format!("The link works once and expires on {}.", human_time(i.expires_at)))
        .unwrap_or_default();
    let opening = if again {
        "You have been invited again to join"
    } else {
        "You have been invited to join"
    };
    Letter {
        from_name: &org.name,
        greeting: hello(member),
        before: vec![format!("{opening} {} on Roster with the email {}.", org.name, member.email)],
        details: vec![],
        button: Some(("Accept the invitation", accept_link)),
        after: vec![expiry, "If you did not expect this email you can ignore it.".into()],
    }
    .render(format!("Your invitation to {}", org.name))
}

pub fn temporary_password(org: &Org, member: &Member, password: &str, login_url: &str) -> RenderedEmail {
    Letter {
        from_name: &org.name,
        greeting: hello(member),
        before: vec![format!("An account was created for you in {}.", org.name)],
        details: vec![
            ("Login email", member.email.to_string()),
            ("Temporary password", password.to_string()),
        ],
        button: Some(("Sign in", login_url)),
        after: vec!["You will be asked to choose a new password first; the temporary one only allows that.".into()],
    }
    .render(format!("Your {} account", org.name))
}

pub fn join_approved(org: &Org, member: &Member, login_url: &str) -> RenderedEmail {
    Letter {
        from_name: &org.name,
        greeting: hello(member),
        before: vec![format!(
            "Your request to join {} was approved. Sign in with {}.",
            org.name, member.email
        )],
        details: vec![],
        button: Some(("Sign in", login_url)),
        after: vec![],
    }
    .render(format!("You can now use {}", org.name))
}

/// To an address that asked to join an org it already has an account in: what to do
/// instead, by the account's state now.
pub fn join_notice(org: &Org, member: &Member, login_url: &str) -> RenderedEmail {
    let (instead, button) = match member.status {
        MembershipStatus::Licensed => (
            "You already have an account there: sign in with this email.".to_string(),
            Some(("Sign in", login_url)),
        ),
        MembershipStatus::Invited => (
            "You already have an invitation: use the link in that email. If you can't find it, ask your admin to send it again."
                .to_string(),
            None,
        ),
        MembershipStatus::Expired => ("Your invitation expired: ask your admin to send a new one.".to_string(), None),
        MembershipStatus::PendingApproval => (
            "You already asked to join: an admin has to approve that request first.".to_string(),
            None,
        ),
        MembershipStatus::Unlicensed => (
            "Your account there is inactive: only an admin can bring it back. Ask your admin to invite you again.".to_string(),
            None,
        ),
        MembershipStatus::Rejected => (
            "An earlier request to join with this email was declined: ask your admin.".to_string(),
            None,
        ),
    };
    Letter {
        from_name: &org.name,
        greeting: "Hello,".into(),
        before: vec![
            format!("Someone asked to join {} on Roster with the email {}.", org.name, member.email),
            instead,
        ],
        details: vec![],
        button,
        after: vec!["If that was not you, you can ignore this email: nothing was changed.".into()],
    }
    .render(format!("Your request to join {}", org.name))
}

/// To the new address of an email change: the link that confirms it.
pub fn email_change_confirmation(org: &Org, member: &Member, new_email: &str, link: &str, expires_at: OffsetDateTime) -> RenderedEmail {
    Letter {
        from_name: &org.name,
        greeting: hello(member),
        before: vec![format!("You asked to use {new_email} for your {} account on Roster.", org.name)],
        details: vec![],
        button: Some(("Confirm your new email", link)),
        after: vec![
            format!(
                "The link works once and expires on {}. Until then you sign in with {}.",
                human_time(expires_at),
                member.email
            ),
            "If you did not ask for this you can ignore this email: nothing changes.".into(),
        ],
    }
    .render(format!("Confirm your new email for {}", org.name))
}

/// To the old address of an email change: it is being changed.
pub fn email_change_notice(org: &Org, member: &Member) -> RenderedEmail {
    Letter {
        from_name: &org.name,
        greeting: hello(member),
        before: vec![format!(
            "Someone signed in to your {} account on Roster asked to change its email away from this address. The change takes effect once the new address confirms it.",
            org.name
        )],
        details: vec![],
        button: None,
        after: vec!["If that was not you, change your password now and tell your admin.".into()],
    }
    .render(format!("The email of your {} account is being changed", org.name))
}

/// The email as an RFC 5322 message: `multipart/alternative` with the text part first and
/// the HTML part second (readers show the last they can), dated `date`. lettre picks each
/// part's transfer encoding (7-bit, or quoted-printable for long or non-ASCII lines).
pub fn mime_message(email: &OutgoingEmail, date: OffsetDateTime) -> Result<Vec<u8>, MailError> {
    let from: Mailbox = email
        .from
        .parse()
        .map_err(|e| MailError::Rejected(format!("sender address: {e}")))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| MailError::Rejected(format!("recipient address: {e}")))?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .date(SystemTime::from(date))
        .message_id(Some(format!("<{}@roster.local>", email.id)))
        .multipart(MultiPart::alternative_plain_html(email.text_body.clone(), email.html_body.clone()))
        .map_err(|e| MailError::Rejected(format!("cannot build the email: {e}")))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        let at = time::macros::datetime!(2026-12-12 06:22:47.270989707 UTC);
        assert_eq!(human_time(at), "Saturday 12 December 2026, 06:22 UTC");
        let elsewhere = time::macros::datetime!(2026-12-12 08:05 +02:00);
        assert_eq!(human_time(elsewhere), "Saturday 12 December 2026, 06:05 UTC");
    }

    #[test]
    fn html_escapes_what_people_type() {
        assert_eq!(
            escape("<b>Tom & \"Jerry's\"</b>"),
            "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;"
        );
    }
}

//! The emails Roster sends, rendered in Rust (plain text).

use roster_domain::{Member, MembershipStatus, Org};

use crate::views::rfc3339;

pub struct RenderedEmail {
    pub subject: String,
    pub text_body: String,
}

pub fn invitation(org: &Org, member: &Member, accept_link: &str, again: bool) -> RenderedEmail {
    let expires = member.invitation.as_ref().map(|i| rfc3339(i.expires_at)).unwrap_or_default();
    let opening = if again {
        "You have been invited again to join"
    } else {
        "You have been invited to join"
    };
    RenderedEmail {
        subject: format!("Your invitation to {}", org.name),
        text_body: format!(
            "Hello,\n\n{opening} {org} on Roster with the email {email}.\n\nAccept the invitation here:\n{accept_link}\n\nThe link works once and expires at {expires}.\nIf you did not expect this email you can ignore it.\n",
            org = org.name,
            email = member.email,
        ),
    }
}

pub fn temporary_password(org: &Org, member: &Member, password: &str, login_url: &str) -> RenderedEmail {
    RenderedEmail {
        subject: format!("Your {} account", org.name),
        text_body: format!(
            "Hello {first},\n\nAn account was created for you in {org}.\n\nLogin email: {email}\nTemporary password: {password}\n\nSign in at {login_url} — you will be asked to choose a new password first; the temporary one only allows that.\n",
            first = member.first_name,
            org = org.name,
            email = member.email,
        ),
    }
}

pub fn join_approved(org: &Org, member: &Member, login_url: &str) -> RenderedEmail {
    RenderedEmail {
        subject: format!("You can now use {}", org.name),
        text_body: format!(
            "Hello {first},\n\nYour request to join {org} was approved. Sign in at {login_url} with {email}.\n",
            first = member.first_name,
            org = org.name,
            email = member.email
        ),
    }
}

/// To an address that asked to join an org it already has an account in: what to do
/// instead, by the account's state now.
pub fn join_notice(org: &Org, member: &Member, login_url: &str) -> RenderedEmail {
    let instead = match member.status {
        MembershipStatus::Licensed => format!("You already have an account there: sign in at {login_url} with this email."),
        MembershipStatus::Invited => {
            "You already have an invitation: use the link in that email. If you can't find it, ask your admin to send it again.".to_string()
        }
        MembershipStatus::Expired => "Your invitation expired: ask your admin to send a new one.".to_string(),
        MembershipStatus::PendingApproval => "You already asked to join: an admin has to approve that request first.".to_string(),
        MembershipStatus::Unlicensed => {
            "Your account there is inactive: only an admin can bring it back. Ask your admin to invite you again.".to_string()
        }
        MembershipStatus::Rejected => "An earlier request to join with this email was declined: ask your admin.".to_string(),
    };
    RenderedEmail {
        subject: format!("Your request to join {}", org.name),
        text_body: format!(
            "Hello,\n\nSomeone asked to join {org} on Roster with the email {email}.\n\n{instead}\n\nIf that was not you, you can ignore this email: nothing was changed.\n",
            org = org.name,
            email = member.email,
        ),
    }
}

/// To the new address of an email change: the link that confirms it.
pub fn email_change_confirmation(org: &Org, member: &Member, new_email: &str, link: &str, expires: &str) -> RenderedEmail {
    RenderedEmail {
        subject: format!("Confirm your new email for {}", org.name),
        text_body: format!(
            "Hello {first},\n\nYou asked to use {new_email} for your {org} account on Roster.\n\nConfirm it here:\n{link}\n\nThe link works once and expires at {expires}. Until then you sign in with {old}.\nIf you did not ask for this you can ignore this email: nothing changes.\n",
            first = member.first_name,
            org = org.name,
            old = member.email,
        ),
    }
}

/// To the old address of an email change: it is being changed.
pub fn email_change_notice(org: &Org, member: &Member) -> RenderedEmail {
    RenderedEmail {
        subject: format!("The email of your {} account is being changed", org.name),
        text_body: format!(
            "Hello {first},\n\nSomeone signed in to your {org} account on Roster asked to change its email away from this address. The change takes effect once the new address confirms it.\n\nIf that was not you, change your password now and tell your admin.\n",
            first = member.first_name,
            org = org.name,
        ),
    }
}

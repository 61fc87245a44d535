//! Accounts created directly by an admin: licensed at once with a temporary password
//! emailed (rule 10), or shell-only accounts that can't sign in.

use serde::Deserialize;

use roster_domain::error::FieldErrors;
use roster_domain::profile::{parse_optional_text, parse_person_name, parse_phone};
use roster_domain::{Email, Kind, MembershipStatus, Role};

use crate::app::{retrying, App, RequestContext};
use crate::error::AppResult;
use crate::records::EmailKind;
use crate::usecases::membership::{
    admit_new_member, commit_change, issue_temporary_password, new_member, Admission, MemberChange, NewAccount,
};
use crate::views;
use crate::views::MemberView;
use roster_domain::ids::OrgId;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CreateAccount")]
pub struct CreateAccountInput {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub first_name: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub last_name: String,
    #[schemars(with = "Option<roster_domain::schema::PhoneOrBlank>")]
    pub phone: Option<String>,
    pub role: Role,
    #[schemars(with = "Option<roster_domain::DepartmentId>")]
    pub department_id: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub position: Option<String>,
    /// `full` (default): licensed, temporary password emailed. `shell`: for schedules only.
    pub kind: Option<Kind>,
}

/// `POST /v1/orgs/{org}/accounts`.
pub async fn create_account(app: &App, ctx: &RequestContext, org_id: &OrgId, input: CreateAccountInput) -> AppResult<MemberView> {
    let mut errors = FieldErrors::default();
    let email = errors.check(Email::parse(&input.email));
    let first_name = errors.check(parse_person_name("first_name", &input.first_name));
    let last_name = errors.check(parse_person_name("last_name", &input.last_name));
    let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(phone) => errors.check(parse_phone("phone", phone)),
        None => Some(String::new()),
    };
    let position = errors.check(parse_optional_text("position", input.position.as_deref()));
    errors.finish()?;
    let email = email.expect("checked");
    let kind = input.kind.unwrap_or(Kind::Full);
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        let department = admit_new_member(
            app,
            &org,
            &actor,
            Admission::CreateAccount,
            input.role,
            input.department_id.as_deref(),
            &email,
        )
        .await?;
        let account = NewAccount {
            email: email.clone(),
            role: input.role,
            kind,
            status: MembershipStatus::Licensed,
            department_id: department,
            first_name: first_name.clone().unwrap_or_default(),
            last_name: last_name.clone().unwrap_or_default(),
            phone: phone.clone().unwrap_or_default(),
            position: position.clone().flatten(),
        };
        let mut member = new_member(org_id, account, app.now());
        let email_kind = if kind == Kind::Full {
            issue_temporary_password(app, &mut member).await?;
            Some(EmailKind::TemporaryPassword)
        } else {
            None
        };
        let origin = ctx.origin(Some(&actor.member_id));
        commit_change(
            app,
            MemberChange {
                org: &org,
                origin: &origin,
                before: None,
                after: Some(&member),
                action: "account_created",
                reason: None,
                email: email_kind,
            },
        )
        .await?;
        Ok(views::member(&member))
    })
    .await
}

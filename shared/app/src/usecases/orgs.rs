//! Orgs: creation by the operator, settings, freeze windows, the join link.

use serde::Deserialize;

use roster_domain::org::validate_name;
use roster_domain::profile::parse_person_name;
use roster_domain::{
    Action, DomainError, Email, FieldError, FreezeWindow, Kind, LoginMethod, MembershipStatus, Org, OrgSettings, Plan, Role,
};

use crate::app::{retrying, App, Principal, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, QueueName};
use crate::records::{EmailKind, JoinCodeLookup, OrgAdminCounter};
use crate::secrets::{new_code, new_id};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::membership::{
    attach_first_invitation, keep_an_org_admin_who_can_sign_in, new_member, ChangeCounters, MemberChange, NewAccount,
};
use crate::views;
use crate::views::OrgView;
use crate::views::{CreatedOrgView, InviteLinkView};
use crate::workers::expiry::ReleaseJob;
use roster_domain::ids::OrgId;
use roster_domain::ErrorCode;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgAdmin {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub first_name: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub last_name: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CreateOrg")]
pub struct CreateOrgInput {
    #[schemars(with = "roster_domain::schema::OrgName")]
    pub name: String,
    pub plan: Plan,
    pub admin: NewOrgAdmin,
}

fn require_operator(ctx: &RequestContext) -> AppResult<()> {
    match ctx.principal {
        Principal::Operator => Ok(()),
        Principal::Anonymous => Err(AppError::Unauthorized(ErrorCode::MissingToken)),
        Principal::Member { .. } | Principal::Directory { .. } => Err(AppError::Domain(DomainError::Forbidden)),
    }
}

/// `POST /v1/orgs`: the org, its seat counter, join code and first org admin (invited).
pub async fn create_org(app: &App, ctx: &RequestContext, input: CreateOrgInput) -> AppResult<CreatedOrgView> {
    require_operator(ctx)?;
    let mut errors = roster_domain::error::FieldErrors::default();
    let name = match validate_name("name", &input.name) {
        Ok(name) => Some(name),
        Err(DomainError::Invalid(mut e)) => {
            errors.0.append(&mut e);
            None
        }
        Err(other) => return Err(other.into()),
    };
    let email = errors.check(Email::parse(&input.admin.email).map_err(|e| FieldError {
        field: "admin.email".into(),
        ..e
    }));
    let first_name = errors.check(parse_person_name("admin.first_name", &input.admin.first_name));
    let last_name = errors.check(parse_person_name("admin.last_name", &input.admin.last_name));
    errors.finish()?;
    let (name, email, first_name, last_name) = (
        name.unwrap_or_default(),
        email.expect("checked"),
        first_name.unwrap_or_default(),
        last_name.unwrap_or_default(),
    );

    let now = app.now();
    let org = Org {
        id: new_id(now),
        name,
        settings: OrgSettings::new(input.plan),
        freeze: None,
        join_code: new_code(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let mut admin = new_member(
        &org.id,
        NewAccount {
            email,
            role: Role::OrgAdmin,
            kind: Kind::Shell,
            status: MembershipStatus::Invited,
            department_id: None,
            first_name,
            last_name,
            phone: String::new(),
            position: None,
        },
        now,
    );
    attach_first_invitation(app, &org, &mut admin, false, None).await?;

    let mut tx = Tx::new();
    let org_pk = table::org_pk(&org.id);
    tx.put_new(table::encode(org_pk.clone(), table::ORG_SK.into(), 1, &org));
    // The seat counter: its version is the count (`SeatCount`).
    tx.put_new(crate::ports::Item::new(org_pk.clone(), table::SEATS_SK, 0, serde_json::Value::Null));
    tx.put_new(table::encode(org_pk, table::ORG_ADMINS_SK.into(), 1, &OrgAdminCounter::default()));
    tx.put_new(table::encode(
        table::join_code_pk(&org.join_code),
        table::JOIN_CODE_SK.into(),
        1,
        &JoinCodeLookup { org_id: org.id.clone() },
    ));
    let origin = ctx.origin(None);
    MemberChange {
        org: &org,
        origin: &origin,
        before: None,
        after: Some(&admin),
        action: "member_invited",
        reason: Some("org_created"),
        email: Some(EmailKind::Invitation),
    }
    .write(app, &mut tx, &ChangeCounters::default())?;
    tx.commit(app).await?;
    Ok(CreatedOrgView {
        org: views::org(&org),
        admin: views::member(&admin),
    })
}

/// `GET /v1/orgs/{org}`: admins read the settings and seat use.
pub async fn get_org(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<OrgView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadOrg, &org.settings)?;
    let seats = app.load_seats(org_id).await?;
    Ok(views::org_with_seats(&org, seats.used))
}

#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    #[schemars(with = "Option<roster_domain::schema::OrgName>")]
    pub name: Option<String>,
    pub plan: Option<Plan>,
    #[serde(default, deserialize_with = "crate::usecases::members::present")]
    #[schemars(with = "Option<u32>", range(max = u32::MAX))]
    pub seat_limit: Option<Option<u32>>,
    #[schemars(range(min = 1, max = roster_domain::org::MAX_INVITE_TTL_DAYS))]
    pub invite_ttl_days: Option<u32>,
    pub enrollment_approval: Option<bool>,
    pub members_can_invite: Option<bool>,
    /// Any non-empty set of `password`, `email_otp` and `sso`. `sso` needs the org's single
    /// sign-on connection, signed in through once (`409 sso_not_ready`). The org must keep an
    /// org admin who can sign in (`409 no_org_admin_can_sign_in`).
    #[schemars(length(min = 1))]
    pub login_methods: Option<Vec<LoginMethod>>,
    /// Two-factor sign-in is not available on this server yet: true answers `not_supported`.
    pub require_2fa: Option<bool>,
    #[schemars(with = "Option<roster_domain::schema::EulaVersion>")]
    pub eula_version: Option<String>,
}

/// `PATCH /v1/orgs/{org}`: org admins change settings; only the operator changes the
/// plan. A patch that changes nothing writes nothing.
pub async fn update_org(app: &App, ctx: &RequestContext, org_id: &OrgId, patch: OrgPatch) -> AppResult<OrgView> {
    retrying(|| async {
        let (org, origin) = operator_or_admin(app, ctx, org_id, Action::UpdateOrg).await?;
        let by_operator = origin.actor_id.is_none();
        if !by_operator && patch.plan.is_some_and(|plan| plan != org.settings.plan) {
            return Err(AppError::Domain(DomainError::Forbidden));
        }
        let mut next = org.clone();
        if let Some(name) = &patch.name {
            next.name = validate_name("name", name)?;
        }
        let settings = &mut next.settings;
        if let Some(plan) = patch.plan {
            settings.plan = plan;
        }
        if let Some(limit) = patch.seat_limit {
            settings.seat_limit = limit;
        }
        if let Some(days) = patch.invite_ttl_days {
            settings.invite_ttl_days = days;
        }
        if let Some(on) = patch.enrollment_approval {
            settings.enrollment_approval = on;
        }
        if let Some(on) = patch.members_can_invite {
            settings.members_can_invite = on;
        }
        if let Some(methods) = &patch.login_methods {
            settings.login_methods =
                roster_domain::sign_in::login_method_set("login_methods", methods).map_err(|error| DomainError::Invalid(vec![error]))?;
        }
        if let Some(on) = patch.require_2fa {
            settings.require_2fa = on;
        }
        if let Some(version) = &patch.eula_version {
            settings.eula_version = version.trim().to_string();
        }
        next.settings.validate()?;
        if next == org {
            return Ok(views::org(&org));
        }
        let mut tx = Tx::new();
        if next.settings.login_methods.contains(&LoginMethod::Sso) && !org.settings.login_methods.contains(&LoginMethod::Sso) {
            crate::usecases::sso::require_ready(app, &org.id, Some(&mut tx)).await?;
        }
        if next.settings.login_methods != org.settings.login_methods {
            keep_an_org_admin_who_can_sign_in(app, &mut tx, &org, Some(&next.settings), None, None).await?;
        }
        save_org(app, tx, &org, next, &origin, "settings_updated").await
    })
    .await
}

/// Writes `after` over `before` with its audit event, in `tx` (with what else it holds).
async fn save_org(app: &App, mut tx: Tx, before: &Org, mut after: Org, origin: &Origin, action: &str) -> AppResult<OrgView> {
    after.updated_at = app.now();
    tx.put_next(table::encode(
        table::org_pk(&before.id),
        table::ORG_SK.into(),
        before.version,
        &after,
    ));
    tx.audit(&before.id, app.now(), origin, action, None, None, None);
    if let Some(release) = ReleaseJob::for_change(before, after.freeze.as_ref(), app.now()) {
        tx.send_after_commit(QueueName::Expiry, release.message());
    }
    tx.commit(app).await?;
    after.version = before.version + 1;
    Ok(views::org(&after))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "FreezeRequest")]
pub struct FreezeInput {
    pub starts_at: roster_domain::Timestamp,
    pub ends_at: roster_domain::Timestamp,
    #[serde(default)]
    #[schemars(with = "roster_domain::schema::FreezeReason")]
    pub reason: String,
}

/// The operator, or an org member the role allows `action`: the org, and who acts (no
/// actor id for the operator).
async fn operator_or_admin(app: &App, ctx: &RequestContext, org_id: &str, action: Action<'_>) -> AppResult<(Org, Origin)> {
    match &ctx.principal {
        Principal::Operator => Ok((app.load_org(org_id).await?, ctx.origin(None))),
        _ => {
            let (org, actor) = app.actor_in(ctx, org_id).await?;
            actor.authorize(action, &org.settings)?;
            Ok((org, ctx.origin(Some(&actor.member_id))))
        }
    }
}

/// `PUT /v1/orgs/{org}/freeze`.
pub async fn set_freeze(app: &App, ctx: &RequestContext, org_id: &OrgId, input: FreezeInput) -> AppResult<OrgView> {
    let window = FreezeWindow {
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        reason: input.reason.trim().to_string(),
    };
    window.validate()?;
    retrying(|| async {
        let (org, origin) = operator_or_admin(app, ctx, org_id, Action::ManageFreeze).await?;
        let mut next = org.clone();
        next.freeze = Some(window.clone());
        save_org(app, Tx::new(), &org, next, &origin, "freeze_set").await
    })
    .await
}

/// `DELETE /v1/orgs/{org}/freeze`.
pub async fn lift_freeze(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<OrgView> {
    retrying(|| async {
        let (org, origin) = operator_or_admin(app, ctx, org_id, Action::ManageFreeze).await?;
        let mut next = org.clone();
        next.freeze = None;
        save_org(app, Tx::new(), &org, next, &origin, "freeze_lifted").await
    })
    .await
}

fn invite_link_view(app: &App, org: &Org) -> InviteLinkView {
    let url = format!("{}/join/{}", app.config.public_url, org.join_code);
    InviteLinkView {
        qr_svg: qr_svg(&url),
        code: org.join_code.clone(),
        url,
    }
}

/// `GET /v1/orgs/{org}/invite-link`: the join code, its link and QR code.
pub async fn get_invite_link(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<InviteLinkView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageInviteLink, &org.settings)?;
    Ok(invite_link_view(app, &org))
}

/// `POST /v1/orgs/{org}/invite-link/rotate`: a new code; the old one stops working.
pub async fn rotate_invite_link(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<InviteLinkView> {
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageInviteLink, &org.settings)?;
        let mut next = org.clone();
        next.join_code = new_code();
        next.updated_at = app.now();
        let mut tx = Tx::new();
        tx.put_next(table::encode(table::org_pk(&org.id), table::ORG_SK.into(), org.version, &next));
        tx.delete(table::join_code_pk(&org.join_code), table::JOIN_CODE_SK.into(), Condition::None);
        tx.put_new(table::encode(
            table::join_code_pk(&next.join_code),
            table::JOIN_CODE_SK.into(),
            1,
            &JoinCodeLookup { org_id: org.id.clone() },
        ));
        tx.audit(
            &org.id,
            app.now(),
            &ctx.origin(Some(&actor.member_id)),
            "invite_link_rotated",
            None,
            None,
            None,
        );
        tx.commit(app).await?;
        Ok(invite_link_view(app, &next))
    })
    .await
}

/// The link as an SVG QR code (medium error correction, 4-module quiet zone).
pub fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).expect("a join link fits in a QR code");
    let border = 4;
    let size = code.size() + 2 * border;
    let mut path = String::new();
    for y in 0..code.size() {
        for x in 0..code.size() {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

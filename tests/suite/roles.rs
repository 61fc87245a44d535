//! Every endpoint × role: who may call what, and another org's data answers 404.

use serde_json::{json, Value};

use roster_tests::{OrgFixture, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Let through: any answer but 401, 403 and 404.
    Allowed,
    Unauthorized,
    Forbidden,
    /// Another org's resources: not found, so existence doesn't leak.
    Hidden,
}
use Expect::*;

struct Callers {
    anonymous: Option<String>,
    operator: Option<String>,
    org_admin: Option<String>,
    dept_admin: Option<String>,
    member: Option<String>,
    other_org_admin: Option<String>,
}

/// One row of the matrix: the request and what each caller gets.
struct Case {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// anonymous, operator, org admin, dept admin, member, other org's admin
    expect: [Expect; 6],
}

async fn every_endpoint_and_role(t: TestApp) {
    let org: OrgFixture = t.create_org("Matrix", "paid").await;
    let other = t.create_org("Elsewhere", "paid").await;
    let dept = t.create_department(&org, "Matrix Dept").await;
    let (_, dept_admin) = t.add_member(&org, "dept@matrix.test", "dept_admin", Some(&dept)).await;
    let (member_id, member) = t.add_member(&org, "member@matrix.test", "member", Some(&dept)).await;
    let invited = t
        .invite(
            &org,
            &org.admin_token,
            json!({"email": "pending@matrix.test", "role": "member", "department_id": dept}),
        )
        .await;
    let invited_id = invited.body["id"].as_str().unwrap().to_string();
    let import = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": "i@matrix.test", "role": "member"})),
        )
        .await;
    let import_id = import.body["id"].as_str().unwrap().to_string();
    t.drain().await;
    let callers = Callers {
        anonymous: None,
        operator: Some(t.operator_token.clone()),
        org_admin: Some(org.admin_token.clone()),
        dept_admin: Some(dept_admin),
        member: Some(member),
        other_org_admin: Some(other.admin_token.clone()),
    };
    let o = &org.org_id;
    let m = &member_id;
    let admins = [Unauthorized, Forbidden, Allowed, Allowed, Forbidden, Hidden];
    let org_admin_only = [Unauthorized, Forbidden, Allowed, Forbidden, Forbidden, Hidden];
    let public = [Allowed; 6];
    let member_self = [Unauthorized, Forbidden, Allowed, Allowed, Allowed, Allowed];
    let case = |method, path: String, body: Option<Value>, expect| Case {
        method,
        path,
        body,
        expect,
    };
    let cases = vec![
        case(
            "POST",
            "/v1/orgs".into(),
            Some(json!({"name": "N", "plan": "free", "admin": {"email": "n@n.test", "first_name": "N", "last_name": "N"}})),
            [Unauthorized, Allowed, Forbidden, Forbidden, Forbidden, Forbidden],
        ),
        case("GET", format!("/v1/orgs/{o}"), None, admins),
        case(
            "PATCH",
            format!("/v1/orgs/{o}"),
            Some(json!({"enrollment_approval": false})),
            // The operator too: it alone changes an org's plan.
            [Unauthorized, Allowed, Allowed, Forbidden, Forbidden, Hidden],
        ),
        case(
            "PUT",
            format!("/v1/orgs/{o}/freeze"),
            Some(json!({"starts_at": "2040-01-01T00:00:00Z", "ends_at": "2040-01-02T00:00:00Z"})),
            [Unauthorized, Allowed, Allowed, Forbidden, Forbidden, Hidden],
        ),
        case(
            "DELETE",
            format!("/v1/orgs/{o}/freeze"),
            None,
            [Unauthorized, Allowed, Allowed, Forbidden, Forbidden, Hidden],
        ),
        case("GET", format!("/v1/orgs/{o}/departments"), None, admins),
        case(
            "POST",
            format!("/v1/orgs/{o}/departments"),
            Some(json!({"name": "Matrix Dept"})),
            org_admin_only,
        ),
        case(
            "PATCH",
            format!("/v1/orgs/{o}/departments/{dept}"),
            Some(json!({"name": "Matrix Dept"})),
            org_admin_only,
        ),
        case("DELETE", format!("/v1/orgs/{o}/departments/{dept}"), None, org_admin_only),
        case("GET", format!("/v1/orgs/{o}/members"), None, admins),
        case("GET", format!("/v1/orgs/{o}/members/export.csv"), None, admins),
        case(
            "POST",
            format!("/v1/orgs/{o}/members/bulk-edit"),
            Some(json!({"member_ids": [m], "position": "P"})),
            org_admin_only,
        ),
        case("GET", format!("/v1/orgs/{o}/members/{m}"), None, admins),
        case(
            "PATCH",
            format!("/v1/orgs/{o}/members/{m}"),
            Some(json!({"location": "L"})),
            org_admin_only,
        ),
        case("POST", format!("/v1/orgs/{o}/members/{invited_id}/reinvite"), None, admins),
        case("DELETE", format!("/v1/orgs/{o}/members/{m}/invitation"), None, org_admin_only),
        case("POST", format!("/v1/orgs/{o}/members/{m}/approve"), None, org_admin_only),
        case("POST", format!("/v1/orgs/{o}/members/{m}/reject"), None, org_admin_only),
        case(
            "POST",
            format!("/v1/orgs/{o}/invitations"),
            Some(json!({"email": "someone@matrix.test", "role": "org_admin"})),
            org_admin_only,
        ),
        case(
            "POST",
            format!("/v1/orgs/{o}/invitations/preview"),
            Some(json!({"emails": "x@matrix.test"})),
            admins,
        ),
        case(
            "POST",
            format!("/v1/orgs/{o}/accounts"),
            Some(json!({"email": "acct@matrix.test", "first_name": "A", "last_name": "B", "role": "org_admin"})),
            org_admin_only,
        ),
        case(
            "POST",
            format!("/v1/orgs/{o}/imports"),
            Some(json!({"emails": "imp@matrix.test", "role": "member"})),
            admins,
        ),
        case("GET", format!("/v1/orgs/{o}/imports/template.csv"), None, admins),
        // The org admin's import: a department admin reads only its own imports.
        case(
            "GET",
            format!("/v1/orgs/{o}/imports/{import_id}"),
            None,
            [Unauthorized, Forbidden, Allowed, Hidden, Forbidden, Hidden],
        ),
        case("GET", format!("/v1/orgs/{o}/audit"), None, org_admin_only),
        case("GET", format!("/v1/orgs/{o}/invite-link"), None, org_admin_only),
        case("POST", format!("/v1/orgs/{o}/invite-link/rotate"), None, org_admin_only),
        // Set, read, then removed: in this order, each finds what the one before left.
        case(
            "PUT",
            format!("/v1/orgs/{o}/sso"),
            Some(
                json!({"issuer": "https://idp.matrix.test", "client_id": "roster", "client_secret": "s3cret", "email_domains": ["matrix.test"], "jit": "off"}),
            ),
            org_admin_only,
        ),
        case("GET", format!("/v1/orgs/{o}/sso"), None, org_admin_only),
        // No TXT record is published: the org admin is let through to `sso_domain_unverified`.
        case("POST", format!("/v1/orgs/{o}/sso/domains/matrix.test/verify"), None, org_admin_only),
        case("DELETE", format!("/v1/orgs/{o}/sso"), None, org_admin_only),
        // Issued, then revoked: the org admin's revocation finds the token it issued.
        case("POST", format!("/v1/orgs/{o}/scim/token"), None, org_admin_only),
        // Read while the token the row above issued is there.
        case("GET", format!("/v1/orgs/{o}/scim/token"), None, org_admin_only),
        case("DELETE", format!("/v1/orgs/{o}/scim/token"), None, org_admin_only),
        case("GET", "/v1/invitations/unknown-token".into(), None, [Hidden; 6]),
        case(
            "POST",
            "/v1/invitations/unknown-token/accept".into(),
            Some(
                json!({"first_name": "A", "last_name": "B", "phone": "5550100100", "password": "long enough password", "eula_accepted": true}),
            ),
            [Hidden; 6],
        ),
        case("GET", "/v1/join/unknown-code".into(), None, [Hidden; 6]),
        case(
            "POST",
            "/v1/join/unknown-code".into(),
            Some(json!({"email": "j@j.test", "first_name": "J", "last_name": "J", "phone": "5550100100"})),
            [Hidden; 6],
        ),
        case("GET", "/v1/me".into(), None, member_self),
        case("PATCH", "/v1/me".into(), Some(json!({"first_name": "Same"})), member_self),
        // Anyone with the link; an unknown one is not there for anybody.
        case(
            "POST",
            "/v1/email-confirmations".into(),
            Some(json!({"token": "A".repeat(43)})),
            [Hidden; 6],
        ),
        case(
            "POST",
            "/v1/me/password".into(),
            Some(json!({"current_password": "wrong password!", "new_password": "another long one"})),
            member_self,
        ),
        case(
            "POST",
            "/v1/auth/login".into(),
            Some(json!({"email": "admin@matrix.test", "password": roster_tests::PASSWORD})),
            public,
        ),
        // The same answer for everyone (a code is emailed only to an address with accounts).
        case("POST", "/v1/auth/otp".into(), Some(json!({"email": "member@matrix.test"})), public),
        case(
            "POST",
            "/v1/auth/otp/verify".into(),
            Some(json!({"email": "member@matrix.test", "code": "000000"})),
            [Unauthorized; 6],
        ),
        case(
            "POST",
            "/v1/auth/refresh".into(),
            Some(json!({"refresh_token": "not-a-refresh-token"})),
            [Unauthorized; 6],
        ),
        // The org's connection was removed above: nothing to start.
        case("GET", format!("/v1/auth/sso/start?org={o}"), None, [Hidden; 6]),
        // The browser is always sent on to the console (here with `#error=sso_state_invalid`).
        case("GET", "/v1/auth/sso/callback?code=c&state=unknown".into(), None, public),
        case(
            "POST",
            "/v1/auth/sso/session".into(),
            Some(json!({"handoff": "not-a-handoff"})),
            [Unauthorized; 6],
        ),
        case("GET", "/.well-known/jwks.json".into(), None, public),
        case("GET", "/.well-known/openid-configuration".into(), None, public),
        case("GET", "/v1/openapi.json".into(), None, public),
        case("GET", format!("/v1/orgs/{o}/scim/held"), None, org_admin_only),
        // SCIM: only the org's directory-sync token opens these, never a member's or the
        // operator's (tests/suite/scim.rs: the directory's own rows, another org's token).
        case("GET", "/scim/v2/ServiceProviderConfig".into(), None, [Unauthorized; 6]),
        case("GET", "/scim/v2/Schemas".into(), None, [Unauthorized; 6]),
        case(
            "GET",
            format!("/scim/v2/Schemas/{}", roster_domain::scim::USER_SCHEMA),
            None,
            [Unauthorized; 6],
        ),
        case("GET", "/scim/v2/ResourceTypes".into(), None, [Unauthorized; 6]),
        case("GET", "/scim/v2/ResourceTypes/User".into(), None, [Unauthorized; 6]),
        case("GET", "/scim/v2/Users".into(), None, [Unauthorized; 6]),
        case(
            "POST",
            "/scim/v2/Users".into(),
            Some(json!({"userName": "scim@matrix.test"})),
            [Unauthorized; 6],
        ),
        case("GET", format!("/scim/v2/Users/{m}"), None, [Unauthorized; 6]),
        case(
            "PUT",
            format!("/scim/v2/Users/{m}"),
            Some(json!({"userName": "member@matrix.test"})),
            [Unauthorized; 6],
        ),
        case(
            "PATCH",
            format!("/scim/v2/Users/{m}"),
            Some(json!({"Operations": []})),
            [Unauthorized; 6],
        ),
        case("DELETE", format!("/scim/v2/Users/{m}"), None, [Unauthorized; 6]),
        case("POST", "/scim/v2/.search".into(), Some(json!({})), [Unauthorized; 6]),
        case("GET", "/scim/v2/Groups".into(), None, [Unauthorized; 6]),
        case(
            "POST",
            "/scim/v2/Groups".into(),
            Some(json!({"displayName": "Scim"})),
            [Unauthorized; 6],
        ),
        case("GET", format!("/scim/v2/Groups/{dept}"), None, [Unauthorized; 6]),
        case(
            "PUT",
            format!("/scim/v2/Groups/{dept}"),
            Some(json!({"displayName": "Scim"})),
            [Unauthorized; 6],
        ),
        case(
            "PATCH",
            format!("/scim/v2/Groups/{dept}"),
            Some(json!({"Operations": []})),
            [Unauthorized; 6],
        ),
        case("DELETE", format!("/scim/v2/Groups/{dept}"), None, [Unauthorized; 6]),
        // Remove last: it changes the member the other rows act on.
        case(
            "POST",
            format!("/v1/orgs/{o}/members/{m}/remove"),
            None,
            [Unauthorized, Forbidden, Allowed, Forbidden, Forbidden, Hidden],
        ),
    ];
    assert_eq!(cases.len(), roster_http::ROUTES.len(), "one row per route");
    let mut failures = Vec::new();
    for case in &cases {
        let tokens = [
            &callers.anonymous,
            &callers.operator,
            &callers.org_admin,
            &callers.dept_admin,
            &callers.member,
            &callers.other_org_admin,
        ];
        // The org admin goes last so its successful changes don't alter the others' rows.
        for index in [0, 1, 3, 4, 5, 2] {
            let answer = t.call(case.method, &case.path, tokens[index].as_deref(), case.body.clone()).await;
            let ok = match case.expect[index] {
                Allowed => {
                    ![401, 403, 404, 405].contains(&answer.status)
                        || (answer.status == 404 && answer.code() != "not_found" && answer.code() != "route_not_found")
                }
                Unauthorized => answer.status == 401,
                Forbidden => answer.status == 403,
                Hidden => answer.status == 404,
            };
            if !ok {
                failures.push(format!(
                    "{} {} as caller {index}: expected {:?}, got {} {}",
                    case.method, case.path, case.expect[index], answer.status, answer.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

on_every_backend!(every_endpoint_and_role);

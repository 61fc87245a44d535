//! The SCIM 2.0 endpoints (`/scim/v2/…`), declared like every other endpoint: the org's
//! directory calls them with its directory-sync token (`RouteFacts::directory_token`), and
//! they answer in SCIM's format.

use http::StatusCode;

use roster_app::usecases::directory;
use roster_domain::ErrorCode as E;

use crate::endpoints::RouteId;
use crate::handlers::{Call, Endpoint, Reply};
use crate::openapi::Answer::{NoContent, Scim};
use crate::openapi::Operation;
use crate::query::ScimListQuery;
use crate::request::RequestError;
use crate::routes::{Route, READS, WRITES};
use crate::scim::{self, if_match, resource};

const SCIM_READS: crate::routes::RouteFacts = READS.directory_token();
/// Users' changes can invite (a new user; one made active again before it ever accepted),
/// and each first applies what an ended freeze held of the directory's changes, which can too.
const SCIM_USER_WRITES: crate::routes::RouteFacts = WRITES.sends_secrets_by_email().directory_token();
const SCIM_WRITES: crate::routes::RouteFacts = WRITES.directory_token();
/// Lists of every user leave a mark where the next page starts (`directory::listing`).
const SCIM_USER_LISTS: crate::routes::RouteFacts = SCIM_WRITES;

/// The body of a SCIM request, as JSON (`application/scim+json` or `application/json`).
fn body(call: &Call<'_>) -> Result<serde_json::Value, RequestError> {
    call.request.json_up_to(crate::request::MAX_SCIM_BYTES)
}

fn id(call: &Call<'_>) -> String {
    call.params.get("id").to_string()
}

pub struct ScimServiceProviderConfig;

impl Endpoint for ScimServiceProviderConfig {
    const ROUTE: Route = Route::new(
        RouteId::ScimServiceProviderConfig,
        "GET",
        "/scim/v2/ServiceProviderConfig",
        "scim-service-provider-config",
        SCIM_READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: what this service provider supports",
            "Who: the org's directory, with its directory-sync token. PATCH, filters (one `eq`), ETags; no bulk, sort or password change.",
            Scim(200),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(scim::ok(scim::service_provider_config(call.app)))
    }
}

pub struct ScimListSchemas;

impl Endpoint for ScimListSchemas {
    const ROUTE: Route = Route::new(RouteId::ScimListSchemas, "GET", "/scim/v2/Schemas", "scim-list-schemas", SCIM_READS);

    fn operation() -> Operation {
        Operation::new(
            "SCIM: the schemas served",
            "Who: the org's directory. User (the attributes Roster keeps), the enterprise extension's department, and Group.",
            Scim(200),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(scim::ok(scim::listed(scim::schemas(call.app))))
    }
}

pub struct ScimGetSchema;

impl Endpoint for ScimGetSchema {
    const ROUTE: Route = Route::new(
        RouteId::ScimGetSchema,
        "GET",
        "/scim/v2/Schemas/{id}",
        "scim-get-schema",
        SCIM_READS,
    );

    fn operation() -> Operation {
        Operation::new("SCIM: one schema", "Who: the org's directory.", Scim(200))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(scim::ok(scim::one_of(scim::schemas(call.app), &id(call))?))
    }
}

pub struct ScimListResourceTypes;

impl Endpoint for ScimListResourceTypes {
    const ROUTE: Route = Route::new(
        RouteId::ScimListResourceTypes,
        "GET",
        "/scim/v2/ResourceTypes",
        "scim-list-resource-types",
        SCIM_READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: the resource types served",
            "Who: the org's directory. User and Group.",
            Scim(200),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(scim::ok(scim::listed(scim::resource_types(call.app))))
    }
}

pub struct ScimGetResourceType;

impl Endpoint for ScimGetResourceType {
    const ROUTE: Route = Route::new(
        RouteId::ScimGetResourceType,
        "GET",
        "/scim/v2/ResourceTypes/{id}",
        "scim-get-resource-type",
        SCIM_READS,
    );

    fn operation() -> Operation {
        Operation::new("SCIM: one resource type", "Who: the org's directory.", Scim(200))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(scim::ok(scim::one_of(scim::resource_types(call.app), &id(call))?))
    }
}

pub struct ScimListUsers;

impl Endpoint for ScimListUsers {
    const ROUTE: Route = Route::new(RouteId::ScimListUsers, "GET", "/scim/v2/Users", "scim-list-users", SCIM_USER_LISTS);

    fn operation() -> Operation {
        Operation::new(
            "SCIM: the org's users",
            "Who: the org's directory. One `eq` filter on userName, emails.value, externalId or id; `startIndex` and `count` (at most 1,000).",
            Scim(200),
        )
        .query(ScimListQuery::params)
        .errors(&[E::InvalidFilter])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let users = directory::list_users(call.app, call.ctx, &ScimListQuery::read(call.request)?).await?;
        Ok(scim::ok(scim::projected(call.request, users)))
    }
}

pub struct ScimCreateUser;

impl Endpoint for ScimCreateUser {
    const ROUTE: Route = Route::new(
        RouteId::ScimCreateUser,
        "POST",
        "/scim/v2/Users",
        "scim-create-user",
        SCIM_USER_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: provision a user (a member)",
            "Who: the org's directory. Made as an admin's invitation makes a member (an invitation email), or licensed without an email when the org signs in only by single sign-on; `active: false` makes it unlicensed. A user deleted earlier comes back as the same account.",
            Scim(201),
        )
        .scim_body()
        .errors(&[E::DirectoryUserExists, E::SeatsExhausted, E::Frozen])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(resource(
            StatusCode::CREATED,
            directory::create_user(call.app, call.ctx, &body(call)?).await?,
        ))
    }
}

pub struct ScimGetUser;

impl Endpoint for ScimGetUser {
    const ROUTE: Route = Route::new(RouteId::ScimGetUser, "GET", "/scim/v2/Users/{id}", "scim-get-user", SCIM_READS);

    fn operation() -> Operation {
        Operation::new("SCIM: one user", "Who: the org's directory.", Scim(200))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let mut user = directory::get_user(call.app, call.ctx, &id(call)).await?;
        user.body = scim::projected(call.request, user.body);
        Ok(resource(StatusCode::OK, user))
    }
}

pub struct ScimReplaceUser;

impl Endpoint for ScimReplaceUser {
    const ROUTE: Route = Route::new(
        RouteId::ScimReplaceUser,
        "PUT",
        "/scim/v2/Users/{id}",
        "scim-replace-user",
        SCIM_USER_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: replace a user",
            "Who: the org's directory. `active` false unlicenses (reason `directory_sync`), true licenses again under the seat rules. `If-Match` is honoured.",
            Scim(200),
        )
        .scim_body()
        .errors(&[E::DirectoryUserExists, E::SeatsExhausted, E::LastOrgAdmin, E::Frozen, E::VersionMismatch])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let user = directory::replace_user(call.app, call.ctx, &id(call), &body(call)?, if_match(call.request).as_deref()).await?;
        Ok(resource(StatusCode::OK, user))
    }
}

pub struct ScimPatchUser;

impl Endpoint for ScimPatchUser {
    const ROUTE: Route = Route::new(
        RouteId::ScimPatchUser,
        "PATCH",
        "/scim/v2/Users/{id}",
        "scim-patch-user",
        SCIM_USER_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: change a user",
            "Who: the org's directory. The PatchOp shapes Okta and Microsoft Entra ID send (paths, value filters, the enterprise extension's department, operations without a path). `If-Match` is honoured.",
            Scim(200),
        )
        .scim_body()
        .errors(&[
            E::DirectoryUserExists,
            E::SeatsExhausted,
            E::LastOrgAdmin,
            E::Frozen,
            E::VersionMismatch,
            E::InvalidPath,
            E::NoTarget,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let user = directory::patch_user(call.app, call.ctx, &id(call), &body(call)?, if_match(call.request).as_deref()).await?;
        Ok(resource(StatusCode::OK, user))
    }
}

pub struct ScimDeleteUser;

impl Endpoint for ScimDeleteUser {
    const ROUTE: Route = Route::new(
        RouteId::ScimDeleteUser,
        "DELETE",
        "/scim/v2/Users/{id}",
        "scim-delete-user",
        SCIM_USER_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: deprovision a user",
            "Who: the org's directory. The member is unlicensed (reason `directory_sync`) and keeps its data; the user answers 404 from then on.",
            NoContent,
        )
        .errors(&[E::LastOrgAdmin, E::Frozen, E::VersionMismatch])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        directory::delete_user(call.app, call.ctx, &id(call), if_match(call.request).as_deref()).await?;
        Ok(Reply::NoContent)
    }
}

pub struct ScimSearch;

impl Endpoint for ScimSearch {
    const ROUTE: Route = Route::new(RouteId::ScimSearch, "POST", "/scim/v2/.search", "scim-search", SCIM_USER_LISTS);

    fn operation() -> Operation {
        Operation::new(
            "SCIM: search users and groups at once",
            "Who: the org's directory. A SearchRequest body (RFC 7644 §3.4.3): `filter` (one `eq` comparison; on an attribute only users or only groups have, it finds none of the other), `startIndex`, `count`, and `attributes` or `excludedAttributes` as lists. Users come first, then groups.",
            Scim(200),
        )
        .scim_body()
        .errors(&[E::InvalidFilter, E::InvalidType, E::InvalidBody])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let (request, projection) = scim::search_request(&body(call)?)?;
        let found = directory::search(call.app, call.ctx, &request, projection.wants_members()).await?;
        Ok(scim::ok(projection.apply(found)))
    }
}

pub struct ScimListGroups;

impl Endpoint for ScimListGroups {
    const ROUTE: Route = Route::new(RouteId::ScimListGroups, "GET", "/scim/v2/Groups", "scim-list-groups", SCIM_READS);

    fn operation() -> Operation {
        Operation::new(
            "SCIM: the org's groups (departments)",
            "Who: the org's directory. One `eq` filter on displayName, externalId or id; `excludedAttributes=members` leaves the members unread.",
            Scim(200),
        )
        .query(ScimListQuery::params)
        .errors(&[E::InvalidFilter])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let query = ScimListQuery::read(call.request)?;
        let groups = directory::list_groups(call.app, call.ctx, &query, scim::wants_members(call.request)).await?;
        Ok(scim::ok(scim::projected(call.request, groups)))
    }
}

pub struct ScimCreateGroup;

impl Endpoint for ScimCreateGroup {
    const ROUTE: Route = Route::new(
        RouteId::ScimCreateGroup,
        "POST",
        "/scim/v2/Groups",
        "scim-create-group",
        SCIM_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: create a group (a department)",
            "Who: the org's directory. The members it names move into the new department.",
            Scim(201),
        )
        .scim_body()
        .errors(&[E::DepartmentExists])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(resource(
            StatusCode::CREATED,
            directory::create_group(call.app, call.ctx, &body(call)?).await?,
        ))
    }
}

pub struct ScimGetGroup;

impl Endpoint for ScimGetGroup {
    const ROUTE: Route = Route::new(RouteId::ScimGetGroup, "GET", "/scim/v2/Groups/{id}", "scim-get-group", SCIM_READS);

    fn operation() -> Operation {
        Operation::new("SCIM: one group", "Who: the org's directory.", Scim(200))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let mut group = directory::get_group(call.app, call.ctx, &id(call), scim::wants_members(call.request)).await?;
        group.body = scim::projected(call.request, group.body);
        Ok(resource(StatusCode::OK, group))
    }
}

pub struct ScimReplaceGroup;

impl Endpoint for ScimReplaceGroup {
    const ROUTE: Route = Route::new(
        RouteId::ScimReplaceGroup,
        "PUT",
        "/scim/v2/Groups/{id}",
        "scim-replace-group",
        SCIM_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: replace a group",
            "Who: the org's directory. The name, and exactly these members. `If-Match` is honoured.",
            Scim(200),
        )
        .scim_body()
        .errors(&[E::DepartmentExists, E::VersionMismatch])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let group = directory::replace_group(call.app, call.ctx, &id(call), &body(call)?, if_match(call.request).as_deref()).await?;
        Ok(resource(StatusCode::OK, group))
    }
}

pub struct ScimPatchGroup;

impl Endpoint for ScimPatchGroup {
    const ROUTE: Route = Route::new(
        RouteId::ScimPatchGroup,
        "PATCH",
        "/scim/v2/Groups/{id}",
        "scim-patch-group",
        SCIM_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: change a group",
            "Who: the org's directory. Rename; add or remove members (Okta's and Entra ID's shapes); adding a member moves it from its department. `If-Match` is honoured.",
            Scim(200),
        )
        .scim_body()
        .errors(&[E::DepartmentExists, E::VersionMismatch, E::InvalidPath, E::NoTarget])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let group = directory::patch_group(call.app, call.ctx, &id(call), &body(call)?, if_match(call.request).as_deref()).await?;
        Ok(resource(StatusCode::OK, group))
    }
}

pub struct ScimDeleteGroup;

impl Endpoint for ScimDeleteGroup {
    const ROUTE: Route = Route::new(
        RouteId::ScimDeleteGroup,
        "DELETE",
        "/scim/v2/Groups/{id}",
        "scim-delete-group",
        SCIM_WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "SCIM: delete a group",
            "Who: the org's directory. Its members leave the department (and stay in the org); the department is deleted.",
            NoContent,
        )
        .errors(&[E::VersionMismatch])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        directory::delete_group(call.app, call.ctx, &id(call), if_match(call.request).as_deref()).await?;
        Ok(Reply::NoContent)
    }
}

//! The OpenAPI 3.1 document, generated from the route table, the types each route's use
//! case takes and answers (their JSON Schemas come from `schemars`), and the error codes
//! each route answers. `shared/http/openapi.json` is this document as committed — the
//! console's typed client is generated from it, and `GET /v1/openapi.json` serves it — and
//! a test fails when it is stale: `cargo run -q -p roster-http --example openapi >
//! shared/http/openapi.json` writes it again.

use schemars::generate::{Contract, SchemaSettings};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use roster_domain::{DepartmentId, ErrorCode, ImportId, InvitationToken, JoinCode, MemberId, OrgId};

use crate::endpoints::operation;
use crate::problem::Problem;
use crate::query::Param;
use crate::routes::{Route, ROUTES};

/// A schema, written into a generator's definitions where it has a name.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// `T`'s schema (a reference, where it has a name).
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a route takes.
pub enum Body {
    None,
    Json(SchemaFn),
    /// A CSV file (`text/csv`) or the JSON of `SchemaFn`.
    CsvOrJson(SchemaFn),
    /// A SCIM resource or PatchOp (`application/scim+json`), as `/scim/v2/Schemas` describes.
    Scim,
}

/// What a route answers when it succeeds.
pub enum Answer {
    Json(u16, SchemaFn),
    /// `200` with a CSV file; `paged` ones give the next page in a `Link` header.
    Csv {
        paged: bool,
    },
    NoContent,
    /// `303 See Other`, with the next URL in `Location`.
    Redirect(&'static str),
    /// The same, or `200 {"redirect_to"}` to a caller that accepts JSON and not HTML.
    RedirectOrJson(&'static str),
    /// A SCIM answer (`application/scim+json`): a resource, a list response or a discovery
    /// document.
    Scim(u16),
}

/// One route as the document describes it: `Operation::new(summary, who, answer)`, then
/// what it takes and the codes only it answers.
pub struct Operation {
    summary: &'static str,
    /// Who may call it, and what else a caller should know.
    description: String,
    body: Body,
    /// Its query parameters (`query.rs`).
    query: fn() -> Vec<Param>,
    answer: Answer,
    /// The codes this route answers beyond those of every route of its kind (see
    /// `error_codes`).
    errors: &'static [ErrorCode],
    /// Who calls it, where its facts don't say (`caller`).
    caller: Option<Caller>,
}

impl Operation {
    pub fn new(summary: &'static str, description: impl Into<String>, answer: Answer) -> Operation {
        Operation {
            summary,
            description: description.into(),
            body: Body::None,
            query: Vec::new,
            answer,
            errors: &[],
            caller: None,
        }
    }

    pub fn json(self, schema: SchemaFn) -> Operation {
        Operation {
            body: Body::Json(schema),
            ..self
        }
    }

    pub fn csv_or_json(self, schema: SchemaFn) -> Operation {
        Operation {
            body: Body::CsvOrJson(schema),
            ..self
        }
    }

    /// Takes a SCIM resource or PatchOp.
    pub fn scim_body(self) -> Operation {
        Operation { body: Body::Scim, ..self }
    }

    pub fn query(self, query: fn() -> Vec<Param>) -> Operation {
        Operation { query, ..self }
    }

    pub fn errors(self, errors: &'static [ErrorCode]) -> Operation {
        Operation { errors, ..self }
    }

    /// Only the operator calls it (its own token, not a member's).
    pub fn operator_only(self) -> Operation {
        Operation {
            caller: Some(Caller::Operator),
            ..self
        }
    }

    /// The session a temporary password gives may call it too.
    pub fn temporary_session_too(self) -> Operation {
        Operation {
            caller: Some(Caller::Member { temporary: true }),
            ..self
        }
    }
}

/// Every way a request's body can be refused before its use case reads it.
const BODY_REFUSALS: &[ErrorCode] = &[
    ErrorCode::InvalidJson,
    ErrorCode::InvalidBody,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::ValidationFailed,
];
/// What any request can meet: a body too large or too slow (the local server reads every
/// body with limits), and the service failing.
const ANY_REQUEST: &[ErrorCode] = &[
    ErrorCode::PayloadTooLarge,
    ErrorCode::RequestTimeout,
    ErrorCode::Internal,
    ErrorCode::Unavailable,
];
/// Every way a caller can be refused for its token or its role.
const TOKEN_REFUSALS: &[ErrorCode] = &[
    ErrorCode::MissingToken,
    ErrorCode::InvalidToken,
    ErrorCode::TokenExpired,
    ErrorCode::Forbidden,
];
/// Every way a member's token can be refused once it is read (`App::signed_in_member`).
const MEMBER_REFUSALS: &[ErrorCode] = &[ErrorCode::TokenRevoked, ErrorCode::AccountInactive];

/// Every way a directory's call can be refused for its token.
const DIRECTORY_REFUSALS: &[ErrorCode] = &[ErrorCode::MissingToken, ErrorCode::InvalidToken];

/// Who calls a route, for the refusals it answers before its own checks.
#[derive(Clone, Copy)]
enum Caller {
    Anyone,
    /// An org's directory, with its directory-sync token (SCIM).
    Directory,
    /// The operator only (its own token, not a member's).
    Operator,
    /// A member, with a full session or (`temporary`) the one a temporary password gives.
    Member {
        temporary: bool,
    },
}

/// Anyone for public routes; otherwise what the operation says (`operator_only`,
/// `temporary_session_too`), or a member with a full session.
fn caller(route: &Route, operation: &Operation) -> Caller {
    match operation.caller {
        _ if route.facts.anyone => Caller::Anyone,
        _ if route.facts.directory => Caller::Directory,
        Some(caller) => caller,
        None => Caller::Member { temporary: false },
    }
}

/// The schema of a path parameter, by its name in the route table's templates.
fn path_parameter(name: &str) -> SchemaFn {
    match name {
        "org" => schema::<OrgId>,
        "member" => schema::<MemberId>,
        "dept" => schema::<DepartmentId>,
        "import" => schema::<ImportId>,
        "token" => schema::<InvitationToken>,
        "code" => schema::<JoinCode>,
        "id" => {
            |_| json_schema!({ "type": "string", "minLength": 1, "description": "A SCIM resource's id (a member's or department's id; a schema's URN; a resource type's name)." })
        }
        "domain" => {
            |_| json_schema!({ "type": "string", "minLength": 1, "maxLength": 253, "description": "An email domain the org's connection lists." })
        }
        other => panic!("path parameter {{{other}}} has no schema in openapi::path_parameter"),
    }
}

fn path_parameters(route: &Route) -> impl Iterator<Item = &'static str> {
    route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// Every code `route` can answer a problem with, in the order of `ErrorCode::ALL`: those of
/// any request, its caller's refusals (unless anyone may call it), a body's (if it takes
/// one), `not_found` for an id in its path, and its own.
pub fn error_codes(route: &Route) -> Vec<ErrorCode> {
    let operation = operation(route.id);
    let mut codes: Vec<ErrorCode> = ANY_REQUEST.to_vec();
    match caller(route, &operation) {
        Caller::Anyone => {}
        Caller::Directory => codes.extend_from_slice(DIRECTORY_REFUSALS),
        Caller::Operator => codes.extend_from_slice(TOKEN_REFUSALS),
        Caller::Member { temporary } => {
            codes.extend_from_slice(TOKEN_REFUSALS);
            codes.extend_from_slice(MEMBER_REFUSALS);
            if !temporary {
                codes.push(ErrorCode::PasswordChangeRequired);
            }
        }
    }
    if !matches!(operation.body, Body::None) {
        codes.extend_from_slice(BODY_REFUSALS);
    }
    if path_parameters(route).next().is_some() {
        codes.push(ErrorCode::NotFound);
    }
    codes.extend_from_slice(operation.errors);
    ErrorCode::ALL.iter().copied().filter(|code| codes.contains(code)).collect()
}

fn generator(contract: Contract) -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    settings.contract = contract;
    settings.into_generator()
}

/// The problem answers of one status: `Problem` with `code` narrowed to the route's codes.
fn problem_answer(status: u16, codes: &[ErrorCode], problem: &Schema) -> Value {
    let names: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
    let mut answer = json!({
        // What each code means is in the README's table (and `ErrorCode::meaning`).
        "description": names.join(", "),
        "content": {"application/problem+json": {"schema": {
            "allOf": [problem, {"properties": {"code": {"enum": names}}}],
        }}},
    });
    let header = match status {
        429 => Some(("Retry-After", "Seconds to wait before trying again.")),
        401 => Some(("WWW-Authenticate", "`Bearer`.")),
        _ => None,
    };
    if let Some((name, description)) = header {
        answer["headers"] = json!({ name: {"description": description, "schema": {"type": "string"}} });
    }
    answer
}

/// `invite-member` → `inviteMember` (names are lower-case kebab: a test checks).
fn operation_id(route: &Route) -> String {
    let mut id = String::new();
    for (i, word) in route.name.split('-').enumerate() {
        let mut chars = word.chars();
        if let (Some(first), true) = (chars.next(), i > 0) {
            id.push(first.to_ascii_uppercase());
            id.push_str(chars.as_str());
        } else {
            id.push_str(word);
        }
    }
    id
}

/// The status `route` answers with when it succeeds.
pub fn success_status(route: &Route) -> u16 {
    match operation(route.id).answer {
        Answer::Json(status, _) => status,
        Answer::Csv { .. } => 200,
        Answer::NoContent => 204,
        Answer::Redirect(_) | Answer::RedirectOrJson(_) => 303,
        Answer::Scim(status) => status,
    }
}

/// Every status `route` may succeed with: its documented one, and `200` for a redirect a
/// script may ask to read as JSON.
pub fn success_statuses(route: &Route) -> Vec<u16> {
    match operation(route.id).answer {
        Answer::RedirectOrJson(_) => vec![success_status(route), 200],
        _ => vec![success_status(route)],
    }
}

/// The problem answers of each route, by status.
fn problem_statuses(route: &Route) -> Vec<(u16, Vec<ErrorCode>)> {
    let codes = error_codes(route);
    let mut statuses: Vec<u16> = codes.iter().map(|code| code.status()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
        .into_iter()
        .map(|status| (status, codes.iter().copied().filter(|code| code.status() == status).collect()))
        .collect()
}

/// For each status, the codes most routes answer it with: one shared response
/// (`#/components/responses/Problem{status}`), which the routes that answer just these refer to.
fn shared_problem_answers() -> Vec<(u16, Vec<ErrorCode>)> {
    let mut seen: Vec<((u16, Vec<ErrorCode>), usize)> = Vec::new();
    for answer in ROUTES.iter().filter(|route| !route.facts.directory).flat_map(problem_statuses) {
        match seen.iter_mut().find(|(known, _)| *known == answer) {
            Some((_, count)) => *count += 1,
            None => seen.push((answer, 1)),
        }
    }
    let mut shared: Vec<(u16, Vec<ErrorCode>)> = Vec::new();
    for ((status, codes), count) in &seen {
        let best = seen.iter().filter(|((s, _), _)| s == status).map(|(_, c)| *c).max().unwrap_or(0);
        if *count == best && *count > 1 && !shared.iter().any(|(s, _)| s == status) {
            shared.push((*status, codes.clone()));
        }
    }
    shared.sort();
    shared
}

fn describe(route: &Route, requests: &mut SchemaGenerator, answers: &mut SchemaGenerator, shared: &[(u16, Vec<ErrorCode>)]) -> Value {
    let operation = operation(route.id);
    let mut parameters: Vec<Value> = path_parameters(route)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": path_parameter(name)(requests)}))
        .collect();
    parameters.extend((operation.query)().iter().map(|query| {
        json!({"name": query.name, "in": "query", "required": false, "description": query.description, "schema": (query.schema)(requests)})
    }));

    let mut responses = Map::new();
    let success = match operation.answer {
        Answer::Json(_, schema) => json!({"description": "OK", "content": {"application/json": {"schema": schema(answers)}}}),
        Answer::Csv { paged } => {
            let mut success = json!({"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}});
            if paged {
                success["headers"] = json!({"Link": {
                    "description": "The next page: `<URL>; rel=\"next\"`. Absent on the last page.",
                    "schema": {"type": "string"},
                }});
            }
            success
        }
        Answer::NoContent => json!({"description": "Done"}),
        Answer::Redirect(description) | Answer::RedirectOrJson(description) => json!({
            "description": description,
            "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}},
        }),
        Answer::Scim(_) => json!({"description": "OK", "content": {SCIM_JSON: {"schema": scim_document()}}}),
    };
    if let Answer::RedirectOrJson(_) = operation.answer {
        responses.insert(
            "200".to_string(),
            json!({
                "description": "Asked with `Accept: application/json` (not `text/html`): where to go, for a script that navigates itself (the same cookie is set).",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["redirect_to"],
                    "properties": {"redirect_to": {"type": "string"}},
                }}},
            }),
        );
    }
    responses.insert(success_status(route).to_string(), success);
    let problem = answers.subschema_for::<Problem>();
    for (status, codes) in problem_statuses(route) {
        let answer = if route.facts.directory {
            let names: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
            json!({
                "description": format!("A SCIM error; its detail starts with the code: {}", names.join(", ")),
                "content": {SCIM_JSON: {"schema": {"$ref": "#/components/schemas/ScimError"}}},
            })
        } else if shared.contains(&(status, codes.clone())) {
            json!({"$ref": format!("#/components/responses/Problem{status}")})
        } else {
            problem_answer(status, &codes, &problem)
        };
        responses.insert(status.to_string(), answer);
    }

    let mut described = json!({
        "operationId": operation_id(route),
        "summary": operation.summary,
        "description": operation.description,
        "responses": responses,
    });
    if !parameters.is_empty() {
        described["parameters"] = Value::Array(parameters);
    }
    let json_body = |schema: SchemaFn, requests: &mut SchemaGenerator| json!({"application/json": {"schema": schema(requests)}});
    match operation.body {
        Body::None => {}
        Body::Json(schema) => described["requestBody"] = json!({"required": true, "content": json_body(schema, requests)}),
        Body::CsvOrJson(schema) => {
            let mut content = json_body(schema, requests);
            content["text/csv"] = json!({"schema": {"type": "string", "description": "A CSV file in the template's columns."}});
            described["requestBody"] = json!({"required": true, "content": content});
        }
        Body::Scim => described["requestBody"] = json!({"required": true, "content": {SCIM_JSON: {"schema": scim_document()}}}),
    }
    if route.facts.anyone {
        described["security"] = json!([]);
    }
    described
}

const SCIM_JSON: &str = "application/scim+json";

/// A SCIM resource, list response, PatchOp or discovery document: its attributes are those
/// `GET /scim/v2/Schemas` serves (RFC 7643).
fn scim_document() -> Value {
    json!({"type": "object", "required": ["schemas"], "properties": {"schemas": {"type": "array", "items": {"type": "string"}}}})
}

/// A SCIM error message (RFC 7644 §3.12).
fn scim_error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["schemas", "status"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": roster_domain::scim::ERROR_SCHEMA}},
            "status": {"type": "string", "description": "The HTTP status, as a string."},
            "scimType": {"type": "string", "enum": ["invalidFilter", "invalidPath", "noTarget", "uniqueness", "invalidValue", "invalidSyntax"]},
            "detail": {"type": "string", "description": "Starts with Roster's error code (see ErrorCode)."},
        },
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut requests = generator(Contract::Deserialize);
    let mut answers = generator(Contract::Serialize);
    let shared = shared_problem_answers();
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths.entry(route.path).or_insert_with(|| json!({}));
        item[route.method.to_ascii_lowercase()] = describe(route, &mut requests, &mut answers, &shared);
    }
    let problem = answers.subschema_for::<Problem>();
    let responses: Map<String, Value> = shared
        .iter()
        .map(|(status, codes)| (format!("Problem{status}"), problem_answer(*status, codes, &problem)))
        .collect();
    // Both kinds of schema live in one place; a name means one schema.
    let mut schemas = requests.take_definitions(true);
    schemas.insert("ScimError".into(), scim_error_schema());
    for (name, schema) in answers.take_definitions(true) {
        match schemas.get(&name) {
            Some(existing) if *existing != schema => panic!("two different schemas are named {name}"),
            _ => {
                schemas.insert(name, schema);
            }
        }
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Roster API",
            "version": "1.0.0",
            "description": "Organization membership: invitations, licenses, approvals, departments, bulk onboarding. Errors are application/problem+json (RFC 9457) with a stable `code`; each operation lists the codes it answers.",
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "roster-local"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": responses,
            "schemas": schemas,
        },
        "paths": paths,
    });
    tidy(&mut document);
    document
}

/// Two touches to what schemars writes: `"default": null` goes (an omitted field of a patch
/// keeps its value, which null would clear), and a doc comment's line breaks within a
/// paragraph become spaces.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if members.get("default") == Some(&Value::Null) {
                members.remove("default");
            }
            if let Some(Value::String(text)) = members.get_mut("description") {
                *text = text
                    .split("\n\n")
                    .map(|paragraph| paragraph.replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
            }
            members.values_mut().for_each(tidy);
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

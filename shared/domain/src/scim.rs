//! SCIM 2.0 (RFC 7643, RFC 7644) as Roster maps it, without I/O: a directory's user and
//! group resources read into what Roster keeps, the filters it answers, and the PATCH
//! operations Okta and Microsoft Entra ID send, applied to a resource.
//!
//! A user is a member: `userName` is the email (when it is not one, the primary email of
//! `emails` is, and `userName` is kept as the directory sent it), `name.givenName` and
//! `name.familyName` the first and last name, the primary phone number the phone, `title`
//! the position, the enterprise extension's `department` the department (by name), and
//! `active` whether it holds its license. A group is a department.

use serde_json::{Map, Value};

use crate::codes::ErrorCode;
use crate::email::Email;
use crate::error::DomainError;
use crate::org::validate_name;
use crate::profile::{parse_optional_text, parse_person_name, parse_phone, MAX_PERSON_NAME};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The longest `userName` or `externalId` kept.
pub const MAX_IDENTIFIER: usize = 256;

/// A directory's user, as Roster keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirectoryUser {
    /// As the directory sent it, when it is not the email itself.
    pub user_name: Option<String>,
    pub email: Email,
    pub external_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    /// Empty when there is none.
    pub phone: String,
    pub title: Option<String>,
    /// The department's name.
    pub department: Option<String>,
    pub active: bool,
}

impl DirectoryUser {
    /// The `userName` the directory knows the user by.
    pub fn user_name(&self) -> &str {
        self.user_name.as_deref().unwrap_or(self.email.as_str())
    }

    /// Reads a user resource (a POST's or PUT's body, or a resource a PATCH changed).
    pub fn from_resource(resource: &Value) -> Result<DirectoryUser, DomainError> {
        let object = resource
            .as_object()
            .ok_or_else(|| DomainError::invalid("body", ErrorCode::InvalidBody, "a SCIM User resource (a JSON object)"))?;
        let mut errors = crate::error::FieldErrors::default();
        let user_name = match field(object, "userName") {
            Some(Value::String(name)) if !name.trim().is_empty() && name.trim().chars().count() <= MAX_IDENTIFIER => {
                Some(name.trim().to_string())
            }
            _ => {
                errors.push("userName", ErrorCode::Required, "a userName of 1 to 256 characters");
                None
            }
        };
        let emails = multi_valued(object, "emails");
        let primary_email = primary_value(&emails);
        // The primary email is the member's email; without one, userName must be it.
        let email = match (primary_email.as_deref().map(Email::parse), user_name.as_deref().map(Email::parse)) {
            (Some(Ok(email)), _) => Some(email),
            (Some(Err(error)), _) => {
                errors.push("emails", error.code, error.message);
                None
            }
            (None, Some(Ok(email))) => Some(email),
            (None, Some(Err(_))) => {
                errors.push(
                    "userName",
                    ErrorCode::InvalidEmail,
                    "userName is not an email address, and emails has none",
                );
                None
            }
            (None, None) => None,
        };
        let external_id = errors.check(external_id_field(field(object, "externalId"))).flatten();
        let name = field(object, "name").and_then(Value::as_object);
        let name_part = |errors: &mut crate::error::FieldErrors, key: &str, wire: &str| -> String {
            match name.and_then(|n| field(n, key)) {
                Some(Value::String(text)) if !text.trim().is_empty() => errors.check(parse_person_name(wire, text)).unwrap_or_default(),
                None | Some(Value::Null) | Some(Value::String(_)) => String::new(),
                Some(_) => {
                    errors.push(
                        wire,
                        ErrorCode::InvalidName,
                        format!("at most {MAX_PERSON_NAME} printable characters"),
                    );
                    String::new()
                }
            }
        };
        let given_name = name_part(&mut errors, "givenName", "name.givenName");
        let family_name = name_part(&mut errors, "familyName", "name.familyName");
        let phone = match primary_value(&multi_valued(object, "phoneNumbers")) {
            Some(raw) => errors
                .check(parse_phone("phoneNumbers", raw.trim_start_matches("tel:")))
                .unwrap_or_default(),
            None => String::new(),
        };
        let title = errors
            .check(parse_optional_text("title", string_field(object, "title").as_deref()))
            .flatten();
        let enterprise = field(object, ENTERPRISE_USER_SCHEMA).and_then(Value::as_object);
        let department = match enterprise.and_then(|e| string_field(e, "department")) {
            Some(name) if !name.trim().is_empty() => match validate_name("department", &name) {
                Ok(name) => Some(name),
                Err(DomainError::Invalid(fields)) => {
                    errors.0.extend(fields);
                    None
                }
                Err(_) => None,
            },
            _ => None,
        };
        let active = match field(object, "active") {
            None | Some(Value::Null) => true,
            Some(value) => match boolean(value) {
                Some(active) => active,
                None => {
                    errors.push("active", ErrorCode::InvalidBody, "true or false");
                    true
                }
            },
        };
        errors.finish()?;
        let email = email.expect("checked");
        let user_name = user_name.expect("checked");
        Ok(DirectoryUser {
            user_name: (user_name != email.as_str()).then_some(user_name),
            email,
            external_id,
            given_name,
            family_name,
            phone,
            title,
            department,
            active,
        })
    }

    /// The resource's attributes (without `id` and `meta`, which the caller adds).
    pub fn to_resource(&self) -> Map<String, Value> {
        let mut schemas = vec![Value::from(USER_SCHEMA)];
        let mut resource = Map::new();
        resource.insert("userName".into(), self.user_name().into());
        if let Some(id) = &self.external_id {
            resource.insert("externalId".into(), id.clone().into());
        }
        let mut name = Map::new();
        if !self.given_name.is_empty() {
            name.insert("givenName".into(), self.given_name.clone().into());
        }
        if !self.family_name.is_empty() {
            name.insert("familyName".into(), self.family_name.clone().into());
        }
        if !name.is_empty() {
            resource.insert("name".into(), name.into());
        }
        resource.insert("emails".into(), serde_json::json!([{ "value": self.email.as_str() }]));
        if !self.phone.is_empty() {
            resource.insert("phoneNumbers".into(), serde_json::json!([{ "value": self.phone }]));
        }
        if let Some(title) = &self.title {
            resource.insert("title".into(), title.clone().into());
        }
        resource.insert("active".into(), self.active.into());
        if let Some(department) = &self.department {
            schemas.push(ENTERPRISE_USER_SCHEMA.into());
            resource.insert(ENTERPRISE_USER_SCHEMA.into(), serde_json::json!({ "department": department }));
        }
        resource.insert("schemas".into(), schemas.into());
        resource
    }
}

/// A directory's group: a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member ids, as the directory sent them (each must name a user).
    pub members: Vec<String>,
}

impl DirectoryGroup {
    pub fn from_resource(resource: &Value) -> Result<DirectoryGroup, DomainError> {
        let object = resource
            .as_object()
            .ok_or_else(|| DomainError::invalid("body", ErrorCode::InvalidBody, "a SCIM Group resource (a JSON object)"))?;
        let display_name = validate_name("displayName", &string_field(object, "displayName").unwrap_or_default())?;
        Ok(DirectoryGroup {
            display_name,
            external_id: external_id(field(object, "externalId"))?,
            members: member_values(field(object, "members").unwrap_or(&Value::Null))?,
        })
    }
}

/// An `externalId`: a string of at most 256 printable characters (empty is none).
fn external_id_field(value: Option<&Value>) -> Result<Option<String>, crate::error::FieldError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id.chars().count() <= MAX_IDENTIFIER && !id.chars().any(char::is_control) => {
            Ok(Some(id.clone()).filter(|id| !id.is_empty()))
        }
        Some(_) => Err(crate::error::FieldError::new(
            "externalId",
            ErrorCode::InvalidText,
            "a string of at most 256 printable characters",
        )),
    }
}

fn external_id(value: Option<&Value>) -> Result<Option<String>, DomainError> {
    external_id_field(value).map_err(|error| DomainError::Invalid(vec![error]))
}

/// The member ids of a group's `members` value: `[{"value": id}, …]`.
pub fn member_values(value: &Value) -> Result<Vec<String>, DomainError> {
    let invalid = || DomainError::invalid("members", ErrorCode::InvalidBody, "a list of {\"value\": user id}");
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(members) => members
            .iter()
            .map(|m| match m.as_object().and_then(|m| field(m, "value")) {
                Some(Value::String(id)) => Ok(id.clone()),
                _ => Err(invalid()),
            })
            .collect(),
        Value::Object(_) => member_values(&Value::Array(vec![value.clone()])),
        _ => Err(invalid()),
    }
}

/// What a group PATCH asks for, read without the group's whole membership: a new name,
/// members to add and to remove, or the whole membership replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    /// A new `externalId` (`Some(None)` removes it).
    pub external_id: Option<Option<String>>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    /// `replace` of `members`: the group holds exactly these (applied before `add` and
    /// `remove` that come after it).
    pub replace_members: Option<Vec<String>>,
}

impl GroupPatch {
    pub fn from_request(request: &Value) -> Result<GroupPatch, DomainError> {
        let mut patch = GroupPatch::default();
        for operation in operations(request)? {
            let path = operation.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
            match (operation.op, path) {
                (Op::Add | Op::Replace, None) => {
                    let object = operation
                        .value
                        .as_object()
                        .ok_or_else(|| invalid_value("value", "an object of attributes"))?;
                    for (key, value) in object {
                        patch.set(operation.op, &key.to_ascii_lowercase(), value)?;
                    }
                }
                (Op::Add | Op::Replace, Some(path)) => patch.set(operation.op, &path.to_ascii_lowercase(), &operation.value)?,
                (Op::Remove, Some(path)) => {
                    let lower = path.to_ascii_lowercase();
                    if lower == "externalid" {
                        patch.external_id = Some(None);
                    } else if lower == "members" {
                        match &operation.value {
                            // Entra ID names the members to remove in the value.
                            Value::Null => patch.replace(Vec::new()),
                            value => member_values(value)?.into_iter().for_each(|id| patch.take_out(id)),
                        }
                    } else if let Some(filter) = lower.strip_prefix("members[").and_then(|rest| rest.strip_suffix(']')) {
                        // Okta: `members[value eq "id"]`.
                        let filter = Filter::parse(path.get(8..8 + filter.len()).ok_or_else(|| invalid_path(path))?)?;
                        if filter.attribute != "value" {
                            return Err(invalid_path(path));
                        }
                        patch.take_out(filter.value);
                    } else {
                        return Err(invalid_path(path));
                    }
                }
                (Op::Remove, None) => return Err(DomainError::invalid("path", ErrorCode::NoTarget, "remove needs a path")),
            }
        }
        Ok(patch)
    }

    /// An add after earlier operations: it undoes a removal of the same member before it.
    fn put_in(&mut self, id: String) {
        self.remove.retain(|r| *r != id);
        if !self.add.contains(&id) {
            self.add.push(id);
        }
    }

    /// A removal after earlier operations: it undoes an add of the same member before it.
    fn take_out(&mut self, id: String) {
        self.add.retain(|a| *a != id);
        if !self.remove.contains(&id) {
            self.remove.push(id);
        }
    }

    /// The whole membership set: what was added or removed before it no longer counts.
    fn replace(&mut self, members: Vec<String>) {
        self.replace_members = Some(members);
        self.add.clear();
        self.remove.clear();
    }

    fn set(&mut self, op: Op, path: &str, value: &Value) -> Result<(), DomainError> {
        match path {
            "displayname" => {
                let name = value.as_str().ok_or_else(|| invalid_value("displayName", "a string"))?;
                self.display_name = Some(validate_name("displayName", name)?);
            }
            "members" if op == Op::Add => member_values(value)?.into_iter().for_each(|id| self.put_in(id)),
            "members" => self.replace(member_values(value)?),
            "externalid" => self.external_id = Some(external_id(Some(value))?),
            // Read-only: ignored, as a directory re-sending them expects.
            "id" | "schemas" | "meta" => {}
            other => return Err(invalid_path(other)),
        }
        Ok(())
    }
}

/// A list filter Roster answers: one attribute `eq` one value (RFC 7644 §3.4.2.2), the
/// comparisons directories send to find a user or group before creating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Lower-cased attribute path, e.g. `username`, `emails.value`, `externalid`.
    pub attribute: String,
    pub value: String,
}

impl Filter {
    pub fn parse(raw: &str) -> Result<Filter, DomainError> {
        let invalid = || {
            DomainError::invalid(
                "filter",
                ErrorCode::InvalidFilter,
                "one comparison: attribute eq \"value\" (userName, emails.value, externalId, id; displayName for groups)",
            )
        };
        let raw = raw.trim();
        let (attribute, rest) = raw.split_once(char::is_whitespace).ok_or_else(invalid)?;
        let (operator, value) = rest.trim_start().split_once(char::is_whitespace).ok_or_else(invalid)?;
        if !operator.eq_ignore_ascii_case("eq") {
            return Err(invalid());
        }
        let value: Value = serde_json::from_str(value.trim()).map_err(|_| invalid())?;
        let value = match value {
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(invalid()),
        };
        let attribute = attribute
            .strip_prefix(&format!("{USER_SCHEMA}:"))
            .or_else(|| attribute.strip_prefix(&format!("{GROUP_SCHEMA}:")))
            .unwrap_or(attribute)
            .to_ascii_lowercase();
        if attribute.is_empty() || !attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '$') {
            return Err(invalid());
        }
        Ok(Filter { attribute, value })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

struct Operation {
    op: Op,
    path: Option<String>,
    value: Value,
}

/// The operations of a PatchOp request.
fn operations(request: &Value) -> Result<Vec<Operation>, DomainError> {
    let list = request
        .as_object()
        .and_then(|r| field(r, "Operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| DomainError::invalid("Operations", ErrorCode::InvalidBody, "a PatchOp with a list of Operations"))?;
    list.iter()
        .map(|operation| {
            let object = operation
                .as_object()
                .ok_or_else(|| DomainError::invalid("Operations", ErrorCode::InvalidBody, "each operation is an object"))?;
            let op = match string_field(object, "op").map(|o| o.to_ascii_lowercase()).as_deref() {
                Some("add") => Op::Add,
                Some("replace") => Op::Replace,
                Some("remove") => Op::Remove,
                _ => return Err(DomainError::invalid("op", ErrorCode::InvalidBody, "add, replace or remove")),
            };
            let path = match field(object, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) => Some(path.clone()),
                Some(_) => return Err(DomainError::invalid("path", ErrorCode::InvalidPath, "a string")),
            };
            let value = field(object, "value").cloned().unwrap_or(Value::Null);
            if op != Op::Remove && value.is_null() {
                return Err(DomainError::invalid(
                    "value",
                    ErrorCode::InvalidBody,
                    "add and replace need a value",
                ));
            }
            Ok(Operation { op, path, value })
        })
        .collect()
}

/// Applies a PatchOp request (RFC 7644 §3.5.2) to a user resource: attribute paths
/// (`title`, `name.givenName`), the enterprise extension's (`urn:…:User:department`), value
/// filters on multi-valued attributes (`emails[type eq "work"].value`), and operations
/// without a path whose value holds the attributes (Okta's `{"active": false}`; Entra ID's
/// `{"name.givenName": …}`). The caller reads the result again with
/// `DirectoryUser::from_resource`, so every rule applies to what a PATCH leaves.
pub fn patch_user(resource: &mut Map<String, Value>, request: &Value) -> Result<(), DomainError> {
    for operation in operations(request)? {
        match operation.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            // The whole enterprise extension.
            Some(path) if path.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => {
                let key = existing_key(resource, ENTERPRISE_USER_SCHEMA).unwrap_or_else(|| ENTERPRISE_USER_SCHEMA.into());
                match (operation.op, operation.value) {
                    (Op::Remove, _) => {
                        resource.remove(&key);
                    }
                    (op, extension) => apply_extension(resource, op, extension)?,
                }
            }
            Some(path) => apply(resource, operation.op, &Path::parse(path)?, operation.value)?,
            None => {
                if operation.op == Op::Remove {
                    return Err(DomainError::invalid("path", ErrorCode::NoTarget, "remove needs a path"));
                }
                let Value::Object(attributes) = operation.value else {
                    return Err(invalid_value("value", "an object of attributes"));
                };
                for (key, value) in attributes {
                    if key.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
                        apply_extension(resource, operation.op, value)?;
                    } else {
                        apply(resource, operation.op, &Path::parse(&key)?, value)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// An add or replace of the enterprise extension as a whole: each of its attributes.
fn apply_extension(resource: &mut Map<String, Value>, op: Op, extension: Value) -> Result<(), DomainError> {
    let Value::Object(extension) = extension else {
        return Err(invalid_value(ENTERPRISE_USER_SCHEMA, "an object"));
    };
    for (key, value) in extension {
        apply(resource, op, &Path::parse(&format!("{ENTERPRISE_USER_SCHEMA}:{key}"))?, value)?;
    }
    Ok(())
}

/// An attribute path: an optional extension, an attribute, an optional value filter and
/// an optional sub-attribute.
#[derive(Debug)]
struct Path {
    extension: bool,
    attribute: String,
    filter: Option<Filter>,
    sub: Option<String>,
}

impl Path {
    fn parse(raw: &str) -> Result<Path, DomainError> {
        let (extension, rest) = match (schema_prefixed(raw, ENTERPRISE_USER_SCHEMA), schema_prefixed(raw, USER_SCHEMA)) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => (false, raw),
        };
        let (head, filter, sub) = match rest.split_once('[') {
            Some((head, after)) => {
                let (filter, tail) = after.split_once(']').ok_or_else(|| invalid_path(raw))?;
                (head, Some(Filter::parse(filter)?), tail.strip_prefix('.').map(str::to_string))
            }
            None => match rest.split_once('.') {
                Some((head, sub)) => (head, None, Some(sub.to_string())),
                None => (rest, None, None),
            },
        };
        if head.is_empty() || !head.chars().all(|c| c.is_ascii_alphanumeric() || c == '$') {
            return Err(invalid_path(raw));
        }
        Ok(Path {
            extension,
            attribute: head.to_string(),
            filter,
            sub,
        })
    }
}

/// `raw` without `schema` and the colon after it, when it starts with them (in any case).
fn schema_prefixed<'a>(raw: &'a str, schema: &str) -> Option<&'a str> {
    let head = raw.get(..schema.len())?;
    head.eq_ignore_ascii_case(schema)
        .then(|| raw[schema.len()..].strip_prefix(':'))
        .flatten()
}

/// The attributes `patch_user` takes: any other path is refused (`invalidPath`), so an
/// attribute Roster has no place for shows at once. Read-only ones (`id`, `meta`, `schemas`)
/// are ignored, as are the ones directories send whatever the mapping and Roster does not
/// keep: `displayName`, `name`'s other parts, and the enterprise extension's attributes
/// other than `department`.
const USER_ATTRIBUTES: [&str; 8] = [
    "userName",
    "externalId",
    "name",
    "emails",
    "phoneNumbers",
    "title",
    "active",
    "displayName",
];

fn apply(resource: &mut Map<String, Value>, op: Op, path: &Path, value: Value) -> Result<(), DomainError> {
    let container = if path.extension {
        let extension = entry(resource, ENTERPRISE_USER_SCHEMA).or_insert_with(|| Value::Object(Map::new()));
        if !extension.is_object() {
            *extension = Value::Object(Map::new());
        }
        extension.as_object_mut().expect("an object")
    } else {
        if ["id", "meta", "schemas"].iter().any(|a| a.eq_ignore_ascii_case(&path.attribute)) {
            return Ok(());
        }
        if !USER_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(&path.attribute)) {
            return Err(invalid_path(&path.attribute));
        }
        resource
    };
    if path.extension && !path.attribute.eq_ignore_ascii_case("department") {
        // Other enterprise attributes (manager, employeeNumber, …) are not kept.
        return Ok(());
    }
    let key = existing_key(container, &path.attribute).unwrap_or_else(|| canonical(&path.attribute));
    match (&path.filter, &path.sub) {
        (None, None) => match op {
            Op::Remove => {
                container.remove(&key);
            }
            Op::Add if matches!(container.get(&key), Some(Value::Array(_))) => {
                let Some(Value::Array(list)) = container.get_mut(&key) else {
                    unreachable!()
                };
                match value {
                    Value::Array(values) => list.extend(values),
                    value => list.push(value),
                }
            }
            Op::Add | Op::Replace => {
                container.insert(key, value);
            }
        },
        (None, Some(sub)) => {
            let target = container.entry(key).or_insert_with(|| Value::Object(Map::new()));
            match target {
                Value::Object(object) => set_or_remove(object, sub, op, value),
                // `emails.value` on a list: every element (there is one, the primary).
                Value::Array(list) => {
                    if list.is_empty() && op != Op::Remove {
                        list.push(serde_json::json!({ "primary": true }));
                    }
                    for element in list.iter_mut().filter_map(Value::as_object_mut) {
                        set_or_remove(element, sub, op, value.clone());
                    }
                }
                _ => return Err(invalid_path(&path.attribute)),
            }
        }
        (Some(filter), sub) => {
            let target = container.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let list = target.as_array_mut().expect("a list");
            // Roster keeps one email and one phone, answered without a `type`: a filter on
            // the type (Entra ID's `emails[type eq "work"]`) addresses that one.
            if filter.attribute == "type" && list.len() == 1 {
                if let Some(only) = list[0].as_object_mut().filter(|e| field(e, "type").is_none()) {
                    only.insert("type".into(), Value::String(filter.value.clone()));
                }
            }
            let matches = |element: &Value| {
                element
                    .as_object()
                    .and_then(|e| field(e, &filter.attribute))
                    .is_some_and(|v| match v {
                        Value::String(s) => s.eq_ignore_ascii_case(&filter.value),
                        other => other.to_string() == filter.value,
                    })
            };
            match (op, sub) {
                (Op::Remove, None) => list.retain(|element| !matches(element)),
                (_, Some(sub)) => {
                    if !list.iter().any(matches) {
                        if op == Op::Remove {
                            return Ok(());
                        }
                        // Entra ID's `phoneNumbers[type eq "mobile"].value` on a user without one.
                        let mut element = Map::new();
                        element.insert(filter.attribute.clone(), Value::String(filter.value.clone()));
                        list.push(Value::Object(element));
                    }
                    for element in list.iter_mut().filter(|e| matches(e)).filter_map(Value::as_object_mut) {
                        set_or_remove(element, sub, op, value.clone());
                    }
                }
                (_, None) => {
                    let replacement = match value {
                        Value::Object(object) => object,
                        _ => return Err(invalid_value(&path.attribute, "an object")),
                    };
                    for element in list.iter_mut().filter(|e| matches(e)).filter_map(Value::as_object_mut) {
                        element.extend(replacement.clone());
                    }
                }
            }
        }
    }
    Ok(())
}

fn set_or_remove(object: &mut Map<String, Value>, sub: &str, op: Op, value: Value) {
    let key = existing_key(object, sub).unwrap_or_else(|| canonical(sub));
    if op == Op::Remove {
        object.remove(&key);
    } else {
        object.insert(key, value);
    }
}

/// The attribute's name as Roster answers it (attribute names are case-insensitive).
fn canonical(name: &str) -> String {
    const NAMES: [&str; 12] = [
        "userName",
        "externalId",
        "name",
        "givenName",
        "familyName",
        "emails",
        "phoneNumbers",
        "title",
        "active",
        "department",
        "value",
        "primary",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |n| n.to_string())
}

fn existing_key(object: &Map<String, Value>, name: &str) -> Option<String> {
    object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn entry<'a>(object: &'a mut Map<String, Value>, name: &str) -> serde_json::map::Entry<'a> {
    let key = existing_key(object, name).unwrap_or_else(|| name.to_string());
    object.entry(key)
}

/// An attribute of `object` by its case-insensitive name (RFC 7643 §2.1).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .get(name)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn string_field(object: &Map<String, Value>, name: &str) -> Option<String> {
    field(object, name).and_then(Value::as_str).map(str::to_string)
}

/// A boolean, or the strings `"True"`/`"False"` Entra ID sends.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn multi_valued<'a>(object: &'a Map<String, Value>, name: &str) -> Vec<&'a Map<String, Value>> {
    match field(object, name) {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(one)) => vec![one],
        _ => Vec::new(),
    }
}

/// The primary element's `value`, or the first's.
fn primary_value(elements: &[&Map<String, Value>]) -> Option<String> {
    let value = |e: &&Map<String, Value>| string_field(e, "value").filter(|v| !v.trim().is_empty());
    elements
        .iter()
        .filter(|e| field(e, "primary").and_then(boolean) == Some(true))
        .find_map(value)
        .or_else(|| elements.iter().find_map(value))
}

fn invalid_path(path: &str) -> DomainError {
    DomainError::invalid("path", ErrorCode::InvalidPath, format!("Roster keeps no attribute at {path:?}"))
}

fn invalid_value(field: &str, expected: &str) -> DomainError {
    DomainError::invalid(field, ErrorCode::InvalidBody, expected.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Map<String, Value> {
        DirectoryUser::from_resource(&json!({
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "primary": true, "type": "work"}],
        }))
        .unwrap()
        .to_resource()
    }

    fn patched(ops: Value) -> DirectoryUser {
        let mut resource = user();
        patch_user(&mut resource, &json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})).unwrap();
        DirectoryUser::from_resource(&Value::Object(resource)).unwrap()
    }

    #[test]
    fn okta_deactivates_with_a_value_object() {
        assert!(!patched(json!([{"op": "replace", "value": {"active": false}}])).active);
    }

    #[test]
    fn entra_sends_paths_with_capitalised_ops_and_string_booleans() {
        let user = patched(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": "title", "value": "Countess"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 20 7946 0000"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Analytics"},
        ]));
        assert!(!user.active);
        assert_eq!(user.given_name, "Augusta");
        assert_eq!(user.title.as_deref(), Some("Countess"));
        assert_eq!(user.phone, "+442079460000");
        assert_eq!(user.department.as_deref(), Some("Analytics"));
    }

    #[test]
    fn entra_value_objects_may_name_dotted_paths() {
        let user =
            patched(json!([{"op": "replace", "value": {"name.familyName": "King", "emails[type eq \"work\"].value": "ada@king.example"}}]));
        assert_eq!(user.family_name, "King");
        assert_eq!(user.email.as_str(), "ada@king.example");
    }

    #[test]
    fn removing_an_attribute_and_refusing_unknown_ones() {
        let user = patched(json!([{"op": "add", "path": "title", "value": "Analyst"}, {"op": "remove", "path": "title"}]));
        assert_eq!(user.title, None);
        let mut resource = user.to_resource();
        let refused = patch_user(
            &mut resource,
            &json!({"Operations": [{"op": "replace", "path": "nickName", "value": "x"}]}),
        );
        assert_eq!(refused.unwrap_err().code(), ErrorCode::ValidationFailed);
    }

    #[test]
    fn a_user_name_that_is_not_an_email_takes_the_primary_email() {
        let user = DirectoryUser::from_resource(&json!({
            "userName": "ada.l",
            "emails": [{"value": "other@example.com"}, {"value": "Ada@Example.com", "primary": true}],
        }))
        .unwrap();
        assert_eq!(user.email.as_str(), "ada@example.com");
        assert_eq!(user.user_name(), "ada.l");
        assert!(DirectoryUser::from_resource(&json!({"userName": "ada.l"})).is_err());
    }

    #[test]
    fn filters_are_one_equality() {
        assert_eq!(
            Filter::parse("userName eq \"ada@example.com\"").unwrap(),
            Filter {
                attribute: "username".into(),
                value: "ada@example.com".into()
            }
        );
        assert_eq!(Filter::parse("emails.value EQ \"a@b.c\"").unwrap().attribute, "emails.value");
        assert!(Filter::parse("userName sw \"a\"").is_err());
        assert!(Filter::parse("userName eq \"a\" and active eq true").is_err());
    }

    #[test]
    fn group_patches_in_okta_and_entra_shapes() {
        let okta = GroupPatch::from_request(&json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "m1"}, {"value": "m2"}]},
            {"op": "remove", "path": "members[value eq \"m3\"]"},
            {"op": "replace", "value": {"displayName": "Nursing"}},
        ]}))
        .unwrap();
        assert_eq!(okta.add, vec!["m1", "m2"]);
        assert_eq!(okta.remove, vec!["m3"]);
        assert_eq!(okta.display_name.as_deref(), Some("Nursing"));
        let entra = GroupPatch::from_request(&json!({"Operations": [
            {"op": "Remove", "path": "members", "value": [{"value": "m4"}]},
        ]}))
        .unwrap();
        assert_eq!(entra.remove, vec!["m4"]);
        // Operations apply in order: a later add undoes a removal, a later removal an add,
        // and removing every member drops what was added before.
        let ordered = GroupPatch::from_request(&json!({"Operations": [
            {"op": "remove", "path": "members[value eq \"u\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u"}]},
            {"op": "add", "path": "members", "value": [{"value": "v"}]},
            {"op": "remove", "path": "members", "value": [{"value": "v"}]},
        ]}))
        .unwrap();
        assert_eq!((ordered.add, ordered.remove), (vec!["u".to_string()], vec!["v".to_string()]));
        let cleared = GroupPatch::from_request(&json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "m1"}]},
            {"op": "remove", "path": "members"},
        ]}))
        .unwrap();
        assert_eq!((cleared.add.len(), cleared.replace_members), (0, Some(vec![])));
    }

    #[test]
    fn paths_with_characters_beyond_ascii_are_refused_not_a_panic() {
        let mut resource = user();
        for path in [format!("a{}", "é".repeat(40)), format!("urn{}", "é".repeat(30))] {
            let refused = patch_user(
                &mut resource,
                &json!({"Operations": [{"op": "replace", "path": path, "value": "x"}]}),
            );
            assert!(refused.is_err(), "{path}");
        }
    }
}

// Every `code` the API can answer (the OpenAPI document's ErrorCode list), in words an admin understands.
import type { FieldProblem, Problem } from '../api/problem';
import { formatDateTime } from '../lib/dates';

/** Top-level problem codes (and the reasons an import row or bulk edit fails). */
export const PROBLEM_MESSAGES: Record<string, string> = {
  // Input
  validation_failed: 'Some fields need fixing: see the messages beside them.',
  invalid_json: 'The request could not be read. Reload the page and try again.',
  invalid_body: 'The request is missing something or has a field the server does not know. Reload the page and try again.',
  payload_too_large: 'That is too much to send at once. Split it into smaller files or lists.',
  unsupported_media_type: 'That kind of file is not accepted. Upload a CSV file made from the template.',
  request_timeout: 'The upload took too long to arrive. Check your connection and try again.',
  // Sign-in and sessions
  missing_token: 'Please sign in to continue.',
  invalid_token: 'Your session is no longer valid. Please sign in again.',
  token_expired: 'Your session has ended. Please sign in again.',
  invalid_refresh_token: 'Your session has ended. Please sign in again.',
  token_revoked: 'Your password was changed, which ended every earlier session. Please sign in again.',
  temporary_password_used: 'This temporary password was already used to sign in once. Ask your admin to send a new one.',
  invalid_credentials: 'That email and password do not match an active account.',
  account_inactive: 'This account can no longer sign in: it is not licensed in its organization. Ask your admin.',
  actor_inactive: 'The admin who started this import can no longer act in the organization.',
  password_change_required: 'You signed in with a temporary password: choose your own password first.',
  login_method_not_allowed: 'Your organization does not allow this way of signing in for this account. Sign in another way, or ask your admin.',
  invalid_code: 'That code is not right, or it has expired or was already used. Check the latest email, or ask for a new code.',
  org_required: 'This email has accounts in several organizations: choose which one to sign in to.',
  // Single sign-on
  sso_state_invalid: 'This single sign-on did not finish in time, or it was already used. Start signing in again.',
  sso_refused:
    'Your identity provider did not confirm who you are (it refused the sign-in, or its answer failed a check). Try again, or ask your admin to check the single sign-on settings.',
  sso_no_account: 'Your identity provider knows you, but this email has no account in the organization. Ask your admin to invite you.',
  sso_domain_claimed:
    'Another organization has already verified one of these email domains for its single sign-on. Remove that domain, or ask the operator.',
  sso_domain_unverified:
    'The email domain is not verified yet: its DNS TXT record (shown in Settings, under Single sign-on) was not found. Add it at your DNS provider, then Verify again.',
  sso_not_ready:
    'Single sign-on cannot be a way to sign in yet: an organization admin sets up the connection in Settings and signs in through it once (“Test sign-in”) first.',
  sso_in_use:
    'The organization signs in with single sign-on: take single sign-on out of the ways to sign in first (a connection no one has signed in through yet cannot replace the one in use).',
  // Directory sync (SCIM): refusals of the identity provider's calls, worded should one reach the console
  directory_user_exists: 'Your directory sent someone who is already here: the organization has a member with this email or directory ID.',
  version_mismatch: 'This changed since it was read. Reload and try again.',
  invalid_filter: 'The directory asked for a filter this server does not support (one “attribute eq value” comparison only).',
  invalid_path: 'The directory’s change names an attribute this server does not keep.',
  no_target: 'The directory asked to remove something without saying what.',
  // Permissions and existence
  forbidden: 'Your role does not allow this. Ask an organization admin.',
  not_found: 'This no longer exists, or you do not have access to it.',
  route_not_found: 'The server does not know this page or action. The console may be out of date: reload the page.',
  method_not_allowed: 'The server does not allow this action here. The console may be out of date: reload the page.',
  // Membership states (rule 4 and the lifecycle)
  already_licensed: 'This person is already a licensed member.',
  already_member: 'This person already has an account in the organization.',
  already_invited: 'This person already has a pending invitation: resend it instead.',
  pending_approval: 'This person is waiting for approval: approve their request instead of inviting them.',
  rejected: 'This person was rejected before: re-approve them from the Pending tab instead of inviting them.',
  unlicensed: 'This person was removed before: reinvite them from the Unlicensed tab instead.',
  already_rejected: 'This request has already been rejected.',
  already_unlicensed: 'This member is already unlicensed.',
  no_pending_invitation: 'This member has no pending invitation to revoke.',
  not_licensed: 'Only licensed members can be removed.',
  not_pending_approval: 'This person is not waiting for approval any more.',
  seats_exhausted: 'All seats are taken. Raise the seat limit in Settings or remove someone first.',
  cannot_change_own_role: 'You cannot change your own role. Ask another organization admin.',
  cannot_remove_self: 'You cannot remove yourself. Ask another organization admin.',
  last_org_admin: 'This would leave the organization without an admin. Make someone else an organization admin first.',
  no_org_admin_can_sign_in:
    'This would leave no organization admin able to sign in: every org admin needs a way in (a one-time code by email, or a password they have set). Keep such a method, or give an org admin one first.',
  email_taken: 'Another account in this organization already uses that email.',
  concurrent_update: 'Someone changed this at the same moment. Reload and try again.',
  // Invitation links
  invitation_expired: 'This invitation has expired. Ask your admin to send a new invitation.',
  invitation_used: 'This invitation has already been used. Sign in instead, or ask your admin to send a new invitation.',
  invitation_superseded: 'A newer invitation was sent, so this link no longer works. Use the link in the latest email, or ask your admin to send a new invitation.',
  invitation_revoked: 'This invitation was withdrawn. Ask your admin to send a new invitation.',
  // Email change links
  confirmation_expired: 'This confirmation link has expired (links work for a day). Change your email again from your profile.',
  // Departments
  department_exists: 'A department with that name already exists.',
  department_not_empty: 'This department still has members. Move them to another department first.',
  unknown_department: 'That department does not exist (any more).',
  // Import rows
  invalid_email: 'Not a valid email address.',
  duplicate_in_file: 'This email appears earlier in the file.',
  invalid_role: 'The role must be org_admin, dept_admin or member.',
  invalid_phone: 'The phone number must have 7 to 15 digits.',
  invalid_name: 'The name is too long or has characters that are not allowed.',
  invalid_row: 'This row could not be read.',
  // Limits and the service
  frozen: 'Membership changes are frozen right now.',
  rate_limited: 'Too many attempts or invitations in a short time. Wait a moment and try again.',
  unavailable: 'The service is unavailable right now. Try again in a minute.',
  internal: 'Something went wrong on the server. Try again; if it keeps happening, tell your operator.',
  network_error: 'The server could not be reached. Check your connection and try again.',
  client_error: 'Something went wrong in this page. Reload it and try again.',
};

/** Field-level codes, in words. A field's own wording (below) wins over these. */
export const FIELD_MESSAGES: Record<string, string> = {
  required: 'This is required.',
  invalid_email: 'Enter a valid email address.',
  invalid_name: 'Use at most 100 printable characters.',
  invalid_phone: 'Enter a phone number with 7 to 15 digits, optionally starting with +.',
  invalid_text: 'Use at most 200 printable characters.',
  too_short: 'Too short.',
  too_long: 'Too long.',
  out_of_range: 'This value is out of the allowed range.',
  invalid_choice: 'Choose one of the options.',
  invalid: 'This value is not valid.',
  invalid_time: 'Enter a valid date and time.',
  before_start: 'The end must be after the start.',
  not_allowed: 'Your organization does not use this.',
  org_required: 'Choose the organization to sign in to.',
  unchanged: 'The new password must be different from the current one.',
  incorrect: 'This is not your current password.',
  unknown_department: 'That department does not exist (any more).',
  user_owned: 'Only the member can change this, from their own profile.',
  invalid_csv: 'The file is not a valid CSV file. Start from the template.',
  invalid_utf8: 'The file is not plain UTF-8 text. Save it as "CSV UTF-8" and try again.',
  missing_column: 'The file is missing a column of the template.',
  empty: 'There is nothing to import.',
  too_many_rows: 'Too many rows for one import: split the file.',
  invalid_cursor: 'The list changed. Go back to the first page.',
  unknown_field: 'The server does not know this field. Reload the page.',
  unknown_value: 'The server does not accept this value.',
  invalid_type: 'This value has the wrong type.',
  invalid_json: 'The request could not be read.',
  malformed_id: 'This is not a well-formed id.',
  not_supported: 'This server does not support this yet.',
};

/** Wording for one field and code where the general sentence would be vague. */
const FIELD_SPECIFIC: Record<string, string> = {
  'password.too_short': 'Use at least 10 characters.',
  'new_password.too_short': 'Use at least 10 characters.',
  'password.too_long': 'Use at most 128 characters.',
  'new_password.too_long': 'Use at most 128 characters.',
  'eula_accepted.required': 'You must accept the end-user license agreement to continue.',
  'password.required': 'Choose a password.',
  'invite_ttl_days.out_of_range': 'Invitations can be valid for 1 to 90 days.',
  'login_methods.required': 'Allow at least one way to sign in.',
  'eula_version.invalid': 'Use 1 to 64 characters.',
  'reason.too_long': 'Use at most 500 characters.',
  'member_ids.out_of_range': 'Select between 1 and 500 members.',
  'department_id.required': 'Choose at least one thing to change.',
  'rows.empty': 'There is nothing to import.',
  'two_factor_channel.required': 'Choose how you will receive verification codes.',
  'issuer.invalid': 'Enter the issuer URL, starting with https:// (http:// only on this machine).',
  'issuer.required': 'Enter the identity provider’s issuer URL.',
  'issuer.too_long': 'Use at most 500 characters.',
  'client_id.invalid': 'Use visible characters only, without spaces.',
  'client_secret.invalid': 'Use visible characters only, without spaces.',
  'client_secret.required': 'Enter the client secret: it is needed each time the connection is saved.',
  'email_domains.invalid': 'Enter email domains such as example.com, separated by commas or new lines.',
  'email_domains.too_long': 'Use at most 20 email domains.',
  'require_2fa.not_supported': 'Two-step verification is not available on this server yet.',
};

/** One sentence for a problem, with what the admin can do about it. */
export function describeProblem(problem: Problem): string {
  if (problem.code === 'frozen' && problem.ends_at) {
    return `Membership changes are frozen until ${formatDateTime(problem.ends_at)}. Try again after that.`;
  }
  if (problem.code === 'rate_limited' && problem.retry_after) {
    const minutes = Math.ceil(problem.retry_after / 60);
    return `Too many attempts in a short time. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`;
  }
  const known = PROBLEM_MESSAGES[problem.code];
  if (known) return known;
  if (problem.status === 401) return PROBLEM_MESSAGES.token_expired;
  if (problem.status === 403) return PROBLEM_MESSAGES.forbidden;
  if (problem.status === 404) return PROBLEM_MESSAGES.not_found;
  if (problem.status >= 500) return PROBLEM_MESSAGES.internal;
  return problem.detail ? `The request was refused: ${problem.detail}` : `The request was refused (${problem.code}).`;
}

/** One sentence for a field error. */
export function describeField(error: FieldProblem): string {
  return FIELD_SPECIFIC[`${error.field}.${error.code}`] ?? FIELD_MESSAGES[error.code] ?? PROBLEM_MESSAGES[error.code] ?? error.message;
}

/** A reason code from an import row or a bulk edit, in words. */
export function describeCode(code: string): string {
  return PROBLEM_MESSAGES[code] ?? FIELD_MESSAGES[code] ?? code.replaceAll('_', ' ');
}

/**
 * Problem codes that are about the email a form sends (the account it would name already
 * exists, rule 4): shown beside the email field. For `splitProblem`'s `codeFields`.
 */
export const EMAIL_CONFLICTS: Readonly<Record<string, string>> = Object.fromEntries(
  ['already_licensed', 'already_invited', 'pending_approval', 'rejected', 'unlicensed', 'email_taken'].map((code) => [code, 'email']),
);

/**
 * Splits a problem into messages for the form's own fields (shown beside them) and one
 * message for the rest (shown above the form). Field errors about fields the form does
 * not show are folded into that message so nothing is lost. `codeFields` names the field
 * a problem without field errors is about (e.g. `email_taken` → `email`), when the form
 * shows that field.
 */
export function splitProblem(
  problem: Problem,
  formFields: readonly string[],
  codeFields: Readonly<Record<string, string>> = {},
): { fields: Record<string, string>; message: string | null } {
  const about = codeFields[problem.code];
  if (!problem.errors?.length && about && formFields.includes(about)) return { fields: { [about]: describeProblem(problem) }, message: null };
  const fields: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const error of problem.errors ?? []) {
    const text = describeField(error);
    if (formFields.includes(error.field)) fields[error.field] ??= text;
    else elsewhere.push(`${error.field.replaceAll('_', ' ')}: ${text}`);
  }
  const shownBeside = Object.keys(fields).length > 0;
  if (elsewhere.length > 0) return { fields, message: `${describeProblem(problem)} ${elsewhere.join(' ')}` };
  if (shownBeside && (problem.code === 'validation_failed' || problem.code === 'invalid_body')) return { fields, message: null };
  return { fields, message: describeProblem(problem) };
}

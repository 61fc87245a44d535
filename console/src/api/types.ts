// Names for the API's shapes, taken from the generated OpenAPI types.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Member = Schemas['Member'];
export type MemberStatus = Member['status'];
export type Role = Member['role'];
export type Org = Schemas['Org'];
export type OrgPatch = Schemas['OrgPatch'];
export type Department = Schemas['Department'];
export type MemberPatch = Schemas['MemberPatch'];
export type BulkEditResult = Schemas['BulkEditResult'];
export type Preview = Schemas['Preview'];
export type ImportJob = Schemas['Import'];
export type ImportFailure = ImportJob['failures'][number];
export type AuditEvent = Schemas['AuditEvent'];
export type CreateAccount = Schemas['CreateAccount'];
export type AccountKind = NonNullable<CreateAccount['kind']>;
export type InviteLink = Schemas['InviteLink'];
export type InvitationView = Schemas['InvitationView'];
export type LoginMethod = NonNullable<Org['login_methods']>[number];
export type SsoConnection = Schemas['SsoConnection'];
/** One email domain of the connection, with the DNS TXT record that proves the org owns it. */
export type SsoDomain = SsoConnection['domains'][number];
export type SsoConnectionRequest = Schemas['SsoConnectionRequest'];
export type SsoJit = Schemas['SsoJit'];
/** The org's directory-sync (SCIM) connection: when its token was issued and by whom (never the token). */
export type ScimConnection = Schemas['ScimConnection'];
/** A directory-sync token, answered once when it is issued. */
export type ScimToken = Schemas['ScimToken'];
/** A directory change the org's freeze window holds until it ends. */
export type HeldDirectoryChange = Schemas['HeldDirectoryChange'];
export type Tab = 'licensed' | 'unlicensed' | 'pending';

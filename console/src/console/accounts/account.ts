// Creating an account directly (SPEC rule 10): what the form sends and what it says after.
import type { AccountKind, CreateAccount, Member, Role } from '../../api/types';
import { fullName } from '../../lib/labels';

export interface AccountForm {
  kind: AccountKind;
  email: string;
  first_name: string;
  last_name: string;
  /** Optional: '' sends none. */
  phone: string;
  /** Optional: '' sends none. */
  position: string;
}

export const EMPTY_ACCOUNT: AccountForm = { kind: 'full', email: '', first_name: '', last_name: '', phone: '', position: '' };

/** The request body: trimmed text, optional fields left out when blank, with the role and department chosen. */
export function createAccountBody(form: AccountForm, placement: { role: Role; department_id: string | null }): CreateAccount {
  const optional = (text: string) => text.trim() || null;
  return {
    email: form.email.trim(),
    first_name: form.first_name.trim(),
    last_name: form.last_name.trim(),
    phone: optional(form.phone),
    position: optional(form.position),
    role: placement.role,
    department_id: placement.department_id,
    kind: form.kind,
  };
}

/** What happened, from the account the API answers. */
export function accountCreatedSentence(member: Pick<Member, 'email' | 'first_name' | 'last_name' | 'kind'>): string {
  const name = fullName(member);
  if (member.kind === 'shell') {
    return `Shell account created for ${name} (${member.email}). It can be put on on-call schedules but can’t sign in or be messaged; no email was sent.`;
  }
  return `Account created for ${name}: they are licensed now. Their sign-in email (${member.email}) and a temporary password were emailed to them; they choose their own password the first time they sign in.`;
}

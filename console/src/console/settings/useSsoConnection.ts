// The org's single sign-on connection (org admins only), or null when it has none.
import { api } from '../../api/client';
import { ApiError, call } from '../../api/problem';
import type { SsoConnection } from '../../api/types';
import { useResource, type Resource } from '../../hooks/useResource';

export async function loadSsoConnection(orgId: string): Promise<SsoConnection | null> {
  try {
    return await call(api.GET('/v1/orgs/{org}/sso', { params: { path: { org: orgId } } }));
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 404) return null;
    throw error;
  }
}

export function useSsoConnection(orgId: string): Resource<SsoConnection | null> {
  return useResource(() => loadSsoConnection(orgId), [orgId]);
}

// The API's live count of a pasted list of emails, asked again shortly after typing stops.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem, type Problem } from '../../api/problem';
import type { Preview } from '../../api/types';

export type PreviewState =
  | { state: 'empty' }
  | { state: 'checking'; text: string }
  | { state: 'ready'; text: string; preview: Preview }
  | { state: 'error'; text: string; problem: Problem };

export function usePreview(orgId: string, text: string, delayMs = 350): PreviewState {
  const [result, setResult] = useState<PreviewState>({ state: 'empty' });
  useEffect(() => {
    if (!text.trim()) {
      setResult({ state: 'empty' });
      return;
    }
    setResult({ state: 'checking', text });
    let live = true;
    const timer = setTimeout(() => {
      call(api.POST('/v1/orgs/{org}/invitations/preview', { params: { path: { org: orgId } }, body: { emails: text } })).then(
        (preview) => live && setResult({ state: 'ready', text, preview }),
        (error: unknown) => live && setResult({ state: 'error', text, problem: toProblem(error) }),
      );
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [orgId, text]);
  return result;
}

// Follows an import job until it is done, polling its progress.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem, type Problem } from '../../api/problem';
import type { ImportJob } from '../../api/types';

const POLL_MS = 600;

export function isFinished(job: ImportJob): boolean {
  return job.status === 'completed' || job.status === 'failed';
}

export function useImportJob(orgId: string, importId: string): { job: ImportJob | null; problem: Problem | null; retry: () => void } {
  const [job, setJob] = useState<ImportJob | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await call(api.GET('/v1/orgs/{org}/imports/{import}', { params: { path: { org: orgId, import: importId } } }));
        if (!live) return;
        setJob(next);
        setProblem(null);
        if (!isFinished(next)) timer = setTimeout(poll, POLL_MS);
      } catch (error) {
        if (live) setProblem(toProblem(error));
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [orgId, importId, attempt]);
  return { job, problem, retry: () => setAttempt((a) => a + 1) };
}

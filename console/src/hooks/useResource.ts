// Loads something from the API, with its loading and error states and a way to reload.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toProblem, type Problem } from '../api/problem';

export type Resource<T> =
  | { state: 'loading'; data?: T; problem?: undefined; reload: () => void }
  | { state: 'ready'; data: T; problem?: undefined; reload: () => void }
  | { state: 'error'; data?: T; problem: Problem; reload: () => void };

/** `load` is given a signal that aborts when its answer is no longer wanted (the deps changed, or the component left). */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [result, setResult] = useState<{ state: 'loading' | 'ready' | 'error'; data?: T; problem?: Problem }>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    const abort = new AbortController();
    setResult((previous) => ({ state: 'loading', data: previous.data }));
    loadRef.current(abort.signal).then(
      (data) => live && setResult({ state: 'ready', data }),
      (error: unknown) => live && setResult((previous) => ({ state: 'error', data: previous.data, problem: toProblem(error) })),
    );
    return () => {
      live = false;
      abort.abort();
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...result, reload } as Resource<T>;
}

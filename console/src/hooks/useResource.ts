// Loads something from the API, with its loading and error states and a way to reload.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { toProblem, type Problem } from '../api/problem';

export type Resource<T> =
  | { state: 'loading'; data?: T; problem?: undefined; reload: () => void }
  | { state: 'ready'; data: T; problem?: undefined; reload: () => void }
  | { state: 'error'; data?: T; problem: Problem; reload: () => void };

export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [result, setResult] = useState<{ state: 'loading' | 'ready' | 'error'; data?: T; problem?: Problem }>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setResult((previous) => ({ state: 'loading', data: previous.data }));
    loadRef.current().then(
      (data) => live && setResult({ state: 'ready', data }),
      (error: unknown) => live && setResult((previous) => ({ state: 'error', data: previous.data, problem: toProblem(error) })),
    );
    return () => {
      live = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...result, reload } as Resource<T>;
}

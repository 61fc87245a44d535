// Runs a form's action once at a time, keeping its problem split into field messages
// (shown beside the fields) and one message for the rest.
import { useState } from 'preact/hooks';
import { toProblem, type Problem } from '../api/problem';
import { splitProblem } from '../errors/messages';

export interface Submit {
  busy: boolean;
  /** The last failure, for pages that word some codes their own way. */
  problem: Problem | null;
  message: string | null;
  fields: Record<string, string>;
  run: (action: () => Promise<void>) => Promise<boolean>;
  clear: () => void;
}

/** `codeFields`: problem codes shown beside one of the form's fields (see `splitProblem`). */
export function useSubmit(formFields: readonly string[] = [], codeFields: Readonly<Record<string, string>> = {}): Submit {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const clear = () => {
    setProblem(null);
    setMessage(null);
    setFields({});
  };
  const run = async (action: () => Promise<void>) => {
    if (busy) return false;
    setBusy(true);
    clear();
    try {
      await action();
      return true;
    } catch (error) {
      const failure = toProblem(error);
      const split = splitProblem(failure, formFields, codeFields);
      setProblem(failure);
      setFields(split.fields);
      setMessage(split.message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, message, fields, run, clear };
}

import { useState } from 'preact/hooks';

/** Copies text to the clipboard and says so (or says to copy it by hand). */
export function CopyButton({ text, label = 'Copy link', what = 'link' }: { text: string; label?: string; what?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2500);
  };
  return (
    <>
      <button type="button" class="button-secondary" onClick={copy}>
        {label}
      </button>
      <span class="small" role="status">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? `Copying is blocked here: select the ${what} and copy it.` : ''}
      </span>
    </>
  );
}

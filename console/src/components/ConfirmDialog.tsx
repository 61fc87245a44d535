import type { ComponentChildren } from 'preact';
import { useSubmit } from '../hooks/useSubmit';
import { Dialog } from './Dialog';
import { Notice } from './Notice';

interface Props {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/** Asks before an action; shows why it failed, or closes once it is done. */
export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: Props) {
  const submit = useSubmit();
  const confirm = async () => {
    if (await submit.run(onConfirm)) onClose();
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <div class="confirm-text">{children}</div>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <div class="actions">
        <button type="button" class="button-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class={danger ? 'button-danger' : 'button-primary'} disabled={submit.busy} onClick={confirm}>
          {submit.busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

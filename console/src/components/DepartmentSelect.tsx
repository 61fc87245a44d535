import type { Department } from '../api/types';

interface Props {
  id: string;
  value: string;
  onChange: (id: string) => void;
  departments: Department[];
  /** The label of the empty choice ("No department", "Keep as is"…). */
  noneLabel: string;
  disabled?: boolean;
  describedBy?: string;
}

export function DepartmentSelect({ id, value, onChange, departments, noneLabel, disabled, describedBy }: Props) {
  return (
    <select id={id} value={value} disabled={disabled} aria-describedby={describedBy} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">{noneLabel}</option>
      {departments.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </select>
  );
}

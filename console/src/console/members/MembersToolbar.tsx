import { useEffect, useState } from 'preact/hooks';
import type { Department } from '../../api/types';

interface Props {
  q: string;
  onSearch: (q: string) => void;
  department: string;
  onDepartment: (id: string) => void;
  departments: Department[];
  /** A department admin's own department: the filter is fixed to it. */
  fixedDepartment: string | null;
}

/** Search by name or email (as you type) and filter by department. */
export function MembersToolbar({ q, onSearch, department, onDepartment, departments, fixedDepartment }: Props) {
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = setTimeout(() => onSearch(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <div class="toolbar" role="search">
      <div class="field inline">
        <label for="members-search">Search</label>
        <input
          id="members-search"
          type="search"
          placeholder="Name or email"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && onSearch(text.trim())}
        />
      </div>
      <div class="field inline">
        <label for="members-department">Department</label>
        <select
          id="members-department"
          value={fixedDepartment ?? department}
          disabled={fixedDepartment !== null}
          onChange={(e) => onDepartment(e.currentTarget.value)}
        >
          <option value="">All departments</option>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

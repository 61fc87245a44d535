import { beforeEach, describe, expect, it } from 'vitest';
import { deviceToken, rememberDevice } from './devices';

// The tests run in node: a Storage with what the module uses.
const memory = new Map<string, string>();
globalThis.localStorage = {
  getItem: (key: string) => memory.get(key) ?? null,
  setItem: (key: string, value: string) => void memory.set(key, value),
  clear: () => memory.clear(),
} as unknown as Storage;

describe('device tokens', () => {
  beforeEach(() => localStorage.clear());
  it('are kept per email, whatever its case', () => {
    rememberDevice('Ann@Example.test', 'tok-1');
    rememberDevice('bob@example.test', 'tok-2');
    expect(deviceToken('ann@example.test ')).toBe('tok-1');
    expect(deviceToken('BOB@example.test')).toBe('tok-2');
    expect(deviceToken('carl@example.test')).toBeUndefined();
  });
  it('survive a broken store', () => {
    localStorage.setItem('roster.devices', '[1,2]');
    expect(deviceToken('ann@example.test')).toBeUndefined();
  });
});

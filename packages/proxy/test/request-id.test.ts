import { describe, expect, it } from 'vitest';
import { newRequestId } from '../src/server/request-id.js';

describe('newRequestId', () => {
  it('makes lower-case version 4 UUIDs with the RFC 9562 variant', () => {
    for (let i = 0; i < 1000; i++) {
      expect(newRequestId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('does not repeat across several random batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(newRequestId());
    expect(seen.size).toBe(5000);
  });

  it('uses every hex digit in every random position over many ids', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      const id = newRequestId();
      for (let j = 0; j < 36; j++) digits[j]!.add(id[j]!);
    }
    for (const j of [0, 7, 9, 15, 20, 35]) expect(digits[j]!.size).toBe(16);
    expect([...digits[14]!]).toEqual(['4']);
    expect([...digits[19]!].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});

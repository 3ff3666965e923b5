import { emitYaml } from '@gateway/metallb';
import { describe, expect, it } from 'vitest';
import { compareGoYamlKeys, formatScalarString } from '../src/yaml/emit.js';

describe('emitYaml (yaml.v2 style)', () => {
  it('quotes strings yaml.v2 would read as something else', () => {
    expect(
      [
        '64512:1',
        '65535:65281',
        'yes',
        'off',
        '~',
        '',
        '123',
        '0x1F',
        '1e3',
        '2024-01-02',
        'true',
        'null',
      ].map(formatScalarString),
    ).toEqual([
      '"64512:1"',
      '65535:65281',
      '"yes"',
      '"off"',
      '"~"',
      '""',
      '"123"',
      '"0x1F"',
      '"1e3"',
      '"2024-01-02"',
      '"true"',
      '"null"',
    ]);
  });

  it('leaves addresses, CIDRs and names plain', () => {
    expect(
      ['10.0.0.1', '192.168.10.0/24', 'fc00::/120', '2001:db8::1', 'no-export', 'large:1:2:3', 'a b'].map(
        formatScalarString,
      ),
    ).toEqual([
      '10.0.0.1',
      '192.168.10.0/24',
      'fc00::/120',
      '2001:db8::1',
      'no-export',
      'large:1:2:3',
      'a b',
    ]);
  });

  it('single-quotes strings that start with an indicator or hold ": "', () => {
    expect(['*', '- x', 'a: b', "it's: x", ' lead', '#c', '---'].map(formatScalarString)).toEqual([
      "'*'",
      "'- x'",
      "'a: b'",
      "'it''s: x'",
      "' lead'",
      "'#c'",
      "'---'",
    ]);
  });

  it('sorts keys like yaml.v2: numbers by value, non-letters before letters', () => {
    expect(
      ['b', 'a10', 'a9', 'A', '_x', 'aggregationLengthV6', 'aggregationLength'].sort(compareGoYamlKeys),
    ).toEqual(['_x', 'A', 'a9', 'a10', 'aggregationLength', 'aggregationLengthV6', 'b']);
  });

  it('writes sequences unindented, empty collections inline and multi-line strings as literal blocks', () => {
    expect(emitYaml({ a: [1, { b: [], c: {} }, [2, 3]], d: 'x\ny\n', e: 'p\n', f: null })).toBe(
      'a:\n- 1\n- b: []\n  c: {}\n- - 2\n  - 3\nd: |\n  x\n  y\ne: |\n  p\nf: null\n',
    );
    expect(emitYaml({ s: 'no newline\nat end' })).toBe('s: |-\n  no newline\n  at end\n');
  });
});

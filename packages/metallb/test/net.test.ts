import {
  formatGoDuration,
  formatIP,
  formatPrefix,
  parseAddressEntry,
  parseCIDR,
  parseGoDuration,
  parseIP,
  summarizeRange,
} from '@gateway/metallb';
import { describe, expect, it } from 'vitest';
import { parseCommunity } from '../src/net/community.js';

describe('IP addresses (Go net semantics)', () => {
  it('parses and formats IPv4 and IPv6', () => {
    expect(parseIP('192.168.10.1')).toEqual({ family: 4, value: 3232238081n });
    expect(formatIP(parseIP('2001:0DB8:0000:0000:0000:0000:0000:0001') as never)).toBe('2001:db8::1');
    expect(formatIP(parseIP('fc00:f853:0ccd:e799::') as never)).toBe('fc00:f853:ccd:e799::');
    expect(formatIP(parseIP('1:0:0:1:0:0:0:1') as never)).toBe('1:0:0:1::1');
    expect(formatIP(parseIP('1:0:1:1:1:1:1:1') as never)).toBe('1:0:1:1:1:1:1:1');
    expect(formatIP(parseIP('::') as never)).toBe('::');
    expect(parseIP('::ffff:10.0.0.1')).toEqual({ family: 4, value: 167772161n });
    expect(formatIP(parseIP('64:ff9b::192.0.2.33') as never)).toBe('64:ff9b::c000:221');
  });

  it('rejects what Go rejects', () => {
    for (const bad of [
      '10.0.0.01',
      '10.0.0',
      '256.0.0.1',
      '1::2::3',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7:8:9',
      '',
      'abc',
      '12345::',
    ]) {
      expect(parseIP(bad), bad).toBeUndefined();
    }
  });

  it('parses CIDRs, clearing host bits', () => {
    const r = parseCIDR('192.168.1.77/24');
    expect(r.ok && formatPrefix(r.value)).toBe('192.168.1.0/24');
    expect(parseCIDR('10.0.0.0/33')).toEqual({ ok: false, error: 'prefix length 33 is longer than 32' });
    expect(parseCIDR('fc00::/129').ok).toBe(false);
  });

  it('summarises ranges into the fewest CIDRs', () => {
    const start = parseIP('192.168.0.150')?.value as bigint;
    const end = parseIP('192.168.0.200')?.value as bigint;
    expect(summarizeRange(4, start, end).map(formatPrefix)).toEqual([
      '192.168.0.150/31',
      '192.168.0.152/29',
      '192.168.0.160/27',
      '192.168.0.192/29',
      '192.168.0.200/32',
    ]);
    const e = parseAddressEntry('fc00::-fc00::ff');
    expect(e.ok && e.value.prefixes.map(formatPrefix)).toEqual(['fc00::/120']);
    const whole = parseAddressEntry('0.0.0.0-255.255.255.255');
    expect(whole.ok && whole.value.prefixes.map(formatPrefix)).toEqual(['0.0.0.0/0']);
  });

  it('trims spaces around range ends', () => {
    const e = parseAddressEntry('10.0.0.1 - 10.0.0.2');
    expect(e.ok && e.value.prefixes.map(formatPrefix)).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
  });
});

describe('Go durations', () => {
  it('parses like time.ParseDuration', () => {
    expect(parseGoDuration('1h2m3.5s')).toEqual({ ok: true, ns: 3723.5e9 });
    expect(parseGoDuration('-90s')).toEqual({ ok: true, ns: -90e9 });
    expect(parseGoDuration('300ms')).toEqual({ ok: true, ns: 300e6 });
    expect(parseGoDuration('1µs')).toEqual({ ok: true, ns: 1000 });
    expect(parseGoDuration('0')).toEqual({ ok: true, ns: 0 });
    expect(parseGoDuration('90')).toEqual({ ok: false, error: 'missing unit in duration "90"' });
    expect(parseGoDuration('5d')).toEqual({ ok: false, error: 'unknown unit "d" in duration "5d"' });
    expect(parseGoDuration('')).toEqual({ ok: false, error: 'invalid duration ""' });
  });

  it('formats like Duration.String', () => {
    expect([0, 90e9, 120e9, 3600e9, 1.5e9, 500e6, 1500, 7, -90e9].map(formatGoDuration)).toEqual([
      '0s',
      '1m30s',
      '2m0s',
      '1h0m0s',
      '1.5s',
      '500ms',
      '1.5µs',
      '7ns',
      '-1m30s',
    ]);
  });
});

describe('BGP communities', () => {
  it('parses standard and large communities', () => {
    expect(parseCommunity('65535:65281')).toEqual({
      ok: true,
      value: { kind: 'standard', asn: 65535, value: 65281 },
    });
    expect(parseCommunity('large:4294967295:0:1')).toEqual({
      ok: true,
      value: { kind: 'large', globalAdministrator: 4294967295, localData1: 0, localData2: 1 },
    });
    expect(parseCommunity('65536:1')).toMatchObject({ ok: false, reason: 'value' });
    expect(parseCommunity('no-export')).toMatchObject({ ok: false, reason: 'format' });
    expect(parseCommunity('large:1:2')).toMatchObject({ ok: false, reason: 'format' });
  });
});

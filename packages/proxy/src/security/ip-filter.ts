import { BlockList, isIP } from 'node:net';
import type { Diagnostic, IRSettings } from '@gateway/core';

/**
 * Source-IP allow/deny lists (Module `ip_allow` / `ip_deny`), checked against the client address
 * after X-Forwarded-For trust rules. Deny wins; a non-empty allow list admits only its members.
 */
export interface IpFilter {
  allowed(address: string): boolean;
}

export const ALLOW_ALL: IpFilter = { allowed: () => true };

export function compileIpFilter(settings: IRSettings, diagnostics: Diagnostic[]): IpFilter {
  if (settings.ipAllow.length === 0 && settings.ipDeny.length === 0) return ALLOW_ALL;
  const allow = toBlockList(settings.ipAllow, 'settings.ipAllow', diagnostics);
  const deny = toBlockList(settings.ipDeny, 'settings.ipDeny', diagnostics);
  const hasAllow = settings.ipAllow.length > 0;
  return {
    allowed(address) {
      const family = isIP(address);
      if (family === 0) return !hasAllow;
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (deny.check(address, type)) return false;
      return !hasAllow || allow.check(address, type);
    },
  };
}

function toBlockList(cidrs: readonly string[], path: string, diagnostics: Diagnostic[]): BlockList {
  const list = new BlockList();
  cidrs.forEach((raw, i) => {
    const slash = raw.indexOf('/');
    const address = (slash === -1 ? raw : raw.slice(0, slash)).trim();
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = slash === -1 ? max : Number(raw.slice(slash + 1));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      diagnostics.push({
        resource: { kind: 'Module', namespace: '', name: 'ambassador' },
        path: `${path}[${i}]`,
        message: `expected an IP address or CIDR, got ${JSON.stringify(raw)}`,
        severity: 'error',
        code: 'proxy-invalid-cidr',
      });
      return;
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  });
  return list;
}

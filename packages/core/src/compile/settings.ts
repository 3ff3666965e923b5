import { defaultSettings } from '../ir/defaults.js';
import type { IRSettings } from '../ir/types.js';
import type { ModuleConfig } from '../model/module.js';

/** The `ambassador` Module's gateway-wide settings → IR settings (defaults where silent). */
export function settingsFromModule(c: ModuleConfig): IRSettings {
  const s = defaultSettings();
  if (typeof c.xffNumTrustedHops === 'number') s.xffNumTrustedHops = c.xffNumTrustedHops;
  if (typeof c.useRemoteAddress === 'boolean') s.useRemoteAddress = c.useRemoteAddress;
  if (typeof c.mergeSlashes === 'boolean') s.mergeSlashes = c.mergeSlashes;
  if (typeof c.stripMatchingHostPort === 'boolean') s.stripHostPort = c.stripMatchingHostPort;
  if (typeof c.maxRequestHeadersKb === 'number') s.maxRequestHeadersKb = c.maxRequestHeadersKb;
  if (typeof c.bufferLimitBytes === 'number') s.maxRequestBodyBytes = c.bufferLimitBytes;
  if (typeof c.regexMaxSize === 'number') s.regexMaxProgramSize = c.regexMaxSize;
  if (typeof c.suppressEnvoyHeaders === 'boolean') s.suppressGatewayHeaders = c.suppressEnvoyHeaders;
  switch (c.headersWithUnderscoresAction) {
    case 'ALLOW':
      s.headersWithUnderscoresAction = 'allow';
      break;
    case 'REJECT_REQUEST':
      s.headersWithUnderscoresAction = 'reject';
      break;
    case 'DROP_HEADER':
      s.headersWithUnderscoresAction = 'drop';
      break;
  }
  const cidrs = (list: ModuleConfig['ipAllow']) =>
    (Array.isArray(list) ? list : [])
      .map((p) => p?.peer ?? p?.remote)
      .filter((x): x is string => typeof x === 'string');
  s.ipAllow = cidrs(c.ipAllow);
  s.ipDeny = cidrs(c.ipDeny);
  // Sorted keys, like every IR object (stableStringify's fast path).
  const entries = Object.keys(s)
    .sort()
    .map((k) => [k, s[k as keyof IRSettings]]);
  return Object.fromEntries(entries) as unknown as IRSettings;
}

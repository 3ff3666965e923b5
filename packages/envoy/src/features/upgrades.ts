/**
 * Protocol upgrades (WebSocket, ...). The connection manager lists every upgrade type used on
 * the listener *disabled*, and each route enables the ones it allows, so an upgrade is only
 * possible where a route asked for it.
 *
 * @module
 */
import type { IRListener } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

/** Upgrade types used by any route of the listener, sorted. */
export function listenerUpgradeTypes(l: IRListener): string[] {
  const types = new Set<string>();
  for (const vh of l.virtualHosts)
    for (const r of vh.routes)
      if (r.action.kind === 'forward') for (const u of r.action.upgrades) types.add(u.toLowerCase());
  return [...types].sort();
}

/** HCM `upgrade_configs`: each type off by default. */
export function hcmUpgradeConfigs(l: IRListener): JsonObject[] {
  return listenerUpgradeTypes(l).map((t) => ({ upgrade_type: t, enabled: false }));
}

/** `RouteAction.upgrade_configs`: the types this route enables. */
export function routeUpgradeConfigs(upgrades: readonly string[]): JsonObject[] {
  return [...new Set(upgrades.map((u) => u.toLowerCase()))]
    .sort()
    .map((t) => ({ upgrade_type: t, enabled: true }));
}

import type { SourceLocation } from '@gateway/core';
import type { SourceLocator } from '../yaml/source.js';
import type { PathSegment } from './diagnostics.js';

/**
 * Where parsed model objects came from. Parsers register each object with a locator for its
 * document, so later validation can point at the exact field (`file:line:column`) without the
 * model carrying parser state. Objects built in code have no origin.
 */
const origins = new WeakMap<object, SourceLocator>();

export function registerOrigin(obj: object, locator: SourceLocator): void {
  origins.set(obj, locator);
}

/** The position of `path` inside `obj`, or `fallback` (usually the object's own position). */
export function locateIn(
  obj: object,
  path: readonly PathSegment[],
  fallback?: SourceLocation,
): SourceLocation | undefined {
  return origins.get(obj)?.locate(path) ?? fallback;
}

import * as dsl from '../dsl/index';
import type { SourceLocation } from './source-location';

/**
 * A copy of the DSL module whose factories, after calling the real factory, record where
 * they were called from: `locations` maps each returned IR node (by identity) to the
 * caller's position that `locateCaller` reports. The DSL itself stays pure; only the copy
 * handed to the user's file records anything. Nodes that a factory builds internally (the
 * `sequential` that `gan` wraps a generator array in) are not recorded.
 */
export function createRecordingDsl(
  locateCaller: () => SourceLocation | null,
  locations: WeakMap<object, SourceLocation>,
): Readonly<Record<string, unknown>> {
  const recording: Record<string, unknown> = {};
  // NOTE: esbuild's CommonJS output reads named imports straight off the required object,
  // and its `__toESM` helper (namespace imports) keeps an object marked `__esModule` as is.
  Object.defineProperty(recording, '__esModule', { value: true });
  for (const [name, value] of Object.entries(dsl)) {
    if (name === 'default') continue;
    if (typeof value !== 'function') {
      recording[name] = value;
      continue;
    }
    const factory = value as (...args: unknown[]) => unknown;
    // A computed method name keeps the factory's own name in stack traces and `.name`.
    recording[name] = {
      [name](...args: unknown[]): unknown {
        const node = factory(...args);
        if (typeof node === 'object' && node !== null && !locations.has(node)) {
          const location = locateCaller();
          if (location !== null) locations.set(node, location);
        }
        return node;
      },
    }[name];
  }
  return Object.freeze(recording);
}

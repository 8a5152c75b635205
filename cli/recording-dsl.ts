import * as dsl from '../language/dsl/index';

/**
 * A copy of the DSL module whose factories, after calling the real factory, report each
 * IR node they return to `recordCaller` (once per node, while the caller's frames are
 * still on the stack, so it can record where the call came from). The DSL itself stays
 * pure; only the copy handed to the user's file records anything. Nodes that a factory
 * builds internally (the `sequential` that `gan` wraps a generator array in) are not
 * reported.
 */
export function createRecordingDsl(recordCaller: (node: object) => void): Readonly<Record<string, unknown>> {
  const recorded = new WeakSet<object>();
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
        if (typeof node === 'object' && node !== null && !recorded.has(node)) {
          recorded.add(node);
          recordCaller(node);
        }
        return node;
      },
    }[name];
  }
  return Object.freeze(recording);
}

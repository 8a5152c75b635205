import type { ShapeFormat } from '../engine/index';

/** What users configure (through the extension's settings or tsserver's configurePlugin). */
export interface ConvLensSettings {
  /** Shape hints after layer calls. */
  readonly hints: boolean;
  readonly shapeFormat: ShapeFormat;
  /** Append each layer's parameter count to its hint. */
  readonly showParamsInHints: boolean;
  /**
   * Add the shape hints to TypeScript's own `provideInlayHints` (what tsserver clients ask
   * for). The VS Code extension turns this off: it shows the hints with its own provider,
   * fed through the plugin's `_convlens.inlayHints` request, so that they appear without
   * any `typescript.inlayHints.*` setting and never twice when one is on. Absent means
   * true, so every other tsserver client gets the hints through TypeScript's own request.
   */
  readonly languageServiceHints?: boolean;
}

export const DEFAULT_SETTINGS: ConvLensSettings = Object.freeze({
  hints: true,
  shapeFormat: 'C@HxW',
  showParamsInHints: false,
});

const SHAPE_FORMATS: readonly ShapeFormat[] = ['C@HxW', 'CHW', 'HWC'];

/** Reads settings from untrusted configuration, keeping defaults for anything malformed. */
export function toSettings(raw: unknown, base: ConvLensSettings = DEFAULT_SETTINGS): ConvLensSettings {
  if (typeof raw !== 'object' || raw === null) return base;
  const config = raw as Record<string, unknown>;
  const languageServiceHints = typeof config['languageServiceHints'] === 'boolean' ? config['languageServiceHints'] : base.languageServiceHints;
  return {
    hints: typeof config['hints'] === 'boolean' ? config['hints'] : base.hints,
    shapeFormat: SHAPE_FORMATS.includes(config['shapeFormat'] as ShapeFormat) ? (config['shapeFormat'] as ShapeFormat) : base.shapeFormat,
    showParamsInHints: typeof config['showParamsInHints'] === 'boolean' ? config['showParamsInHints'] : base.showParamsInHints,
    ...(languageServiceHints === undefined ? {} : { languageServiceHints }),
  };
}

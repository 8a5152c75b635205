/**
 * Pure layout of a layer's channels as a grid of tiles on one canvas (no DOM; unit-tested
 * in Node): how many columns, how far each tile is scaled, where tile k starts, and which
 * channel/pixel a point of the canvas shows.
 */

export interface GridOptions {
  /** Gap between tiles, in CSS pixels. */
  readonly gap?: number;
  /** The largest a tile may be drawn (its longer side), in CSS pixels. */
  readonly maxTile?: number;
  /** Columns ≈ sqrt(channels × aspect): 1.5 gives grids wider than tall. */
  readonly aspect?: number;
}

export interface GridLayout {
  readonly channels: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly columns: number;
  readonly rows: number;
  /** Display pixels per source pixel: an integer when ≥ 1 (crisp), else a fraction. */
  readonly scale: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly gap: number;
  readonly width: number;
  readonly height: number;
}

export function gridLayout(channels: number, tileHeight: number, tileWidth: number, availableWidth: number, options: GridOptions = {}): GridLayout {
  const gap = options.gap ?? 2;
  const maxTile = options.maxTile ?? 160;
  const aspect = options.aspect ?? 1.5;
  const count = Math.max(1, Math.floor(channels));
  const w = Math.max(1, tileWidth);
  const h = Math.max(1, tileHeight);
  const available = Math.max(w, availableWidth);
  const maxScale = Math.max(1, Math.floor(maxTile / Math.max(w, h)));
  let columns = Math.min(count, Math.max(1, Math.ceil(Math.sqrt(count * aspect))));
  let scale = fitScale(available, columns, w, gap, maxScale);
  // Tiles already at their largest: use the spare width for more columns.
  if (scale === maxScale) {
    columns = Math.min(count, Math.max(columns, Math.floor((available + gap) / (w * scale + gap))));
  }
  const rows = Math.ceil(count / columns);
  const cellWidth = w * scale;
  const cellHeight = h * scale;
  return {
    channels: count,
    tileWidth: w,
    tileHeight: h,
    columns,
    rows,
    scale,
    cellWidth,
    cellHeight,
    gap,
    width: Math.ceil(columns * cellWidth + (columns - 1) * gap),
    height: Math.ceil(rows * cellHeight + (rows - 1) * gap),
  };
}

function fitScale(available: number, columns: number, w: number, gap: number, maxScale: number): number {
  const raw = (available - (columns - 1) * gap) / (columns * w);
  if (raw >= 1) return Math.min(maxScale, Math.floor(raw));
  return Math.max(raw, 1 / w); // at least one display pixel per tile
}

/** Top-left corner of channel k's tile, in CSS pixels. */
export function tileOrigin(layout: GridLayout, channel: number): { x: number; y: number } {
  const column = channel % layout.columns;
  const row = Math.floor(channel / layout.columns);
  return { x: column * (layout.cellWidth + layout.gap), y: row * (layout.cellHeight + layout.gap) };
}

/** The channel and source pixel under (x, y), or null in a gap or past the last tile. */
export function channelAt(layout: GridLayout, x: number, y: number): { channel: number; row: number; column: number } | null {
  if (x < 0 || y < 0) return null;
  const gridColumn = Math.floor(x / (layout.cellWidth + layout.gap));
  const gridRow = Math.floor(y / (layout.cellHeight + layout.gap));
  if (gridColumn >= layout.columns) return null;
  const channel = gridRow * layout.columns + gridColumn;
  if (channel >= layout.channels) return null;
  const inX = x - gridColumn * (layout.cellWidth + layout.gap);
  const inY = y - gridRow * (layout.cellHeight + layout.gap);
  if (inX >= layout.cellWidth || inY >= layout.cellHeight) return null;
  return { channel, row: Math.min(layout.tileHeight - 1, Math.floor(inY / layout.scale)), column: Math.min(layout.tileWidth - 1, Math.floor(inX / layout.scale)) };
}

/** How a tensor's shape reads as tiles: [C, H, W] → C tiles of H×W; [F] → F tiles of 1×1. */
export function tilesOf(shape: readonly number[]): { channels: number; height: number; width: number } | null {
  if (shape.length === 3) return { channels: shape[0]!, height: shape[1]!, width: shape[2]! };
  if (shape.length === 1) return { channels: shape[0]!, height: 1, width: 1 };
  if (shape.length === 2) return { channels: 1, height: shape[0]!, width: shape[1]! };
  return null;
}

/** Which cell of a rows × columns image grid a point of the drawn image falls in (GAN samples). */
export function cellAt(x: number, y: number, width: number, height: number, rows: number, columns: number): number | null {
  if (x < 0 || y < 0 || x >= width || y >= height || rows < 1 || columns < 1) return null;
  const column = Math.min(columns - 1, Math.floor((x / width) * columns));
  const row = Math.min(rows - 1, Math.floor((y / height) * rows));
  return row * columns + column;
}

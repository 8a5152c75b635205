/** What every tab view gets from the panel (browser only). */
import type { PanelMessage } from '../protocol';
import type { PanelState, Part } from './state';

export interface PanelContext {
  /** The current state (read it at event time, never cache it). */
  state(): PanelState;
  /** Applies a pure state change, persists it and schedules a redraw of `parts`. */
  update(change: (state: PanelState) => PanelState, ...parts: Part[]): void;
  /** Posts a validated message to the extension. */
  post(message: PanelMessage): void;
}

/**
 * The ConvLens panel (browser entry point, bundled by webviews/build.mjs into
 * dist/webviews/panel.js). One panel per model with tabs: Summary, Training, Feature maps
 * and, for GANs, GAN samples.
 *
 * - Every incoming message is validated with `isHostMessage`; unknown or malformed ones are
 *   ignored and logged with a `[convlens]` prefix.
 * - State lives in a pure reducer (state.ts) and is persisted with `setState`, so a panel
 *   that VS Code hid and showed again comes back as it was.
 * - Redraws are coalesced per animation frame, and the curves redraw at most every
 *   PROGRESS_REDRAW_EVERY progress messages (plus a trailing redraw for the last one).
 */
import { isHostMessage, isPanelInitialState, isPanelMessage, type HostMessage, type PanelInitialState, type PanelMessage, type PanelTab } from '../protocol';
import { ROOT_ELEMENT_ID } from '../panel-html';
import type { PanelContext } from './context';
import { h, setText } from './dom';
import { FeatureMapsView } from './feature-maps-view';
import { SamplesView } from './samples-view';
import { applyHostMessage, initialState, partsChangedBy, persistable, restoreState, sameRun, selectTab, ALL_PARTS, PANEL_TABS, type PanelState, type Part } from './state';
import { SummaryView } from './summary-view';
import { EveryN, FrameScheduler } from './throttle';
import { TrainingView } from './training-view';
import { TAB_LABELS, visibleTabs } from './view-model';

/** Redraw the curves on every N-th `trainingProgressed` (GAN Lab redraws every N steps). */
export const PROGRESS_REDRAW_EVERY = 5;
/** A skipped progress point is drawn once no progress message came for this long. */
const TRAILING_REDRAW_MS = 250;
/** setState at most this often (it sends the whole state to the extension host). */
const PERSIST_DELAY_MS = 250;
/** How long after a restore a `trainingStarted` may still be the extension's replay. */
const REPLAY_WINDOW_MS = 3000;
const TRAINING_MESSAGES: ReadonlySet<HostMessage['type']> = new Set(['trainingStarted', 'trainingProgressed', 'epochEnded', 'trainingFinished', 'trainingStopped', 'trainingFailed', 'samplesReady']);
const LOG_PREFIX = '[convlens]';
/** The parts of each tab drawn at the tab's width (canvases). */
const CANVAS_PARTS: Readonly<Record<PanelTab, readonly Part[]>> = { summary: [], training: ['charts'], featureMaps: ['maps', 'filters'], samples: ['samples'] };

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): unknown;
}

declare function acquireVsCodeApi(): VsCodeApi;

class Panel implements PanelContext {
  private current: PanelState;
  private readonly scheduler: FrameScheduler<Part>;
  private readonly progressThrottle = new EveryN(PROGRESS_REDRAW_EVERY);
  private trailing: ReturnType<typeof setTimeout> | null = null;
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly tabs = h('vscode-tabs', { class: 'tabs' });
  private readonly headers = new Map<PanelTab, HTMLElement>();
  private readonly panels = new Map<PanelTab, HTMLElement>();
  private readonly title = h('span', { class: 'panel-title' });
  private readonly subtitle = h('span', { class: 'muted panel-subtitle' });
  private readonly summary: SummaryView;
  private readonly training: TrainingView;
  private readonly featureMaps: FeatureMapsView;
  private readonly samples: SamplesView;
  /** Parts that could not draw while their tab was hidden. */
  private readonly deferred = new Set<Part>();
  private readonly observers: { disconnect(): void }[] = [];
  /**
   * Restored from getState and no training message yet: a `trainingStarted` for the same
   * run is the extension's replay, not a new run (see ApplyOptions.continuing).
   */
  private awaitingReplay: boolean;

  constructor(
    private readonly vscode: VsCodeApi,
    root: HTMLElement,
    bootstrap: PanelInitialState | null,
  ) {
    const restored = restoreState(vscode.getState());
    this.current = restored ?? initialState(bootstrap);
    this.awaitingReplay = restored !== null && restored.training.status !== 'idle';
    if (this.awaitingReplay) setTimeout(() => (this.awaitingReplay = false), REPLAY_WINDOW_MS);
    this.scheduler = new FrameScheduler<Part>((callback) => requestAnimationFrame(callback), (parts) => {
      this.render(parts);
      this.reportSettled();
    });
    this.summary = new SummaryView(this);
    this.training = new TrainingView(this);
    this.featureMaps = new FeatureMapsView(this);
    this.samples = new SamplesView(this);
    const bodies: Record<PanelTab, HTMLElement> = { summary: this.summary.element, training: this.training.element, featureMaps: this.featureMaps.element, samples: this.samples.element };
    for (const tab of PANEL_TABS) {
      const header = h('vscode-tab-header', { attrs: { slot: 'header' }, data: { tab }, text: TAB_LABELS[tab] });
      const panel = h('vscode-tab-panel', { data: { tab } }, bodies[tab]);
      this.headers.set(tab, header);
      this.panels.set(tab, panel);
      this.tabs.append(header);
    }
    for (const tab of PANEL_TABS) this.tabs.append(this.panels.get(tab)!);
    this.tabs.addEventListener('vsc-tabs-select', (event) => {
      const index = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      const tab = PANEL_TABS[index];
      if (tab !== undefined) this.update((state) => selectTab(state, tab), 'tabs');
    });
    root.replaceChildren(h('header', { class: 'panel-header' }, this.title, this.subtitle), this.tabs);

    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    window.addEventListener('pagehide', () => this.dispose());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.persistNow();
    });
    // Canvases redraw when their tab gets a (new) width — shown, resized — and when VS Code
    // switches theme. A tab hidden at draw time has width 0: its parts wait for this.
    if (typeof ResizeObserver !== 'undefined') {
      const widths = new Map<PanelTab, number>();
      const resize = new ResizeObserver((entries) => {
        for (const entry of entries) {
          const tab = (entry.target as HTMLElement).dataset['tab'] as PanelTab;
          const width = Math.round(entry.contentRect.width);
          if (width === 0 || widths.get(tab) === width) continue;
          widths.set(tab, width);
          this.mark(...CANVAS_PARTS[tab]);
        }
      });
      for (const tab of PANEL_TABS) resize.observe(bodies[tab]);
      this.observers.push(resize);
    }
    const theme = new MutationObserver(() => this.mark('charts', 'maps', 'filters', 'samples'));
    theme.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'style'] });
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    this.observers.push(theme);

    this.mark(...ALL_PARTS);
    this.post({ type: 'ready' });
  }

  // ── PanelContext ──

  state(): PanelState {
    return this.current;
  }

  update(change: (state: PanelState) => PanelState, ...parts: Part[]): void {
    this.current = change(this.current);
    this.persistSoon();
    this.mark(...parts);
  }

  post(message: PanelMessage): void {
    if (!isPanelMessage(message)) {
      console.warn(`${LOG_PREFIX} not sending a malformed message`, describe(message));
      return;
    }
    this.vscode.postMessage(message);
  }

  // ── messages ──

  private receive(data: unknown): void {
    if (!isHostMessage(data)) {
      console.warn(`${LOG_PREFIX} ignored an unknown or malformed message:`, describe(data));
      return;
    }
    this.handle(data);
  }

  private handle(message: HostMessage): void {
    let parts = partsChangedBy(message);
    if (message.type === 'trainingProgressed') {
      if (this.progressThrottle.tick()) this.cancelTrailingRedraw();
      else {
        parts = parts.filter((part) => part !== 'charts');
        this.scheduleTrailingRedraw();
      }
    } else if (message.type !== 'showTab') {
      this.progressThrottle.reset();
      this.cancelTrailingRedraw();
    }
    let continuing = false;
    if (TRAINING_MESSAGES.has(message.type)) {
      continuing = this.awaitingReplay && message.type === 'trainingStarted' && sameRun(this.current.training, message);
      this.awaitingReplay = false;
    }
    this.update((state) => applyHostMessage(state, message, { continuing }), ...parts);
  }

  /** Draws the last skipped progress point once the messages pause (a debounce, not a second clock). */
  private scheduleTrailingRedraw(): void {
    this.cancelTrailingRedraw();
    this.trailing = setTimeout(() => {
      this.trailing = null;
      this.mark('charts');
    }, TRAILING_REDRAW_MS);
    this.reportSettled();
  }

  private cancelTrailingRedraw(): void {
    if (this.trailing !== null) clearTimeout(this.trailing);
    this.trailing = null;
    this.reportSettled();
  }

  private mark(...parts: Part[]): void {
    this.scheduler.mark(...parts);
    this.reportSettled();
  }

  /**
   * `data-settled` on the body: "true" when no redraw, trailing redraw or state save is
   * waiting. The browser tests wait for it instead of sleeping; nothing else reads it.
   */
  private reportSettled(): void {
    const settled = !this.scheduler.isPending && this.trailing === null && this.persistTimer === null;
    document.body.dataset['settled'] = String(settled);
  }

  // ── rendering ──

  private render(parts: ReadonlySet<Part>): void {
    const state = this.current;
    const all = new Set<Part>([...parts, ...this.deferred]);
    this.deferred.clear();
    if (all.has('tabs')) this.renderTabs(state);
    const visible = state.tab;
    // Parts inside a hidden tab that need their width wait until the tab is shown.
    const drawIn = (tab: PanelTab, part: Part, draw: () => boolean | void): void => {
      if (!all.has(part)) return;
      if (visible !== tab) {
        this.deferred.add(part);
        return;
      }
      if (draw() === false) this.deferred.add(part);
    };
    if (all.has('summary')) this.summary.render(state);
    if (all.has('status')) this.training.renderStatus(state);
    if (all.has('results')) this.training.renderResults(state);
    drawIn('training', 'charts', () => this.training.renderCharts(state));
    if (all.has('layers')) this.featureMaps.renderLayers(state);
    if (all.has('predictions')) this.featureMaps.renderPredictions(state);
    if (all.has('maps')) this.featureMaps.renderInput(state);
    drawIn('featureMaps', 'maps', () => this.featureMaps.renderMaps(state));
    drawIn('featureMaps', 'filters', () => this.featureMaps.renderFilters(state));
    drawIn('samples', 'samples', () => this.samples.render(state));
    document.body.dataset['tab'] = visible;
  }

  private renderTabs(state: PanelState): void {
    setText(this.title, state.summary?.title ?? state.title);
    setText(this.subtitle, state.summary !== null ? `${state.summary.input} → ${state.summary.output}` : '');
    document.title = `ConvLens: ${state.title}`;
    const visible = visibleTabs(state);
    for (const tab of PANEL_TABS) {
      const shown = visible.includes(tab);
      this.headers.get(tab)!.hidden = !shown;
    }
    const tab = visible.includes(state.tab) ? state.tab : 'summary';
    const index = PANEL_TABS.indexOf(tab);
    if (this.tabs.getAttribute('selected-index') !== String(index)) this.tabs.setAttribute('selected-index', String(index));
    if (tab !== state.tab) this.current = selectTab(state, tab);
  }

  // ── persistence ──

  private persistSoon(): void {
    if (this.persistTimer !== null) return;
    this.persistTimer = setTimeout(() => this.persistNow(), PERSIST_DELAY_MS);
  }

  private persistNow(): void {
    if (this.persistTimer !== null) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    this.vscode.setState(persistable(this.current));
    this.reportSettled();
  }

  private dispose(): void {
    this.persistNow();
    if (this.trailing !== null) clearTimeout(this.trailing);
    this.trailing = null;
    for (const observer of this.observers) observer.disconnect();
    this.observers.length = 0;
  }
}

/** A short description of a rejected message for the log (never the whole payload). */
function describe(data: unknown): string {
  if (data === null || typeof data !== 'object') return `${typeof data} ${String(data).slice(0, 80)}`;
  const type = (data as { type?: unknown }).type;
  return typeof type === 'string' ? `type "${type.slice(0, 80)}"` : Array.isArray(data) ? 'an array' : 'an object without a type';
}

function readBootstrap(root: HTMLElement): PanelInitialState | null {
  const text = root.dataset['initialState'];
  if (text === undefined || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (isPanelInitialState(value)) return value;
  } catch {
    // fall through
  }
  console.warn(`${LOG_PREFIX} ignored a malformed initial state`);
  return null;
}

function start(): void {
  const root = document.getElementById(ROOT_ELEMENT_ID) ?? document.body;
  new Panel(acquireVsCodeApi(), root, readBootstrap(root));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();

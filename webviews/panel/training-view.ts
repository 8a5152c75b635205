/** The Training tab (browser only): status, progress, live curves, test accuracy, confusion matrix. */
import { LineChart } from './chart';
import type { PanelContext } from './context';
import { h, replaceChildren, setFlag, setHidden, setText } from './dom';
import { formatCount, formatPercent, formatRate, formatValue } from './format';
import type { PanelState, TrainingState } from './state';
import { accuracyCurves, confusionShares, lossCurves, overallProgress } from './view-model';

const STATUS_TEXT = { idle: 'not started', running: 'training', finished: 'finished', stopped: 'stopped', failed: 'failed' } as const;

export class TrainingView {
  readonly element: HTMLElement;
  private readonly badge = h('vscode-badge', { class: 'status-badge', data: { status: 'idle' } });
  private readonly meta = h('span', { class: 'muted training-meta' });
  private readonly startButton = h('vscode-button', { class: 'start-button', text: 'Train', attrs: { secondary: true } });
  private readonly stopButton = h('vscode-button', { class: 'stop-button', text: 'Stop', attrs: { disabled: true } });
  private readonly progressText = h('span', { class: 'progress-text' });
  private readonly rate = h('span', { class: 'rate' });
  private readonly metrics = h('span', { class: 'metrics muted' });
  private readonly progressBar = h('vscode-progress-bar', { class: 'progress-bar', attrs: { max: 100, value: 0 } });
  private readonly message = h('p', { class: 'training-message' });
  private readonly lossChart = new LineChart('loss', 'Loss');
  private readonly accuracyChart = new LineChart('accuracy', 'Accuracy');
  private readonly results = h('section', { class: 'results' });

  constructor(private readonly context: PanelContext) {
    this.startButton.addEventListener('click', () => {
      if (!this.startButton.hasAttribute('disabled')) this.context.post({ type: 'startTraining' });
    });
    this.stopButton.addEventListener('click', () => {
      if (!this.stopButton.hasAttribute('disabled')) this.context.post({ type: 'stopTraining' });
    });
    this.element = h(
      'section',
      { class: 'tab-body training', data: { tab: 'training' } },
      h('div', { class: 'toolbar' }, this.badge, this.meta, h('span', { class: 'spacer' }), this.startButton, this.stopButton),
      h('div', { class: 'progress' }, h('div', { class: 'progress-line' }, this.progressText, this.rate, this.metrics), this.progressBar),
      this.message,
      h('div', { class: 'charts' }, this.lossChart.element, this.accuracyChart.element),
      this.results,
    );
  }

  renderStatus(state: PanelState): void {
    const training = state.training;
    setText(this.badge, STATUS_TEXT[training.status]);
    this.badge.dataset['status'] = training.status;
    const meta = [training.dataset, training.backend, training.epochs !== null ? `${training.epochs} epochs` : null].filter((part) => part !== null).join(' · ');
    setText(this.meta, meta);
    const running = training.status === 'running';
    setFlag(this.stopButton, 'disabled', !running);
    setFlag(this.startButton, 'disabled', running);
    setText(this.startButton, training.status === 'idle' || running ? 'Train' : 'Train again');
    const progress = training.progress;
    if (progress === null) {
      setText(this.progressText, training.status === 'idle' ? 'Click “Train” (or the Train code lens) to start.' : '');
      setText(this.rate, '');
      setText(this.metrics, '');
    } else {
      setText(this.progressText, `Epoch ${progress.epoch} of ${progress.epochs} · batch ${formatCount(progress.batch)} of ${formatCount(progress.batches)}`);
      setText(this.rate, formatRate(progress.imagesPerSecond));
      const parts = [`loss ${formatValue(progress.loss)}`];
      if (progress.accuracy !== null) parts.push(`accuracy ${formatPercent(progress.accuracy)}`);
      if (progress.generatorLoss !== null) parts.push(`generator loss ${formatValue(progress.generatorLoss)}`);
      setText(this.metrics, parts.join(' · '));
    }
    const fraction = training.status === 'finished' ? 1 : overallProgress(progress, training.epochs);
    this.progressBar.setAttribute('value', (fraction * 100).toFixed(1));
    setHidden(this.progressBar, training.status === 'idle');
    this.renderMessage(training);
  }

  private renderMessage(training: TrainingState): void {
    let text = '';
    if (training.status === 'failed') text = `Training failed: ${training.message ?? 'unknown error'}`;
    else if (training.status === 'stopped') text = `Stopped after epoch ${training.stoppedAtEpoch ?? 0}; the last complete checkpoint is kept.`;
    setText(this.message, text);
    this.message.dataset['status'] = training.status;
    setHidden(this.message, text === '');
  }

  /** Redraws both charts; false when the tab is hidden (drawn when it is shown). */
  renderCharts(state: PanelState): boolean {
    const training = state.training;
    this.lossChart.setTitle(training.kind === 'gan' ? 'Loss (discriminator and generator)' : 'Loss');
    const drew = this.lossChart.draw(lossCurves(training));
    const accuracy = accuracyCurves(training);
    setHidden(this.accuracyChart.element, accuracy === null);
    if (accuracy !== null) this.accuracyChart.draw(accuracy);
    return drew;
  }

  renderResults(state: PanelState): void {
    const training = state.training;
    const children: HTMLElement[] = [];
    if (training.testAccuracy !== null) {
      children.push(h('div', { class: 'test-accuracy' }, h('span', { class: 'muted', text: 'Test accuracy' }), h('span', { class: 'big-number', text: formatPercent(training.testAccuracy), data: { value: String(training.testAccuracy) } })));
    }
    if (training.confusionMatrix !== null && training.confusionMatrix.length > 0) children.push(this.confusion(training.confusionMatrix, training.classes));
    replaceChildren(this.results, ...children);
    setHidden(this.results, children.length === 0);
  }

  private confusion(matrix: readonly (readonly number[])[], classes: readonly string[] | null): HTMLElement {
    const labels = classes ?? matrix.map((_, index) => String(index));
    const shares = confusionShares(matrix);
    const head = h('tr', {}, h('th', { class: 'corner', text: 'true ╲ predicted' }), ...labels.map((label) => h('th', { text: label, attrs: { scope: 'col' } })));
    const rows = matrix.map((row, i) =>
      h(
        'tr',
        {},
        h('th', { text: labels[i] ?? String(i), attrs: { scope: 'row' } }),
        ...row.map((value, j) => {
          const share = shares[i]?.[j] ?? 0;
          const cell = h('td', { class: i === j ? 'diagonal' : '', text: formatCount(value), title: `true ${labels[i]}, predicted ${labels[j]}: ${formatCount(value)} (${formatPercent(share, 1)} of ${labels[i]})`, data: { share: share.toFixed(4) } });
          cell.style.backgroundColor = `color-mix(in srgb, var(--cl-heat) ${Math.round(share * 90)}%, transparent)`;
          return cell;
        }),
      ),
    );
    return h('figure', { class: 'confusion' }, h('figcaption', { class: 'chart-title', text: 'Confusion matrix (colour: share of the true class)' }), h('table', { class: 'confusion-matrix' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  }
}

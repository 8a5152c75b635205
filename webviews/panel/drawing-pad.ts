/** A canvas to draw a digit on (browser only); each finished stroke yields a 28×28 image. */
import { h } from './dom';
import { greyOfRgba, toDigitImage } from './drawing';

export const PAD_SIZE = 280;
export const DIGIT_SIZE = 28;

export class DrawingPad {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly preview: HTMLCanvasElement;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private inked = false;

  constructor(private readonly onDigit: (pixels: number[]) => void) {
    this.canvas = h('canvas', { class: 'drawing-pad', attrs: { width: PAD_SIZE, height: PAD_SIZE, 'aria-label': 'Draw a digit', role: 'img' } });
    this.preview = h('canvas', { class: 'digit-preview', attrs: { width: DIGIT_SIZE, height: DIGIT_SIZE, title: 'What the model sees (28×28)' } });
    const clear = h('vscode-button', { class: 'clear-drawing', text: 'Clear', attrs: { secondary: true } });
    clear.addEventListener('click', () => this.clear());
    this.element = h(
      'div',
      { class: 'drawing' },
      this.canvas,
      h('div', { class: 'drawing-side' }, h('span', { class: 'muted', text: 'Draw a digit' }), this.preview, h('span', { class: 'muted small', text: '28×28 input' }), clear),
    );
    this.clear();
    this.canvas.addEventListener('pointerdown', (event) => this.start(event));
    this.canvas.addEventListener('pointermove', (event) => this.move(event));
    this.canvas.addEventListener('pointerup', () => this.end());
    this.canvas.addEventListener('pointercancel', () => this.end());
    this.canvas.addEventListener('pointerleave', () => this.end());
  }

  clear(): void {
    const context = this.canvas.getContext('2d');
    if (context !== null) {
      context.fillStyle = '#000000';
      context.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    }
    const preview = this.preview.getContext('2d');
    if (preview !== null) {
      preview.fillStyle = '#000000';
      preview.fillRect(0, 0, DIGIT_SIZE, DIGIT_SIZE);
    }
    this.inked = false;
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / Math.max(1, rect.width)) * PAD_SIZE, y: ((event.clientY - rect.top) / Math.max(1, rect.height)) * PAD_SIZE };
  }

  private start(event: PointerEvent): void {
    this.drawing = true;
    this.canvas.setPointerCapture?.(event.pointerId);
    this.last = this.point(event);
    this.stroke(this.last, this.last);
  }

  private move(event: PointerEvent): void {
    if (!this.drawing || this.last === null) return;
    const next = this.point(event);
    this.stroke(this.last, next);
    this.last = next;
  }

  private stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const context = this.canvas.getContext('2d');
    if (context === null) return;
    context.strokeStyle = '#ffffff';
    context.lineWidth = 22;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    this.inked = true;
  }

  private end(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    if (!this.inked) return;
    const pixels = this.digit();
    this.showPreview(pixels);
    this.onDigit(pixels);
  }

  /** The drawing as an MNIST-like 28×28 image in [0, 1]. */
  digit(): number[] {
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) return new Array<number>(DIGIT_SIZE * DIGIT_SIZE).fill(0);
    const data = context.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    return toDigitImage(greyOfRgba(data, PAD_SIZE * PAD_SIZE), PAD_SIZE, PAD_SIZE, DIGIT_SIZE);
  }

  private showPreview(pixels: readonly number[]): void {
    const context = this.preview.getContext('2d');
    if (context === null) return;
    const image = context.createImageData(DIGIT_SIZE, DIGIT_SIZE);
    pixels.forEach((value, index) => {
      const grey = Math.round(value * 255);
      image.data[index * 4] = grey;
      image.data[index * 4 + 1] = grey;
      image.data[index * 4 + 2] = grey;
      image.data[index * 4 + 3] = 255;
    });
    context.putImageData(image, 0, 0);
  }
}

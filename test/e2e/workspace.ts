/**
 * The workspace a learner would have: the zoo's example files, a broken model, and a
 * package.json and tsconfig.json with `convlens` installed (node_modules/convlens links to
 * this repository, whose `npm ci` built dist/), so `import … from 'convlens'` resolves as
 * in a user's project. No .vscode/settings.json: the editor runs with default settings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { REPO_ROOT } from './code-server';

/** dense(10) straight after a convolution: CL1004, fixed by inserting flatten(). */
export const BROKEN_MODEL = `import { conv2d, dense, input, model, relu } from 'convlens';

/** A classifier that forgot to flatten its feature maps. */
export const broken = model(
  'broken',
  input(1, 28, 28),
  conv2d(8, 3),
  relu(),
  dense(10),
);
`;

export const FIXED_MODEL = BROKEN_MODEL.replace('relu } from', 'relu, flatten } from').replace('  dense(10),', '  flatten(), dense(10),');

export interface Workspace {
  readonly folder: string;
  /** A tiny image-folder dataset (DATASET/train/<digit>/*.png, DATASET/test/<digit>/*.png). */
  readonly dataset: string;
  remove(): void;
}

export function makeWorkspace(): Workspace {
  // A readable folder name: it shows in the explorer of the README's screenshots.
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'convlens-e2e-workspace-'));
  const folder = path.join(parent, 'cnn-playground');
  fs.mkdirSync(folder);
  const examples = path.join(REPO_ROOT, 'examples');
  for (const name of fs.readdirSync(examples)) {
    if (name.endsWith('.ts')) fs.copyFileSync(path.join(examples, name), path.join(folder, name));
  }
  fs.writeFileSync(path.join(folder, 'broken.ts'), BROKEN_MODEL);
  fs.writeFileSync(
    path.join(folder, 'package.json'),
    `${JSON.stringify({ name: 'convlens-e2e-workspace', private: true, version: '0.0.0', dependencies: { convlens: `file:${REPO_ROOT}` } }, null, 2)}\n`,
  );
  fs.writeFileSync(
    path.join(folder, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true },
        include: ['*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  fs.mkdirSync(path.join(folder, 'node_modules'));
  fs.symlinkSync(path.join(REPO_ROOT, 'packages', 'convlens'), path.join(folder, 'node_modules', 'convlens'), 'dir');
  const dataset = path.join(folder, 'digits');
  writeDigitDataset(dataset);
  return { folder, dataset, remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

/**
 * Ten classes of 28×28 grey images, each class a bar at its own place and angle with a
 * little seeded noise: learnable in a few batches, so a short run shows falling loss.
 */
export function writeDigitDataset(root: string, perClass = { train: 24, test: 6 }): void {
  let seed = 1234;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (const [split, count] of Object.entries(perClass)) {
    for (let digit = 0; digit < 10; digit++) {
      const dir = path.join(root, split, String(digit));
      fs.mkdirSync(dir, { recursive: true });
      const angle = (digit * Math.PI) / 10;
      for (let index = 0; index < count; index++) {
        const png = new PNG({ width: 28, height: 28 });
        const dx = (random() - 0.5) * 3;
        const dy = (random() - 0.5) * 3;
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            const u = x - 14 - dx;
            const v = y - 14 - dy;
            const across = Math.abs(-Math.sin(angle) * u + Math.cos(angle) * v);
            const along = Math.abs(Math.cos(angle) * u + Math.sin(angle) * v);
            const value = across < 2 && along < 10 ? 230 : 0;
            const grey = Math.max(0, Math.min(255, Math.round(value + random() * 25)));
            const offset = (y * 28 + x) * 4;
            png.data[offset] = grey;
            png.data[offset + 1] = grey;
            png.data[offset + 2] = grey;
            png.data[offset + 3] = 255;
          }
        }
        fs.writeFileSync(path.join(dir, `${index}.png`), PNG.sync.write(png));
      }
    }
  }
}

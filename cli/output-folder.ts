/**
 * The folder an `--out` option names. It may exist as a folder or not exist yet (it is made
 * when there is something to write); a file in its way — at the path or at one of its
 * parents — is the user's to fix, and is said in one line before anything is trained,
 * computed or written, instead of surfacing as ENOTDIR or EEXIST half-way through.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { toDisplayPath } from './model-file';
import { UserError, toOneLine } from './user-error';

export async function checkOutputFolder(folder: string, cwd: string): Promise<void> {
  for (let current = folder; ; current = path.dirname(current)) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(current)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`cannot use --out ${toDisplayPath(folder, cwd)}: ${toOneLine((error as Error).message)}`);
      if (path.dirname(current) === current) return;
      continue;
    }
    if (isFolder) return;
    if (current === folder) throw new UserError(`--out ${toDisplayPath(folder, cwd)} is a file, not a folder: give a folder (it is made when missing)`);
    throw new UserError(`--out ${toDisplayPath(folder, cwd)} cannot be made: ${toDisplayPath(current, cwd)} is a file`);
  }
}

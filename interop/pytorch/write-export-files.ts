/**
 * Writes an export's files into a folder. Existing files are never lost: without `force`
 * the export refuses before writing anything if one of its files exists, and every file
 * is written to a temporary file first and then linked (no overwrite) or renamed (force)
 * into place, so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ExportError } from './export-error';
import type { ExportFile } from './export-pytorch';

export interface WriteExportOptions {
  /** Replace files that exist. */
  readonly force?: boolean;
  /** How messages name the folder (the CLI's are relative to the working directory); default `folder`. */
  readonly displayPath?: string;
}

/** Scripts users run directly get the executable bit (they start with `#!/usr/bin/env python3`). */
const EXECUTABLE = new Set(['train.py', 'convlens_checkpoint.py']);

/** Writes `files` into `folder` (created if missing); returns the absolute paths written. */
export async function writeExportFiles(folder: string, files: readonly ExportFile[], options: WriteExportOptions = {}): Promise<string[]> {
  const targets = files.map((file) => path.join(folder, file.path));
  const shown = options.displayPath ?? folder;
  if (options.force !== true) {
    const existing: string[] = [];
    for (const target of targets) {
      if (await exists(target)) existing.push(path.basename(target));
    }
    if (existing.length > 0) {
      throw new ExportError(`${shown} already has ${existing.join(', ')}; pass --force to overwrite, or choose another --out`, 'fileExists');
    }
  }
  await mkdir(folder, { recursive: true });
  for (const [index, file] of files.entries()) {
    const target = targets[index] as string;
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temporary, file.content, { mode: EXECUTABLE.has(file.path) ? 0o755 : 0o644 });
    try {
      if (options.force === true) {
        await rename(temporary, target);
      } else {
        // link() fails if the target appeared meanwhile, where rename() would replace it.
        await link(temporary, target).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST') throw new ExportError(`${path.join(shown, files[index]?.path ?? '')} appeared while exporting; it was not overwritten (pass --force to overwrite)`, 'fileExists');
          throw error;
        });
        await unlink(temporary);
      }
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }
  return targets;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

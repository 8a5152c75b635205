/**
 * Downloads a dataset file into the cache, verified against its published SHA-256 before
 * it is kept: the bytes go to a temporary file while hashed, and only a file whose digest
 * matches is renamed into place (atomically), so the cache never holds a partial or
 * corrupted file. Used when a dataset is asked for and not found; never by the tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';

export interface RemoteFile {
  readonly url: string;
  /** Lower-case hex SHA-256 of the file as published. */
  readonly sha256: string;
}

/** What fetching needs: the global `fetch`, or a stand-in. */
export type Fetch = (url: string) => Promise<Response>;

/** `$CONVLENS_DATA`, else `$XDG_CACHE_HOME/convlens/datasets`, else `~/.cache/convlens/datasets`. */
export function toDefaultCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env['CONVLENS_DATA'] !== undefined && env['CONVLENS_DATA'] !== '') return env['CONVLENS_DATA'];
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : path.join(homedir(), '.cache');
  return path.join(base, 'convlens', 'datasets');
}

export class ChecksumMismatch extends Error {
  override readonly name = 'ChecksumMismatch';
}

/** Downloads `file` to `target` unless it is there; returns `target`. */
export async function downloadVerified(file: RemoteFile, target: string, fetchFile: Fetch = fetch, onProgress?: (bytes: number, total: number | null) => void): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
  const hash = createHash('sha256');
  const handle = await open(temporary, 'w');
  try {
    const response = await fetchFile(file.url);
    if (!response.ok || response.body === null) throw new Error(`${file.url}: HTTP ${response.status}`);
    const totalHeader = response.headers.get('content-length');
    const total = totalHeader === null ? null : Number(totalHeader);
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await handle.write(chunk);
      received += chunk.length;
      onProgress?.(received, total);
    }
    await handle.close();
    const digest = hash.digest('hex');
    if (digest !== file.sha256) {
      throw new ChecksumMismatch(`${file.url}: SHA-256 ${digest} does not match the published ${file.sha256}; the file was not kept`);
    }
    await rename(temporary, target);
    return target;
  } catch (error) {
    // Closing may fail if the write already did; the first error is the one to report.
    await handle.close().catch((closeError: unknown) => console.error(`[convlens] closing ${temporary}: ${(closeError as Error).message}`));
    await rm(temporary, { force: true });
    throw error;
  }
}

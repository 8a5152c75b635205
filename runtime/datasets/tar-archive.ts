/**
 * Reads the regular files of a POSIX ustar archive (IEEE Std 1003.1, "pax" interchange
 * format): 512-byte headers with the name at 0 (100 bytes), the size in octal at 124
 * (12 bytes), the type flag at 156 and the name prefix at 345 (155 bytes), each file's
 * data padded to 512 bytes; two zero blocks end it. Enough for CIFAR-10's archive.
 */
const BLOCK = 512;

function readString(bytes: Uint8Array, offset: number, length: number): string {
  const field = bytes.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString('utf8');
}

export function readTarFiles(archive: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const name = readString(header, 0, 100);
    const prefix = readString(header, 345, 155);
    const size = parseInt(readString(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    offset += BLOCK;
    if (type === '0' || type === '\0') files.set(prefix === '' ? name : `${prefix}/${name}`, archive.subarray(offset, offset + size));
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

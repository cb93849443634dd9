import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  size: number;
}

/** The entries of a zip (central directory), without extracting. Enough of the format for what serverless writes. */
export function listZip(file: string): ZipEntry[] {
  return readEntries(readFileSync(file)).map(({ name, size }) => ({ name, size }));
}

/** Extracts a zip into `dir` (stored and deflated entries; no unzip binary needed on the CI machine). */
export function extractZip(file: string, dir: string): ZipEntry[] {
  const buf = readFileSync(file);
  const entries = readEntries(buf);
  for (const e of entries) {
    const target = path.resolve(dir, e.name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`zip entry escapes its folder: ${e.name}`);
    if (e.name.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const nameLen = buf.readUInt16LE(e.localOffset + 26);
    const extraLen = buf.readUInt16LE(e.localOffset + 28);
    const start = e.localOffset + 30 + nameLen + extraLen;
    const raw = buf.subarray(start, start + e.compressedSize);
    const data = e.method === 0 ? raw : e.method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${file}: ${e.name} uses zip method ${e.method}, which this reader does not know`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  return entries.map(({ name, size }) => ({ name, size }));
}

function readEntries(buf: Buffer) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

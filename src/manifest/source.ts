// The file itself, before any format: does it exist, is it a file of a known kind and a sane
// size, and are its bytes UTF-8 text (not UTF-16, not binary)? Each answer is a fault on line 1
// (or on the line of the first bad byte), never an exception.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { isUtf8 } from 'node:buffer';

import { type ManifestLimits, limitHint } from './limits.js';
import { didYouMean } from './suggest.js';

export type SourceFormat = 'yaml' | 'csv';

const EXTENSIONS: Record<string, SourceFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.csv': 'csv' };

export interface SourceProblem {
  line: number;
  message: string;
}

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** The file's format, or a problem (missing, a directory, unknown extension, too large). */
export async function checkFile(file: string, limits: ManifestLimits): Promise<SourceFormat | SourceProblem> {
  const format = EXTENSIONS[extname(file).toLowerCase()];
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such file${await nearestFile(file)}` : code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? String(err)})`;
    return { line: 1, message: why };
  }
  if (info.isDirectory()) return { line: 1, message: 'is a directory, not a manifest file' };
  if (!info.isFile()) return { line: 1, message: 'is not a regular file' };
  if (format === undefined) {
    return { line: 1, message: `unknown manifest type "${extname(file) || '(no extension)'}": use .yaml, .yml or .csv` };
  }
  const max = format === 'yaml' ? limits.maxYamlBytes : limits.maxFileBytes;
  if (info.size > max) {
    const which = format === 'yaml' ? 'maxYamlBytes' : 'maxFileBytes';
    return { line: 1, message: `file is ${bytes(info.size)}, larger than the limit of ${bytes(max)} ${limitHint(which)}` };
  }
  return format;
}

/**
 * ` (did you mean "<path>"?)` naming the file in the same directory whose name is nearest (a
 * manifest type first), or `` when none is near or the directory cannot be read: a typo
 * (`brand.yml` for `brand.yaml`, `Groups.csv`) is then one edit away, not a hunt.
 */
async function nearestFile(file: string): Promise<string> {
  const dir = dirname(file);
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
  } catch {
    return '';
  }
  const wanted = basename(file);
  const guess = didYouMean(wanted, names.filter((n) => EXTENSIONS[extname(n).toLowerCase()] !== undefined)) ?? didYouMean(wanted, names);
  return guess === undefined ? '' : ` (did you mean "${dir === '.' && !file.startsWith('.') ? guess : join(dir, guess)}"?)`;
}

/** A UTF-16 byte order mark: the file must be re-saved as UTF-8. */
export function utf16Bom(head: Buffer): boolean {
  return head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
}

export const UTF16_MESSAGE = 'file is UTF-16 encoded: re-save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")';
export const NUL_MESSAGE = 'file contains NUL bytes: it is binary, or UTF-16 without a byte order mark; re-save it as UTF-8 text';
export const UTF8_MESSAGE = 'file is not valid UTF-8 (a legacy encoding such as Windows-1252?): re-save it as UTF-8';

/** A lead byte's count of continuation bytes and the smallest code point it may start; undefined if no sequence starts with it. */
function leadOf(b: number): [need: number, min: number] | undefined {
  if (b >= 0xc2 && b <= 0xdf) return [1, 0x80];
  if (b >= 0xe0 && b <= 0xef) return [2, 0x800];
  if (b >= 0xf0 && b <= 0xf4) return [3, 0x10000];
  return undefined;
}

/** Where the multi-byte sequence at `i` ends, or -1 when it is not valid UTF-8 (overlong, a surrogate, cut short). */
function sequenceEnd(buf: Buffer, i: number): number {
  const lead = leadOf(buf[i]);
  if (lead === undefined) return -1;
  const [need, min] = lead;
  let cp = buf[i] & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const cb = buf[i + k];
    if (cb === undefined || (cb & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (cb & 0x3f);
  }
  return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? -1 : i + need + 1;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length) {
    if (buf[i] < 0x80) {
      i++;
      continue;
    }
    const end = sequenceEnd(buf, i);
    if (end < 0) return i;
    i = end;
  }
  return -1;
}

/**
 * Where a trailing, incomplete UTF-8 sequence starts (so a streamed chunk can be checked
 * without its last character cut in two), or `buf.length` when the chunk ends cleanly.
 */
export function utf8CompleteEnd(buf: Buffer): number {
  const len = buf.length;
  for (let i = len - 1; i >= 0 && i >= len - 4; i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len - i < need ? i : len;
  }
  return len;
}

/** Checks a whole buffer (YAML): a problem with the byte offset where it is, or undefined. */
export function checkText(buf: Buffer): { offset: number; message: string } | undefined {
  if (utf16Bom(buf)) return { offset: 0, message: UTF16_MESSAGE };
  const nul = buf.indexOf(0);
  if (nul >= 0) return { offset: nul, message: NUL_MESSAGE };
  if (!isUtf8(buf)) return { offset: Math.max(0, firstInvalidUtf8(buf)), message: UTF8_MESSAGE };
  return undefined;
}

/** 1-based line of a byte offset in a buffer. */
export function lineOfOffset(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i >= 0 && i < offset; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

/** 1-based line of a byte offset in a file: reads the file again (only on the error path). */
export async function lineOfFileOffset(file: string, offset: number): Promise<number> {
  let line = 1;
  if (offset <= 0) return 1;
  for await (const chunk of createReadStream(file, { end: offset - 1 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) line++;
  }
  return line;
}

// The bytes of a CSV file before csv-parse sees them: UTF-16, NUL bytes and invalid UTF-8 are
// refused with the offset of the first bad byte, chunk by chunk as the file streams.
import { isUtf8 } from 'node:buffer';

import { NUL_MESSAGE, UTF16_MESSAGE, UTF8_MESSAGE, firstInvalidUtf8, utf16Bom, utf8CompleteEnd } from '../source.js';

export interface ByteFault {
  /** File offset of the first bad byte. */
  offset: number;
  message: string;
}

/** Checks a file's chunks in order; a character cut by a chunk boundary is checked whole. */
export class ByteCheck {
  private offset = 0;
  /** The first bytes of a character cut by the last chunk's end. */
  private carry: Buffer | undefined;

  check(buf: Buffer): ByteFault | undefined {
    const start = this.offset;
    this.offset += buf.length;
    if (start === 0 && utf16Bom(buf)) return { offset: 0, message: UTF16_MESSAGE };
    const nul = buf.indexOf(0);
    if (nul >= 0) return { offset: start + nul, message: NUL_MESSAGE };
    const joined = this.carry ? Buffer.concat([this.carry, buf]) : buf;
    const base = start - (this.carry?.length ?? 0);
    const end = utf8CompleteEnd(joined);
    const whole = end === joined.length ? joined : joined.subarray(0, end);
    if (!isUtf8(whole)) return { offset: base + Math.max(0, firstInvalidUtf8(whole)), message: UTF8_MESSAGE };
    this.carry = end === joined.length ? undefined : Buffer.from(joined.subarray(end));
    return undefined;
  }

  /** At the end of the file: a character its last bytes leave incomplete. */
  end(): ByteFault | undefined {
    return this.carry ? { offset: this.offset - this.carry.length, message: UTF8_MESSAGE } : undefined;
  }
}

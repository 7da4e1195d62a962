// detach() (src/detach.ts): what the loader and the plan keep of a manifest's text must not keep
// the text itself alive. 64 strings of 1 MB each, one 24-character piece kept of each: views
// keep all 64 MB; detached copies keep almost nothing once the big strings are dropped.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

import { detach } from '../../src/detach.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function keptBytes(keep: (piece: string) => string): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 64; i++) {
    const big = `${i}`.padEnd(1 << 20, 'abcdefghij');
    big.charCodeAt(1000); // flat, as a decoded chunk of a file is
    kept.push(keep(big.slice(1000, 1024)));
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept.every((s) => s.length === 24)).toBe(true);
  return after - before;
}

describe('detach', () => {
  it('keeps a piece of a big string without keeping the big string', () => {
    expect(keptBytes((s) => s)).toBeGreaterThan(32 << 20); // the control: views keep their parents
    expect(keptBytes(detach)).toBeLessThan(4 << 20);
  });

  it('returns an equal string', () => {
    const text = 'x'.repeat(100) + 'brand-community-0000001' + 'é😀';
    for (const piece of [text.slice(0, 5), text.slice(100, 123), text.slice(95), '']) expect(detach(piece)).toBe(piece);
  });
});

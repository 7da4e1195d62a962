// Baseline for a no-op rerun: read the ledger file and JSON.parse every line, keeping nothing.
// The least any replay must do.
import { openSync, readSync, closeSync } from 'node:fs';

const file = process.argv[2];
const fd = openSync(file, 'r');
let buf = Buffer.allocUnsafe(4 << 20);
let filled = 0;
let lines = 0;
for (;;) {
  const n = readSync(fd, buf, filled, buf.length - filled, null);
  if (n === 0) break;
  filled += n;
  const last = buf.lastIndexOf(0x0a, filled - 1);
  if (last < 0) continue;
  const text = buf.toString('utf8', 0, last);
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    if (nl > start) JSON.parse(text.slice(start, nl)), lines++;
    start = nl + 1;
  }
  if (start < text.length) JSON.parse(text.slice(start)), lines++;
  buf.copy(buf, 0, last + 1, filled);
  filled -= last + 1;
}
if (filled > 0) JSON.parse(buf.toString('utf8', 0, filled)), lines++;
closeSync(fd);
console.log(JSON.stringify({ lines }));

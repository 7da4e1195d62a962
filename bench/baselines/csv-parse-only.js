// Baseline for `plan` on a CSV: csv-parse alone streaming the same file (default options, piped,
// records counted and dropped). What no CSV loader can beat.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const file = process.argv[2];
let records = 0;
createReadStream(file, { highWaterMark: 1 << 20 })
  .pipe(parse())
  .on('data', () => records++)
  .on('end', () => console.log(JSON.stringify({ records })))
  .on('error', (e) => {
    console.error(e.message);
    process.exitCode = 1;
  });

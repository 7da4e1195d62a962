// Asking a person before a command writes: one yes/no question on stderr, the answer read from
// stdin. Only when stdin is a terminal: a script (cron, CI, a pipe) is never asked, it says --yes.
import { createInterface } from 'node:readline';

export interface AskIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

const defaultIo = (): AskIo => ({ input: process.stdin, output: process.stderr });

/** Whether there is a person to ask: stdin is a terminal. */
export function canAsk(io: AskIo = defaultIo()): boolean {
  return io.input.isTTY === true;
}

/** `question [y/N] `: true only for y or yes (any case); an empty line, anything else or the end of input is no. */
export function askYesNo(question: string, io: AskIo = defaultIo()): Promise<boolean> {
  return new Promise((resolve) => {
    io.output.write(`${question} [y/N] `);
    // terminal: false: the terminal's own line editing and echo, not readline's.
    const rl = createInterface({ input: io.input, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (answered) return;
      io.output.write('\n');
      resolve(false);
    });
  });
}

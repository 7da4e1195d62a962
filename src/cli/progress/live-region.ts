// The few lines at the bottom of a terminal that a live display redraws in place. Every other
// write to the terminal (log lines, warnings) goes through `write`, which lifts the display,
// writes the text above it and puts the display back, so neither corrupts the other.
import { writeIfOpen } from '../../stdio.js';

/** Cursor to the start of the line, then `n` lines up, then erase to the end of the screen. */
const lift = (n: number) => (n > 0 ? `\r\x1b[${n}A\x1b[0J` : '\r\x1b[0J');

export class LiveRegion {
  #frame = '';
  #lines = 0;
  #closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** Replaces the display with these lines (each must fit the terminal width). */
  draw(lines: string[]): void {
    if (this.#closed) return;
    const frame = lines.length ? `${lines.join('\n')}\n` : '';
    if (frame === this.#frame) return;
    // One write per redraw: lifting and drawing separately flickers.
    writeIfOpen(this.stream, this.#erase() + frame);
    this.#frame = frame;
    this.#lines = lines.length;
  }

  /** Writes text (whole lines) to `target` above the display; false if `target`'s reader is gone. */
  write(target: NodeJS.WritableStream, text: string): boolean {
    if (this.#closed || this.#lines === 0) return writeIfOpen(target, text);
    if (target === this.stream) return writeIfOpen(this.stream, this.#erase() + text + this.#frame);
    writeIfOpen(this.stream, this.#erase());
    const written = writeIfOpen(target, text);
    writeIfOpen(this.stream, this.#frame);
    return written;
  }

  /** Leaves the last frame on screen as ordinary text; later writes pass straight through. */
  close(): void {
    this.#closed = true;
  }

  #erase(): string {
    return this.#lines > 0 ? lift(this.#lines) : '';
  }
}

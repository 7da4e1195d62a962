// The few lines at the bottom of a terminal that a live display redraws in place. Every other
// write to the terminal (log lines, warnings) goes through `write`, which lifts the display,
// writes the text above it and puts the display back, so neither corrupts the other.

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
    this.stream.write(this.#erase() + frame);
    this.#frame = frame;
    this.#lines = lines.length;
  }

  /** Writes text (whole lines) to `target` above the display. */
  write(target: NodeJS.WritableStream, text: string): void {
    if (this.#closed || this.#lines === 0) {
      target.write(text);
      return;
    }
    if (target === this.stream) {
      this.stream.write(this.#erase() + text + this.#frame);
      return;
    }
    this.stream.write(this.#erase());
    target.write(text);
    this.stream.write(this.#frame);
  }

  /** Leaves the last frame on screen as ordinary text; later writes pass straight through. */
  close(): void {
    this.#closed = true;
  }

  #erase(): string {
    return this.#lines > 0 ? lift(this.#lines) : '';
  }
}

// Where the CLI's words go. Results go to stdout; with --json, stdout carries exactly one JSON
// document and human text moves to stderr. Warnings and errors always go to stderr.

type Sink = (stream: NodeJS.WritableStream, text: string) => void;

const direct: Sink = (stream, text) => void stream.write(text);

export class Output {
  #jsonMode = false;
  #quiet = false;
  #write: Sink = direct;

  /** Send every write through this (a live progress display keeps its lines intact); undefined restores direct writes. */
  route(sink: Sink | undefined): void {
    this.#write = sink ?? direct;
  }

  /** Send human text to stderr from now on: stdout is reserved for one JSON document. */
  jsonMode(on = true): void {
    this.#jsonMode = on;
  }

  quiet(on = true): void {
    this.#quiet = on;
  }

  /** Human-readable result text. */
  info(text: string): void {
    if (this.#quiet) return;
    this.#write(this.#jsonMode ? process.stderr : process.stdout, `${text}\n`);
  }

  /** The summary: printed even with --quiet. */
  summary(text: string): void {
    this.#write(this.#jsonMode ? process.stderr : process.stdout, `${text}\n`);
  }

  json(value: unknown): void {
    this.#write(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Status text for a person, on stderr even without --json: stdout holds the command's data (a report). */
  note(text: string): void {
    if (this.#quiet) return;
    this.#write(process.stderr, `${text}\n`);
  }

  warn(message: string): void {
    this.#write(process.stderr, `warning: ${message}\n`);
  }

  error(message: string): void {
    this.#write(process.stderr, `error: ${message}\n`);
  }
}

// Where the CLI's words go. Results go to stdout; with --json, stdout carries exactly one JSON
// document and human text moves to stderr. Warnings and errors always go to stderr.

export class Output {
  #jsonMode = false;
  #quiet = false;

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
    (this.#jsonMode ? process.stderr : process.stdout).write(`${text}\n`);
  }

  /** The summary: printed even with --quiet. */
  summary(text: string): void {
    (this.#jsonMode ? process.stderr : process.stdout).write(`${text}\n`);
  }

  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  warn(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
  }

  error(message: string): void {
    process.stderr.write(`error: ${message}\n`);
  }
}

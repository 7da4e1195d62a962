// Where the CLI's words go. Results go to stdout; with --json, stdout carries exactly one JSON
// document and human text moves to stderr. Warnings and errors always go to stderr. A stream
// whose reader has gone (a closed pipe, a hung-up terminal) is written no more, never an error.
import { writeIfOpen } from '../stdio.js';

/** What a write says: false when the text did not reach the stream (its reader is gone). */
type Sink = (stream: NodeJS.WritableStream, text: string) => boolean | void;

/** How much a line matters, for the place it goes instead when its stream is gone. */
export type Level = 'info' | 'warn' | 'error';

const direct: Sink = (stream, text) => writeIfOpen(stream, text);

export class Output {
  #jsonMode = false;
  #quiet = false;
  #write: Sink = direct;
  #dropped?: (level: Level, text: string) => void;

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

  /** Where a line goes when its stream's reader is gone (a run's --log-file); undefined: nowhere. */
  whenDropped(fallback: ((level: Level, text: string) => void) | undefined): void {
    this.#dropped = fallback;
  }

  #emit(stream: NodeJS.WritableStream, text: string, level: Level, said = text.replace(/\n$/, '')): void {
    if (this.#write(stream, text) === false) this.#dropped?.(level, said);
  }

  /** Human-readable result text. */
  info(text: string): void {
    if (this.#quiet) return;
    this.#emit(this.#jsonMode ? process.stderr : process.stdout, `${text}\n`, 'info');
  }

  /** The summary: printed even with --quiet. */
  summary(text: string): void {
    this.#emit(this.#jsonMode ? process.stderr : process.stdout, `${text}\n`, 'info');
  }

  /** Not kept when stdout is gone: its figures are in the run's own log line. */
  json(value: unknown): void {
    this.#write(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Status text for a person, on stderr even without --json: stdout holds the command's data (a report). */
  note(text: string): void {
    if (this.#quiet) return;
    this.#emit(process.stderr, `${text}\n`, 'info');
  }

  warn(message: string): void {
    this.#emit(process.stderr, `warning: ${message}\n`, 'warn', message);
  }

  error(message: string): void {
    this.#emit(process.stderr, `error: ${message}\n`, 'error', message);
  }

  /** Text exactly as given, never silenced by --quiet (ledger lines a person must keep). */
  raw(stream: NodeJS.WritableStream, text: string): void {
    this.#emit(stream, text, 'error');
  }
}

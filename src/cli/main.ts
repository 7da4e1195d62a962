// The command line's run: the program (program.ts: commands and flags) parsed, stdout and stderr
// guarded, errors turned into one line and an exit code. Business rules live in the pipeline.
import { CommanderError } from 'commander';
import { EXIT, GenuinError, type ExitCode } from '../errors.js';
import { Output } from './output.js';
import { buildProgram } from './program.js';
import { guardStdio, isGone, isReaderGone } from '../stdio.js';


export async function main(argv: string[]): Promise<ExitCode> {
  const out = new Output();
  // A closed stdout or stderr (`| head -1`, `2>&1 | head`, a dropped SSH session) is written no
  // more, and a run goes on: losing a reader is no reason to lose work. Only a command whose
  // whole job is its output stops when stdout goes (`plan --detail | head`: the reader has what
  // it wanted), quietly, like any Unix tool.
  let outputOnly = false;
  const onStdioError = (name: 'stdout' | 'stderr', error: NodeJS.ErrnoException) => {
    if (name === 'stdout' && outputOnly) {
      if (isReaderGone(error)) process.exit(EXIT.ok);
      out.error(`cannot write to stdout: ${error.message}`);
      process.exit(EXIT.aborted);
    }
    if (!isReaderGone(error)) out.warn(`cannot write to ${name} (${error.code ?? error.message}); going on without it`);
  };
  guardStdio(onStdioError);
  const stopWhenStdoutGoes = () => {
    outputOnly = true;
    if (isGone(process.stdout)) process.exit(EXIT.ok);
  };
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(out, (c) => {
    code = c;
  }, stopWhenStdoutGoes);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    code = handleError(error, out);
  }
  return code;
}

function handleError(error: unknown, out: Output): ExitCode {
  if (error instanceof CommanderError) {
    // commander has already printed its message (with "Did you mean …?").
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof GenuinError) {
    out.error(error.message);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.error(`internal error: ${message} (please report it; LOG_LEVEL=debug shows more)`);
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') out.error(String((error as Error)?.stack ?? ''));
  return EXIT.aborted;
}


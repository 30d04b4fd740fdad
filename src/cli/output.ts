/**
 * What the CLI prints for a person (results, prompts, errors). Operational events go through pino;
 * these are the command's answers, so they are written straight to stdout/stderr.
 */
export const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
export const err = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

/**
 * A reader that went away (`echo-agent status | head -1`) is not an error of the command: EPIPE on
 * stdout ends the process quietly, as other command-line tools do, instead of an unhandled
 * 'error' event with a stack trace.
 */
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

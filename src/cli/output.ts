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

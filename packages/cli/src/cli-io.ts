/** Where the CLI writes: stdout for results, stderr for progress and errors. Injected so tests can capture. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
};

/** A usage mistake: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

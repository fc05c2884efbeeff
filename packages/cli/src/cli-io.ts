/** Where the CLI writes: stdout for results, stderr for progress and errors. Injected so tests can capture. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Hears SIGINT/SIGTERM while a run is in progress; returns a function that stops listening. Absent: signals are not handled. */
  onSignal?(handler: (signal: StopSignal) => void): () => void;
  /** Ends the process at once (the third Ctrl-C). */
  exit?(code: number): void;
}

export type StopSignal = "SIGINT" | "SIGTERM";

/** The exit code of a command stopped by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
  onSignal(handler) {
    const listener = (signal: StopSignal) => handler(signal);
    process.on("SIGINT", listener);
    process.on("SIGTERM", listener);
    return () => {
      process.off("SIGINT", listener);
      process.off("SIGTERM", listener);
    };
  },
  exit: (code) => process.exit(code),
};

/** A usage mistake: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

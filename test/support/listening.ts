/** @module Test helper: wait for a spawned `trellis serve` to print its URL, collecting what it writes. */
import type { ChildProcess } from 'node:child_process';

/** A child process that printed "listening on <url>". */
export interface Listening {
  url: string;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves to the exit code when the child exits. */
  exited: Promise<number | null>;
}

/** Resolves once the child prints "listening on http://…"; rejects if it exits first, or kills it and rejects after `timeoutMs`. */
export async function waitForListening(child: ChildProcess, timeoutMs: number): Promise<Listening> {
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    // A server that is too slow is killed, so a failed test does not leave it running (and its test process waiting on it).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in time:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening:\n${output}`)));
  });
  return { url, output: () => output, exited };
}

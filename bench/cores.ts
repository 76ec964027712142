/** @module Pinning benchmark processes to CPUs with taskset, so a load generator and a server never share a core. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Whether processes can be pinned here: at least 2 CPUs and a working `taskset`. */
export const pinning =
  os.availableParallelism() >= 2 &&
  (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

/** Pins a running process (all its threads) to one CPU; does nothing where {@link pinning} is false. */
export function pin(pid: number, cpu: number): void {
  if (pinning) execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The command and arguments that start `node …args` on one CPU (unpinned where {@link pinning} is false). */
export function onCpu(cpu: number, args: string[]): [string, string[]] {
  return pinning ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
}

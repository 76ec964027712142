/** @module Commit listeners: both drivers tell followers (live streams, webhooks) that a tenant's event sequence moved. */
import type { CommitListener } from './types.js';

/** Tells every commit listener; one that throws is reported and the others still hear. */
export function announce(listeners: ReadonlySet<CommitListener>, tenantId: string, seq: number): void {
  for (const listener of listeners) {
    try {
      listener(tenantId, seq);
    } catch (error) {
      process.emitWarning(`commit listener failed: ${(error as Error).message}`);
    }
  }
}

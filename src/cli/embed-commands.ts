/** @module CLI command `embed`: queue a `search.embed` job, or embed missing and stale vectors now with `--wait`, or show `--status`. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import type { EmbeddingStatus, EmbedSummary, PendingKind } from '../search/embed/index.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, table } from './output.js';

function kindsOf(kind: string | undefined): PendingKind[] {
  if (kind === undefined) return ['entity', 'memory', 'passage'];
  if (kind !== 'passage' && kind !== 'entity' && kind !== 'memory')
    throw new TrellisError('bad_request', `--kind must be passage, entity or memory; got ${JSON.stringify(kind)}`);
  return [kind];
}

function statusTable(status: EmbeddingStatus): string {
  return [
    `embedder: ${status.embedderId} (${status.dimensions || 'unknown'} dimensions)`,
    table(
      ['KIND', 'TOTAL', 'EMBEDDED', 'MISSING'],
      [
        ['passage', status.passages.total, status.passages.embedded, status.passages.missing],
        ['entity', status.entities.total, status.entities.embedded, status.entities.missing],
        ['row', status.rows.total, status.rows.embedded, '-'],
      ],
    ),
  ].join('\n');
}

function summaryLine(summary: EmbedSummary): string {
  const rate = summary.seconds > 0 ? Math.round((summary.passages + summary.entities) / summary.seconds) : 0;
  return `embedded ${summary.passages} passages and ${summary.entities} entities (${summary.unchanged} entities unchanged) in ${summary.seconds.toFixed(2)} s, ${rate}/s, with ${summary.embedderId}`;
}

/** Registers `trellis embed`. */
export function registerEmbedCommands(program: Command): void {
  program
    .command('embed')
    .description('embed passages and entities that have no vector of the current embedder (or whose text changed)')
    .option('--tenant <slug|id>', 'the tenant (default: the first-start tenant)')
    .option('--kind <kind>', 'only passage, only entity or only memory (default: all three)')
    .option('--wait', 'embed now in this process and print the summary, instead of queueing a search.embed job for the server')
    .option('--status', 'only show how many passages and entities have a vector')
    .action(async (flags: { tenant?: string; kind?: string; wait?: boolean; status?: boolean }, command: Command) => {
      const options = globals(command);
      const json = options.json ?? false;
      const kinds = kindsOf(flags.kind);
      await withServices(options, async (services) => {
        const { embeddings } = services;
        try {
          const tenantId = await tenantOf(services, flags.tenant);
          if (flags.status) {
            const status = await embeddings.status(tenantId);
            emit(json, status, () => statusTable(status));
            return;
          }
          if (!flags.wait) {
            const job = await embeddings.queueJob(tenantId, kinds);
            emit(json, job, () => `queued job ${job.id} (${job.type}); a running server's job worker runs it — follow it with \`trellis jobs get ${job.id}\``);
            return;
          }
          const tty = process.stderr.isTTY === true && !json;
          const summary = await embeddings.embedPending(tenantId, {
            kinds,
            onProgress: (progress) => {
              if (tty) process.stderr.write(`\rembedded ${progress.passages} passages, ${progress.entities} entities`);
            },
          });
          if (tty) process.stderr.write('\n');
          const status = await embeddings.status(tenantId);
          emit(json, { ...summary, status }, () => `${summaryLine(summary)}\n${statusTable(status)}`);
        } finally {
          await embeddings.close();
        }
      });
    });
}

/** @module CLI commands for ingestion: `ingest PATH…` with a progress bar and a summary, `sources list|quarantine|rm` and `datasets list|rows`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { isId, normaliseId } from '../core/ids.js';
import { llmExtractorFromConfig } from '../ingest/llm/index.js';
import { datasetRowsIfAny, listDatasets, parseMapping, quarantineOf } from '../ingest/mapping/index.js';
import { type IngestProgress, type IngestSummary, findSourceByUri, ingestPaths } from '../ingest/pipeline/index.js';
import { defaultSchema, loadSchema } from '../ingest/schema.js';
import type { Services } from '../server/services.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, exitCodes, limitFlag, table } from './output.js';

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** Draws progress on stderr: a bar redrawn in place on a terminal, a plain line per file otherwise, nothing with --json. */
function progressPrinter(json: boolean): { update(progress: IngestProgress): void; end(): void } {
  const started = performance.now();
  const tty = process.stderr.isTTY === true && !json;
  let lastFiles = 0;
  let lastDraw = 0;
  return {
    update(progress) {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? progress.bytesDone / 1e6 / seconds : 0;
      const eta = rate > 0 ? (progress.bytesTotal - progress.bytesDone) / 1e6 / rate : Number.NaN;
      const stats = `files ${progress.filesDone}/${progress.filesTotal}  ${megabytes(progress.bytesDone)}/${megabytes(progress.bytesTotal)} MB  chunks ${progress.chunks}  entities ${progress.entities}  ${rate.toFixed(2)} MB/s  ETA ${duration(eta)}`;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100 && progress.filesDone < progress.filesTotal) return;
        lastDraw = now;
        const width = 24;
        const filled = progress.bytesTotal > 0 ? Math.round((width * progress.bytesDone) / progress.bytesTotal) : width;
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}\u001b[K`);
      } else if (!json && progress.filesDone > lastFiles) {
        lastFiles = progress.filesDone;
        process.stderr.write(`${stats}  ${path.basename(progress.file)}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

function summaryText(summary: IngestSummary): string {
  const lines = [
    `files: ${summary.ingested} ingested, ${summary.unchanged} unchanged, ${summary.failed} failed (of ${summary.files.length})`,
    ...summary.files.filter((file) => file.status === 'failed').map((file) => `  failed ${file.file}: ${file.error?.message}`),
    ...summary.files
      .filter((file) => file.quarantined > 0)
      .map((file) => `  ${file.quarantined} row(s) of ${file.file} quarantined: trellis sources quarantine ${file.file}`),
    `chunks ${summary.chunks}, entities ${summary.entities}, relations ${summary.relations}, quarantined rows ${summary.quarantined}`,
    `${megabytes(summary.bytes)} MB in ${summary.seconds.toFixed(1)} s: ${summary.megabytesPerSecond.toFixed(2)} MB/s`,
  ];
  return lines.join('\n');
}

/** A source argument: its ID, or its URI (a file path is taken as `file://` + its absolute path). */
async function sourceIdOf(services: Services, tenantId: string, value: string): Promise<string> {
  if (isId(normaliseId(value))) return normaliseId(value);
  const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `file://${path.resolve(value)}`;
  const found = await findSourceByUri(services.graph, tenantId, uri);
  if (!found) throw new TrellisError('not_found', `No source with uri ${JSON.stringify(uri)}`, { uri });
  return found.id;
}

/** A command action for a `<source>` argument (ID, URI or file path): runs `work` with the services, the tenant and the source's ID. */
function onSource(work: (services: Services, tenantId: string, id: string, json: boolean) => Promise<void>) {
  return async (value: string, flags: { tenant?: string }, command: Command): Promise<void> => {
    const options = globals(command);
    await withServices(options, async (services) => {
      const tenantId = await tenantOf(services, flags.tenant);
      await work(services, tenantId, await sourceIdOf(services, tenantId, value), options.json ?? false);
    });
  };
}

/** Registers `ingest`, `sources …` and `datasets …`. */
export function registerIngestCommands(program: Command): void {
  program
    .command('ingest <paths...>')
    .description('ingest files, folders and globs (* and **) into the graph; unchanged files are skipped')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--schema <file>', 'extraction schema (YAML; default: the built-in schema)')
    .option('--mapping <file>', 'mapping for structured files (csv, xlsx, json, jsonl)')
    .option('--extractor <name>', 'builtin, or llm (needs TRELLIS_LLM_BASE_URL and TRELLIS_LLM_MODEL)', 'builtin')
    .action(async (paths: string[], flags: { tenant?: string; schema?: string; mapping?: string; extractor: string }, command: Command) => {
      const options = globals(command);
      const json = options.json ?? false;
      if (flags.extractor !== 'builtin' && flags.extractor !== 'llm')
        throw new TrellisError('bad_request', `--extractor must be builtin or llm; got ${JSON.stringify(flags.extractor)}`);
      const schema = flags.schema ? loadSchema(flags.schema) : defaultSchema();
      const mapping = flags.mapping ? parseMapping(readFileSync(flags.mapping, 'utf8'), flags.mapping) : undefined;
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const extractor = flags.extractor === 'llm' ? llmExtractorFromConfig(services.config, schema) : undefined;
        if (flags.extractor === 'llm' && !extractor)
          throw new TrellisError(
            'config_invalid',
            'The LLM extractor is not configured: set TRELLIS_LLM_BASE_URL and TRELLIS_LLM_MODEL (or llmBaseUrl and llmModel in trellis.yaml)',
          );
        const printer = progressPrinter(json);
        const summary = await ingestPaths(services, tenantId, paths, {
          schema,
          mapping,
          ...(extractor ? { extractor } : {}),
          chunk: { size: services.config.ingestChunkSize, overlap: services.config.ingestChunkOverlap, locale: services.config.ingestChunkLocale },
          onProgress: (progress) => printer.update(progress),
        });
        printer.end();
        // The server's job worker embeds what this run added (a search.embed job, as after an ingest job).
        if (summary.ingested > 0 && services.config.embedAfterIngest === 'on') await services.embeddings.queueJob(tenantId);
        emit(json, summary, () => summaryText(summary));
        if (summary.failed > 0) process.exitCode = exitCodes.failure;
      });
    });

  const sources = program.command('sources').description('list and remove ingested sources');
  sources
    .command('list')
    .description('list sources')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--kind <kind>', 'only this kind (txt, md, csv …)')
    .option('--limit <n>', 'page size (1 to 1000)', '100')
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (flags: { tenant?: string; kind?: string; limit: string; cursor?: string }, command: Command) => {
      const options = globals(command);
      const limit = limitFlag(flags.limit, 1000);
      await withServices(options, async (services) => {
        const page = await services.graph.listSources(await tenantOf(services, flags.tenant), { kind: flags.kind, limit, cursor: flags.cursor });
        emit(options.json ?? false, page, () => {
          const body = table(
            ['ID', 'KIND', 'STATUS', 'URI'],
            page.items.map((source) => [source.id, source.kind, source.status, source.uri]),
          );
          return page.nextCursor ? `${body}\nmore: --cursor ${page.nextCursor}` : body;
        });
      });
    });
  sources
    .command('quarantine <source>')
    .description('rows of a structured source that were not stored: file, row, column and reason (by ID, URI or file path)')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(
      onSource(async (services, tenantId, id, json) => {
        await services.graph.getSource(tenantId, id);
        const items = await quarantineOf(services.store, tenantId, id);
        emit(json, { items }, () =>
          items.length === 0
            ? 'no quarantined rows'
            : table(
                ['FILE', 'ROW', 'COLUMN', 'REASON'],
                items.map((entry) => [entry.file, entry.row, entry.column ?? '-', entry.reason]),
              ),
        );
      }),
    );
  sources
    .command('rm <source>')
    .description('remove a source (by ID, URI or file path): retracts its evidence and deletes facts that came only from it')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(
      onSource(async (services, tenantId, id, json) => {
        const result = await services.graph.deleteSource(tenantId, id);
        emit(
          json,
          { id, ...result },
          () =>
            `removed source ${id}: ${result.retractedEvidence} evidence retracted, ${result.deletedEntities} entities and ${result.deletedRelations} relations deleted`,
        );
      }),
    );

  const datasets = program.command('datasets').description('read the datasets that mapped files fill');
  datasets
    .command('list')
    .description('list datasets with their row counts')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const items = await listDatasets(services.store, await tenantOf(services, flags.tenant));
        emit(options.json ?? false, { items }, () =>
          table(
            ['NAME', 'ROWS', 'KEY', 'UPDATED'],
            items.map((dataset) => [dataset.name, dataset.rowCount, dataset.definition.key.join(','), dataset.updatedAt]),
          ),
        );
      });
    });
  datasets
    .command('rows <name>')
    .description('rows of a dataset in key order, with the row of the file each came from')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--limit <n>', 'rows (1 to 10000)', '50')
    .option('--after <key>', 'continue after this row key')
    .action(async (name: string, flags: { tenant?: string; limit: string; after?: string }, command: Command) => {
      const options = globals(command);
      const limit = limitFlag(flags.limit, 10_000);
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const items = await datasetRowsIfAny(services.store, tenantId, name, limit, flags.after);
        if (!items) throw new TrellisError('not_found', `Dataset ${JSON.stringify(name)} does not exist`);
        emit(options.json ?? false, { items }, () =>
          table(
            ['KEY', 'ROW', 'VALUES'],
            items.map((row) => [row.key, row.row, JSON.stringify(row.values)]),
          ),
        );
      });
    });
}

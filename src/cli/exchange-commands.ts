/** @module CLI commands for moving graphs in and out: `export` (every format, to stdout, a file or, for neo4j-csv, a folder) and `import FILE`. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import {
  type ExportRequest,
  type ImportFormat,
  type ImportProblem,
  type ReadOptions,
  checkExportRequest,
  checkImport,
  defaultBase,
  exportFormats,
  maxCitations,
  neo4jAdminCommand,
  openExport,
  parseExportFormat,
  parseImportFormat,
  parseSubject,
  writeImport,
} from '../exchange/index.js';
import type { Services } from '../server/services.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, exitCodes } from './output.js';

/** A size for people: bytes, kB or MB. */
function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

interface ExportFlags {
  format: string;
  what?: string;
  out?: string;
  citations: string;
  safeCsv?: boolean;
  base: string;
  tenant?: string;
}

interface ImportFlags {
  format: string;
  name?: string;
  defaultEntityType?: string;
  defaultRelationType?: string;
  tenant?: string;
}

function citationsFlag(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count > maxCitations)
    throw new TrellisError('bad_request', `--citations must be an integer from 0 to ${maxCitations}; got ${JSON.stringify(value)}`);
  return count;
}

/** Writes one export to a file: into `<file>.partial` first, renamed when complete, so a failed export leaves no truncated file. */
async function exportToFile(services: Services, tenantId: string, request: ExportRequest, file: string): Promise<number> {
  const partial = `${file}.partial`;
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const stream = await openExport(services, tenantId, request);
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(stream, createWriteStream(partial));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return bytes;
}

/** Registers `export` and `import`. */
export function registerExchangeCommands(program: Command): void {
  program
    .command('export')
    .description('export the graph, its entities or relations, or a dataset (streamed, bounded memory)')
    .requiredOption('--format <format>', exportFormats.join(', '))
    .option('--what <what>', 'graph, entities, relations or dataset:<name> (default: graph; csv needs entities, relations or a dataset)')
    .option('--out <path>', 'file to write (default: stdout); for neo4j-csv of the graph, a folder for nodes.csv, relationships.csv and import.sh')
    .option('--citations <n>', 'citations per fact to include (source, chunk, span, passage)', '0')
    .option('--safe-csv', "csv for spreadsheets: formula-like cells get a leading ' and the file a UTF-8 byte order mark")
    .option('--base <iri>', 'ntriples: the IRI minted IRIs start with', defaultBase)
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (flags: ExportFlags, command: Command) => {
      const options = globals(command);
      const format = parseExportFormat(flags.format);
      const request: ExportRequest = {
        format,
        what: parseSubject(flags.what ?? 'graph'),
        citations: citationsFlag(flags.citations),
        safeCsv: flags.safeCsv ?? false,
        base: flags.base,
      };
      // neo4j-admin reads nodes and relationships from two files: the graph becomes a folder holding both.
      const folder = format === 'neo4j-csv' && request.what.kind === 'graph';
      if (folder && !flags.out)
        throw new TrellisError('bad_request', 'neo4j-csv of the graph is two files: give --out <folder>, or --what entities|relations for one file');
      if (!folder) checkExportRequest(request);
      else checkExportRequest({ ...request, what: { kind: 'entities' } });
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const started = performance.now();
        const out = flags.out;
        if (!out) {
          const stream = await openExport(services, tenantId, request);
          await pipeline(stream, process.stdout, { end: false });
          return;
        }
        const written: { file: string; bytes: number }[] = [];
        if (folder) {
          await mkdir(out, { recursive: true });
          for (const [kind, name] of [
            ['entities', 'nodes.csv'],
            ['relations', 'relationships.csv'],
          ] as const) {
            const file = path.join(out, name);
            written.push({ file, bytes: await exportToFile(services, tenantId, { ...request, what: { kind } }, file) });
          }
          const script = path.join(out, 'import.sh');
          await writeFile(
            script,
            `#!/bin/sh\n# Loads this folder into an empty Neo4j database (run where neo4j-admin is, with the database stopped).\ncd "$(dirname "$0")" && ${neo4jAdminCommand}\n`,
            {
              mode: 0o755,
            },
          );
          written.push({ file: script, bytes: 0 });
        } else {
          written.push({ file: out, bytes: await exportToFile(services, tenantId, request, out) });
        }
        const seconds = (performance.now() - started) / 1000;
        emit(options.json ?? false, { format, what: flags.what ?? 'graph', files: written, seconds }, () =>
          [
            ...written.map((item) => `wrote ${item.file}${item.bytes > 0 ? ` (${size(item.bytes)})` : ''}`),
            `in ${seconds.toFixed(1)} s`,
            ...(folder ? [`load it with: ${neo4jAdminCommand} (or ${path.join(out, 'import.sh')})`] : []),
          ].join('\n'),
        );
      });
    });

  program
    .command('import <file>')
    .description('import a JSONL or GraphML file, all or nothing: every fact cites the file and its line')
    .requiredOption('--format <format>', 'jsonl or graphml')
    .option('--name <name>', 'the name the import is known under (default: the file name)')
    .option('--default-entity-type <type>', 'graphml: the type of nodes without a type', 'Node')
    .option('--default-relation-type <type>', 'graphml: the type of edges without a type or label', 'RELATED_TO')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const options = globals(command);
      const format: ImportFormat = parseImportFormat(flags.format);
      const readOptions: ReadOptions = {};
      for (const [key, value] of [
        ['defaultEntityType', flags.defaultEntityType],
        ['defaultRelationType', flags.defaultRelationType],
      ] as const) {
        if (value === undefined) continue;
        if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(value))
          throw new TrellisError('bad_request', `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a type name; got ${JSON.stringify(value)}`);
        readOptions[key] = value;
      }
      const input = { file: path.resolve(file), name: flags.name ?? path.basename(file), format, options: readOptions };
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        let validation;
        try {
          validation = await checkImport(services, tenantId, input);
        } catch (error) {
          const problems = (error as TrellisError).details?.problems as ImportProblem[] | undefined;
          if (!(error instanceof TrellisError) || !problems || options.json) throw error;
          for (const problem of problems) process.stderr.write(`${input.name}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}\n`);
          process.stderr.write(`error: ${problems.length}${(error.details?.truncated as boolean) ? '+' : ''} problem(s); nothing was imported\n`);
          process.exitCode = exitCodes.usage;
          return;
        }
        const summary = await writeImport(services, tenantId, input, validation, {
          onProgress: (progress) => {
            if (process.stderr.isTTY && !options.json) process.stderr.write(`\rentities ${progress.entities}  relations ${progress.relations}\u001b[K`);
          },
        });
        if (process.stderr.isTTY && !options.json) process.stderr.write('\n');
        emit(options.json ?? false, summary, () =>
          summary.status === 'unchanged'
            ? `${input.name} was imported before with this content (source ${summary.sourceId}); nothing to do`
            : [
                `imported ${input.name} as source ${summary.sourceId} (${summary.uri})`,
                `entities: ${summary.entities.read} read, ${summary.entities.created} created, ${summary.entities.updated} merged`,
                `relations: ${summary.relations.read} read, ${summary.relations.created} created, ${summary.relations.updated} merged`,
                `${size(summary.bytes)} in ${summary.seconds.toFixed(1)} s`,
              ].join('\n'),
        );
      });
    });
}

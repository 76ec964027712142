/** @module CLI commands for views: `view create|list|show|refresh|delete` and `view evidence` (the citations behind a dataset row). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { TrellisError } from '../core/errors.js';
import { type View, parseViewDefinition } from '../views/index.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, table } from './output.js';

/** The definition from `--definition` (JSON or YAML text) or `--file` (a JSON or YAML file). */
function definitionOf(flags: { definition?: string; file?: string }): unknown {
  if ((flags.definition === undefined) === (flags.file === undefined))
    throw new TrellisError('bad_request', 'Give the view definition with exactly one of --definition or --file');
  let text = flags.definition;
  if (flags.file !== undefined) {
    try {
      text = readFileSync(flags.file, 'utf8');
    } catch (error) {
      throw new TrellisError('bad_request', `Cannot read ${flags.file}: ${(error as Error).message}`);
    }
  }
  try {
    return parseYaml(text as string);
  } catch (error) {
    throw new TrellisError('bad_request', `The view definition is not JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** One line about a view's last materialisation. */
function outputLine(view: View): string {
  const lineage = view.lineage;
  if (!lineage) return view.status === 'failed' ? `failed: ${view.error}` : view.status;
  const output = lineage.output;
  if (output.rows !== undefined) return `${output.rows} rows in dataset ${output.dataset}`;
  if (output.vectors !== undefined) return `${output.vectors} row vectors`;
  return `${output.entities} entity and ${output.relations} relation citations${output.skipped ? `, ${output.skipped} parts of rows skipped` : ''}`;
}

function viewText(view: View): string {
  const lineage = view.lineage;
  return [
    `${view.name}  (${view.kind}, ${view.status})`,
    `definition: ${JSON.stringify(view.definition)}`,
    `output: ${outputLine(view)}`,
    ...(lineage
      ? [
          `materialised: ${lineage.materialisedAt} at graph version ${lineage.graphVersion}`,
          `inputs: ${JSON.stringify(lineage.inputs)}`,
          ...(lineage.output.skippedReasons?.length ? ['skipped:', ...lineage.output.skippedReasons.map((reason) => `  - ${reason}`)] : []),
        ]
      : []),
    ...(view.error ? [`last error: ${view.error}`] : []),
  ].join('\n');
}

/** Registers `view …`. */
export function registerViewCommands(program: Command): void {
  const view = program.command('view').description('views: datasets derived from the graph, and graph facts from datasets, with lineage');
  view
    .command('create <name>')
    .description('create a view and materialise it (docs/views.md)')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--definition <json|yaml>', 'the definition, e.g. \'{"kind":"nodes","entityTypes":["Person"],"properties":["born"],"metrics":["degree"]}\'')
    .option('--file <path>', 'a JSON or YAML file holding the definition')
    .action(async (name: string, flags: { tenant?: string; definition?: string; file?: string }, command: Command) => {
      const options = globals(command);
      const definition = parseViewDefinition(definitionOf(flags));
      await withServices(options, async (services) => {
        const { view: created } = await services.views.create(await tenantOf(services, flags.tenant), name, definition, { inline: true });
        emit(options.json ?? false, created, () => `created view ${created.name}: ${outputLine(created)}`);
      });
    });
  view
    .command('list')
    .description('list views')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const views = await services.views.list(await tenantOf(services, flags.tenant));
        emit(options.json ?? false, { items: views }, () =>
          table(
            ['NAME', 'KIND', 'STATUS', 'MATERIALISED', 'OUTPUT'],
            views.map((item) => [item.name, item.kind, item.status, item.materialisedAt, outputLine(item)]),
          ),
        );
      });
    });
  view
    .command('show <name>')
    .description('a view with its definition and lineage')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (name: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const found = await services.views.get(await tenantOf(services, flags.tenant), name);
        emit(options.json ?? false, found, () => viewText(found));
      });
    });
  view
    .command('refresh <name>')
    .description('re-derive a view from its inputs and say whether they changed since')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (name: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const report = await services.views.refresh(await tenantOf(services, flags.tenant), name, { inline: true });
        emit(options.json ?? false, report, () => {
          const rows = report.rows
            ? `rows: ${report.rows.added} added, ${report.rows.removed} removed, ${report.rows.changed} changed, ${report.rows.unchanged} unchanged`
            : '';
          const facts = report.facts
            ? `facts: ${report.facts.entities} entity and ${report.facts.relations} relation citations, ${report.facts.retractedCitations} retracted, ${report.facts.deletedEntities} entities and ${report.facts.deletedRelations} relations removed`
            : '';
          return [
            `refreshed view ${report.view.name}: inputs ${report.inputsChanged ? 'changed' : 'unchanged'} since ${report.previous?.materialisedAt ?? 'never'}`,
            ...report.changes.datasets.map((change) => `  dataset ${change.name}: ${change.before?.rowCount ?? '-'} → ${change.now?.rowCount ?? 'gone'} rows`),
            ...(report.changes.graph ? ['  the graph changed'] : []),
            rows || facts || `output: ${outputLine(report.view)}`,
          ].join('\n');
        });
      });
    });
  view
    .command('delete <name>')
    .description("delete a view with its dataset (a graph view's citations are retracted)")
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (name: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        await services.views.delete(await tenantOf(services, flags.tenant), name);
        emit(options.json ?? false, { deleted: name }, () => `deleted view ${name}`);
      });
    });
  view
    .command('evidence <dataset> <key>')
    .description("the citations behind a dataset row: a view row's graph facts with their evidence, a mapped row's file and row")
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (dataset: string, key: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const found = await services.views.rowEvidence(await tenantOf(services, flags.tenant), dataset, key);
        emit(options.json ?? false, found, () =>
          [
            `${found.dataset} ${found.key}: row ${found.row.number} of ${found.row.title ?? found.row.uri}${found.derivedFrom ? ` (view ${found.derivedFrom.view}, ${found.derivedFrom.kind})` : ''}`,
            ...found.subjects.flatMap((subject) => [
              `${subject.role === 'row' ? '' : `${subject.role} `}${subject.kind} ${subject.id}${subject.exists ? '' : ' (no longer in the graph; refresh the view)'}`,
              ...subject.evidence.map(
                (evidence) =>
                  `  - ${evidence.extractor}${evidence.source ? ` from ${evidence.source.uri}${evidence.source.page ? ` p.${evidence.source.page}` : ''}` : ''}${evidence.start !== null ? ` [${evidence.start}, ${evidence.end})` : ''}${evidence.quote ? `: "${evidence.quote}"` : ''}`,
              ),
            ]),
          ].join('\n'),
        );
      });
    });
}

/** @module PageRank and community columns of nodes views, computed by the graph-analytics service. */
import type { AnalyticsService } from '../graph/analytics/index.js';
import type { MetricsProvider } from './graph-table.js';

/**
 * A metrics provider over the analytics service: `pagerank` runs PageRank, `community` Louvain communities, with the
 * view's parameters (never writing back: the view's transaction holds the tenant's writers, so a write-back would wait
 * for it). Inside the materialisation's transaction no other write of the tenant commits, so the analytics read the
 * graph at the view's version; the parameters, with defaults, and that version land in the lineage.
 * @example
 * const views = createViewService({ ...deps, metrics: analyticsMetrics(analytics) });
 */
export function analyticsMetrics(analytics: Pick<AnalyticsService, 'run'>): MetricsProvider {
  return {
    async compute(tenantId, metric, params = {}) {
      const algorithm = metric === 'pagerank' ? 'pagerank' : 'communities';
      const result = await analytics.run(tenantId, algorithm, { ...params, writeBack: false }, { lane: 'job' });
      const { ids, values } = result.mainValues();
      const byId = new Map<string, number>();
      ids.forEach((id, index) => byId.set(id, values[index] as number));
      return { values: byId, parameters: { algorithm, params: result.params, version: result.version, summary: result.summary } };
    },
  };
}

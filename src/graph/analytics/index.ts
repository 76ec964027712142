/** @module Graph analytics' public door: PageRank, degree, betweenness, components and Louvain communities on an in-memory CSR, in worker threads. */
export {
  type AnalyticsJobView,
  type AnalyticsOutcome,
  type AnalyticsProgress,
  type AnalyticsService,
  type AnalyticsServiceDeps,
  type RowWindow,
  type RunOptions,
  analyticsJobType,
  createAnalyticsService,
  maxTop,
} from './service.js';
export {
  type Algorithm,
  type AnyParams,
  type Params,
  type ParamsInput,
  algorithms,
  checkParams,
  defaultProperty,
  isAlgorithm,
  paramSchemas,
} from './params.js';
export { type AnalyticsColumn, type AnalyticsPage, type AnalyticsResult, type AnalyticsValue, type WriteBackSummary, pageOf } from './table.js';
export { registerAnalyticsRoutes } from './routes.js';

/** What a request handler of the loopback Batch service receives and answers. */
import { applySelect } from './odata.js';
import type { Scheduler } from './scheduler.js';
import type { BatchStore } from './store.js';
import type { Injector } from './inject.js';
import type { JsonObject } from './spec-types.js';
import type { SupportedImage } from './supported-images.js';

export interface RequestContext {
  operationId: string;
  params: Record<string, string>;
  query: Map<string, string>;
  /** Parsed JSON body: an object (the router refuses any other JSON), undefined when the request had none. */
  body: JsonObject | undefined;
  rawBody: Buffer;
  baseUrl: string;
  store: BatchStore;
  scheduler: Scheduler;
  injector: Injector;
  settings: ServiceSettings;
}

/** Service behaviour knobs the handlers read. */
export interface ServiceSettings {
  /** Minimum ms between enableautoscale calls on one pool (the service: 30 s). */
  enableAutoScaleMinIntervalMs: number;
  /** What List Supported Images answers, and what pool creation accepts. */
  supportedImages: readonly SupportedImage[];
  /** The service's clock, for images' end of life. */
  clock: () => Date;
}

interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

/** Headers of a created/updated entity. */
export function entityHeaders(url: string, eTag: string, lastModified: string): Record<string, string> {
  return { ETag: eTag, 'Last-Modified': new Date(lastModified).toUTCString(), DataServiceId: url };
}

/** The body of a Get of one entity: its properties (as `$select` asks) under `odata.metadata` for `entitySet`. */
export function elementBody(ctx: RequestContext, entitySet: string, rendered: JsonObject): JsonObject {
  return { 'odata.metadata': `${ctx.baseUrl}/$metadata#${entitySet}/@Element`, ...applySelect(rendered, ctx.query.get('$select')) };
}

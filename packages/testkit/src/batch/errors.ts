/**
 * The Batch service's error answers: status, code, English message and optional detail values,
 * serialised as `{"odata.metadata":…,"code":…,"message":{"lang":"en-US","value":…},"values":[…]}`.
 */
import { randomUUID } from 'node:crypto';

export interface ErrorDetail {
  key: string;
  value: string;
}

/** Messages the service uses for its well-known codes. */
const MESSAGES: Record<string, [status: number, message: string]> = {
  MissingRequiredQueryParameter: [400, "A query parameter that's mandatory for this request is not specified."],
  InvalidQueryParameterValue: [400, 'Value for one of the query parameters specified in the request URI is invalid.'],
  UnsupportedQueryParameter: [400, 'One of the query parameters specified in the request URI is not supported.'],
  AuthenticationFailed: [
    403,
    'Server failed to authenticate the request. Make sure the value of Authorization header is correctly formed including the signature.',
  ],
  InvalidRequestBody: [400, 'The specified Request Body is not syntactically valid.'],
  MissingRequiredProperty: [400, 'A required property was not specified in the request body.'],
  InvalidPropertyValue: [400, 'The value provided for one of the properties in the request body is invalid.'],
  InvalidHttpVerb: [405, 'The HTTP verb specified is invalid or not supported for this resource.'],
  ResourceNotFound: [404, 'The specified resource does not exist.'],
  PoolExists: [409, 'The specified pool already exists.'],
  PoolNotFound: [404, 'The specified pool does not exist.'],
  PoolBeingDeleted: [409, 'The specified pool has been marked for deletion and is being reclaimed.'],
  JobExists: [409, 'The specified job already exists.'],
  JobNotFound: [404, 'The specified job does not exist.'],
  JobBeingDeleted: [409, 'The specified job has been marked for deletion and is being reclaimed.'],
  JobCompleted: [409, 'The specified job is already in a completed state.'],
  TaskExists: [409, 'The specified task already exists.'],
  TaskNotFound: [404, 'The specified task does not exist.'],
  TaskDependenciesNotSpecifiedOnJob: [409, 'The specified job does not have dependencies enabled, but the task has dependencies.'],
  TaskDependencyListTooLong: [400, 'The task dependency list is too long.'],
  RequestBodyTooLarge: [413, 'The request body is too large and exceeds the maximum permissible limit.'],
  AutoScaleEnabled: [409, 'The operation is not allowed while automatic scaling is enabled on the pool.'],
  AutoScaleNotEnabled: [409, 'Automatic scaling is not enabled on the specified pool.'],
  AutoScaleTooManyRequestsToEnable: [
    409,
    'Too many requests to enable automatic scaling on the pool have been received within a short time. Please wait and try again.',
  ],
  PropertyCannotBeUpdated: [409, 'A property that cannot be updated was specified in the request.'],
  InvalidAutoScaleFormula: [400, 'The specified autoscale formula is invalid.'],
  TooManyRequests: [429, 'The server is throttling requests. Please retry after the time given in the Retry-After header.'],
  InternalServerError: [500, 'Server encountered an internal error. Please try again after some time.'],
  ServerBusy: [503, 'The server is currently unable to receive requests. Please retry your request.'],
};

/** An error the loopback service answers with (thrown inside handlers, turned into a response by the router). */
export class BatchServiceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly values: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: string, values?: ErrorDetail[], options: { status?: number; message?: string; headers?: Record<string, string> } = {}) {
    const known = MESSAGES[code];
    super(options.message ?? known?.[1] ?? code);
    this.name = 'BatchServiceError';
    this.code = code;
    this.status = options.status ?? known?.[0] ?? 400;
    this.values = values;
    this.headers = options.headers ?? {};
  }
}

/** Builds the JSON body of an error answer, the way the service writes it (message with RequestId and Time). */
export function errorBody(
  baseUrl: string,
  error: { code: string; message: string; values?: ErrorDetail[] | undefined },
  requestId: string = randomUUID(),
): Record<string, unknown> {
  return {
    'odata.metadata': `${baseUrl}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code: error.code,
    message: { lang: 'en-US', value: `${error.message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}` },
    ...(error.values?.length ? { values: error.values } : {}),
  };
}

/** Shorthand for the detail list of a property error. */
export function propertyError(code: string, property: string, reason?: string): BatchServiceError {
  const values: ErrorDetail[] = [{ key: 'PropertyName', value: property }];
  if (reason) values.push({ key: 'Reason', value: reason });
  return new BatchServiceError(code, values);
}

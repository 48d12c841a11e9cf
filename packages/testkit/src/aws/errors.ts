/**
 * Errors of the loopback AWS fakes, written as the services write them: for rest-json (AWS Batch) the
 * `x-amzn-ErrorType` header and a body `{ "message" }`; for JSON 1.1 (ECR) a body `{ "__type", "message" }`
 * (and the same header). The SDKs read the code from either.
 */
import { randomUUID } from 'node:crypto';

/** An error a fake answers with: code (the error shape's name), message and HTTP status. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

/** Headers and body of an error answer for `protocol` (`rest-json` or `json`). */
export function errorResponse(error: AwsServiceError, protocol: string): { status: number; headers: Record<string, string>; body: string } {
  const requestId = randomUUID();
  const body = protocol === 'json' ? { __type: error.code, message: error.message } : { message: error.message };
  return {
    status: error.status,
    headers: {
      'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
      'x-amzn-errortype': `${error.code}:http://internal.amazon.com/coral/com.amazonaws.loopback/`,
      'x-amzn-requestid': requestId,
      ...error.headers,
    },
    body: JSON.stringify(body),
  };
}

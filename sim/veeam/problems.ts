import type { ServerResponse } from 'node:http';

export type ErrorCode =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'InvalidToken'
  | 'InvalidURI'
  | 'MethodNotAllowed'
  | 'NotFound'
  | 'NotImplemented'
  | 'ServiceUnavailable'
  | 'UnexpectedContent'
  | 'UnknownError';

/** The vendor's Error schema (problem+json), with the text in `details` as the appliance spells it. */
export interface SimProblem {
  status: number;
  name: string;
  title: string;
  errorCode: ErrorCode;
  details: string;
}

export const problems = {
  apiVersionUnspecified: (): SimProblem => ({
    status: 400,
    name: 'apiVersionUnspecified',
    title: 'API version unspecified',
    errorCode: 'UnexpectedContent',
    details: 'The x-api-version header is required.',
  }),
  unsupportedApiVersion: (v: string, supported: string[]): SimProblem => ({
    status: 400,
    name: 'unsupportedApiVersion',
    title: 'Unsupported API version',
    errorCode: 'UnexpectedContent',
    details: `API version ${v} is not supported. Supported versions: ${supported.join(', ')}.`,
  }),
  noAccessToken: (): SimProblem => ({
    status: 401,
    name: 'noAccessToken',
    title: 'No access token',
    errorCode: 'AccessDenied',
    details: 'The Authorization header is missing.',
  }),
  invalidAccessToken: (): SimProblem => ({
    status: 401,
    name: 'invalidAccessToken',
    title: 'Invalid access token',
    errorCode: 'InvalidToken',
    details: 'The access token is not valid.',
  }),
  expiredAccessToken: (): SimProblem => ({
    status: 401,
    name: 'expiredAccessToken',
    title: 'Expired access token',
    errorCode: 'ExpiredToken',
    details: 'The access token has expired.',
  }),
  accessDenied: (details: string): SimProblem => ({
    status: 401,
    name: 'accessDenied',
    title: 'Access denied',
    errorCode: 'AccessDenied',
    details,
  }),
  notFound: (details: string): SimProblem => ({
    status: 404,
    name: 'resourceNotFound',
    title: 'Resource not found',
    errorCode: 'NotFound',
    details,
  }),
  validation: (details: string): SimProblem => ({
    status: 400,
    name: 'validationError',
    title: 'Validation error',
    errorCode: 'UnexpectedContent',
    details,
  }),
  methodNotAllowed: (): SimProblem => ({
    status: 405,
    name: 'methodNotAllowed',
    title: 'Method not allowed',
    errorCode: 'MethodNotAllowed',
    details: 'Method not allowed.',
  }),
  serviceUnavailable: (status: number): SimProblem => ({
    status,
    name: 'serviceUnavailable',
    title: 'Service unavailable',
    errorCode: 'ServiceUnavailable',
    details: 'The service is temporarily unavailable (injected fault).',
  }),
  tooManyRequests: (): SimProblem => ({
    status: 429,
    name: 'tooManyRequests',
    title: 'Too many requests',
    errorCode: 'ServiceUnavailable',
    details: 'Too many requests (injected fault).',
  }),
};

export function sendProblem(
  res: ServerResponse,
  baseUrl: string,
  p: SimProblem,
  headers: Record<string, string> = {},
): void {
  res.writeHead(p.status, { 'content-type': 'application/problem+json', ...headers });
  res.end(
    JSON.stringify({
      type: `${baseUrl}/api/v1/problems/${p.name}`,
      title: p.title,
      status: p.status,
      errorCode: p.errorCode,
      details: p.details,
      instance: '',
    }),
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

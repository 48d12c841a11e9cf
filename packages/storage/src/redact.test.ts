// The one redactor: every known token shape and every secret value the environment holds.
import { describe, expect, it } from 'vitest';
import { knownSecrets, redact, redactStrings } from './redact.js';

const GHS = `ghs_${'A1b2C3d4'.repeat(5)}`;
const PAT = `github_pat_11ABCDEFG0${'x'.repeat(60)}`;
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOmFjbWUvcHJpY2luZyJ9.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu';
const AKIA = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ACCOUNT_KEY = `${'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw'.slice(0, 86)}==`;

describe('redact', () => {
  it('masks every known token shape and keeps the text around it', () => {
    const text = [
      `INPUT_TOKEN=${GHS}`,
      `pat ${PAT}.`,
      `ACTIONS_ID_TOKEN_REQUEST_TOKEN=${JWT}`,
      `key id (${AKIA})`,
      `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
      `aws_secret_access_key = ${AWS_SECRET}`,
      `{"aws_session_token": "${AWS_SECRET}"}`,
      `https://acct.blob.core.windows.net/c/x?sv=2024&sig=abc%2Bdef&se=1`,
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core`,
      `bare ${ACCOUNT_KEY} key`,
      'ASIA0123456789ABCDEF',
    ].join('\n');
    const out = redact(text);
    for (const secret of [GHS, PAT, JWT, AKIA, AWS_SECRET, ACCOUNT_KEY, 'abc%2Bdef', 'ASIA0123456789ABCDEF'])
      expect(out).not.toContain(secret);
    expect(out.split('\n')).toEqual([
      'INPUT_TOKEN=ghs_***',
      'pat github_pat_***.',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN=eyJ***',
      'key id (AKIA***)',
      'AWS_SECRET_ACCESS_KEY=***',
      'aws_secret_access_key = ***',
      '{"aws_session_token": "***"}',
      'https://acct.blob.core.windows.net/c/x?sv=2024&sig=***&se=1',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core',
      'bare *** key',
      'ASIA***',
    ]);
  });

  it('masks the given values, the longest first, and leaves ordinary text alone', () => {
    expect(redact('token s3cr3t-value and s3cr3t-value-longer', ['s3cr3t-value', 's3cr3t-value-longer'])).toBe('token *** and ***');
    const plain = 'ridge[alpha=0.1]@seoul failed: exit code 1 (predictions.parquet has 3 rows, expected 4); see https://x.test/a?b=c';
    expect(redact(plain, ['true', undefined, ''])).toBe(plain);
  });
});

describe('knownSecrets', () => {
  it('takes the values of the variables that hold secrets, and nothing else', () => {
    const env = {
      INPUT_TOKEN: 'ghs_token-value',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
      AWS_SESSION_TOKEN: 'aws-session-value',
      AZURE_CLIENT_SECRET: 'azure-client-secret',
      AZURE_STORAGE_KEY: 'storage-key-value',
      MY_DB_PASSWORD: 'hunter2-long',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/token',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/x',
      AWS_ACCESS_KEY_ID: 'not-listed-here',
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      GITHUB_TOKEN: 'short',
    };
    expect(knownSecrets(env).sort()).toEqual(
      [
        'ghs_token-value',
        'oidc-request-token',
        'runtime-token-value',
        'aws-secret-value',
        'aws-session-value',
        'azure-client-secret',
        'storage-key-value',
        'hunter2-long',
      ].sort(),
    );
  });

  it('masks every string of a JSON value, keys too, and keeps numbers, booleans and nulls', () => {
    const value = { [`key ${GHS}`]: [JWT, 0.5, null, { nested: `plain-known-secret ${AKIA}`, ok: true }], rmse: 1.25 };
    const masked = redactStrings(value, ['plain-known-secret']);
    expect(masked).toEqual({ 'key ghs_***': ['eyJ***', 0.5, null, { nested: '*** AKIA***', ok: true }], rmse: 1.25 });
    expect(JSON.stringify(value)).toContain(GHS); // the input is left as it was
  });

  it('redacts a value that writes itself to JSON as it will be written, not as its fields', () => {
    const literal = { value: 1, literal: '1.0', toJSON: () => 1 };
    const note = { toJSON: () => `token ${GHS}` };
    expect(redactStrings({ max_features: literal, note })).toEqual({ max_features: 1, note: 'token ghs_***' });
  });
});

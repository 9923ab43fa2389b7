import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact } from './redact.ts';

const cases: { name: string; in: string; out: string }[] = [
  { name: 'authorization header', in: 'sent Authorization: Bearer abc.def-ghi_123', out: 'sent Authorization: Bearer <redacted>' },
  { name: 'lower-case bearer', in: 'bearer xyz', out: 'bearer <redacted>' },
  { name: 'hello token field', in: '{"type":"hello","token":"s3cr3t","versions":[1]}', out: '{"type":"hello","token":"<redacted>","versions":[1]}' },
  { name: 'plain text untouched', in: 'connected to https://127.0.0.1:6443', out: 'connected to https://127.0.0.1:6443' },
];
for (const c of cases) test(`redact: ${c.name}`, () => assert.equal(redact(c.in), c.out));

/**
 * The validator configuration that checks the content API's documents, proven on IPTC's own
 * conformance vectors: every should_pass validates, every should_fail is rejected, following the
 * mapping of upstream's validation script (test/fixtures/ninjs/README.md).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { jsonFiles, ninjsValidators, readVector, type SchemaVersion } from '../fixtures/ninjs/validator.js';

const validators = ninjsValidators();

const MAPPING: Array<{ schema: SchemaVersion; pass: string[]; fail: string[] }> = [
  {
    schema: '3.1',
    pass: ['test_suite/3.1/should_pass', 'test_suite/3.0/should_pass', 'examples/providers-3.0'],
    fail: ['test_suite/3.1/should_fail', 'test_suite/3.0/should_fail'],
  },
  { schema: '3.0', pass: ['test_suite/3.0/should_pass'], fail: ['test_suite/3.0/should_fail'] },
  {
    schema: '2.2',
    pass: ['test_suite/2.2/should_pass', 'test_suite/2.1/should_pass', 'examples/providers-2.1'],
    fail: ['test_suite/2.2/should_fail', 'test_suite/2.1/should_fail'],
  },
  { schema: '2.1', pass: ['test_suite/2.1/should_pass'], fail: ['test_suite/2.1/should_fail'] },
];

for (const { schema, pass, fail } of MAPPING) {
  test(`ninjs ${schema} schema: IPTC should_pass vectors validate`, () => {
    const validate = validators[schema];
    const files = pass.flatMap(jsonFiles);
    assert.ok(files.length > 0);
    const failures = files.filter((f) => !validate(readVector(f))).map((f) => `${path.basename(f)}: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
    assert.deepEqual(failures, [], `should_pass vectors rejected under ${schema}`);
  });

  test(`ninjs ${schema} schema: IPTC should_fail vectors are rejected`, () => {
    const validate = validators[schema];
    const files = fail.flatMap(jsonFiles);
    assert.ok(files.length > 0);
    const accepted = files.filter((f) => validate(readVector(f))).map((f) => path.basename(f));
    assert.deepEqual(accepted, [], `should_fail vectors accepted under ${schema}`);
  });
}

test('the validator enforces formats (a uri that is not a URI fails)', () => {
  assert.equal(validators['2.2']({ uri: 'http://example.org/a', versioncreated: '2026-01-01T00:00:00Z' }), true);
  assert.equal(validators['2.2']({ uri: 'not a uri' }), false);
  assert.equal(validators['3.1']({ uri: 'http://example.org/a', versionCreated: 'yesterday' }), false);
  // Unknown top-level properties are refused (unevaluatedProperties: false).
  assert.equal(validators['3.1']({ uri: 'http://example.org/a', headline: 'ninjs 1.x spelling' }), false);
});

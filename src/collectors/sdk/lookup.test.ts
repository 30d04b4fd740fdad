import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookup } from './lookup.ts';

const STATES: Record<string, 'idle' | 'printing'> = { idle: 'idle', PRINTING: 'printing' };

describe('lookup', () => {
  it("answers the table's own entries", () => {
    assert.equal(lookup(STATES, 'idle'), 'idle');
    assert.equal(lookup(STATES, 'PRINTING'), 'printing');
  });

  it('answers undefined for a word the table does not hold', () => {
    assert.equal(lookup(STATES, 'printing'), undefined);
    assert.equal(lookup(STATES, ''), undefined);
    assert.equal(lookup(STATES, undefined), undefined);
    assert.equal(lookup(STATES, null), undefined);
  });

  it('never answers what every object inherits', () => {
    for (const word of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      '__defineGetter__',
    ]) {
      assert.equal(lookup(STATES, word), undefined, word);
    }
  });

  it('keeps numeric keys (a table keyed by a code)', () => {
    const severity: Record<number, 'fatal' | 'info'> = { 1: 'fatal', 4: 'info' };
    assert.equal(lookup(severity, 1), 'fatal');
    assert.equal(lookup(severity, 2), undefined);
  });

  it('answers an own entry even when the table has no prototype or shadows an inherited name', () => {
    const bare: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
      a: 1,
    });
    assert.equal(lookup(bare, 'a'), 1);
    assert.equal(lookup(bare, 'toString'), undefined);
    assert.equal(lookup({ constructor: 'own' }, 'constructor'), 'own');
  });
});

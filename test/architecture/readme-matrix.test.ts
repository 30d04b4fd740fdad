import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allCollectors } from '../../src/collectors/all.ts';
import { COMMAND_TYPES, type CommandType } from '../../src/shared/model/commands.ts';

const README = join(import.meta.dirname, '../..', 'README.md');
const HEADER = `| collector | ${COMMAND_TYPES.join(' | ')} |`;

/** Per collector id, the command types it takes, sorted: the matrix as data. */
type Matrix = Record<string, CommandType[]>;

/**
 * What the README must say: each definition's `commands`, plus `check_configuration`, which is
 * Echo's own connection test and so applies to every collector.
 */
function expectedMatrix(): Matrix {
  const matrix: Matrix = {};
  for (const definition of allCollectors().list()) {
    const takes = new Set<CommandType>([...(definition.commands ?? []), 'check_configuration']);
    matrix[definition.id] = COMMAND_TYPES.filter((type) => takes.has(type));
  }
  return matrix;
}

/**
 * The README's capability matrix, read back: the rows below the header, each naming one or more
 * collector ids (in backticks) in its first cell. A cell says `yes` or `no`, then optionally a note
 * (`yes (FTPS)`); anything else is a mistake in the table, reported as such.
 */
function readmeMatrix(text: string): Matrix {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === HEADER);
  assert.ok(start >= 0, `README.md has the capability matrix header: ${HEADER}`);
  const matrix: Matrix = {};
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    assert.equal(cells.length, COMMAND_TYPES.length + 1, `columns of: ${line}`);
    const ids = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    assert.ok(ids.length > 0, `a collector id in: ${line}`);
    const takes = COMMAND_TYPES.filter((type, i) => {
      const cell = cells[i + 1]!;
      assert.match(cell, /^(yes|no)\b/, `"${cell}" (${type} in: ${line}) starts with yes or no`);
      return cell.startsWith('yes');
    });
    for (const id of ids) {
      assert.ok(!(id in matrix), `${id} is in one row only`);
      matrix[id] = takes;
    }
  }
  return matrix;
}

const sorted = (matrix: Matrix): Matrix =>
  Object.fromEntries(Object.entries(matrix).sort(([a], [b]) => a.localeCompare(b)));

test('README’s remote-command matrix lists every registered collector with the commands its definition declares', () => {
  assert.deepEqual(sorted(readmeMatrix(readFileSync(README, 'utf8'))), sorted(expectedMatrix()));
});

test('the matrix check sees a missing collector and a wrong cell', () => {
  const text = readFileSync(README, 'utf8');
  const expected = sorted(expectedMatrix());
  const rowOf = (id: string) => {
    const row = text.split('\n').find((line) => line.startsWith(`| \`${id}\``));
    assert.ok(row, `the ${id} row`);
    return row;
  };
  // A collector dropped from its row.
  const ultimaker = rowOf('ultimaker');
  const missing = text.replace(ultimaker, ultimaker.replace('`ultimaker`', '`nobody`'));
  assert.notDeepEqual(sorted(readmeMatrix(missing)), expected);
  // A command claimed that the definition does not declare (slm's start_job).
  const slm = rowOf('slm');
  const claimed = text.replace(slm, slm.replace('| no |', '| yes |'));
  assert.notDeepEqual(sorted(readmeMatrix(claimed)), expected);
});

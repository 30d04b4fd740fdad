import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENDPOINTS } from './endpoints.ts';
import { ROUTES } from './routes.ts';
import { APP_ROUTES } from './routes-app.ts';
import { CLOUD_ROUTES } from './routes-cloud.ts';
import { COMMAND_ROUTES } from './routes-commands.ts';
import { MACHINE_DISCOVERY_ROUTES, MACHINE_EDIT_ROUTES, MACHINE_ROUTES } from './routes-machines.ts';
import { SETTINGS_ROUTES } from './routes-settings.ts';
import { SYNC_ROUTES } from './routes-sync.ts';

// The area tables are spread into ROUTES; the compiler checks that every endpoint has a row, but
// not that a name appears once: a row repeated in another table would silently replace the first.
test('every route is in exactly one area table, and ROUTES has them all', () => {
  const tables = [
    APP_ROUTES,
    MACHINE_ROUTES,
    COMMAND_ROUTES,
    MACHINE_EDIT_ROUTES,
    SETTINGS_ROUTES,
    MACHINE_DISCOVERY_ROUTES,
    SYNC_ROUTES,
    CLOUD_ROUTES,
  ];
  const names = tables.flatMap((table) => Object.keys(table));
  assert.equal(new Set(names).size, names.length, `a name in two tables: ${names.join(', ')}`);
  assert.deepEqual(Object.keys(ROUTES), names);
  assert.deepEqual(new Set(Object.keys(ROUTES)), new Set(Object.keys(ENDPOINTS)));
});

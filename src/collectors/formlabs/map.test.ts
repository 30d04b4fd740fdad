import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineSnapshot } from '../../shared/model/machine-snapshot.ts';
import { historicPrint, toSnapshot } from './map.ts';
import { localDevice, webPrint, webPrinter } from './protocol.ts';

test('a status or print-run status that names what every object inherits is unknown, and the snapshot is accepted', () => {
  // The words are upper-cased before the lookup, which alone hides them today; the lookup must
  // stay safe whatever case the table is written in.
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const printer = webPrinter.parse({
      serial: 'Form4-1',
      printer_status: { status: word, current_print_run: { guid: 'r1', name: 'ring', status: word } },
    });
    const web = toSnapshot({ source: 'web', printer });
    machineSnapshot.parse(web.snapshot);
    assert.equal(web.snapshot.state, 'unknown', word);
    assert.equal(web.snapshot.job?.result, undefined, word);
    assert.equal(web.unknownState, word);
    const local = toSnapshot({ source: 'local', device: localDevice.parse({ id: 'Form4-1', status: word }) });
    machineSnapshot.parse(local.snapshot);
    assert.equal(local.snapshot.state, 'unknown', word);
    assert.equal(local.unknownState, word);
    // A print whose status is no outcome is not an ended job of the history.
    const print = webPrint.parse({
      guid: 'p1',
      printer: 'Form4-1',
      status: word,
      print_started_at: '2026-01-01T00:00:00Z',
      print_finished_at: '2026-01-01T01:00:00Z',
    });
    assert.equal(historicPrint(print, 'Form4-1'), undefined, word);
  }
});

import assert from 'node:assert/strict';
import { ValueBindings } from '../../lib/runner/replay-bindings.js';
import type { RequestView } from '../../lib/runner/cassette.js';

const view = (ordrIdxx: string, ordrNo = ordrIdxx): RequestView => ({
  options: { tx_cd: '00100000', ordr_idxx: ordrIdxx },
  sets: { ordr_data: { ordr_mony: '1000', ordr_no: ordrNo } },
  encoding: 'euc-kr',
});

describe('ValueBindings (replay of generated ids)', () => {
  it('leaves a new value out of matching, then replaces it by the recorded value it met', () => {
    const b = new ValueBindings(new Set(['ordr_idxx', 'ordr_no']));
    const first = b.prepare(view('GEN-1'));
    assert.deepEqual(first.unbound, ['ordr_idxx', 'ordr_data.ordr_no']);
    b.bind(view('GEN-1'), view('REC-1'), first.unbound);
    const again = b.prepare(view('GEN-1'));
    assert.deepEqual(again.unbound, []);
    assert.deepEqual(again.view, view('REC-1'));
  });

  it('does not let a second generated value take a recorded value already bound', () => {
    const b = new ValueBindings(new Set(['ordr_idxx', 'ordr_no']));
    const first = b.prepare(view('GEN-1'));
    b.bind(view('GEN-1'), view('REC-1'), first.unbound);
    const second = b.prepare(view('GEN-2'));
    assert.equal(b.accepts(view('GEN-2'), view('REC-1'), second.unbound), false);
    assert.equal(b.accepts(view('GEN-2'), view('REC-2'), second.unbound), true);
  });

  it('is inactive without names, and never binds empty values', () => {
    assert.equal(new ValueBindings(new Set()).active, false);
    const b = new ValueBindings(new Set(['ordr_idxx']));
    assert.deepEqual(b.prepare(view('')).unbound, []);
  });
});

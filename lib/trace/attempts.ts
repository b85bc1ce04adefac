/**
 * The payment store's side of a story. On the REST transport there is no pp_cli log: what happened to an order is the
 * SDK's log lines (its tx.* exchanges and payment.* steps) and the store's attempts. This finds the attempts a story
 * names — by the attempt ids its payment.* lines carry (settled ones too), and among the open attempts by order id,
 * tno or id — reading the store only.
 */
import type { Attempt, PaymentStore } from '../store/types.js';
import type { TraceQueryResult } from './types.js';

/** How many open attempts are read at most (a shop with more open attempts than this has other problems). */
export const MAX_OPEN_ATTEMPTS = 10_000;

/** The attempts of the transaction `result` tells, oldest first; each once. */
export async function attemptsOf(store: Pick<PaymentStore, 'get' | 'listOpen'>, result: Pick<TraceQueryResult, 'query' | 'ids' | 'entries'>): Promise<Attempt[]> {
  const wanted = new Set([result.query, ...result.ids]);
  const found = new Map<string, Attempt>();
  const logged = new Set(result.entries.filter((e) => e.source === 'sdk' && e.step.startsWith('payment.') && e.fields.id).map((e) => e.fields.id!));
  for (const id of logged) {
    const attempt = await store.get(id);
    if (attempt && (wanted.has(attempt.ordrIdxx) || (attempt.tno !== undefined && wanted.has(attempt.tno)))) found.set(id, attempt);
  }
  for (const a of await store.listOpen(MAX_OPEN_ATTEMPTS)) {
    if (wanted.has(a.id) || wanted.has(a.ordrIdxx) || (a.tno !== undefined && wanted.has(a.tno))) found.set(a.id, a);
  }
  return [...found.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

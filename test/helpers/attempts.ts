/** New attempts for the store's tests: unique ids, this process as owner, a minute's lease, committed in the store. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { currentOwner } from '../../lib/store/owner.js';
import type { NewAttempt } from '../../lib/store/types.js';

/** A maker of attempts whose ids start with `prefix` (unique per file run: put the pid or a random tag in it). */
export function attemptMaker(prefix: string): (ordrIdxx: string, over?: Partial<NewAttempt>) => NewAttempt {
  let seq = 0;
  return (ordrIdxx, over = {}) => ({
    id: `${prefix}-${++seq}`,
    ordrIdxx,
    amount: '1000',
    owner: currentOwner(),
    leaseUntil: Date.now() + 60_000,
    commitMode: 'store',
    durableOutput: true,
    ...over,
  });
}

/** The attempts' answer files (`*.out`) under an answers folder, in every writer's folder, as full paths. */
export function answerFilesUnder(answersDir: string): string[] {
  if (!existsSync(answersDir)) return [];
  return readdirSync(answersDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.out'))
    .map((f) => path.join(answersDir, f));
}

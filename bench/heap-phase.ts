/**
 * Runs in a child Node with --max-old-space-size=4096 --expose-gc (started by bench/run.ts): grows
 * the JS heap to about HEAP_GB gigabytes of retained arrays and objects (on-heap, so RSS and the
 * page tables a fork() must copy really grow), then measures every runner and the facade in rounds
 * (bench/rounds.ts), the C floor in each round carrying as much touched memory as this process.
 * Prints one JSON line.
 * Usage: node --max-old-space-size=4096 --expose-gc --import tsx bench/heap-phase.ts DIR PER_ROUND ROUNDS HEAP_GB
 */
import { join } from 'node:path';

import { measureRounds } from './rounds.js';

const [dir, perRoundArg, roundsArg, gbArg] = process.argv.slice(2);
const targetBytes = Number(gbArg) * 1024 ** 3;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Keeps everything reachable for the whole run. */
const retained: unknown[] = [];

function grow(): void {
  const chunkLen = 1 << 20; // 8 MiB of doubles per array
  for (let n = 0; ; n++) {
    if (n % 16 === 0) {
      gc(); // count live data only, not garbage from array growth
      if (process.memoryUsage().heapUsed >= targetBytes) return;
    }
    const doubles = new Array<number>(chunkLen);
    for (let i = 0; i < chunkLen; i++) doubles[i] = i + 0.5;
    retained.push(doubles);
    // Some pointer-rich structure too, so the heap is not only flat arrays.
    const objects = new Array<{ id: number; name: string; next: unknown }>(16384);
    for (let i = 0; i < objects.length; i++) objects[i] = { id: i, name: `o${i}`, next: objects[i - 1] ?? null };
    retained.push(objects);
  }
}

async function main(): Promise<void> {
  grow();
  gc();
  const mem = process.memoryUsage();
  const bin = { stub: join(dir!, 'home', 'bin', 'pp_cli'), loop: join(dir!, 'spawn_loop') };
  const rounds = await measureRounds(bin, dir!, Number(perRoundArg), Number(roundsArg), Math.round(mem.rss / 1024 ** 2));
  console.log(JSON.stringify({ heapUsedGB: mem.heapUsed / 1024 ** 3, rssGB: mem.rss / 1024 ** 3, rounds }));
}

await main();

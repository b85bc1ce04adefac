/**
 * common_return notifications as KCP sends them: an EUC-KR form POST to the merchant's notify URL, re-sent until
 * the answer holds result=0000, at most `maxAttempts` times (KCP: 10). The schedule is configurable so tests run
 * in milliseconds; every timer is tracked so closing the simulator stops pending re-sends.
 */
import http from 'node:http';
import { encodeForm } from './codec.js';
import type { Fields } from './methods.js';

export interface DeliveryAttempt {
  at: Date;
  status: number | null;
  /** The answer body (first 2 KiB, latin1) or the connection error. */
  answer: string;
  accepted: boolean;
}

export interface DeliveryReport {
  notiId: string;
  txCd: string;
  tno: string;
  url: string;
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

export interface NotifierOptions {
  /** Delay before attempt n+1 after attempt n failed (ms); the last value repeats. Default: 1 min, 5 min, 10 min … */
  retryDelaysMs?: readonly number[];
  /** KCP re-sends at most 10 times. */
  maxAttempts?: number;
  /** Per-attempt HTTP timeout. */
  timeoutMs?: number;
}

const DEFAULT_DELAYS = [60_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** True when the merchant's answer says it processed the notification (`result=0000` or value="0000"). */
export function isAccepted(body: string): boolean {
  if (/(^|[^A-Za-z0-9_])result=0000(?![0-9])/.test(body)) return true;
  for (const tag of body.match(/<input\b[^>]*>/gi) ?? []) {
    if (/\bname\s*=\s*["']?result["'\s>]/i.test(tag) && /\bvalue\s*=\s*["']?0000["'\s>/]/i.test(tag)) return true;
  }
  return false;
}

export class Notifier {
  readonly reports: DeliveryReport[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: NotifierOptions = {}) {}

  /** Send `fields` to `url` until accepted or out of attempts; resolves with the report either way. */
  send(url: string, fields: Fields): Promise<DeliveryReport> {
    const get = (k: string) => fields.find(([f]) => f === k)?.[1] ?? '';
    const report: DeliveryReport = {
      notiId: get('noti_id'), txCd: get('tx_cd'), tno: get('tno'), url, delivered: false, attempts: [],
    };
    this.reports.push(report);
    const body = encodeForm(fields);
    const max = Math.min(this.options.maxAttempts ?? 10, 10);
    const delays = this.options.retryDelaysMs ?? DEFAULT_DELAYS;
    return new Promise((resolve) => {
      const finish = () => {
        this.waiting.delete(finish);
        resolve(report);
      };
      this.waiting.add(finish);
      const attempt = async (n: number): Promise<void> => {
        if (this.closed) return finish();
        const result = await post(url, body, this.options.timeoutMs ?? 10_000);
        report.attempts.push(result);
        if (result.accepted) report.delivered = true;
        if (result.accepted || n + 1 >= max || this.closed) return finish();
        const delay = delays[Math.min(n, delays.length - 1)] ?? 0;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void attempt(n + 1);
        }, delay);
        this.timers.add(timer);
      };
      void attempt(0);
    });
  }

  /** Stop re-sending; pending reports resolve as they are. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const finish of [...this.waiting]) finish();
  }
}

function post(url: string, body: Buffer, timeoutMs: number): Promise<DeliveryAttempt> {
  return new Promise((resolve) => {
    const at = new Date();
    let settled = false;
    const done = (a: DeliveryAttempt) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    let req: http.ClientRequest;
    try {
      req = http.request(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': body.length,
          'User-Agent': 'KCP-PayPlus-Simulator',
        },
        timeout: timeoutMs,
      });
    } catch (err) {
      done({ at, status: null, answer: String(err), accepted: false });
      return;
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const answer = Buffer.concat(chunks).subarray(0, 2048).toString('latin1');
        done({ at, status: res.statusCode ?? null, answer, accepted: res.statusCode === 200 && isAccepted(answer) });
      });
      res.on('error', (err) => done({ at, status: res.statusCode ?? null, answer: err.message, accepted: false }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ at, status: null, answer: err.message, accepted: false }));
    req.end(body);
  });
}

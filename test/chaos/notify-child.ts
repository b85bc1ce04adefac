/**
 * A worker of the notification kill campaign (notify-kill.test.ts): delivers the notifications of its plan to an
 * inbox that runs the handler in the store's transaction, and kills itself with SIGKILL where the plan says — before
 * the handler's write, after it (inside the open transaction), or after the commit (before answering KCP). Prints one
 * JSON line per delivery it finished.
 */
import { NotificationInbox, PaymentStoreNotifications, parseNotification } from '../../lib/notify/index.js';
import { openStore } from '../../lib/store/open.js';

export type KillPoint = 'before-write' | 'after-write' | 'after-commit';
export interface ChildPlan {
  deliveries: Array<{ id: string; kill?: KillPoint }>;
  /**
   * The control run (SQLite): the handler writes on a connection of its own, outside the store's transaction, as a
   * handler without handleInStore does. Delivery is then at least once.
   */
  outside?: boolean;
}

const [location, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson!) as ChildPlan;
const mark = location!.startsWith('postgres') ? ['$1', '$2'] : ['?', '?'];

const store = await openStore(location!);
const inbox = new NotificationInbox({ store: new PaymentStoreNotifications(store), handleInStore: !plan.outside, waitMs: 20_000 });
const own = plan.outside ? new (await import('better-sqlite3')).default(location!) : undefined;
own?.pragma('busy_timeout = 10000');
const die = () => process.kill(process.pid, 'SIGKILL');

for (const d of plan.deliveries) {
  const body = new URLSearchParams({
    site_cd: 'T0000', tno: '20120101999999', order_no: `ORD-${d.id}`, tx_cd: 'TX00', tx_tm: '20120101000000',
    ipgm_mnyx: '1004', op_cd: '50', noti_id: d.id,
  }).toString();
  const outcome = await inbox.handle(parseNotification(body, { remoteIp: '203.238.36.58', env: 'TEST' }), async (n, tx) => {
    if (d.kill === 'before-write') die();
    if (own) own.prepare('INSERT INTO shop_deposits (noti_id, pid) VALUES (?, ?)').run(n.id, process.pid);
    else await tx!.query(`INSERT INTO shop_deposits (noti_id, pid) VALUES (${mark[0]}, ${mark[1]})`, [n.id, process.pid]);
    if (d.kill === 'after-write') die();
  });
  if (d.kill === 'after-commit') die();
  process.stdout.write(`${JSON.stringify({ id: d.id, status: outcome.status, error: outcome.error === undefined ? undefined : String(outcome.error) })}\n`);
}
own?.close();
await store.close();

/**
 * Recurring billing (정기결제) in the sample shop, shown when it runs on KCP's REST API (KCP_TRANSPORT=rest):
 * - `/billing`: the buyer registers a card through KCP's batch-key window (the standard-web window with
 *   card_cert_type=BATCH); the window's result goes to `/billing/register`, which has KCP issue the batch key
 *   (payplus.billing.issueKey) and keeps it in the shop's database (db.ts), never on a page;
 * - staff see every subscription with a "charge this period" button: payplus.billing.charge charges the month once,
 *   ever — a second press, in this worker or another, is refused by the payment store with the first charge's state.
 * The plan's amount is the shop's, never the form's. Uses the package's public API (root and kcp-payplus/gateway).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type express from 'express';
import type { Request, Response } from 'express';
import { KcpError, escapeHtml as e, standardWebOrderPage, type PayPlus, type SiteConfData } from '../lib/index.js';
import { KcpPeriodChargedError } from '../lib/gateway/index.js';
import { SubscriptionStore, type SubscriptionRow } from './db.js';
import { buyerKey, type Flash, type ShopSecurity, type Visitor } from './security.js';
import { csrfField, layout, refusedPage, won } from './views.js';

/** The one plan the sample sells. */
export const PLAN = Object.freeze({ name: '월간 구독', amount: 9900 });
/** bt_group_id: the batch group made in KCP's admin (배치결제 > 그룹관리); the simulator takes any. */
export const BATCH_GROUP = 'BA0011000348';

const STATUS: Record<string, string> = { approved: '결제 완료', declined: '결제 실패', unknown: '확인 중', cancelled: '자동 취소', cancel_failed: '확인 중' };

export interface BillingDeps {
  payplus: PayPlus;
  conf: SiteConfData;
  security: ShopSecurity;
  dataDir: string;
  send: (res: Response, status: number, html: string) => void;
  visitorOf: (res: Response) => Visitor;
}

/** This month in Korean time, e.g. '2026-12': the period a staff charge is for. */
export function currentPeriod(now = Date.now()): string {
  return new Date(now + 9 * 3600_000).toISOString().slice(0, 7);
}

/** The registration form: hidden fields for the batch-key window (docs/kcp-rest-api.md §3.4), under the shop's body limit. */
function registerForm(conf: SiteConfData, visitor: Visitor): { head: string; form: string } {
  const id = `SUB${randomBytes(4).toString('hex').toUpperCase()}`;
  const page = standardWebOrderPage(conf, { ordrIdxx: id, payMethod: 'card', goodName: PLAN.name, goodMny: PLAN.amount }, { action: '/billing/register', formName: 'batch_info' });
  const fields: Record<string, string> = {
    site_cd: conf.siteCd, ordr_idxx: id, pay_method: 'AUTH:CARD', good_name: PLAN.name, good_mny: String(PLAN.amount), module_type: '01',
    card_cert_type: 'BATCH', batch_soc: 'Y', kcpgroup_id: BATCH_GROUP, res_cd: '', res_msg: '', enc_data: '', enc_info: '', tran_cd: '',
  };
  const hidden = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`).join('\n');
  return {
    head: page.head,
    form: `<form name="batch_info" id="batch_info" method="post" action="/billing/register" accept-charset="utf-8">
${hidden}${csrfField(visitor.csrf.buyer)}
<button type="button" id="register" class="pay" onclick="${e(page.payOnClick)}">카드 등록</button></form>`,
  };
}

function subscriptionRow(s: SubscriptionRow, subs: SubscriptionStore, visitor: Visitor): string {
  const charges = subs.charges(s.id).map((c) => `<li data-period="${e(c.period)}">${e(c.period)}: <span class="status">${e(STATUS[c.status] ?? c.status)}</span></li>`).join('');
  const button = visitor.csrf.staff
    ? `<form method="post" action="/staff/billing/${encodeURIComponent(s.id)}/charge">${csrfField(visitor.csrf.staff)}<button type="submit" id="charge-${e(s.id)}">${e(currentPeriod())} 결제</button></form>`
    : '';
  return `<tr id="sub-${e(s.id)}"><td>${e(s.id)}</td><td class="card">${e(s.card_name)} ${e(s.card_mask_no)}</td><td>${e(s.plan_name)} ${e(won(s.amount))}</td>
<td><ul id="charges-${e(s.id)}">${charges}</ul>${button}</td></tr>`;
}

function billingPage(conf: SiteConfData, subs: SubscriptionStore, visitor: Visitor, flash: Flash | undefined): string {
  const { head, form } = registerForm(conf, visitor);
  const rows = subs.list(visitor.staff ? undefined : buyerKey(visitor.browserId)).map((s) => subscriptionRow(s, subs, visitor)).join('\n');
  const notice = flash ? `<p class="notice ${flash.ok ? 'ok' : 'error'}" id="notice" role="${flash.ok ? 'status' : 'alert'}">${e(flash.text)}</p>` : '';
  return layout(
    '정기결제',
    `<h1>정기결제</h1>${notice}
<p>${e(PLAN.name)} ${e(won(PLAN.amount))}: 카드를 한 번 등록하면 매월 그 카드로 결제됩니다.</p>
${form}
<table id="subscriptions"><thead><tr><th>구독</th><th>카드</th><th>상품</th><th>결제</th></tr></thead><tbody>${rows}</tbody></table>`,
    head,
    visitor,
  );
}

/** Adds the billing routes to the shop (after its form checks); returns what closes the subscription store. */
export function mountBilling(app: express.Express, deps: BillingDeps): { close(): void } {
  const { payplus, conf, security, send, visitorOf } = deps;
  const subs = new SubscriptionStore(path.join(deps.dataDir, 'shop.sqlite'));

  app.get('/billing', (_req, res) => {
    const visitor = visitorOf(res);
    send(res, 200, billingPage(conf, subs, visitor, security.takeFlash(visitor)));
  });

  /** The batch-key window's result: KCP issues the key for the card; the shop keeps it with the plan's own amount. */
  app.post('/billing/register', async (req: Request, res: Response) => {
    const body = req.body as Record<string, string | undefined>;
    const id = String(body.ordr_idxx ?? '');
    if (!/^SUB[0-9A-F]{8}$/.test(id) || subs.get(id) || body.res_cd !== '0000') {
      const r = refusedPage('카드 등록 오류', '카드를 등록하지 못했습니다. 다시 시도해 주세요.');
      return send(res, r.status, r.html);
    }
    try {
      const key = await payplus.billing.issueKey({ encData: body.enc_data ?? '', encInfo: body.enc_info ?? '', tranCd: body.tran_cd ?? '' });
      const visitor = visitorOf(res);
      subs.add({ id, buyer_key: buyerKey(visitor.browserId), plan_name: PLAN.name, amount: PLAN.amount, batch_key: key.batchKey, card_name: key.cardName, card_mask_no: String(body.card_mask_no ?? '').slice(0, 20) });
      res.redirect(303, '/billing');
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      payplus.logger.log({ level: 0, event: 'shop.batch_key_failed', ordrIdxx: id, fields: { code: err.code, res_cd: err.resCd ?? '', reason: err.message } });
      const r = refusedPage('카드 등록 실패', '카드사에서 등록을 거절했습니다. 다른 카드로 다시 시도해 주세요.');
      send(res, r.status, r.html);
    }
  });

  /** Staff: charge this month. The payment store decides, once, whether the period may be charged. */
  app.post('/staff/billing/:id/charge', async (req: Request, res: Response) => {
    const sub = subs.get(String(req.params.id));
    const period = currentPeriod();
    let flash: Flash;
    if (!sub) flash = { ok: false, text: '구독을 찾을 수 없습니다.' };
    else {
      try {
        const outcome = await payplus.billing.charge({ batchKey: sub.batch_key, groupId: BATCH_GROUP, subscriptionId: sub.id, period, amount: sub.amount, goodName: sub.plan_name });
        const tno = 'approval' in outcome ? outcome.approval.tno : null;
        const message = 'error' in outcome ? outcome.error.message : null;
        subs.recordCharge({ subscription_id: sub.id, period, status: outcome.status, tno, message });
        flash = { ok: outcome.status === 'approved', text: `${sub.id} ${period}: ${STATUS[outcome.status] ?? outcome.status}` };
      } catch (err) {
        if (!(err instanceof KcpError)) throw err;
        // Already charged (or being charged): nothing was sent. A charge the shop never got to record is recorded now.
        if (err instanceof KcpPeriodChargedError && !err.pending && subs.charges(sub.id).every((c) => c.period !== period)) {
          subs.recordCharge({ subscription_id: sub.id, period, status: 'approved', tno: err.charge.tno ?? null, message: null });
        }
        const text = err instanceof KcpPeriodChargedError ? `${sub.id} ${period}: 이미 ${err.pending ? '결제 진행 중' : '결제된'} 기간입니다. 다시 결제하지 않았습니다.` : `${sub.id} ${period}: ${err.message}`;
        flash = { ok: false, text };
      }
    }
    security.setFlash(visitorOf(res), flash);
    res.redirect(303, '/billing');
  });

  return { close: () => subs.close() };
}

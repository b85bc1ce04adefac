/**
 * The simulator's standard-web window script (what KCP serves as /plugin/payplus_web.jsp).
 *
 * `KCP_Pay_Execute(form)` opens a layer over the shop page (the page's body is fixed in place while it is open) with
 * the simulator's window in an iframe, posting the form's fields into it. When the payer confirms or closes the
 * window, the iframe tells this script through postMessage (the only channel between the two origins; the origin and
 * the source frame are checked), and the script calls the page's own `m_Completepayment(FormOrJson, closeEvent)` with
 * the results as a form — web mode, as KCP documents — which the page copies with `GetField(frm, FormOrJson)`.
 * `closeEvent()` removes the layer. Not KCP's script: KCP's own look and internals are not reproduced.
 */

/** Message types the window frame sends to the page. */
export const WEB_RESULT_MESSAGE = 'kcp-sim-web-result';

export function standardWebScript(origin: string): string {
  return `/* KCP PayPlus simulator: standard-web window (payplus_web.jsp). Not KCP's script. */
(function () {
  var ORIGIN = ${JSON.stringify(origin)}, FRAME = 'kcp_sim_web_frame', layer = null, saved = null;
  function add(target, name, value) {
    var input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    target.appendChild(input);
  }
  function closeEvent() {
    if (!layer) return;
    layer.parentNode.removeChild(layer);
    layer = null;
    document.body.style.position = saved.position; document.body.style.top = saved.top; document.body.style.width = saved.width;
    window.scrollTo(0, saved.scroll);
  }
  function open(form) {
    if (typeof window.m_Completepayment !== 'function') {
      alert('m_Completepayment 함수가 선언되지 않았습니다. payplus_web.jsp보다 먼저 선언하십시오.');
      return false;
    }
    if (layer) closeEvent();
    saved = { position: document.body.style.position, top: document.body.style.top, width: document.body.style.width, scroll: window.scrollY };
    document.body.style.position = 'fixed'; document.body.style.top = (-saved.scroll) + 'px'; document.body.style.width = '100%';
    layer = document.createElement('div');
    layer.id = 'kcp-sim-layer';
    layer.setAttribute('style', 'position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center');
    var frame = document.createElement('iframe');
    frame.name = FRAME; frame.id = FRAME; frame.title = 'KCP 결제창';
    frame.setAttribute('style', 'border:0;background:#fff;width:min(440px,100vw);height:min(640px,100vh);border-radius:6px;box-shadow:0 8px 30px rgba(0,0,0,.4)');
    layer.appendChild(frame);
    var out = document.createElement('form');
    out.method = 'post'; out.action = ORIGIN + '/window'; out.acceptCharset = 'utf-8'; out.target = FRAME;
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.disabled || /^(button|submit|reset|file|image)$/i.test(el.type)) continue;
      if (/^(radio|checkbox)$/i.test(el.type) && !el.checked) continue;
      add(out, el.name, el.value);
    }
    add(out, '__js', 'TEST:utf-8');
    add(out, '__mode', 'web');
    add(out, '__origin', location.origin);
    out.style.display = 'none';
    layer.appendChild(out);
    document.body.appendChild(layer);
    HTMLFormElement.prototype.submit.call(out);
    return false;
  }
  /* KCP: copies the window's results (FormOrJson) into the page's order form. */
  function GetField(frm, FormOrJson) {
    var items = FormOrJson && FormOrJson.elements ? FormOrJson.elements : [];
    for (var i = 0; i < items.length; i++) {
      var name = items[i].name, value = items[i].value;
      if (!name) continue;
      if (frm.elements[name]) frm.elements[name].value = value; else add(frm, name, value);
    }
  }
  window.addEventListener('message', function (event) {
    var frame = document.getElementById(FRAME);
    if (event.origin !== ORIGIN || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type !== ${JSON.stringify(WEB_RESULT_MESSAGE)} || typeof data.fields !== 'object') return;
    var result = document.createElement('form');
    for (var name in data.fields) if (Object.prototype.hasOwnProperty.call(data.fields, name)) add(result, name, String(data.fields[name]));
    window.m_Completepayment(result, closeEvent);
  });
  window.KCP_Pay_Execute = open;
  window.KCP_Pay_Execute_Web = open;
  window.GetField = GetField;
  window.KCP_SIMULATOR = { origin: ORIGIN, env: 'TEST', window: 'standard-web' };
})();
`;
}

/** The page the window frame shows last: hands the results to the shop page, which alone decides what follows. */
export function webResultPage(shopOrigin: string, fields: Readonly<Record<string, string>>): string {
  // JSON inside <script>: '<' escaped so no value can close the element.
  const message = JSON.stringify({ type: WEB_RESULT_MESSAGE, fields }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>KCP</title></head><body>
<p>결제 결과를 상점으로 전달하고 있습니다…</p>
<script>parent.postMessage(${message}, ${JSON.stringify(shopOrigin).replace(/</g, '\\u003c')});</script></body></html>`;
}

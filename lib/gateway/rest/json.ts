/**
 * JSON on KCP's REST wire. Requests: an object whose every value is a JSON string, as KCP's samples send
 * ("amount":"1000"); whether KCP accepts numbers is not verified (docs/kcp-rest-api.md §7.8), so the SDK never sends one.
 * Answers: an object; every value is kept — strings as they are, anything else as its JSON text — so no field KCP
 * answers is ever dropped.
 */

/** A request body from string values only; anything else is a programming error caught before sending. */
export function buildJson(fields: Readonly<Record<string, string>>): string {
  // No prototype: a field named __proto__ is a field like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') throw new TypeError(`KCP REST request field ${key} is a ${typeof value}, not a string`);
    out[key] = value;
  }
  return JSON.stringify(out);
}

/** An answer's body → its fields, or undefined when it is not a JSON object (the caller treats that as no answer). */
export function parseAnswer(text: string): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
  }
  return { ...out };
}

/**
 * Waiting for a state the test cannot be told about (a row in a store, a file that appeared or went, a log line):
 * `check` runs at once and then every few milliseconds until it holds. The bound is generous and only a last resort
 * against a hang — it is never what the test asserts; a test that can be told (a promise, a child's line) awaits that.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * How the launcher waits for a process to become healthy: polling a probe (an HTTP endpoint answering
 * 2xx) until a deadline.
 */

/** Polls `probe` until it returns true, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
  await res.body?.cancel();
  return res.status >= 200 && res.status < 300;
}

/**
 * Retry delays: 1, 2, 4, 8 … seconds, capped at 30 s, with ±20 % jitter so a
 * provider outage does not turn into synchronized retry waves.
 */

export const BASE_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 30_000;

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.min(MAX_DELAY_MS, Math.round(exp * jitter));
}

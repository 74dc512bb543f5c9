/**
 * Waits for a promise at most a given time. Used where a caller outside our control waits on us
 * (the sidecar halting actors waits on each deactivation): past the deadline we answer anyway and
 * let the work finish, or fail, in the background.
 */

export type Settled = "settled" | "late";

/** "settled" when `work` settled (fulfilled or rejected) within `ms`, else "late". Never rejects. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  const done = work.then(
    () => "settled" as const,
    () => "settled" as const,
  );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

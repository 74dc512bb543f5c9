/**
 * A value that settles a moment after its last change, so a preview the API renders follows
 * typing without a request per keystroke.
 */

import { useEffect, useState } from "react";

/** The value as it was `ms` after its last change. */
export function useSettled<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

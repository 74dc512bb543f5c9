/**
 * Server-sent events read with fetch, not EventSource: EventSource cannot send a header, and the
 * credential must never go in the URL. Reconnects after the server closes the stream (streams
 * have a maximum lifetime) or a network error, waiting the server's `retry` delay.
 */

import { authHeaders } from "./session";

export interface SseEvent {
  event: string;
  data: string;
}

export function subscribe(path: string, onEvent: (e: SseEvent) => void, onError?: (err: unknown) => void): () => void {
  const ctl = new AbortController();
  let retryMs = 1000;
  const run = async () => {
    while (!ctl.signal.aborted) {
      try {
        const res = await fetch(path, {
          headers: { ...authHeaders(), accept: "text/event-stream" },
          signal: ctl.signal,
        });
        if (!res.ok || !res.body) {
          onError?.(new Error(`stream answered ${res.status}`));
          if (res.status === 401 || res.status === 403 || res.status === 404) return;
        } else {
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut: number;
            while ((cut = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              let event = "message";
              const data: string[] = [];
              for (const line of block.split("\n")) {
                if (line.startsWith("event: ")) event = line.slice(7);
                else if (line.startsWith("data: ")) data.push(line.slice(6));
                else if (line.startsWith("retry: ")) retryMs = Number(line.slice(7)) || retryMs;
              }
              if (data.length > 0) onEvent({ event, data: data.join("\n") });
            }
          }
        }
      } catch (err) {
        if (ctl.signal.aborted) return;
        onError?.(err);
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => ctl.abort();
}

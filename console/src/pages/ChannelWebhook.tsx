/**
 * A channel's webhook, on its edit page: the address its provider calls, with a button that copies
 * it, and the provider's setup steps with that address in them (GET /v1/channels/{id}/webhook).
 * Providers registered by the platform itself say so; SMPP says its receipts come over the bind.
 */

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api";
import { Failed, Loading } from "../ui/states";

const REGISTRATION: Record<string, string> = {
  automatic: "The platform registers this address with the provider by itself.",
  manual: "Paste this address into the provider's console:",
  none: "This provider sends no webhooks.",
};

export function ChannelWebhook({ channelId }: { channelId: string }) {
  const hook = useQuery({
    queryKey: ["channel-webhook", channelId],
    queryFn: () => unwrap(api().GET("/v1/channels/{id}/webhook", { params: { path: { id: channelId } } })),
  });
  const [copied, setCopied] = useState<string>();
  const copy = (url: string) =>
    navigator.clipboard.writeText(url).then(
      () => setCopied("Copied"),
      () => setCopied("Copying was refused: select the address and copy it by hand"),
    );

  return (
    <section
      aria-labelledby="webhook-title"
      className="mt-8 rounded-md border border-slate-300 p-4 dark:border-slate-600"
    >
      <h2 id="webhook-title" className="mb-2 text-lg font-semibold">
        Webhook
      </h2>
      {hook.isPending ? (
        <Loading what="the webhook" />
      ) : hook.error ? (
        <Failed error={hook.error} />
      ) : (
        <div className="space-y-3 text-sm">
          <p>{REGISTRATION[hook.data.registration]}</p>
          {hook.data.registration === "none" ? null : (
            <div className="flex items-center gap-2">
              <code
                className="min-w-0 flex-1 break-all rounded bg-slate-100 p-2 dark:bg-slate-900"
                data-testid="webhook-url"
              >
                {hook.data.url}
              </code>
              <button
                type="button"
                className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                onClick={() => void copy(hook.data.url)}
              >
                Copy webhook URL
              </button>
            </div>
          )}
          <p role="status" aria-live="polite" className="text-xs">
            {copied}
          </p>
          <ol className="list-decimal space-y-1 pl-6" aria-label="Setup steps" data-testid="webhook-steps">
            {hook.data.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

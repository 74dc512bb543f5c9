/**
 * The campaign create wizard: channel, message, recipients, throttle, schedule, then a review that
 * creates it. A step opens the next one only when its own fields pass; an error the API answers
 * on creation takes the wizard back to the step that asks for the field it names and shows
 * {detail, code} beside that field. Starting now or as a draft creates a group message and opens
 * its progress page; starting at a set time creates a scheduled group send instead.
 */

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, ApiProblem, unwrap } from "../api";
import { useCan } from "../permissions";
import { Button, PageTitle } from "../ui/controls";
import { Failed, Loading } from "../ui/states";
import {
  checkStep,
  emptyDraft,
  STEPS,
  stepOfField,
  type Draft,
  type FieldErrors,
  type Step,
} from "./campaign-wizard/draft";
import {
  ChannelStep,
  MessageStep,
  RecipientsStep,
  recipientsOf,
  ReviewStep,
  ScheduleStep,
  ThrottleStep,
  useChannels,
  useGroups,
} from "./campaign-wizard/steps";

type Created = { to: "campaign"; id: string } | { to: "schedules" };

export function CampaignNew() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const channels = useChannels();
  const groups = useGroups();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [step, setStep] = useState<Step>("Channel");
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const channel = channels.data?.items.find((c) => c.id === draft.channelId);
  const recipients = recipientsOf(groups.data?.items ?? [], draft.groupIds);
  // The throttle is the channel's rate limit: an admin's to change.
  const canSetRate = useCan("admin");

  const create = useMutation({
    mutationFn: async (): Promise<Created> => {
      if (!channel) throw new Error("choose a channel");
      const rateLimit = Number(draft.rateLimit);
      if (canSetRate && rateLimit !== channel.rate_limit)
        await unwrap(
          api().PATCH("/v1/channels/{id}", { params: { path: { id: channel.id } }, body: { rate_limit: rateLimit } }),
        );
      const content = draft.templateId ? { template_id: draft.templateId } : { message_body: draft.body };
      const common = {
        ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
        channel_id: channel.id,
        contact_group_ids: draft.groupIds,
        ...content,
      };
      if (draft.when === "later") {
        await unwrap(
          api().POST("/v1/scheduled-messages", {
            body: {
              ...common,
              send_type: "group",
              scheduled_at: new Date(draft.at).toISOString(),
              timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
            },
          }),
        );
        return { to: "schedules" };
      }
      const g = await unwrap(
        api().POST("/v1/group-messages", {
          body: { ...common, status: draft.when === "now" ? "queued" : "draft" },
        }),
      );
      return { to: "campaign", id: g.id };
    },
    onSuccess: async (done) => {
      await qc.invalidateQueries({ queryKey: ["channels"] });
      await qc.invalidateQueries({ queryKey: ["campaigns"] });
      await qc.invalidateQueries({ queryKey: ["schedules"] });
      if (done.to === "campaign") await navigate({ to: "/campaigns/$campaignId", params: { campaignId: done.id } });
      else await navigate({ to: "/schedules" });
    },
    onError: (err) => {
      if (!(err instanceof ApiProblem) || !err.field) return;
      const at = stepOfField(err.field);
      if (at === "Review") return;
      setErrors({ [err.field.split(".")[0]!]: `${err.detail} (${err.code})` });
      setStep(at);
    },
  });

  if (channels.isPending || groups.isPending) return <Loading what="channels and groups" />;
  if (channels.error) return <Failed error={channels.error} />;
  if (groups.error) return <Failed error={groups.error} />;

  const index = STEPS.indexOf(step);
  const next = () => {
    const found = checkStep(step, draft, new Date());
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (step === "Review") create.mutate();
    else setStep(STEPS[index + 1]!);
  };
  const props = { draft, change, errors };
  const unplaced = create.error && stepOfField((create.error as Partial<ApiProblem>).field) === "Review";

  return (
    <div className="max-w-4xl">
      <PageTitle>New campaign</PageTitle>
      <ol aria-label="Steps" className="mb-6 flex flex-wrap gap-2 text-sm">
        {STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={s === step ? "step" : undefined}
            className={`rounded px-2 py-1 ${
              s === step
                ? "bg-indigo-100 font-semibold text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100"
                : "text-slate-700 dark:text-slate-300"
            }`}
          >
            {i + 1}. {s}
          </li>
        ))}
      </ol>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          next();
        }}
      >
        <h2 className="mb-4 text-lg font-semibold">{step}</h2>
        {step === "Channel" ? <ChannelStep {...props} channels={channels.data.items} /> : null}
        {step === "Message" ? <MessageStep {...props} /> : null}
        {step === "Recipients" ? <RecipientsStep {...props} groups={groups.data.items} /> : null}
        {step === "Throttle" ? <ThrottleStep {...props} recipients={recipients} canChange={canSetRate} /> : null}
        {step === "Schedule" ? <ScheduleStep {...props} /> : null}
        {step === "Review" ? <ReviewStep draft={draft} channel={channel} recipients={recipients} /> : null}
        {unplaced ? (
          <div className="mt-4">
            <Failed error={create.error} />
          </div>
        ) : null}
        <div className="mt-6 flex gap-2">
          {index > 0 ? (
            <Button type="button" variant="secondary" onClick={() => setStep(STEPS[index - 1]!)}>
              Back
            </Button>
          ) : null}
          <Button type="submit" disabled={create.isPending}>
            {step !== "Review"
              ? "Next"
              : draft.when === "later"
                ? "Schedule campaign"
                : draft.when === "draft"
                  ? "Save draft"
                  : "Create and start"}
          </Button>
        </div>
      </form>
    </div>
  );
}

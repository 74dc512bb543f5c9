/**
 * The console's routes under /console; every page but sign-in needs a session, and the pages the
 * API serves only to some roles are guarded with the permission it checks.
 */

import { createRootRoute, createRoute, createRouter, Outlet, redirect } from "@tanstack/react-router";
import { Layout } from "./layout";
import { CampaignNew } from "./pages/CampaignNew";
import { CampaignProgress } from "./pages/CampaignProgress";
import { Campaigns } from "./pages/Campaigns";
import { ChannelEdit, ChannelNew } from "./pages/ChannelForm";
import { Channels } from "./pages/Channels";
import { Contacts } from "./pages/Contacts";
import { Conversations } from "./pages/Conversations";
import { ConversationThread } from "./pages/ConversationThread";
import { DeadLetters } from "./pages/DeadLetters";
import { MediaPage } from "./pages/Media";
import { MessageDetail } from "./pages/MessageDetail";
import { messageSearch, Messages } from "./pages/Messages";
import { Overview } from "./pages/Overview";
import { Quotas } from "./pages/Quotas";
import { ScheduleNew } from "./pages/ScheduleNew";
import { Schedules } from "./pages/Schedules";
import { SignIn } from "./pages/SignIn";
import { Suppressions } from "./pages/Suppressions";
import { Templates } from "./pages/Templates";
import { WebhookDeliveries } from "./pages/WebhookDeliveries";
import { WebhookEndpoints } from "./pages/WebhookEndpoints";
import { guarded } from "./permissions";
import { getSession } from "./session";

const root = createRootRoute({ component: Outlet });
const signIn = createRoute({ getParentRoute: () => root, path: "/signin", component: SignIn });
const app = createRoute({
  getParentRoute: () => root,
  id: "app",
  beforeLoad: () => {
    // The router's way to redirect is to throw its redirect object.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (!getSession()) throw redirect({ to: "/signin" });
  },
  component: Layout,
});
const overview = createRoute({ getParentRoute: () => app, path: "/", component: Overview });
const channels = createRoute({ getParentRoute: () => app, path: "/channels", component: Channels });
const channelNew = createRoute({
  getParentRoute: () => app,
  path: "/channels/new",
  component: guarded("admin", "New channel", ChannelNew),
});
const channelEdit = createRoute({
  getParentRoute: () => app,
  path: "/channels/$channelId",
  component: guarded("admin", "Channel", ChannelEdit),
});
const messages = createRoute({
  getParentRoute: () => app,
  path: "/messages",
  validateSearch: (s) => messageSearch.parse(s),
  component: Messages,
});
const message = createRoute({ getParentRoute: () => app, path: "/messages/$messageId", component: MessageDetail });

const campaigns = createRoute({ getParentRoute: () => app, path: "/campaigns", component: Campaigns });
const campaignNew = createRoute({
  getParentRoute: () => app,
  path: "/campaigns/new",
  component: guarded("manage", "New campaign", CampaignNew),
});
const campaign = createRoute({
  getParentRoute: () => app,
  path: "/campaigns/$campaignId",
  component: CampaignProgress,
});

const contacts = createRoute({ getParentRoute: () => app, path: "/contacts", component: Contacts });

const conversations = createRoute({ getParentRoute: () => app, path: "/conversations", component: Conversations });
const conversation = createRoute({
  getParentRoute: () => app,
  path: "/conversations/$conversationId",
  component: ConversationThread,
});

const deadLetters = createRoute({
  getParentRoute: () => app,
  path: "/dead-letters",
  component: guarded("admin", "Dead letters", DeadLetters),
});

const suppressions = createRoute({ getParentRoute: () => app, path: "/suppressions", component: Suppressions });
const quotas = createRoute({
  getParentRoute: () => app,
  path: "/quotas",
  component: guarded("admin", "Quotas", Quotas),
});
const media = createRoute({ getParentRoute: () => app, path: "/media", component: MediaPage });
const webhookEndpoints = createRoute({
  getParentRoute: () => app,
  path: "/webhook-endpoints",
  component: guarded("admin", "Webhook endpoints", WebhookEndpoints),
});
const webhookDeliveries = createRoute({
  getParentRoute: () => app,
  path: "/webhook-endpoints/$endpointId",
  component: guarded("admin", "Webhook deliveries", WebhookDeliveries),
});

const templates = createRoute({ getParentRoute: () => app, path: "/templates", component: Templates });

const schedules = createRoute({ getParentRoute: () => app, path: "/schedules", component: Schedules });
const scheduleNew = createRoute({
  getParentRoute: () => app,
  path: "/schedules/new",
  component: guarded("manage", "New schedule", ScheduleNew),
});

const tree = root.addChildren([
  signIn,
  app.addChildren([
    overview,
    channels,
    channelNew,
    channelEdit,
    messages,
    message,
    campaigns,
    campaignNew,
    campaign,
    contacts,
    conversations,
    conversation,
    deadLetters,
    suppressions,
    quotas,
    media,
    webhookEndpoints,
    webhookDeliveries,
    templates,
    schedules,
    scheduleNew,
  ]),
]);

export const router = createRouter({ routeTree: tree, basepath: "/console" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

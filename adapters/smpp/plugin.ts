/**
 * SMPP 3.4 to an SMSC. Receipts and inbound messages arrive on the channel's bind, so SMPP
 * channels take no webhooks (the receiver answers 404 for them).
 */

import type { ProviderPlugin } from "../contract/plugin.js";
import { SmppAdapter } from "./adapter.js";
import { SMPP_SECRET_FIELDS, SmppCredentials } from "./credentials.js";

export const smppPlugin: ProviderPlugin = {
  channelType: "smpp",
  provider: "default",
  credentials: { schema: SmppCredentials, secretFields: SMPP_SECRET_FIELDS },
  webhooks: {
    registration: "none",
    steps: () => ["Delivery receipts and inbound messages arrive on the SMPP bind; there is no webhook."],
  },
  createAdapter: (options) => new SmppAdapter({ logger: options.logger, outbound: options.outbound }),
};

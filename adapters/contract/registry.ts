/**
 * Adapter instances by channel type and provider. It names no provider: adapters/registry.ts fills it
 * from the provider plugins.
 */

import type { ChannelAdapter } from "./contract.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";

export type AdapterFactory = () => ChannelAdapter;

/**
 * Adapters keyed by channel type and provider: SMS has one adapter per provider, every other
 * channel type a single "default" one. Instances are created lazily and reused: adapters hold no
 * per-channel configuration. adapters/registry.ts fills it from the provider plugins.
 */
export class AdapterRegistry {
  private readonly factories = new Map<string, AdapterFactory>();
  private readonly instances = new Map<string, ChannelAdapter>();

  register(channelType: ChannelType, provider: string, factory: AdapterFactory): this {
    this.factories.set(key(channelType, provider), factory);
    return this;
  }

  has(channelType: ChannelType, provider?: string | null): boolean {
    return this.factories.has(key(channelType, provider ?? "default"));
  }

  get(channelType: ChannelType, provider?: string | null): ChannelAdapter {
    const k = key(channelType, provider ?? "default");
    const existing = this.instances.get(k);
    if (existing) return existing;
    const factory = this.factories.get(k);
    if (!factory) {
      throw new Error(
        `no adapter registered for channel type "${channelType}" and provider "${provider ?? "default"}"`,
      );
    }
    const adapter = factory();
    this.instances.set(k, adapter);
    return adapter;
  }

  list(): Array<{ channelType: ChannelType; provider: string }> {
    return [...this.factories.keys()].map((k) => {
      const [channelType, provider] = k.split("/") as [ChannelType, string];
      return { channelType, provider };
    });
  }
}

function key(channelType: string, provider: string): string {
  return `${channelType}/${provider}`;
}

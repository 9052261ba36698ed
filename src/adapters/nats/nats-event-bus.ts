import type { EventBus } from '../../ports/event-bus.js';

export const NatsEventBus = {
  async connect(_url: string, _prefix: string): Promise<EventBus> {
    throw new Error('NATS_URL: the NATS event bus is not built yet');
  },
};

import { MemoryEventBus } from '../../src/adapters/embedded/memory-event-bus.js';
import { runEventBusContract } from './event-bus-contract.js';

runEventBusContract('memory', async () => {
  const bus = new MemoryEventBus();
  return { bus, dispose: () => bus.close() };
});

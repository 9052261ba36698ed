import { MemoryNotifier } from '../../src/adapters/embedded/memory-notifier.js';
import { runNotifierContract } from './notifier-contract.js';

runNotifierContract('MemoryNotifier', async () => new MemoryNotifier());

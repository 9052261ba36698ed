import { MemoryCache } from '../../src/adapters/embedded/memory-cache.js';
import { runCacheContract } from './cache-contract.js';

runCacheContract('MemoryCache', async () => new MemoryCache());

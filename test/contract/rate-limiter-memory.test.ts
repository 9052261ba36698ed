import { MemoryRateLimiter } from '../../src/adapters/embedded/memory-rate-limiter.js';
import { runRateLimiterContract } from './rate-limiter-contract.js';

runRateLimiterContract('MemoryRateLimiter', async () => new MemoryRateLimiter());

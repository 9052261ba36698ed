export async function runBench(_o: { durationSec: number; runs: number; connections: number; scenarios?: string[] | undefined }): Promise<void> { throw new Error("not yet"); }

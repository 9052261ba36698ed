/**
 * `npm run bench:fanout -- --scenario switch`: an event's question switch reaching every phone.
 * One embedded pollcast (all roles); `--viewers` event streams (raw node:http sockets in this
 * process, spread over 127.0.0.x source addresses) follow one event; the presenter switches the
 * current question `--switches` times. For each switch, each phone's latency is from just before
 * the presenter's POST to the phone receiving a frame naming the new question. Prints p50, p99
 * and max over every (phone, switch) and how many phones saw each switch; asserts no times; exits
 * 1 if a phone missed a switch.
 */
import { request, type ClientRequest } from 'node:http';
import { repoRoot } from './repo-root.js';
import { startEmbedded } from './scenarios/embedded-scenario.js';

export async function runSwitchBench(viewers: number, switches: number): Promise<number> {
  const log = (s: string) => process.stderr.write(`bench:fanout switch: ${s}\n`);
  const target = await startEmbedded({ label: 'switch', root: repoRoot() });
  const base = new URL(target.urls[0]!);
  const sockets: ClientRequest[] = [];
  try {
    const created = (await (
      await fetch(`${base.origin}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Switch bench',
          questions: [
            { question: 'One?', kind: 'nps' },
            { question: 'Two?', kind: 'nps' },
          ],
        }),
      })
    ).json()) as { event: { id: string; questions: Array<{ id: string }> }; ownerToken: string };
    const ev = created.event;
    const ids = ev.questions.map((q) => q.id);
    /** Per phone: the question id of the latest frame and when it arrived. */
    const seen: Array<{ current: string | null; at: number }> = Array.from({ length: viewers }, () => ({
      current: null,
      at: 0,
    }));
    log(`connecting ${viewers} phones`);
    await Promise.all(
      seen.map(
        (state, i) =>
          new Promise<void>((resolve, reject) => {
            const req = request(
              {
                host: base.hostname,
                port: base.port,
                path: `/v1/events/${ev.id}/stream`,
                localAddress: `127.0.0.${2 + (i % 250)}`,
                headers: { accept: 'text/event-stream' },
              },
              (res) => {
                if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
                res.setEncoding('utf8');
                let buf = '';
                res.on('data', (chunk: string) => {
                  buf += chunk;
                  let end: number;
                  while ((end = buf.indexOf('\n\n')) >= 0) {
                    const block = buf.slice(0, end);
                    buf = buf.slice(end + 2);
                    const m = /"currentQuestionId":"([^"]+)"/.exec(block);
                    if (m && m[1] !== state.current) {
                      state.current = m[1]!;
                      state.at = performance.now();
                    }
                  }
                  if (state.current !== null) resolve();
                });
              },
            );
            req.on('error', reject);
            req.end();
            sockets.push(req);
          }),
      ),
    );
    const latencies: number[] = [];
    let missed = 0;
    for (let s = 0; s < switches; s++) {
      const next = ids[(s + 1) % ids.length]!;
      const t0 = performance.now();
      const r = await fetch(`${base.origin}/v1/events/${ev.id}/current`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${created.ownerToken}` },
        body: JSON.stringify({ questionId: next }),
      });
      if (r.status !== 200) throw new Error(`switch answered ${r.status}: ${await r.text()}`);
      const deadline = Date.now() + 10_000;
      while (seen.some((v) => v.current !== next) && Date.now() < deadline)
        await new Promise((res) => setTimeout(res, 10));
      const got = seen.filter((v) => v.current === next);
      missed += viewers - got.length;
      for (const v of got) latencies.push(v.at - t0);
      log(`switch ${s + 1}: ${got.length}/${viewers} phones`);
      await new Promise((res) => setTimeout(res, 300));
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      latencies.length
        ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1)
        : 'n/a';
    process.stdout.write(
      `question switch → phone, ${viewers} phones × ${switches} switches: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms, missed ${missed}\n`,
    );
    return missed === 0 ? 0 : 1;
  } finally {
    for (const s of sockets) s.destroy();
    await target.stop();
  }
}

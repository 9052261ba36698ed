/** The `pollcast` command line: serve, migrate, status, verify. The benchmarks are not shipped: `npm run bench` (bench/). */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { RunningApp } from './app.js';
import { ConfigError, CONFIG_VARIABLES, loadConfig, ROLES, type Flags } from './config.js';

const EXIT_USAGE = 2;

function configOrExit(flags: Flags): ReturnType<typeof loadConfig> {
  try {
    return loadConfig(process.env, flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pollcast: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('pollcast')
    .description('Real-time polls built for vote surges: durable, exactly-once votes and live results.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('Run pollcast. With no configuration: every role, embedded storage under ./data, port 8080.')
    .addOption(new Option('--role <role>', 'which roles this process runs').choices(ROLES as unknown as string[]).env('POLLCAST_ROLE'))
    .option('--port <port>', 'HTTP port (env PORT, default 8080)')
    .option('--host <host>', 'address to bind (env HOST, default 0.0.0.0)')
    .option('--data-dir <dir>', 'embedded storage directory (env DATA_DIR, default ./data)')
    .option(
      '--processes <n>',
      'processes of this role sharing the port (env POLLCAST_PROCESSES; default one per core with DATABASE_URL and REDIS_URL, else 1: ' +
        'the embedded store, cache and live-results bus live inside one process, so more than 1 needs the distributed backends)',
    )
    .addHelpText('after', `\nEnvironment variables: ${CONFIG_VARIABLES.join(', ')}\nSee README.md for what each does.`)
    .action(async (o: { role?: string; port?: string; host?: string; dataDir?: string; processes?: string }) => {
      const config = configOrExit({ role: o.role, port: o.port, host: o.host, dataDir: o.dataDir, processes: o.processes });
      const { default: cluster } = await import('node:cluster');
      if (config.processes > 1 && cluster.isPrimary) {
        const { superviseWorkers } = await import('./process-supervisor.js');
        // Each worker answers /metrics with the whole group's figures, gathered here.
        (await import('./observability/cluster-metrics.js')).serveClusterMetrics();
        superviseWorkers(config);
        return;
      }
      // Stop requests that arrive while the app is still starting are kept and honoured once it runs.
      let app: RunningApp | undefined;
      let stopReason: string | undefined;
      const stop = (reason: string) => {
        stopReason ??= reason;
        if (app) void app.shutdown(stopReason).then(() => process.exit(0));
      };
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        if (++signals > 1) {
          process.stderr.write(`pollcast: second ${sig}: exiting now\n`);
          process.exit(1);
        }
        stop(sig);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      if (cluster.isWorker) {
        // The supervisor asks over IPC (process-supervisor.ts); if it dies, the port is gone: drain too.
        process.on('message', (m) => m === 'pollcast:shutdown' && stop('supervisor'));
        process.on('disconnect', () => stop('supervisor gone'));
      }
      const { startApp } = await import('./app.js');
      app = await startApp(config);
      if (stopReason !== undefined) stop(stopReason);
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (safe to run from several processes at once) and exit.')
    .option('--data-dir <dir>', 'embedded storage directory (env DATA_DIR, default ./data)')
    .action(async (o: { dataDir?: string }) => {
      const config = configOrExit({ dataDir: o.dataDir, role: 'all' });
      const { createAccountStore, createAudienceQaStore, createDeliveryStore, createEventStore, createStore } = await import('./adapters/create.js');
      const { store } = await createStore(config.store);
      const accounts = await createAccountStore(config.store);
      const events = await createEventStore(config.store);
      const qa = await createAudienceQaStore(config.store);
      const deliveries = await createDeliveryStore(config.store);
      try {
        await store.migrate();
        await accounts.migrate();
        await events.migrate();
        await qa.migrate();
        await deliveries.migrate();
        process.stdout.write(`migrations applied (${store.kind})\n`);
      } finally {
        await store.close();
        await accounts.close();
        await events.close();
        await qa.close();
        await deliveries.close();
      }
    });

  program
    .command('status')
    .description('Show votes/s, p99, lags and connections of running processes, read from their /metrics (two scrapes a second apart).')
    .option('--url <urls>', 'comma-separated base URLs (or host:port, or …/metrics) of the processes', 'http://127.0.0.1:8080')
    .option('--interval <ms>', 'time between the two scrapes', '1000')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { url: string; interval: string; json?: boolean }) => {
      const intervalMs = Number(o.interval);
      const targets = o.url.split(',').map((s) => s.trim()).filter(Boolean);
      if (!Number.isInteger(intervalMs) || intervalMs < 100 || intervalMs > 60_000 || targets.length === 0) {
        process.stderr.write('pollcast status: --interval must be 100–60000 ms and --url must name at least one process\n');
        process.exit(EXIT_USAGE);
      }
      const { runStatus } = await import('./observability/status-command.js');
      // The processes' METRICS_TOKEN, when they have one, from this command's environment.
      const token = process.env.METRICS_TOKEN;
      process.exitCode = await runStatus({ targets, intervalMs, json: o.json === true, write: (s) => process.stdout.write(s), ...(token ? { token } : {}) });
    });

  program
    .command('verify')
    .description('Check, offline, that a vote is included in a closed poll\'s commitment (the file is the answer of GET /v1/receipts/{receiptId}).')
    .argument('<receipt.json>', 'the receipt check answer, saved to a file')
    .option('--root <hex>', 'the commitment root published when the poll closed (GET /v1/polls/{id}/commitment)')
    .action(async (file: string, o: { root?: string }) => {
      const { runVerify } = await import('./verify-command.js');
      process.exitCode = runVerify(file, o.root, (s) => process.stdout.write(s));
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    throw err;
  }
}

// Run when executed directly (`node dist/cli.js …`, `tsx src/cli.ts …`); bin/pollcast.js imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

/** The `pollcast` command line: serve, migrate, bench. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
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
    .addHelpText('after', `\nEnvironment variables: ${CONFIG_VARIABLES.join(', ')}\nSee README.md for what each does.`)
    .action(async (o: { role?: string; port?: string; host?: string; dataDir?: string }) => {
      const config = configOrExit({ role: o.role, port: o.port, host: o.host, dataDir: o.dataDir });
      const { startApp } = await import('./app.js');
      const app = await startApp(config);
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        if (++signals > 1) {
          app.logger.warn({ sig }, 'second signal: exiting now');
          process.exit(1);
        }
        void app.shutdown(sig).then(() => process.exit(0));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (safe to run from several processes at once) and exit.')
    .option('--data-dir <dir>', 'embedded storage directory (env DATA_DIR, default ./data)')
    .action(async (o: { dataDir?: string }) => {
      const config = configOrExit({ dataDir: o.dataDir, role: 'all' });
      const { createStore } = await import('./adapters/create.js');
      const { store } = await createStore(config.store);
      try {
        await store.migrate();
        process.stdout.write(`migrations applied (${store.kind})\n`);
      } finally {
        await store.close();
      }
    });

  program
    .command('bench')
    .description('Run the benchmarks: votes/s and latency against a same-run Fastify ceiling. Prints figures; asserts no times.')
    .option('--duration <seconds>', 'seconds per measurement', '10')
    .option('--runs <n>', 'runs per scenario (the median is reported)', '3')
    .option('--connections <n>', 'concurrent HTTP connections', '100')
    .option('--scenarios <list>', 'comma-separated scenario names (default: all available)')
    .action(async (o: { duration: string; runs: string; connections: string; scenarios?: string }) => {
      const { runBench } = await import('./bench/run-bench.js');
      await runBench({
        durationSec: Number(o.duration),
        runs: Number(o.runs),
        connections: Number(o.connections),
        scenarios: o.scenarios?.split(',').map((s) => s.trim()).filter(Boolean),
      });
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

/**
 * A real streaming replica of the test server for integration tests: `pg_basebackup -R` (Debian's
 * binaries of the server's major version) into a temporary directory, then the standby's own
 * `postgres` on a free port with its own socket directory, run as the `postgres` OS user when we
 * are root. Stopped by its own pid; the directory is removed.
 *
 * The primary must accept replication connections from 127.0.0.1. If its pg_hba.conf has no such
 * rule (a plain `all` does not cover `replication`), and the file is writable here (we run as root
 * or as its owner), one line is appended and the configuration reloaded:
 *     host replication all 127.0.0.1/32 trust
 * It is left in place (it grants nothing `host all all 127.0.0.1/32 trust` does not already).
 * Otherwise `startStandby` throws naming exactly that line. wal_level must be replica or logical
 * and max_wal_senders > 0 (Debian's defaults).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually } from './eventually.js';
import { adminQuery, freePort, PG_URL, postgresOsUser } from './postgres.js';

const run = promisify(execFile);
export const REPLICATION_HBA_LINE = 'host replication all 127.0.0.1/32 trust';

export interface Standby {
  url: string;
  port: number;
  /** Waits until the standby has replayed everything the primary wrote so far. */
  catchUp(timeoutMs?: number): Promise<void>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

async function binDir(): Promise<string> {
  const [row] = await adminQuery<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const major = Math.floor(Number(row!.v) / 10_000);
  return `/usr/lib/postgresql/${major}/bin`;
}

async function replicationRuleMissing(): Promise<boolean> {
  const rules = await adminQuery<{ type: string; database: string[]; address: string | null }>(
    'SELECT type, database, address FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number',
  );
  return !rules.some((r) => r.database.includes('replication') && (r.type === 'local' || r.address === '127.0.0.1' || r.address === 'all' || r.address === '0.0.0.0'));
}

/** Adds the replication rule to the primary's pg_hba.conf if it is missing; see the file comment. */
export async function allowReplication(): Promise<void> {
  if (!(await replicationRuleMissing())) return;
  const [{ hba_file: file } = { hba_file: '' }] = await adminQuery<{ hba_file: string }>('SHOW hba_file');
  try {
    const text = readFileSync(file, 'utf8');
    appendFileSync(file, `${text.endsWith('\n') ? '' : '\n'}# added by pollcast's replica test\n${REPLICATION_HBA_LINE}\n`);
  } catch (err) {
    throw new Error(
      `the test server refuses replication connections and ${file} is not writable here (${(err as Error).message}). ` +
        `Add this line to it and reload PostgreSQL: ${REPLICATION_HBA_LINE}`,
    );
  }
  await adminQuery('SELECT pg_reload_conf()');
  await eventually(async () => !(await replicationRuleMissing()), 'pg_hba.conf reloaded', 5_000, 100);
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

export async function startStandby(): Promise<Standby> {
  await allowReplication();
  const bin = await binDir();
  const root = mkdtempSync(join(tmpdir(), 'pollcast-standby-'));
  const data = join(root, 'data');
  const sockets = join(root, 'sock');
  mkdirSync(sockets);
  const primary = new URL(PG_URL);
  try {
    await run(join(bin, 'pg_basebackup'), [
      '-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username || 'postgres'),
      '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync',
    ]);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  // A hot standby needs these at least as large as on the primary.
  const settings = await adminQuery<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')",
  );
  const port = await freePort();
  writeFileSync(
    join(data, 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${sockets}'`,
      'hot_standby = on',
      'shared_buffers = 32MB',
      'fsync = off',
      'logging_collector = off',
      ...settings.map((s) => `${s.name} = ${s.setting}`),
      '',
    ].join('\n'),
  );
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  chmodSync(data, 0o700);
  const osUser = postgresOsUser();
  if (osUser) chownTree(root, osUser.uid, osUser.gid);

  const child: ChildProcess = spawn(join(bin, 'postgres'), ['-D', data], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(osUser ? { uid: osUser.uid, gid: osUser.gid } : {}),
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = (() => {
    const u = new URL(PG_URL);
    u.port = String(port);
    return u.toString();
  })();
  const query = <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []) => adminQuery<R>(sql, values, url);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error('the standby exited');
      const [r] = await query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return r?.r === true;
    }, 'the standby accepts read-only connections', 30_000, 100);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- standby log ---\n${log}`);
  }
  return {
    url,
    port,
    query,
    async catchUp(timeoutMs = 15_000) {
      const [{ lsn } = { lsn: '' }] = await adminQuery<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await eventually(async () => {
        const [r] = await query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
        return r?.ok === true;
      }, `the standby replays up to ${lsn}`, timeoutMs, 50);
    },
    stop,
  };
}

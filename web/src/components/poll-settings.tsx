/**
 * The create page's account-related settings: which workspace the poll belongs to (logged-in
 * editors and owners; default a quick poll as before), who may open it, and the anti-abuse limits
 * (votes per network address, proof of work).
 */
import { useState } from 'preact/hooks';
import { useMe } from '../lib/session.js';
import type { IdentityMode, PollAccess, Workspace } from '../lib/types.js';

export interface WorkspaceChoice {
  /** Workspaces the user may create polls in (editor or owner); empty when logged out. */
  workspaces: Workspace[];
  /** '' for a quick poll. */
  workspaceId: string;
  setWorkspaceId(id: string): void;
}

/**
 * The workspace a new poll goes to: `/?workspace={id}` preselects one; otherwise a logged-in
 * editor or owner gets their first workspace (a quick poll only when they choose it, or have none).
 */
export function useWorkspaceChoice(): WorkspaceChoice {
  // null: nothing chosen yet; '': a quick poll, chosen.
  const [wanted, setWanted] = useState<string | null>(() => new URLSearchParams(location.search).get('workspace'));
  const me = useMe(wanted !== null && wanted !== '');
  const workspaces = (me?.workspaces ?? []).filter((w) => w.role === 'owner' || w.role === 'editor');
  const workspaceId = wanted === null ? (workspaces[0]?.id ?? '') : workspaces.some((w) => w.id === wanted) ? wanted : '';
  return { workspaces, workspaceId, setWorkspaceId: setWanted };
}

export function WorkspacePicker({ choice }: { choice: WorkspaceChoice }) {
  if (choice.workspaces.length === 0) return null;
  return (
    <div class="field">
      <label for="workspace">Create in</label>
      <select id="workspace" value={choice.workspaceId} onChange={(e) => choice.setWorkspaceId(e.currentTarget.value)} aria-describedby="workspace-hint">
        <option value="">Quick poll (managed from this browser, no account)</option>
        {choice.workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      <p id="workspace-hint" class="muted small">
        {choice.workspaceId ? 'The workspace’s editors and owners manage it when logged in.' : 'Whoever has the owner link manages it.'}
      </p>
    </div>
  );
}

export interface Limits {
  access: PollAccess;
  /** The input's text: '' for no cap. */
  ipCap: string;
  powDifficulty: number;
}

export const DEFAULT_LIMITS: Limits = { access: 'link', ipCap: '', powDifficulty: 0 };

/** The extra fields of POST /v1/polls (only those that differ from the server's defaults). */
export function settingsBody(workspaceId: string, identity: IdentityMode, l: Limits): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (workspaceId) body.workspaceId = workspaceId;
  if (workspaceId && l.access === 'workspace') body.access = 'workspace';
  const cap = l.ipCap.trim();
  if (cap) body.ipCap = Number(cap);
  if (identity === 'device' && l.powDifficulty > 0) body.powDifficulty = l.powDifficulty;
  return body;
}

const POW_LEVELS = [
  { bits: 0, words: 'Off' },
  { bits: 12, words: 'Light (a moment on a phone)' },
  { bits: 16, words: 'Standard (about a second)' },
  { bits: 20, words: 'Strong (several seconds: for polls under attack)' },
];

interface Props {
  workspace: Workspace | undefined;
  identity: IdentityMode;
  limits: Limits;
  setLimits(l: Limits): void;
  invalid(id: string): Record<string, unknown>;
}

/** Access and anti-abuse fields, inside the create page's "more" section. */
export function LimitFields({ workspace, identity, limits, setLimits, invalid }: Props) {
  const set = (patch: Partial<Limits>) => setLimits({ ...limits, ...patch });
  return (
    <>
      {workspace && (
        <div class="field">
          <label for="access">Who can open the poll</label>
          <select id="access" value={limits.access} onChange={(e) => set({ access: e.currentTarget.value as PollAccess })} {...invalid('access')}>
            <option value="link">Anyone with the link</option>
            <option value="workspace">Members of {workspace.name} only (logged in)</option>
          </select>
        </div>
      )}
      <div class="field">
        <label for="ip-cap">Votes per network address (optional)</label>
        <input
          id="ip-cap"
          type="number"
          inputMode="numeric"
          min={1}
          max={1000000}
          placeholder="No limit"
          value={limits.ipCap}
          onInput={(e) => set({ ipCap: e.currentTarget.value })}
          aria-describedby="ip-cap-hint"
          {...invalid('ip-cap')}
        />
        <p id="ip-cap-hint" class="muted small">
          A lecture hall or an office often shares one address: leave it empty or set it high there.
        </p>
      </div>
      {identity === 'device' && (
        <div class="field">
          <label for="pow-difficulty">Anti-bot check before voting</label>
          <select id="pow-difficulty" value={String(limits.powDifficulty)} onChange={(e) => set({ powDifficulty: Number(e.currentTarget.value) })} {...invalid('pow-difficulty')}>
            {POW_LEVELS.map((l) => (
              <option key={l.bits} value={String(l.bits)}>
                {l.words}
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}

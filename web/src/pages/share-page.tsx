/** /p/{pollId}/share: the link, the short join code and a QR code, plus the embed snippets. */
import { useEffect } from 'preact/hooks';
import { CopyField } from '../components/copy-field.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { QrCode } from '../components/qr-code.js';
import { setTitle } from '../lib/format.js';
import { formatJoinCode } from '../lib/join-code.js';
import { pollPath } from '../lib/router.js';
import { useMe } from '../lib/session.js';
import { ownerToken } from '../lib/storage.js';
import { usePoll } from '../lib/use-poll.js';

export const voteUrl = (pollId: string): string => location.origin + pollPath(pollId);
export const joinUrl = (pollId: string): string => `${location.origin}/j/${formatJoinCode(pollId)}`;

export function embedSnippets(pollId: string): { iframe: string; script: string } {
  const o = location.origin;
  return {
    iframe: `<iframe src="${o}/embed/${pollId}" title="Poll" width="100%" height="420" style="border:0;max-width:560px" loading="lazy"></iframe>`,
    script: `<script src="${o}/embed.js" data-poll="${pollId}" async></script>`,
  };
}

export default function SharePage({ pollId }: { pollId: string }) {
  const { poll, error, loading } = usePoll(pollId);
  const me = useMe(false);
  useEffect(() => setTitle(poll ? `Share: ${poll.question}` : 'Share'), [poll]);
  if (!poll) {
    return <Layout>{error ? <ErrorNotice error={error} /> : loading ? <Loading /> : null}</Layout>;
  }
  // The creator's browser (quick poll), or an editor or owner of the poll's workspace.
  const owner = ownerToken(poll.id) !== null || (me?.workspaces.some((w) => w.id === poll.workspaceId && w.role !== 'viewer') ?? false);
  const url = voteUrl(poll.id);
  const embed = embedSnippets(poll.id);
  return (
    <Layout wide>
      <article class="card share">
        <p class="eyebrow">{owner ? 'Your poll is ready' : 'Share this poll'}</p>
        <h1 class="question">{poll.question}</h1>
        {poll.status !== 'open' && (
          <p class="notice info">
            {poll.status === 'draft' ? 'This poll is not open yet: voters see “not open yet” until it opens.' : 'This poll is closed.'}
          </p>
        )}
        <div class="share-grid">
          <div>
            <CopyField label="Vote link" value={url} testId="vote-link" />
            <div class="join">
              <span class="join-label">Join code</span>
              <span class="code big" data-testid="join-code">
                {formatJoinCode(poll.id)}
              </span>
              <span class="muted small">
                Type it at {location.host}/j (capitals matter)
              </span>
            </div>
            <p class="actions">
              <a class="btn primary" href={pollPath(poll.id, 'present')}>
                Presenter mode
              </a>
              <a class="btn secondary" href={pollPath(poll.id, 'results')}>
                Live results
              </a>
              <a class="btn secondary" href={pollPath(poll.id)}>
                Vote page
              </a>
              {owner && (
                <a class="btn secondary" href={pollPath(poll.id, 'manage')} data-testid="manage-link">
                  Manage poll
                </a>
              )}
            </p>
          </div>
          <QrCode text={url} label={`QR code for ${url}`} />
        </div>
        <details class="embed-snippets">
          <summary>Embed in a web page</summary>
          <CopyField label="iframe" value={embed.iframe} multiline />
          <CopyField label="Script tag (sizes itself)" value={embed.script} multiline />
        </details>
      </article>
    </Layout>
  );
}

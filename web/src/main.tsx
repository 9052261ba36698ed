/** Entry: picks the page for the address. Vote, results and embed are in the first bundle; the rest (create, manage, accounts, workspaces) load on demand. */
import { render } from 'preact';
import './styles.css';
import { lazyPage } from './lib/lazy-page.js';
import { parseEventCode, parseJoinCode } from './lib/join-code.js';
import { interceptLinks, parseRoute, useLocation } from './lib/router.js';
import EmbedPage from './pages/embed-page.js';
import NotFoundPage from './pages/not-found-page.js';
import ResultsPage from './pages/results-page.js';
import VotePage from './pages/vote-page.js';

const CreatePage = lazyPage(() => import('./pages/create-page.js'));
const SharePage = lazyPage(() => import('./pages/share-page.js'));
const PresentPage = lazyPage(() => import('./pages/present-page.js'));
const ManagePage = lazyPage(() => import('./pages/manage-page.js'));
const JoinPage = lazyPage(() => import('./pages/join-page.js'));
const AuthPage = lazyPage(() => import('./pages/auth-page.js'));
const AccountPage = lazyPage(() => import('./pages/account-page.js'));
const WorkspacePage = lazyPage(() => import('./pages/workspace-page.js'));
const KeysPage = lazyPage(() => import('./pages/keys-page.js'));
const LinkPage = lazyPage(() => import('./pages/link-page.js'));
const ReceiptPage = lazyPage(() => import('./pages/receipt-page.js'));
const EventJoinPage = lazyPage(() => import('./pages/event-join-page.js'));
const EventNewPage = lazyPage(() => import('./pages/event-new-page.js'));
const EventPresentPage = lazyPage(() => import('./pages/event-present-page.js'));

function App() {
  const route = parseRoute(useLocation());
  switch (route.name) {
    case 'create':
      return <CreatePage />;
    case 'join':
      // /j/{code}: a poll id goes to its vote page (JoinPage); an event's short code follows the event.
      return !parseJoinCode(route.code) && parseEventCode(route.code) ? <EventJoinPage code={route.code} /> : <JoinPage code={route.code} />;
    case 'eventJoin':
      return <EventJoinPage key={route.code} code={route.code} />;
    case 'eventNew':
      return <EventNewPage />;
    case 'eventPresent':
      return <EventPresentPage key={route.eventId} eventId={route.eventId} />;
    case 'eventRemote':
      return <EventPresentPage key={route.eventId + ':remote'} eventId={route.eventId} remote />;
    case 'vote':
      return <VotePage key={route.pollId} pollId={route.pollId} />;
    case 'results':
      return <ResultsPage key={route.pollId} pollId={route.pollId} />;
    case 'present':
      return <PresentPage key={route.pollId} pollId={route.pollId} />;
    case 'share':
      return <SharePage key={route.pollId} pollId={route.pollId} />;
    case 'manage':
      return <ManagePage key={route.pollId} pollId={route.pollId} />;
    case 'embed':
      return <EmbedPage key={route.pollId} pollId={route.pollId} />;
    case 'signup':
    case 'login':
      return <AuthPage mode={route.name} />;
    case 'account':
      return <AccountPage />;
    case 'receipt':
      return <ReceiptPage />;
    case 'reset':
    case 'verify':
      return <LinkPage key={route.name} mode={route.name} />;
    case 'workspace':
      return <WorkspacePage key={route.workspaceId} workspaceId={route.workspaceId} />;
    case 'keys':
      return <KeysPage key={route.workspaceId} workspaceId={route.workspaceId} />;
    default:
      return <NotFoundPage />;
  }
}

const root = document.getElementById('app')!;
root.textContent = '';
interceptLinks(document.body);
render(<App />, root);

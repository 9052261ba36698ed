/** Any other address. */
import { Layout } from '../components/layout.js';

export default function NotFoundPage() {
  return (
    <Layout>
      <div class="card">
        <h1>Nothing here</h1>
        <p>There is no page at this address. Check the link, or:</p>
        <p class="actions">
          <a class="btn primary" href="/">
            Create a poll
          </a>
          <a class="btn secondary" href="/j">
            Enter a join code
          </a>
        </p>
      </div>
    </Layout>
  );
}

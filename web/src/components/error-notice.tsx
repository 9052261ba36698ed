/** An API failure shown as a sentence, never as JSON. */
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../lib/api.js';

export function ErrorNotice({ error, children }: { error: ApiError; children?: ComponentChildren }) {
  return (
    <div class="notice error" role="alert" data-code={error.code}>
      <p>{error.message}</p>
      {children}
    </div>
  );
}

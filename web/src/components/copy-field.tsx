/** A value to copy: shown in a read-only field (select-all on focus) with a Copy button. */
import { useRef, useState } from 'preact/hooks';

export async function copyText(text: string, fallbackInput?: HTMLInputElement | HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // The clipboard API needs a secure context (plain http on a LAN has none).
    if (!fallbackInput) return false;
    fallbackInput.select();
    return document.execCommand('copy');
  }
}

export function CopyField({ label, value, multiline = false, testId }: { label: string; value: string; multiline?: boolean; testId?: string }) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [said, setSaid] = useState('');
  const id = 'f-' + label.toLowerCase().replace(/[^a-z]+/g, '-');
  const copy = async () => setSaid((await copyText(value, ref.current)) ? 'Copied' : 'Select the text and copy it');
  return (
    <div class="copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        {multiline ? (
          <textarea id={id} ref={ref} readOnly rows={3} value={value} onFocus={(e) => e.currentTarget.select()} data-testid={testId} />
        ) : (
          <input id={id} ref={ref} readOnly value={value} onFocus={(e) => e.currentTarget.select()} data-testid={testId} />
        )}
        <button type="button" class="btn secondary" onClick={copy}>
          Copy
        </button>
      </div>
      <span class="copy-said" role="status">
        {said}
      </span>
    </div>
  );
}

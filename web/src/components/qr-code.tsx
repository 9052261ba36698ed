/** A QR code drawn in the browser (uqr, loaded on demand): no image service, works offline. */
import { useEffect, useState } from 'preact/hooks';

export function QrCode({ text, label }: { text: string; label: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import('uqr').then(({ renderSVG }) => {
      if (live) setSvg(renderSVG(text, { ecc: 'M', border: 2, pixelSize: 8 }));
    });
    return () => {
      live = false;
    };
  }, [text]);
  return <div class="qr" role="img" aria-label={label} data-testid="qr" dangerouslySetInnerHTML={svg ? { __html: svg } : undefined} />;
}

/*! pollcast embed: <script src="https://YOUR-POLLCAST/embed.js" data-poll="POLL_ID" async></script>
 * Inserts an <iframe> of /embed/POLL_ID after this tag and keeps its height equal to its content
 * (the frame reports its height with postMessage; only messages from that frame are trusted). */
(function () {
  var script = document.currentScript;
  if (!script || !script.getAttribute('data-poll')) return;
  var origin = new URL(script.src, location.href).origin;
  var pollId = script.getAttribute('data-poll');
  var frame = document.createElement('iframe');
  frame.src = origin + '/embed/' + encodeURIComponent(pollId);
  frame.title = script.getAttribute('data-title') || 'Poll';
  frame.setAttribute('loading', 'lazy');
  frame.style.cssText = 'display:block;width:100%;max-width:' + (script.getAttribute('data-max-width') || '560px') + ';height:360px;border:0;overflow:hidden';
  frame.setAttribute('scrolling', 'no');
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener('message', function (e) {
    var d = e.data;
    if (e.origin !== origin || e.source !== frame.contentWindow || !d || d.type !== 'pollcast:height') return;
    var h = Math.max(120, Math.min(5000, Math.ceil(Number(d.height) || 0)));
    frame.style.height = h + 'px';
  });
})();

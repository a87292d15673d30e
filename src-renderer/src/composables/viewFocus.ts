// Moving to another view puts focus on its heading (the h1 of <main>), so keyboard and
// screen-reader users start at the top of what they asked for instead of on <body>. Only a change
// of path counts: filters and tabs kept in the query leave focus where it is.
import type { Router } from 'vue-router';

/** Focuses the view's h1 once it has rendered (views may wait for their data first). */
export function focusViewHeading(timeoutMs = 4000): void {
  const until = Date.now() + timeoutMs;
  const tick = () => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) {
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: true });
      return;
    }
    if (Date.now() < until) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

export function installViewFocus(router: Router): void {
  router.afterEach((to, from, failure) => {
    if (failure || !from.matched.length || to.path === from.path) return;
    focusViewHeading();
  });
}

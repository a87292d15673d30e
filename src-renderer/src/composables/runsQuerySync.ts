// Keeps the runs table's query and the address in step (#/runs?q=…&status=…&tag=…&archived=…&sort=…&page=…),
// so a filtered, sorted page can be bookmarked, shared and reached with Back; and fetches the page
// whenever the query changes (typing in the search or tag field waits for a pause).
import { onBeforeUnmount, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { parseRunsQuery, runsQueryToRoute } from '@shared/ui/runQuery';
import { useRunsStore } from '../stores/runs';

export function useRunsQuerySync(): void {
  const store = useRunsStore();
  const route = useRoute();
  const router = useRouter();
  const storeKey = () => JSON.stringify(runsQueryToRoute(store.query));
  const routeKey = () => JSON.stringify(runsQueryToRoute(parseRunsQuery(route.query)));

  function fromUrl(): void {
    if (routeKey() !== storeKey()) Object.assign(store.query, parseRunsQuery(route.query));
  }
  fromUrl();
  void store.fetch({ quiet: store.loaded });

  watch(() => route.query, () => {
    if (route.name === 'runs') fromUrl();
  });
  watch(storeKey, (k) => {
    if (route.name === 'runs' && k !== routeKey()) void router.replace({ query: runsQueryToRoute(store.query) });
  });

  let timer: ReturnType<typeof setTimeout> | null = null;
  watch(() => [store.query.text, store.query.tag], () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void store.fetch(), 250);
  });
  watch(() => [store.query.status, store.query.archived, store.query.sort, store.query.order, store.query.page], () => void store.fetch());
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
  });
}

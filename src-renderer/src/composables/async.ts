// Loading / error / data for one async source. A newer call supersedes an older one (its result
// is dropped), and a quiet refresh keeps the old data on screen instead of a loading state.
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : 'Something went wrong.';
}

export interface AsyncState<T> {
  data: ShallowRef<T | null>;
  error: Ref<string | null>;
  loading: Ref<boolean>;
  run: (opts?: { quiet?: boolean }) => Promise<void>;
}

export function useAsync<T>(fn: () => Promise<T>): AsyncState<T> {
  const data = shallowRef<T | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let seq = 0;
  async function run(opts: { quiet?: boolean } = {}): Promise<void> {
    const mine = ++seq;
    if (!opts.quiet) loading.value = true;
    try {
      const v = await fn();
      if (mine === seq) {
        data.value = v;
        error.value = null;
      }
    } catch (e) {
      if (mine === seq) error.value = messageOf(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  return { data, error, loading, run };
}

// Event subscriptions tied to a component's life: subscribed on mount, unsubscribed on unmount.
import { onBeforeUnmount, onMounted } from 'vue';
import { api } from '../api';
import type { AllEventMap, AnyEventName } from '@shared/wire';

export function useEvent<E extends AnyEventName>(name: E, fn: (payload: AllEventMap[E]) => void): void {
  let off: (() => void) | null = null;
  onMounted(() => {
    off = api.on(name, fn);
  });
  onBeforeUnmount(() => {
    off?.();
    off = null;
  });
}

/** Calls fn at most once per `ms` (trailing call guaranteed), for refreshes triggered by events. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  const call = () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, wait);
    }
  };
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return call;
}

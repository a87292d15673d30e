// The workbench's event hub: typed by the contract's EventMap. A throwing listener is reported
// on stderr and never stops the others (or the run that emitted the event).
import type { EventMap, EventName } from '../../src-shared/contract';

export type Listener<K extends EventName> = (payload: EventMap[K]) => void;

export interface WorkbenchEvents {
  /** Subscribes; returns the unsubscribe function. */
  on<K extends EventName>(name: K, fn: Listener<K>): () => void;
}

export class EventHub implements WorkbenchEvents {
  private readonly listeners = new Map<EventName, Set<(p: unknown) => void>>();

  on<K extends EventName>(name: K, fn: Listener<K>): () => void {
    if (typeof fn !== 'function') throw new TypeError('A listener must be a function.');
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const f = fn as (p: unknown) => void;
    set.add(f);
    return () => {
      set.delete(f);
    };
  }

  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) {
      try {
        fn(payload);
      } catch (e) {
        console.error(`A ${name} listener threw:`, e);
      }
    }
  }
}

// What the polite live region says: run launches and status changes, so a screen-reader user hears
// that a run started or finished without looking for it. One region for the app (App.vue).
import { defineStore } from 'pinia';
import { nextTick, ref } from 'vue';

export const useAnnouncer = defineStore('announcer', () => {
  const message = ref('');
  /** Says `text` (cleared first, so the same sentence twice is spoken twice). */
  function announce(text: string): void {
    message.value = '';
    void nextTick(() => {
      message.value = text;
    });
  }
  return { message, announce };
});

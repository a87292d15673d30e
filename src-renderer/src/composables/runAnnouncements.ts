// Run status changes, spoken by the app's polite live region: "Run #4 “lr 1e-3” completed."
import { api } from '../api';
import { useAnnouncer } from '../stores/announcer';
import { useEvent } from './liveEvents';
import type { RunStatus } from '@shared/contract';

const WORDS: Record<RunStatus, string> = {
  queued: 'is queued',
  running: 'started training',
  completed: 'completed',
  stopped: 'stopped',
  interrupted: 'was interrupted',
  failed: 'failed',
  diverged: 'diverged',
};

export function runStatusSentence(id: number, name: string | null, status: RunStatus): string {
  return `Run #${id}${name ? ` “${name}”` : ''} ${WORDS[status]}.`;
}

export function useRunAnnouncements(): void {
  const announcer = useAnnouncer();
  useEvent('runStatus', (s) => {
    void api.getRun({ id: s.runId }).then(
      (r) => announcer.announce(runStatusSentence(s.runId, r.name, s.status)),
      () => announcer.announce(runStatusSentence(s.runId, null, s.status)),
    );
  });
}

import type { AlertEvent } from './evaluate-alerts.js';

/**
 * The Slack-compatible body (`{ text, blocks }`): `text` alone is a whole message for any
 * receiver that takes Slack's incoming-webhook format (Mattermost, Rocket.Chat, Teams
 * workflows), `blocks` is the richer rendering Slack shows instead.
 */
export interface AlertMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

const ICON: Readonly<Record<AlertEvent['kind'], string>> = {
  failed: ':red_circle:',
  deferred: ':large_yellow_circle:',
  recovered: ':large_green_circle:',
  stale: ':warning:',
  quarantine_spike: ':warning:',
};

export function formatAlert(connection: string, event: AlertEvent): AlertMessage {
  const text = `${ICON[event.kind]} ${sentence(connection, event)}`;
  const context = [`at ${event.at.toISOString().replace(/\.\d{3}Z$/, 'Z')}`];
  if (event.runId !== null) context.push(`run ${event.runId} (\`salesops runs show ${event.runId}\`)`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

function sentence(connection: string, event: AlertEvent): string {
  const d = event.detail;
  switch (event.kind) {
    case 'failed':
      return `Sync of "${connection}" failed${'error' in d && d.error ? `: ${d.error}` : '.'}`;
    case 'deferred':
      return `Sync of "${connection}" is deferred: the CRM's daily API allowance is spent; the next run resumes.`;
    case 'recovered':
      return `Sync of "${connection}" recovered: the last run succeeded${'previous' in d ? ` after being ${d.previous}` : ''}.`;
    case 'stale': {
      const since = 'intervalMs' in d ? d : null;
      const last = since?.lastSuccessAt
        ? `since ${since.lastSuccessAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}`
        : 'yet';
      const every = since ? ` (scheduled every ${duration(since.intervalMs)})` : '';
      return `"${connection}" is stale: no successful sync ${last}${every}; is a \`salesops worker\` running?`;
    }
    case 'quarantine_spike': {
      const q = 'quarantined' in d ? d : { quarantined: 0, records: 0 };
      const share = q.records > 0 ? ((100 * q.quarantined) / q.records).toFixed(1) : '0';
      return `"${connection}" quarantined ${q.quarantined} of ${q.records} records (${share}%) in one run; see \`salesops runs show ${event.runId}\`.`;
    }
  }
}

/** 3600000 → "1 h", 300000 → "5 min", 86400000 → "1 d". */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${(minutes / 60).toFixed(1)} h`;
}

export function testAlert(scope: string): AlertMessage {
  const text = `:white_check_mark: Test message from salesops-sync: alerts for ${scope} arrive here.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

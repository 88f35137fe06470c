import { z } from 'zod';
import { InvalidInputError } from '../domain-error.js';

/** An alert destination: an absolute http(s) URL (Slack's incoming webhooks, or any receiver of that JSON). */
export const webhookUrlSchema = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }).max(2000);

export function parseWebhookUrl(raw: string): string {
  const parsed = webhookUrlSchema.safeParse(raw.trim());
  if (!parsed.success) {
    throw new InvalidInputError(
      `--webhook expects an http:// or https:// URL such as https://hooks.slack.com/services/T000/B000/XXXX, not "${raw}".`,
    );
  }
  return parsed.data;
}

/**
 * A webhook URL as lists show it: scheme, host and the path's first segment, the rest masked,
 * since a Slack webhook's path is its secret (`https://hooks.slack.com/services/…`).
 */
export function maskWebhookUrl(url: string): string {
  const parsed = new URL(url);
  const first = parsed.pathname.split('/').filter(Boolean)[0];
  const hidden = parsed.pathname.length > (first ? first.length + 1 : 1) || parsed.search !== '';
  return `${parsed.protocol}//${parsed.host}${first ? `/${first}` : ''}${hidden ? '/…' : ''}`;
}

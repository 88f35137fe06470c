import type { Db } from '../db.js';
import { getAlertDelivery, recordAlertDelivery } from '../warehouse/alerts.js';
import type { AlertMessage } from './alert-message.js';
import {
  DEFAULT_DELIVERY_POLICY,
  type DeliveryIo,
  type DeliveryPolicy,
  type DeliveryResult,
  postAlert,
  realDeliveryIo,
} from './post-alert.js';

/**
 * Sends one stored delivery and records how it went. Idempotent: a delivery already sent or
 * given up on is left alone, so a job BullMQ runs twice does not post twice after the first
 * run recorded its outcome. Never throws for the receiver's sake: its failures are data.
 */
export async function deliverAlert(
  db: Db,
  deliveryId: number,
  io: DeliveryIo = realDeliveryIo,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): Promise<DeliveryResult | { readonly skipped: true }> {
  const delivery = await getAlertDelivery(db, deliveryId);
  if (!delivery || delivery.done) return { skipped: true };
  const result = await postAlert(delivery.webhookUrl, delivery.message as AlertMessage, io, policy);
  await recordAlertDelivery(db, deliveryId, result);
  return result;
}

import { DateTime } from 'luxon';
import { createRandom } from '../../seeded-random.js';
import { recordId } from '../ids.js';
import type { Row } from '../table.js';
import { stamp } from './deals.js';
import { type OrgModel, POD } from './org-model.js';

/**
 * ForecastingQuota rows: one per account executive per month of the previous and the current
 * fiscal year, for the months the rep was employed. Sized so the team lands near 90% attainment:
 * expected bookings per rep-month are deals × ~85% closed × ~60% won × mean amount (the log-normal
 * with median 15,000 and sigma 0.9 has mean 15,000 × e^0.405 ≈ 22,500), spread over reps and months.
 */
export function quotaRows(model: OrgModel, deals: number): Row[] {
  const rnd = createRandom(model.seed).fork('quotas');
  const reps = model.aes.length;
  const perRepMonth = (deals * 0.85 * 0.6 * 22_500) / Math.max(1, reps) / 12;
  const today = DateTime.fromMillis(model.now, { zone: model.timeZone });
  const fyStartMonth = model.fiscalYearStartMonth;
  const fyStartYear = today.month >= fyStartMonth ? today.year : today.year - 1;
  const first = DateTime.fromObject(
    { year: fyStartYear - 1, month: fyStartMonth, day: 1 },
    { zone: model.timeZone },
  );
  const forecastingTypeId = recordId('0Db', POD, 1);
  const rows: Row[] = [];
  for (const rep of model.aes) {
    const factor = 0.9 + rnd.next() * 0.25;
    const monthly = Math.max(1000, Math.round((perRepMonth * factor) / 0.9 / 1000) * 1000);
    for (let m = 0; m < 24; m++) {
      const start = first.plus({ months: m });
      const end = start.plus({ months: 1 }).toMillis();
      if (rep.activeFrom >= end || (rep.activeTo !== null && rep.activeTo <= start.toMillis())) continue;
      const row: Record<string, string | number | boolean | null> = {
        Id: recordId('0J9', POD, rows.length + 1),
        QuotaOwnerId: rep.id,
        StartDate: start.toISODate(),
        QuotaAmount: monthly,
        QuotaQuantity: null,
        ForecastingTypeId: forecastingTypeId,
        IsAmount: true,
        IsQuantity: false,
        ...stamp(Math.min(model.now, first.toMillis()), model.integrationUserId),
      };
      if (model.multiCurrency) row['CurrencyIsoCode'] = 'USD';
      rows.push(row);
    }
  }
  return rows;
}

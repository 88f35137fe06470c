/**
 * A recoverable draw (DESIGN §12): when a period's earnings fall short of the draw, the
 * shortfall is paid (a `draw` line) and owed back; later earnings above the draw recover what is
 * owed (a `draw_recovery` line) until the balance is 0. The rep is therefore paid at least the draw
 * every period, and never more than they earned over the periods together once the balance is
 * recovered. All amounts are cents.
 */
export interface DrawOutcome {
  /** Paid on top of the earnings (≥ 0). */
  readonly paidCents: bigint;
  /** Taken from the earnings (≥ 0). */
  readonly recoveredCents: bigint;
  /** Owed by the rep after this period. */
  readonly balanceCents: bigint;
}

export function applyDraw(earnedCents: bigint, drawCents: bigint, balanceBeforeCents: bigint): DrawOutcome {
  if (earnedCents < drawCents) {
    const paid = drawCents - earnedCents;
    return { paidCents: paid, recoveredCents: 0n, balanceCents: balanceBeforeCents + paid };
  }
  const room = earnedCents - drawCents;
  const recovered = room < balanceBeforeCents ? room : balanceBeforeCents;
  return { paidCents: 0n, recoveredCents: recovered, balanceCents: balanceBeforeCents - recovered };
}

/** The opportunity stages of the generated org's sales process. */
export interface StageDef {
  readonly label: string;
  readonly probability: number;
  readonly forecastCategory: string;
  readonly forecastCategoryName: string;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  readonly isActive: boolean;
}

/** The sales process most orgs start from; one retired stage shows up in history only. */
export const STAGES: readonly StageDef[] = [
  stage('Prospecting', 10, 'Pipeline'),
  stage('Qualification', 20, 'Pipeline'),
  stage('Needs Analysis', 30, 'Pipeline'),
  stage('Perception Analysis', 50, 'Pipeline', { isActive: false }),
  stage('Proposal/Price Quote', 60, 'Best Case'),
  stage('Negotiation/Review', 80, 'Commit'),
  stage('Closed Won', 100, 'Closed', { isClosed: true, isWon: true }),
  stage('Closed Lost', 0, 'Omitted', { isClosed: true }),
];
/** The open stages a deal walks through, in order (the retired one is skipped). */
export const OPEN_PATH = STAGES.filter((s) => !s.isClosed && s.isActive);
export const WON = STAGES[6]!;
export const LOST = STAGES[7]!;

function stage(
  label: string,
  probability: number,
  categoryName: string,
  flags: { isClosed?: boolean; isWon?: boolean; isActive?: boolean } = {},
): StageDef {
  const api: Record<string, string> = { 'Best Case': 'BestCase', Commit: 'Forecast' };
  return {
    label,
    probability,
    forecastCategory: api[categoryName] ?? categoryName,
    forecastCategoryName: categoryName,
    isClosed: flags.isClosed ?? false,
    isWon: flags.isWon ?? false,
    isActive: flags.isActive ?? true,
  };
}

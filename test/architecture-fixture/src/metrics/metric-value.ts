export const metricValue = 1;

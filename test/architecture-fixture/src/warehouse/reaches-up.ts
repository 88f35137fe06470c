// Deliberately wrong: the ground floor importing a stage (ground-imports-nothing-above must refuse it).
import { metricValue } from '../metrics/metric-value.js';

export const stored = metricValue;

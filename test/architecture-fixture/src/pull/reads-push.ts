// Deliberately wrong: a stage importing another stage (no-stage-imports-another must refuse it).
import { pushValue } from '../push/push-value.js';

export const pulled = pushValue;

// A connector that reaches into the app: the architecture check must refuse this file.
import { appValue } from '../src/app-value.js';

export const leaked = appValue;

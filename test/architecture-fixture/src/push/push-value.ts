export const pushValue = 1;

/** Which row of a duplicated key `dedupe` keeps: the first, the last, or none of them. */
export const KEEP_CHOICES = ['first', 'last', 'none'] as const;
export type Keep = (typeof KEEP_CHOICES)[number];

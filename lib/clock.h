/*
 * clock.h - elapsed-time readings shared by the stages.
 */
#ifndef DS_CLOCK_H
#define DS_CLOCK_H

/* Seconds on the monotonic clock (for intervals, never for dates). */
double	ds_mono(void);

#endif

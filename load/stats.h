/*
 * stats.h - the --stats file: key=value lines the supervisor reads for
 * progress and metrics, replaced atomically (temporary file + rename).
 */
#ifndef DS_LOAD_STATS_H
#define DS_LOAD_STATS_H

struct ds_totals;

/* Write path with the totals and state (running|done|failed); warns on failure. */
void	ld_stats_write(const char *path, const struct ds_totals *t, const char *state);

#endif

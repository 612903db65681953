/*
 * manifest.h - what a correct ingestion of the whole range ends with.
 */
#ifndef MOCK_MANIFEST_H
#define MOCK_MANIFEST_H

/*
 * Write to path one line "valid\t<id>" per valid event (with --churn
 * "valid\t<id>\t<rev>") and one line "bad\t<marker>\t<reason>" per bad
 * record, in event order, streaming; events absent from the generation
 * are left out.
 * Returns 0, or -1 with errno set.
 */
int	manifest_write(const char *path);

#endif

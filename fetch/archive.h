/*
 * archive.h - page lines kept in zstd segment files, one frame per page.
 *
 * The segment being written is DIR/<stream>-<UTC yyyymmddTHHMMSSZ>-<NNNNNN>.zst.part
 * (mode 0600, locked while open); it is fsync'd and renamed to .zst when it
 * reaches the size limit and at close. Names sort in fetch order, so
 * zstdcat of the .zst files in name order replays the pages.
 */
#ifndef DS_FETCH_ARCHIVE_H
#define DS_FETCH_ARCHIVE_H

#include <stddef.h>

struct archive;
struct ds_buf;

/*
 * Open DIR (created 0700 when absent) for stream. Segments that an earlier
 * run left as .part (and no longer holds) are finished first. Exits with a
 * message naming the path on failure. Caller frees with fx_archive_close().
 */
struct archive *fx_archive_open(const char *dir, const char *stream, size_t segbytes);

/* Append line (n bytes) as one frame; exits on failure. */
void	fx_archive_write(struct archive *a, const char *line, size_t n);

/* Finish the current segment (fsync, rename) and free a. Returns 0 or -1
 * after logging what failed; safe on NULL. */
int	fx_archive_close(struct archive *a);

/* Reset b to the finished name of segment n of stream started at Unix time t. */
void	fx_archive_name(struct ds_buf *b, const char *stream, long long t, unsigned n);

#endif

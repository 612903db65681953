#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "secure.h"
#include "archive.h"

struct archive {
	char		*dir;
	char		*stream;
	size_t		 segbytes;
	int		 dirfd;
	int		 fd;		/* current segment, or -1 */
	size_t		 size;		/* its bytes so far */
	char		*part;		/* its path */
	unsigned	 counter;	/* last counter used */
	ZSTD_CCtx	*cctx;
	struct ds_buf	 out;
};

void
fx_archive_name(struct ds_buf *b, const char *stream, long long t, unsigned n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char ts[32];

	gmtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	ds_buf_reset(b);
	ds_buf_printf(b, "%s-%s-%06u.zst", stream, ts, n);
}

/* The counter of a segment name of stream, or 0 when name is not one. */
static unsigned
name_counter(const char *name, const char *stream)
{
	size_t sl = strlen(stream), n = strlen(name);
	const char *p;
	char *end;
	unsigned long c;

	/* <stream>-yyyymmddTHHMMSSZ-NNNNNN.zst[.part] */
	if (strncmp(name, stream, sl) != 0 || name[sl] != '-' || n < sl + 28)
		return 0;
	p = name + sl + 1 + 16;
	if (*p != '-')
		return 0;
	c = strtoul(p + 1, &end, 10);
	if (end != p + 7 || (strcmp(end, ".zst") != 0 && strcmp(end, ".zst.part") != 0))
		return 0;
	return (unsigned)c;
}

/*
 * Exit for a failure to create or write an archive file: temporary when
 * it may pass by itself (disk full, too many open files), else permanent
 * (a name too long, no permission), so a supervisor does not retry forever.
 */
static void __attribute__((noreturn))
fail(const char *what, const char *path)
{
	int e = errno;

	ds_die(e == ENOSPC || e == EDQUOT || e == EMFILE || e == ENFILE || e == EIO ||
	    e == ENOMEM || e == EINTR || e == EAGAIN ? DS_EX_TEMP : DS_EX_PERM,
	    "archive: %s %s", what, path);
}

/*
 * fsync fd and rename part (a path in a's directory) to the name without
 * ".part", inside the directory opened at the start.
 */
static int
finish(struct archive *a, int fd, const char *part)
{
	char *done = ds_xstrdup(part + strlen(a->dir) + 1);

	done[strlen(done) - 5] = '\0';
	if (fsync(fd) < 0) {
		ds_warn("archive: fsync %s", part);
		free(done);
		return -1;
	}
	if (renameat(a->dirfd, part + strlen(a->dir) + 1, a->dirfd, done) < 0) {
		ds_warn("archive: rename %s", part);
		free(done);
		return -1;
	}
	if (fsync(a->dirfd) < 0)
		ds_warn("archive: fsync %s", a->dir);
	free(done);
	return 0;
}

/* Finish .part segments of this stream that no live writer holds; note the
 * highest counter in use. */
static void
scan(struct archive *a)
{
	struct ds_buf path = { 0 };
	struct dirent *de;
	DIR *d;
	unsigned c;
	int fd;

	if ((d = fdopendir(dup(a->dirfd))) == NULL)
		ds_die(DS_EX_PERM, "archive: read %s", a->dir);
	while ((de = readdir(d)) != NULL) {
		if ((c = name_counter(de->d_name, a->stream)) == 0)
			continue;
		if (c > a->counter)
			a->counter = c;
		if (strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 5, ".part") != 0)
			continue;
		ds_buf_reset(&path);
		ds_buf_printf(&path, "%s/%s", a->dir, de->d_name);
		if ((fd = openat(a->dirfd, de->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			ds_warnx("archive: finishing %s left by an earlier run", path.p);
			(void)finish(a, fd, path.p);
		}
		close(fd);
	}
	closedir(d);
	ds_buf_free(&path);
}

struct archive *
fx_archive_open(const char *dir, const char *stream, size_t segbytes)
{
	struct archive *a = ds_xcalloc(1, sizeof(*a));
	struct ds_buf why = { 0 };

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		ds_die(DS_EX_PERM, "archive: mkdir %s", dir);
	if ((a->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ds_die(DS_EX_PERM, "archive: open %s", dir);
	if (ds_dir_trusted(a->dirfd, dir, &why) < 0)
		ds_diex(DS_EX_PERM, "archive: refusing the directory: %s", why.p);
	ds_buf_free(&why);
	a->dir = ds_xstrdup(dir);
	a->stream = ds_xstrdup(stream);
	a->segbytes = segbytes;
	a->fd = -1;
	if ((a->cctx = ZSTD_createCCtx()) == NULL)
		ds_diex(DS_EX_TEMP, "archive: out of memory for zstd");
	scan(a);
	return a;
}

/* Start a new .part segment. */
static void
start(struct archive *a)
{
	struct ds_buf name = { 0 }, path = { 0 };
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		fx_archive_name(&name, a->stream, (long long)time(NULL), ++a->counter);
		ds_buf_reset(&path);
		ds_buf_printf(&path, "%s/%s.part", a->dir, name.p);
		a->part = path.p;
		a->fd = openat(a->dirfd, a->part + strlen(a->dir) + 1, O_WRONLY | O_CREAT |
		    O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (a->fd >= 0 || errno != EEXIST)
			break;
	}
	ds_buf_free(&name);
	a->part = path.p;
	if (a->fd < 0)
		fail("create", a->part);
	if (flock(a->fd, LOCK_EX | LOCK_NB) < 0)
		ds_die(DS_EX_TEMP, "archive: lock %s", a->part);
	a->size = 0;
}

/* Finish the current segment, if any. */
static int
rotate(struct archive *a)
{
	int rc;

	if (a->fd < 0)
		return 0;
	rc = finish(a, a->fd, a->part);
	if (close(a->fd) < 0 && rc == 0) {
		ds_warn("archive: close %s", a->part);
		rc = -1;
	}
	a->fd = -1;
	free(a->part);
	a->part = NULL;
	return rc;
}

void
fx_archive_write(struct archive *a, const char *line, size_t n)
{
	size_t len, off = 0, bound = ZSTD_compressBound(n);
	char *dst;
	ssize_t w;

	if (a->fd < 0)
		start(a);
	dst = ds_buf_reserve(&a->out, bound);
	len = ZSTD_compress2(a->cctx, dst, bound, line, n);
	if (ZSTD_isError(len))
		ds_diex(DS_EX_TEMP, "archive: zstd: %s", ZSTD_getErrorName(len));
	while (off < len) {
		if ((w = write(a->fd, dst + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			fail("write", a->part);
		}
		off += (size_t)w;
	}
	a->size += len;
	if (a->size >= a->segbytes && rotate(a) < 0)
		exit(DS_EX_TEMP);
}

int
fx_archive_close(struct archive *a)
{
	int rc;

	if (a == NULL)
		return 0;
	rc = rotate(a);
	ZSTD_freeCCtx(a->cctx);
	close(a->dirfd);
	ds_buf_free(&a->out);
	free(a->dir);
	free(a->stream);
	free(a);
	return rc;
}

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "secure.h"

void
ds_no_core(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		ds_die(DS_EX_PERM, "setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		ds_die(DS_EX_PERM, "prctl PR_SET_DUMPABLE");
}

int
ds_replace_file(const char *path, const void *p, size_t n, mode_t mode)
{
	struct ds_buf tmp = { 0 };
	const char *s = p;
	size_t off = 0;
	ssize_t w;
	int fd, e;

	ds_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	(void)unlink(tmp.p);	/* one left by a killed process of the same pid */
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	while (off < n) {
		if ((w = write(fd, s + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			unlink(tmp.p);
			errno = e;
			goto fail;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp.p, path) < 0) {
		e = errno;
		unlink(tmp.p);
		errno = e;
		goto fail;
	}
	ds_buf_free(&tmp);
	return 0;
fail:
	e = errno;
	ds_buf_free(&tmp);
	errno = e;
	return -1;
}

int
ds_dir_trusted(int dirfd, const char *name, struct ds_buf *why)
{
	struct stat st;

	ds_buf_reset(why);
	if (fstat(dirfd, &st) < 0) {
		ds_buf_printf(why, "%s: cannot stat it", name);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		ds_buf_printf(why, "%s is owned by uid %ld, not by this user (uid %ld)"
		    " or root", name, (long)st.st_uid, (long)geteuid());
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		ds_buf_printf(why, "%s is writable by %s (mode %04o): chmod go-w it",
		    name, (st.st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

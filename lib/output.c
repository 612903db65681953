#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exits.h"
#include "log.h"
#include "output.h"

#define OUTBUF	(1 << 20)

/* Static, not malloc'd: no leak to report whichever way the program exits. */
static char outbuf[OUTBUF];

void
ds_out_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, outbuf, _IOFBF, OUTBUF);
	/*
	 * A pipe of 64 KiB makes each flush wait for the next stage to read
	 * all but the last 64 KiB of it; grown to a whole buffer (the default
	 * limit for any user), this stage goes on working while the next one
	 * reads. Not a pipe, or not allowed: nothing changes.
	 */
	(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, OUTBUF);
}

static void __attribute__((noreturn))
failed(void)
{
	if (errno == EPIPE)
		exit(DS_EX_PIPE);
	ds_die(DS_EX_TEMP, "write error on standard output");
}

void
ds_out_fail(int errnum)
{
	errno = errnum;
	failed();
}

/*
 * A block of at least DIRECT bytes goes to the descriptor itself, after
 * what stdio holds: copied into stdio's buffer first, it cost a pass over
 * all the output of the stages that gather theirs in blocks.
 */
#define DIRECT	(64 * 1024)

int
ds_out_put(const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	if (n < DIRECT)
		return n && fwrite(p, 1, n, stdout) != n ? errno : 0;
	if (fflush(stdout) != 0)
		return errno;
	while (n > 0) {
		if ((w = write(STDOUT_FILENO, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
ds_out_write(const void *p, size_t n)
{
	int e;

	if ((e = ds_out_put(p, n)) != 0)
		ds_out_fail(e);
}

void
ds_out_flush(void)
{
	if (fflush(stdout) != 0)
		failed();
}

void
ds_out_close(void)
{
	ds_out_flush();
	if (fclose(stdout) != 0)
		failed();
}

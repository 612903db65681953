#include <stdatomic.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "output.h"
#include "archive.h"
#include "writer.h"

struct writer {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct archive	*arch;
	struct ds_buf	 buf[2];
	int		 fill;		/* the buffer the pager fills */
	int		 busy;		/* the other one is handed over, not yet written */
	int		 quit;
	int		 err;		/* errno of a failed write to stdout, or 0 */
	atomic_int *stop;	/* the pager's: set when err is */
};

/*
 * Write b to stdout; errno of the failure, or 0. The line is whole and is
 * written at once: straight to the descriptor (after anything stdio holds),
 * not copied through stdio's buffer first.
 */
static int
put_line(const struct ds_buf *b)
{
	const char *p = b->p;
	size_t left = b->len;
	ssize_t n;

	errno = 0;
	if (fflush(stdout) != 0)
		return errno != 0 ? errno : EIO;
	while (left > 0) {
		if ((n = write(STDOUT_FILENO, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* The thread: archive, then write and flush, each line handed over. */
static void *
run(void *arg)
{
	struct writer *w = arg;
	struct ds_buf *b;
	int skip, err;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		b = &w->buf[!w->fill];
		skip = w->err != 0;	/* after a failed write, nothing more */
		pthread_mutex_unlock(&w->mu);
		if (w->arch != NULL)
			fx_archive_write(w->arch, b->p, b->len);
		err = skip ? 0 : put_line(b);
		pthread_mutex_lock(&w->mu);
		if (err != 0) {
			w->err = err;
			int none = 0;

			(void)atomic_compare_exchange_strong(w->stop, &none, SIGPIPE);
		}
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *
fx_writer_new(struct archive *arch, atomic_int *stop)
{
	struct writer *w = ds_xcalloc(1, sizeof(*w));
	sigset_t block, old;

	w->arch = arch;
	w->stop = stop;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* signals stay with the pager, whose waits they must cut short */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((errno = pthread_create(&w->th, NULL, run, w)) != 0)
		ds_die(DS_EX_TEMP, "cannot start the writing thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
}

/* Wait until the line handed over is written; errno of a failed write, or 0. */
static int
wait_idle(struct writer *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

struct ds_buf *
fx_writer_buf(struct writer *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	if (err != 0)
		ds_out_fail(err);
	return &w->buf[w->fill];
}

void
fx_writer_put(struct writer *w)
{
	fx_writer_drain(w);
	pthread_mutex_lock(&w->mu);
	w->busy = 1;
	w->fill = !w->fill;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
fx_writer_drain(struct writer *w)
{
	int err;

	if ((err = wait_idle(w)) != 0)
		ds_out_fail(err);
}

int
fx_writer_is_self(const struct writer *w)
{
	return w != NULL && pthread_equal(pthread_self(), w->th);
}

void
fx_writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	(void)wait_idle(w);
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	ds_buf_free(&w->buf[0]);
	ds_buf_free(&w->buf[1]);
	free(w);
}

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "batch.h"
#include "../db/db.h"
#include "pool.h"
#include "keyset.h"

struct slot {
	struct ds_pool	*pool;
	int		 idx;
	struct ds_loader *l;
	PGconn		*conn;		/* the slot's own, NULL with one job */
	pthread_t	 th;
	int		 started;	/* th runs */
	long long	 batch;		/* the batch handed to it (1, 2, ...) */
	int		 busy;		/* handed over, not yet committed */
	long long	 locked;	/* batch whose transaction last took its lock */
	unsigned long	 gen;		/* lock takings so far */
	struct ds_totals tot;		/* the loader's totals after its last batch */
};

struct ds_pool {
	pthread_mutex_t	 mu;		/* guards the fields below and the slots' */
	pthread_cond_t	 cv;		/* any of them changed */
	long long	 committed;	/* batches 1..committed are committed */
	long long	 cpbatch;	/* the batch of the last checkpoint committed */
	long long	 seq;		/* that checkpoint */
	char		*cursor;
	int		 has_more;
	int		 quit;

	struct slot	*s;
	int		 n, cur;	/* slots; the one being filled */
	long long	 handed;	/* batches handed over */
	int		 key;		/* advisory lock class of this process */
	struct ds_keyset *seen;
};

/* Run the lock function fn on the batch's advisory lock; -1 on a deadlock. */
static int
advisory(struct slot *s, const char *fn, long long batch)
{
	char sql[96];
	PGresult *res;

	snprintf(sql, sizeof(sql), "SELECT %s(%d, %d)", fn, s->pool->key,
	    (int)(batch & 0x7fffffff));
	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	if (PQstatus(s->conn) == CONNECTION_OK && ds_db_retryable(res)) {
		ds_logkv(DS_LOG_WARN, "deadlock waiting for the previous batch, retrying",
		    "sqlstate=%s", ds_db_sqlstate(res));
		PQclear(res);
		return -1;
	}
	ds_db_die(s->conn, res, "cannot wait for the previous batch");
}

/* Hook: the batch's transaction began; take its lock for the next batch. */
static void
begun(void *arg)
{
	struct slot *s = arg;
	struct ds_pool *p = s->pool;

	(void)advisory(s, "pg_advisory_xact_lock", s->batch);
	pthread_mutex_lock(&p->mu);
	s->locked = s->batch;
	s->gen++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Hook: return once the batch before s's has committed (0), or -1 when
 * the server chose this wait to break a deadlock. Each transaction of the
 * previous batch is waited for in the server, so the wait is visible to
 * PostgreSQL's deadlock detector; the client waits only while that batch
 * holds no transaction.
 */
static int
wait_prev(void *arg)
{
	struct slot *s = arg, *prev;
	struct ds_pool *p = s->pool;
	long long want = s->batch - 1;
	unsigned long waited = 0;
	int any = 0;

	prev = &p->s[(s->idx + p->n - 1) % p->n];
	pthread_mutex_lock(&p->mu);
	while (p->committed < want) {
		if (prev->locked == want && (!any || prev->gen != waited)) {
			waited = prev->gen;
			any = 1;
			pthread_mutex_unlock(&p->mu);
			if (advisory(s, "pg_advisory_lock_shared", want) != 0)
				return -1;
			(void)advisory(s, "pg_advisory_unlock_shared", want);
			pthread_mutex_lock(&p->mu);
			continue;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Hook: the batch committed. */
static void
committed(void *arg)
{
	struct slot *s = arg;
	struct ds_pool *p = s->pool;

	pthread_mutex_lock(&p->mu);
	p->committed = s->batch;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* A slot's thread: load each batch handed over, in turn. */
static void *
worker(void *arg)
{
	struct slot *s = arg;
	struct ds_pool *p = s->pool;
	const struct ds_totals *t;
	char *cursor;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!s->busy && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!s->busy) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_mutex_unlock(&p->mu);

		ld_loader_commit(s->l);

		t = ld_loader_totals(s->l);
		cursor = t->cursor != NULL ? ds_xstrdup(t->cursor) : NULL;
		pthread_mutex_lock(&p->mu);
		/* an empty batch commits nothing but still keeps its turn */
		while (p->committed < s->batch - 1)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->committed < s->batch)
			p->committed = s->batch;
		if (t->checkpoints != s->tot.checkpoints) {
			p->cpbatch = s->batch;
			p->seq = t->seq;
			p->has_more = t->has_more;
			free(p->cursor);
			p->cursor = cursor;
			cursor = NULL;
		}
		s->tot = *t;
		s->tot.cursor = NULL;
		s->busy = 0;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		free(cursor);
	}
}

struct ds_pool *
ld_pool_new(PGconn *conn, const char *db, int jobs, const char *table,
    int update, long long run, size_t rows, size_t bytes, double seconds)
{
	struct ds_pool *p = ds_xcalloc(1, sizeof(*p));
	struct ds_order o;
	sigset_t block, old;
	struct timespec ts;
	struct slot *s;
	int i;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->n = jobs < 1 ? 1 : jobs;
	p->s = ds_xcalloc((size_t)p->n, sizeof(*p->s));
	if (p->n == 1) {
		p->s[0].pool = p;
		p->s[0].l = ld_loader_new(conn, table, update, run, NULL);
		ld_loader_limits(p->s[0].l, rows, bytes, seconds);
		return p;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	p->key = (int)(((unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec) & 0x7fffffff);
	p->seen = ld_keyset_new(p->n + 1);
	/* signals are the reading thread's to see */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < p->n; i++) {
		s = &p->s[i];
		s->pool = p;
		s->idx = i;
		s->tot.seq = -1;
		s->conn = ds_db_connect(db, "ds-load");
		s->l = ld_loader_new(s->conn, table, update, run, p->seen);
		ld_loader_limits(s->l, rows, bytes, seconds);
		o.begun = begun;
		o.wait = wait_prev;
		o.committed = committed;
		o.arg = s;
		ld_loader_order(s->l, &o);
		if ((errno = pthread_create(&s->th, NULL, worker, s)) != 0)
			ds_die(DS_EX_TEMP, "cannot start a loading thread");
		s->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

struct ds_loader *
ld_pool_loader(struct ds_pool *p)
{
	return p->s[p->cur].l;
}

void
ld_pool_set_stream(struct ds_pool *p, const char *stream)
{
	int i;

	for (i = 0; i < p->n; i++)
		ld_loader_set_stream(p->s[i].l, stream);
}

void
ld_pool_commit(struct ds_pool *p)
{
	struct slot *s = &p->s[p->cur];

	if (p->n == 1) {
		ld_loader_commit(s->l);
		return;
	}
	pthread_mutex_lock(&p->mu);
	s->batch = ++p->handed;
	s->busy = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	ld_keyset_rotate(p->seen);
	p->cur = (p->cur + 1) % p->n;
	/* once the input has checkpoint lines, batches end only at one */
	ld_loader_inherit(p->s[p->cur].l, s->l);
	s = &p->s[p->cur];
	pthread_mutex_lock(&p->mu);
	while (s->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
ld_pool_drain(struct ds_pool *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++)
		while (p->s[i].busy)
			pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
ld_pool_totals(struct ds_pool *p, struct ds_totals *t)
{
	const struct ds_totals *st;
	int i, nomem;

	if (p->n == 1) {
		*t = *ld_loader_totals(p->s[0].l);
		t->cursor = t->cursor != NULL ? ds_xstrdup(t->cursor) : NULL;
		return;
	}
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++) {
		st = &p->s[i].tot;
		t->c.records += st->c.records;
		t->c.duplicates += st->c.duplicates;
		t->c.updated += st->c.updated;
		t->c.rejects += st->c.rejects;
		t->batches += st->batches;
		t->checkpoints += st->checkpoints;
	}
	t->committed_cp = p->cpbatch > 0;
	t->seq = p->cpbatch > 0 ? p->seq : -1;
	t->has_more = p->has_more;
	t->cursor = p->cursor != NULL ? strdup(p->cursor) : NULL;
	nomem = p->cursor != NULL && t->cursor == NULL;
	pthread_mutex_unlock(&p->mu);
	/* exit outside the lock: the exit handlers take it */
	if (nomem)
		ds_diex(DS_EX_TEMP, "out of memory");
}

long long
ld_pool_rejects(struct ds_pool *p)
{
	long long n = 0;
	int i;

	for (i = 0; i < p->n; i++)
		n += ld_loader_rejects(p->s[i].l);
	return n;
}

void
ld_pool_free(struct ds_pool *p)
{
	int i;

	if (p == NULL)
		return;
	ld_pool_drain(p);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n; i++) {
		if (p->s[i].started)
			pthread_join(p->s[i].th, NULL);
		ld_loader_free(p->s[i].l);
		if (p->s[i].conn != NULL)
			PQfinish(p->s[i].conn);
	}
	ld_keyset_free(p->seen);
	free(p->cursor);
	free(p->s);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

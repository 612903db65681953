#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "hashq.h"
#include "jcs.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "record.h"
#include "sha256.h"

/*
 * One hash: of the canonical text canon[off, off + len) when dataoff is
 * (size_t)-1, else of the canonical form of the object at out[dataoff]:
 * a row's (len bytes, its values at the offsets vals[off...]) when row is
 * set, else the one whose members are mem[off, off + len).
 */
struct job {
	size_t		 off, len, dataoff;
	size_t		 hashoff, idoff;
	size_t		 canonat, memat, valat;	/* canon.len, nmem, nvals before it */
	int		 row;
};

/* A member's key and value as offsets from its object's first byte. */
struct span {
	size_t		 key, keylen, val, vallen;
};

/* One output buffer with the hashes its lines wait for. */
struct batch {
	struct ds_buf	 out, canon, asis;
	struct job	*jobs;
	size_t		 njobs, cap;
	struct span	*mem;
	size_t		 nmem, capmem;
	size_t		*vals;
	size_t		 nvals, capvals;
	int		 flush;
};

struct xf_hashq {
	pthread_t	 t;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct batch	 b[2];
	int		 cur;		/* b[cur] is being filled, b[!cur] the thread's */
	int		 busy;		/* b[!cur] is handed over and not written yet */
	int		 stop;
	int		 err;		/* errno of a failed write; nothing written after */
	struct xf_shape	 shape;		/* the rows' keys, owned */
	/* the thread's */
	struct ds_jcs	 jcs;
	struct ds_buf	 text;
	struct ds_json_member *mm;
	size_t		 capmm;
};

static struct xf_hashq *live;	/* for the exit hook */

/* The canonical form of job j's object into q->text (the thread's work). */
static void
canonical(struct xf_hashq *q, const struct batch *b, const struct job *j)
{
	const char *base = b->out.p + j->dataoff;
	const struct span *sp = b->mem + j->off;
	size_t i;

	if (j->len > q->capmm) {
		q->capmm = j->len;
		q->mm = ds_xrealloc(q->mm, q->capmm * sizeof(*q->mm));
	}
	for (i = 0; i < j->len; i++) {
		q->mm[i].key = base + sp[i].key;
		q->mm[i].keylen = sp[i].keylen;
		q->mm[i].val = base + sp[i].val;
		q->mm[i].vallen = sp[i].vallen;
	}
	ds_buf_reset(&q->text);
	ds_jcs_members(&q->jcs, q->mm, j->len, j->len > 0 ?
	    (const unsigned char *)b->asis.p + j->off : NULL, &q->text);
}

/* Complete b's lines with their digits and write them (the thread's work). */
static void
complete(struct xf_hashq *q, struct batch *b)
{
	char hex[65];
	size_t i;
	int e;

	for (i = 0; i < b->njobs; i++) {
		struct job *j = &b->jobs[i];

		if (j->dataoff == (size_t)-1)
			ds_sha256_hex(b->canon.p + j->off, j->len, hex);
		else if (j->row) {
			ds_buf_reset(&q->text);
			xf_shape_canon(&q->shape, b->out.p + j->dataoff, j->len, b->vals + j->off,
			    &q->text);
			ds_sha256_hex(q->text.p, q->text.len, hex);
		} else {
			canonical(q, b, j);
			ds_sha256_hex(q->text.p, q->text.len, hex);
		}
		memcpy(b->out.p + j->hashoff, hex, 64);
		if (j->idoff != (size_t)-1)
			memcpy(b->out.p + j->idoff, hex, 64);
	}
	if (q->err != 0)
		return;
	if ((e = ds_out_put(b->out.p, b->out.len)) == 0 && b->flush && fflush(stdout) != 0)
		e = errno;
	q->err = e;
}

static void *
run(void *arg)
{
	struct xf_hashq *q = arg;

	int k;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->busy && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->busy)
			break;
		k = !q->cur;
		pthread_mutex_unlock(&q->mu);
		complete(q, &q->b[k]);
		pthread_mutex_lock(&q->mu);
		q->busy = 0;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Wait for the thread to be idle; a write it failed exits here, as ds_out_write() does. */
static void
idle(struct xf_hashq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->busy)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

/* Let the thread finish what it holds, then end it. */
static void
stop(struct xf_hashq *q)
{
	idle(q);
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->t, NULL);
}

/*
 * At exit() (a fatal error on the parsing thread): the thread finishes the
 * buffer it holds, so the output ends at a line's end, never inside one.
 */
static void
atexit_stop(void)
{
	struct xf_hashq *q = live;

	if (q == NULL || pthread_equal(pthread_self(), q->t))
		return;		/* (the thread itself exits only when memory runs out) */
	live = NULL;
	stop(q);
}

struct xf_hashq *
xf_hashq_new(void)
{
	static int hooked;
	struct xf_hashq *q = ds_xcalloc(1, sizeof(*q));
	int e;

	ds_jcs_setup();
	if ((e = pthread_mutex_init(&q->mu, NULL)) != 0 ||
	    (e = pthread_cond_init(&q->cv, NULL)) != 0 ||
	    (e = pthread_create(&q->t, NULL, run, q)) != 0)
		ds_diex(DS_EX_TEMP, "cannot start the hashing thread: %s", strerror(e));
	if (!hooked && atexit(atexit_stop) == 0)
		hooked = 1;
	live = q;
	return q;
}

/* A new job at the end of the batch being filled. */
static struct job *
newjob(struct xf_hashq *q, size_t hashoff, size_t idoff)
{
	struct batch *b = &q->b[q->cur];
	struct job *j;

	if (b->njobs == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 1024;
		b->jobs = ds_xrealloc(b->jobs, b->cap * sizeof(*b->jobs));
	}
	j = &b->jobs[b->njobs++];
	j->hashoff = hashoff;
	j->idoff = idoff;
	j->canonat = b->canon.len;
	j->memat = b->nmem;
	j->valat = b->nvals;
	j->row = 0;
	return j;
}

void
xf_hashq_add(struct xf_hashq *q, const char *p, size_t n, size_t hashoff, size_t idoff)
{
	struct batch *b = &q->b[q->cur];
	struct job *j = newjob(q, hashoff, idoff);

	j->off = b->canon.len;
	j->len = n;
	j->dataoff = (size_t)-1;
	ds_buf_add(&b->canon, p, n);
}

/*
 * The array p of *cap elements of size bytes with room for need of them
 * (reallocated at least twice as large when it grows; the caller's).
 */
static void *
room(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = need > 2 * *cap ? need : 2 * *cap;
	return ds_xrealloc(p, *cap * size);
}

void
xf_hashq_add_members(struct xf_hashq *q, const struct ds_json_member *m, size_t n,
    const unsigned char *asis, const char *base, size_t dataoff, size_t hashoff,
    size_t idoff)
{
	struct batch *b = &q->b[q->cur];
	struct job *j = newjob(q, hashoff, idoff);
	struct span *sp;
	size_t i;

	b->mem = room(b->mem, &b->capmem, b->nmem + n, sizeof(*b->mem));
	j->off = b->nmem;
	j->len = n;
	j->dataoff = dataoff;
	sp = b->mem + b->nmem;
	for (i = 0; i < n; i++) {
		sp[i].key = (size_t)(m[i].key - base);
		sp[i].keylen = m[i].keylen;
		sp[i].val = (size_t)(m[i].val - base);
		sp[i].vallen = m[i].vallen;
	}
	b->asis.len = b->nmem;
	if (n > 0)
		ds_buf_add(&b->asis, (const char *)asis, n);
	b->nmem += n;
}

/* Free what q->shape holds. */
static void
shape_free(struct xf_hashq *q)
{
	size_t i;

	for (i = 0; i < q->shape.n; i++)
		free(q->shape.key[i]);
	free(q->shape.key);
	free(q->shape.keylen);
	free(q->shape.order);
	memset(&q->shape, 0, sizeof(q->shape));
}

void
xf_hashq_shape(struct xf_hashq *q, const struct xf_shape *sh)
{
	struct xf_shape *c = &q->shape;
	size_t i;

	idle(q);
	shape_free(q);
	c->n = sh->n;
	c->key = ds_xcalloc(sh->n, sizeof(*c->key));
	c->keylen = ds_xcalloc(sh->n, sizeof(*c->keylen));
	c->order = ds_xcalloc(sh->n, sizeof(*c->order));
	for (i = 0; i < sh->n; i++) {
		c->key[i] = ds_xstrndup(sh->key[i], sh->keylen[i]);
		c->keylen[i] = sh->keylen[i];
		c->order[i] = sh->order[i];
	}
}

void
xf_hashq_add_row(struct xf_hashq *q, const size_t *vals, size_t n, size_t len,
    size_t dataoff, size_t hashoff, size_t idoff)
{
	struct batch *b = &q->b[q->cur];
	struct job *j = newjob(q, hashoff, idoff);

	b->vals = room(b->vals, &b->capvals, b->nvals + n, sizeof(*b->vals));
	j->off = b->nvals;
	j->len = len;
	j->dataoff = dataoff;
	j->row = 1;
	memcpy(b->vals + b->nvals, vals, n * sizeof(*vals));
	b->nvals += n;
}

size_t
xf_hashq_mark(const struct xf_hashq *q)
{
	return q->b[q->cur].njobs;
}

void
xf_hashq_cut(struct xf_hashq *q, size_t mark)
{
	struct batch *b = &q->b[q->cur];

	if (mark < b->njobs) {
		b->canon.len = b->jobs[mark].canonat;
		b->nmem = b->jobs[mark].memat;
		b->nvals = b->jobs[mark].valat;
		b->njobs = mark;
	}
}

void
xf_hashq_write(struct xf_hashq *q, struct ds_buf *out, int flush)
{
	struct batch *nb, *ob;

	idle(q);
	if (q->err != 0)
		ds_out_fail(q->err);
	nb = &q->b[q->cur];
	ob = &q->b[!q->cur];
	nb->out = *out;
	nb->flush = flush;
	*out = ob->out;
	out->len = 0;
	memset(&ob->out, 0, sizeof(ob->out));
	ob->canon.len = 0;
	ob->njobs = ob->nmem = ob->nvals = 0;
	pthread_mutex_lock(&q->mu);
	q->cur = !q->cur;
	q->busy = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
xf_hashq_sync(struct xf_hashq *q)
{
	idle(q);
	if (q->err != 0)
		ds_out_fail(q->err);
}

void
xf_hashq_free(struct xf_hashq *q)
{
	int i;

	if (q == NULL)
		return;
	xf_hashq_sync(q);
	live = NULL;
	stop(q);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	for (i = 0; i < 2; i++) {
		ds_buf_free(&q->b[i].out);
		ds_buf_free(&q->b[i].canon);
		ds_buf_free(&q->b[i].asis);
		free(q->b[i].jobs);
		free(q->b[i].mem);
		free(q->b[i].vals);
	}
	shape_free(q);
	ds_jcs_free(&q->jcs);
	ds_buf_free(&q->text);
	free(q->mm);
	free(q);
}

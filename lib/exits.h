/*
 * exits.h - the one exit-status scheme of every ds program.
 *
 * The supervisor (ds-run) decides what to do from these alone:
 *   0          done
 *   1          ds-checkpoint status: some stream is stale or has unacknowledged drift
 *   3          ds-checkpoint get: the stream is finished (has_more false)
 *   64         usage error (bad option or argument)
 *   100..109   permanent failure: restarting cannot help, a person must act
 *   110..119   temporary failure: restart the chain from the stored checkpoint
 *   126, 127   the shell could not run a stage (not executable, not found):
 *              permanent
 *   128+N      killed by signal N (temporary)
 *   anything else: temporary
 * ds_exit_class() is the one table of these classes: the C programs and
 * ds-status(1), which ds-run asks, read it.
 */
#ifndef DS_EXITS_H
#define DS_EXITS_H

#define DS_EX_OK	0	/* done */
#define DS_EX_CHECK	1	/* a freshness/drift check failed */
#define DS_EX_FINISHED	3	/* stream finished: nothing more to fetch */
#define DS_EX_USAGE	64	/* bad command line */
#define DS_EX_PERM	100	/* permanent: other 4xx, bad input format, config */
#define DS_EX_AUTH	101	/* permanent: API key refused (401/403) */
#define DS_EX_EXPIRED	102	/* cursor expired: restart from a fresh cursor */
#define DS_EX_REJECTS	103	/* permanent: more rejects than --max-rejects */
#define DS_EX_TEMP	111	/* temporary: retries exhausted, connection lost */
#define DS_EX_PIPE	112	/* temporary: our stdout was closed (next stage died) */
#define DS_EX_NOEXEC	126	/* permanent: the shell found a stage not executable */
#define DS_EX_NOTFOUND	127	/* permanent: the shell did not find a stage */

/* What a supervisor does about an exit status, most severe last. */
enum ds_exit_class {
	DS_CLASS_OK,		/* 0: the chain ran; run it again from the checkpoint */
	DS_CLASS_TEMPORARY,	/* restart after a backoff */
	DS_CLASS_EXPIRED,	/* DS_EX_EXPIRED: start the stream over */
	DS_CLASS_REJECTS,	/* DS_EX_REJECTS: stop */
	DS_CLASS_PERMANENT	/* usage, 100-109, 126, 127: stop */
};

/* The class of exit status st (anything not listed above is temporary). */
enum ds_exit_class	ds_exit_class(int st);

/* The class's name: "ok", "temporary", "expired", "rejects", "permanent" (static). */
const char	       *ds_exit_class_name(enum ds_exit_class c);

#endif

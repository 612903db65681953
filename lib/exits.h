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
 *   128+N      killed by signal N (temporary)
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

#endif

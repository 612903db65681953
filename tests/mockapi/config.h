/*
 * config.h - ds-mockapi's settings, filled by main() from the command line
 * and read-only once the server runs.
 */
#ifndef MOCK_CONFIG_H
#define MOCK_CONFIG_H

#include <stdint.h>

enum mock_shape { SHAPE_NESTED, SHAPE_FLAT };
enum mock_reset { RESET_DELTA, RESET_EPOCH, RESET_ALTERNATE };
/* --style: whose API the mock follows (styles.c), DataSync's by default */
enum mock_style { STYLE_DATASYNC, STYLE_SOCRATA, STYLE_ARCGIS, STYLE_CKAN,
	STYLE_GITHUB, STYLE_STRIPE, STYLE_JSONAPI };

/* Fault kinds, as bits for --faults. */
enum mock_fault {
	FAULT_NONE = 0,
	FAULT_500 = 1 << 0,
	FAULT_502 = 1 << 1,
	FAULT_503 = 1 << 2,
	FAULT_504 = 1 << 3,
	FAULT_HTML = 1 << 4,
	FAULT_TRUNCATE = 1 << 5,
	FAULT_DROP = 1 << 6,
	FAULT_SLOW = 1 << 7,
	FAULT_429 = 1 << 8,
	FAULT_ALL = (1 << 9) - 1,
	/* --style only, never by default: 202 "still processing" (Socrata, GitHub) */
	FAULT_202 = 1 << 9,
	/* --style only: a rate limit naming no wait (GitHub: a 403 that says so) */
	FAULT_BARE429 = 1 << 10
};

/* --gzip-fault kinds, as bits: what is wrong with a gzip-encoded answer */
enum mock_gzfault {
	GZFAULT_NONE = 0,
	GZFAULT_CRC = 1 << 0,		/* a wrong CRC-32 in the trailer */
	GZFAULT_LENGTH = 1 << 1,	/* a wrong ISIZE in the trailer */
	GZFAULT_TRAILING = 1 << 2,	/* bytes after the member */
	GZFAULT_CUT = 1 << 3,		/* the member without its last 4 bytes */
	GZFAULT_HALF = 1 << 4		/* the member cut halfway */
};

struct mock_config {
	uint64_t	 events;	/* events in the whole range */
	uint64_t	 seed;
	unsigned	 page_max;	/* larger limits are clamped to this */
	const char	*api_key;	/* NULL: no auth */
	enum mock_shape	 shape;
	int		 pretty;
	unsigned	 cursor_ttl;	/* seconds */
	unsigned	 rate_n;	/* requests per window; 0: no limit */
	unsigned	 rate_secs;	/* window length */
	enum mock_reset	 reset_form;
	double		 fail_rate;
	unsigned	 faults;	/* enum mock_fault bits */
	unsigned	 slow_secs;
	double		 dup_rate;
	double		 bad_rate;
	int		 gzip;
	unsigned	 gzip_faults;	/* --gzip-fault: enum mock_gzfault bits */
	uint64_t	 gzip_fault_at;	/* --gzip-fault-at N: only the Nth answer (0: drawn) */
	double		 gzip_fault_rate; /* --gzip-fault-rate R: each answer's chance */
	int		 log;
	const char	*files;		/* --files: the directory /files/ serves, or NULL */
	uint64_t	 files_cut;	/* --files-cut: bytes of a whole file sent, then cut */
	const char	*files_key;	/* --files-key-file: /files/ asks for it, or NULL */
	enum mock_style	 style;
	int		 oauth2;	/* --oauth2: api_key is client_id:secret */
	int		 errors_200;	/* --errors-200: CKAN's errors with HTTP 200 */
	unsigned	 token_ttl;	/* --token-ttl: seconds a token lives */
	unsigned	 revoke_every;	/* --revoke-every N: revoke the token in use */
	unsigned	 generation;	/* --generation G: the data set's version (0: the first) */
	double		 churn;		/* --churn R: per generation, the share of events
					   absent and the share changed */
	const char	*deleted;	/* --deleted ID: the Stripe object deleted, or NULL */
	unsigned	 created_step;	/* --created-step S: Stripe's created, to S seconds */
};

extern struct mock_config mock_cfg;

#endif

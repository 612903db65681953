#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "faults.h"
#include "hash.h"

#define NSLOTS	(1u << 16)

struct kind {
	const char	*name;
	unsigned	 bit;
};

static const struct kind kinds[] = {
	{ "500", FAULT_500 }, { "502", FAULT_502 }, { "503", FAULT_503 },
	{ "504", FAULT_504 }, { "html", FAULT_HTML }, { "truncate", FAULT_TRUNCATE },
	{ "drop", FAULT_DROP }, { "slow", FAULT_SLOW }, { "429", FAULT_429 },
	{ "202", FAULT_202 }, { "bare429", FAULT_BARE429 }
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static const struct kind gzkinds[] = {
	{ "crc", GZFAULT_CRC }, { "length", GZFAULT_LENGTH },
	{ "trailing", GZFAULT_TRAILING }, { "cut", GZFAULT_CUT }, { "half", GZFAULT_HALF }
};
#define NGZKINDS	(sizeof(gzkinds) / sizeof(gzkinds[0]))

#define SALT_GZIP	0x677a6970ULL

/* Attempts per (offset, range), in a fixed table: colliding keys share a count. */
static _Atomic uint32_t attempts[NSLOTS];

/* The bits of a comma list of the names in t (nt of them); 0 on a bad name. */
static unsigned
parse_list(const struct kind *t, size_t nt, const char *list)
{
	unsigned bits = 0;
	const char *p = list, *e;
	size_t i, n;

	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < nt; i++)
			if (strlen(t[i].name) == n && memcmp(t[i].name, p, n) == 0)
				break;
		if (i == nt)
			return 0;
		bits |= t[i].bit;
		if (e == NULL)
			return bits;
		p = e + 1;
	}
}

/* One of the kinds of t (nt of them) whose bit is in bits, drawn by h. */
static unsigned
pick_kind(const struct kind *t, size_t nt, unsigned bits, uint64_t h)
{
	unsigned pick[16];
	size_t i, n = 0;

	for (i = 0; i < nt && n < sizeof(pick) / sizeof(pick[0]); i++)
		if (bits & t[i].bit)
			pick[n++] = t[i].bit;
	return n == 0 ? 0 : pick[mock_mix(h) % n];
}

/* The name of bit in t (nt kinds), or "-". */
static const char *
kind_name(const struct kind *t, size_t nt, unsigned bit)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (t[i].bit == bit)
			return t[i].name;
	return "-";
}

unsigned
faults_parse(const char *list)
{
	return parse_list(kinds, NKINDS, list);
}

unsigned
faults_gzip_parse(const char *list)
{
	return parse_list(gzkinds, NGZKINDS, list);
}

enum mock_gzfault
faults_gzip_draw(void)
{
	static _Atomic uint64_t answers;
	uint64_t n, h;

	if (mock_cfg.gzip_faults == 0)
		return GZFAULT_NONE;
	n = atomic_fetch_add(&answers, 1) + 1;
	h = mock_hash3(mock_cfg.seed, n, SALT_GZIP);
	if (mock_cfg.gzip_fault_at != 0 ? n != mock_cfg.gzip_fault_at :
	    mock_unit(h) >= mock_cfg.gzip_fault_rate)
		return GZFAULT_NONE;
	return (enum mock_gzfault)pick_kind(gzkinds, NGZKINDS, mock_cfg.gzip_faults, h);
}

const char *
faults_gzip_name(enum mock_gzfault f)
{
	return kind_name(gzkinds, NGZKINDS, f);
}

enum mock_fault
faults_draw(uint64_t off, uint64_t range)
{
	uint64_t key = mock_hash3(mock_cfg.seed, off, range), h;
	uint32_t attempt;

	if (mock_cfg.fail_rate <= 0 || mock_cfg.faults == 0)
		return FAULT_NONE;
	attempt = atomic_fetch_add(&attempts[key & (NSLOTS - 1)], 1);
	h = mock_hash3(key, 0x6661756c74ULL, attempt);
	if (mock_unit(h) >= mock_cfg.fail_rate)
		return FAULT_NONE;
	return (enum mock_fault)pick_kind(kinds, NKINDS, mock_cfg.faults, h);
}

const char *
faults_name(enum mock_fault f)
{
	return kind_name(kinds, NKINDS, f);
}

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "faults.h"
#include "hash.h"

#define NSLOTS	(1u << 16)

static const struct {
	const char	*name;
	enum mock_fault	 bit;
} kinds[] = {
	{ "500", FAULT_500 }, { "502", FAULT_502 }, { "503", FAULT_503 },
	{ "504", FAULT_504 }, { "html", FAULT_HTML }, { "truncate", FAULT_TRUNCATE },
	{ "drop", FAULT_DROP }, { "slow", FAULT_SLOW }, { "429", FAULT_429 },
	{ "202", FAULT_202 }, { "bare429", FAULT_BARE429 }
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

/* Attempts per (offset, range), in a fixed table: colliding keys share a count. */
static _Atomic uint32_t attempts[NSLOTS];

unsigned
faults_parse(const char *list)
{
	unsigned bits = 0;
	const char *p = list, *e;
	size_t i, n;

	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < NKINDS; i++)
			if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, p, n) == 0)
				break;
		if (i == NKINDS)
			return 0;
		bits |= kinds[i].bit;
		if (e == NULL)
			return bits;
		p = e + 1;
	}
}

enum mock_fault
faults_draw(uint64_t off, uint64_t range)
{
	uint64_t key = mock_hash3(mock_cfg.seed, off, range), h;
	uint32_t attempt;
	enum mock_fault pick[NKINDS];
	size_t i, n = 0;

	if (mock_cfg.fail_rate <= 0 || mock_cfg.faults == 0)
		return FAULT_NONE;
	attempt = atomic_fetch_add(&attempts[key & (NSLOTS - 1)], 1);
	h = mock_hash3(key, 0x6661756c74ULL, attempt);
	if (mock_unit(h) >= mock_cfg.fail_rate)
		return FAULT_NONE;
	for (i = 0; i < NKINDS; i++)
		if (mock_cfg.faults & kinds[i].bit)
			pick[n++] = kinds[i].bit;
	return pick[mock_mix(h) % n];
}

const char *
faults_name(enum mock_fault f)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i].bit == f)
			return kinds[i].name;
	return "-";
}

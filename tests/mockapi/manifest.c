#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "events.h"
#include "manifest.h"

int
manifest_write(const char *path)
{
	FILE *f;
	char id[32];
	uint64_t i;
	enum event_bad b;
	int bad;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	for (i = 0; i < mock_cfg.events; i++) {
		if (event_gone(i))
			continue;
		if ((b = event_bad(i)) != EVENT_OK)
			fprintf(f, "bad\tbad-%llu\t%s\n", (unsigned long long)i,
			    event_bad_reason(b));
		else {
			id[event_id(i, id)] = '\0';
			if (mock_cfg.churn > 0)
				fprintf(f, "valid\t%s\t%u\n", id, event_rev(i));
			else
				fprintf(f, "valid\t%s\n", id);
		}
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return -1;
	return 0;
}

/*
 * faults.h - injected failures (--fail-rate, --faults).
 *
 * The fault of a request is drawn from hash(seed, cursor offset, attempt
 * number at that offset): the same run of retries fails the same way every
 * time, and with a rate below 1 a retry eventually passes.
 */
#ifndef MOCK_FAULTS_H
#define MOCK_FAULTS_H

#include <stdint.h>

#include "config.h"

/* Parse a --faults list ("500,html,drop") into bits; returns 0 on a bad name. */
unsigned	 faults_parse(const char *list);
/* Draw the fault for this attempt at offset off of range range (counts it). */
enum mock_fault	 faults_draw(uint64_t off, uint64_t range);
/* The name of a fault kind ("-" for none). */
const char	*faults_name(enum mock_fault f);
/* Parse a --gzip-fault list ("crc,cut") into bits; returns 0 on a bad name. */
unsigned	 faults_gzip_parse(const char *list);
/*
 * The gzip fault of the next gzip-encoded 200 answer (counts it): the
 * --gzip-fault-at'th answer only, or each with --gzip-fault-rate.
 */
enum mock_gzfault faults_gzip_draw(void);
/* The name of a gzip fault kind ("-" for none). */
const char	*faults_gzip_name(enum mock_gzfault f);

#endif

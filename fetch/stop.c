#include "stop.h"

int
fx_stop_decide(const struct stop_in *in, const char **why)
{
	int flag = in->has_more == 1 || in->more == 1;

	*why = NULL;
	if (in->has_more == 0) {
		*why = "has-more is false";
		return STOP_LAST;
	}
	if (in->more == 0) {
		*why = "no more-path flag is true";
		return STOP_LAST;
	}
	if (!in->has_next) {
		if (flag) {
			*why = "a flag says there is more but the response names no "
			    "next page (cursor or link null or absent)";
			return STOP_FAIL;
		}
		*why = "no next page named (cursor or link null or absent)";
		return STOP_LAST;
	}
	if (in->total >= 0 && in->position >= 0 && in->position >= in->total && !flag) {
		*why = "total reached";
		return STOP_LAST;
	}
	if (in->records == 0) {
		if (flag) {
			if (in->empty_run + 1 > STOP_EMPTY_MAX) {
				*why = "empty pages in a row while a flag says there is more";
				return STOP_FAIL;
			}
			return STOP_MORE;
		}
		if (in->stop_on_empty) {
			*why = "empty page";
			return STOP_LAST;
		}
	}
	if (in->stop_on_short && in->limit > 0 && in->records < (size_t)in->limit &&
	    !flag) {
		*why = "short page";
		return STOP_LAST;
	}
	return STOP_MORE;
}

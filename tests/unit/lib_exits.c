/* lib_exits.c - the one table of exit-status classes (lib/exits.c). */
#include "exits.h"
#include "unit.h"

UNIT_TEST(exit_class_table)
{
	static const struct {
		int		 st;
		const char	*class;
	} t[] = {
		{ 0, "ok" }, { 1, "temporary" }, { 3, "temporary" },
		{ 64, "permanent" }, { 100, "permanent" }, { 101, "permanent" },
		{ 102, "expired" }, { 103, "rejects" }, { 109, "permanent" },
		{ 110, "temporary" }, { 111, "temporary" }, { 112, "temporary" },
		{ 126, "permanent" }, { 127, "permanent" }, { 128, "temporary" },
		{ 137, "temporary" }, { 143, "temporary" }, { 255, "temporary" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_STR(ds_exit_class_name(ds_exit_class(t[i].st)), t[i].class);
	/* the classes are ordered by severity, as ds-run ranks them */
	CHECK(DS_CLASS_OK < DS_CLASS_TEMPORARY && DS_CLASS_TEMPORARY < DS_CLASS_EXPIRED &&
	    DS_CLASS_EXPIRED < DS_CLASS_REJECTS && DS_CLASS_REJECTS < DS_CLASS_PERMANENT);
}

# ds - ingest paginated HTTP JSON APIs into PostgreSQL with small Unix filters.
# Build: make   Test: make check   Demo: make demo   See README.md.
# `make` never installs anything: it checks the build's libraries with pkg-config
# and names the Debian package of any missing one. `make deps` installs the build,
# test and demo packages (as root); `make check` and `make demo` run it first.
# (DS_SKIP_DEPS=1, which once kept `make` from installing, is accepted and not needed.)

PREFIX	?= /usr/local
DESTDIR	?=
BIN	?= bin
OBJ	?= build/obj
CC	?= cc
CFLAGS	?= -O2 -g
PKG_CONFIG ?= pkg-config

DS_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Werror -Ilib -MMD -MP

pc = $(shell $(PKG_CONFIG) --$(1) $(2) 2>/dev/null)

CURL_LIBS	= $(call pc,libs,libcurl)
PQ_LIBS		= $(call pc,libs,libpq)
ZSTD_LIBS	= $(call pc,libs,libzstd)
MHD_LIBS	= $(call pc,libs,libmicrohttpd)
NETTLE_LIBS	= $(call pc,libs,nettle)
Z_LIBS		= $(call pc,libs,zlib)
DEFLATE_LIBS	= $(call pc,libs,libdeflate)
JQ_LIBS		= -ljq -lonig
PQ_CFLAGS	= $(call pc,cflags,libpq)

PROGS	= $(BIN)/ds-fetch $(BIN)/ds-transform $(BIN)/ds-load $(BIN)/ds-checkpoint $(BIN)/ds-status \
	$(BIN)/ds-arg
TOOLS	= $(BIN)/ds-mockapi $(BIN)/ds-unit
SCRIPTS	= scripts/ds-run scripts/ds-run-config scripts/ds-run-report scripts/ds-pg scripts/ds-files

LIB_SRC		= $(wildcard lib/*.c)

# Where `make install` puts the connector presets (lib/deffile.c looks there last).
CONNECTORS_DIR = $(PREFIX)/share/ds/connectors
$(OBJ)/lib/deffile.o: DS_CFLAGS += -DDS_CONNECTORS_DIR=\"$(CONNECTORS_DIR)\"
FETCH_SRC	= $(wildcard fetch/*.c)
TRANSFORM_SRC	= $(wildcard transform/*.c)
LOAD_SRC	= $(wildcard load/*.c)
CHECKPOINT_SRC	= $(wildcard checkpoint/*.c)
STATUS_SRC	= $(wildcard status/*.c)
ARG_SRC		= $(wildcard arg/*.c)
DB_SRC		= $(wildcard db/*.c)
MOCK_SRC	= $(wildcard tests/mockapi/*.c)
UNIT_SRC	= $(wildcard tests/unit/*.c)
MIGRATIONS	= $(sort $(wildcard db/migrations/*.sql))
TABLE_MIGRATIONS = $(sort $(wildcard db/migrations/table/*.sql))
HISTORY_MIGRATIONS = $(sort $(wildcard db/migrations/history/*.sql))

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))
LIB_OBJ = $(call objs,$(LIB_SRC))
LIBDS	= $(OBJ)/libds.a

.PHONY: all build-deps deps sanitize-unit check check-only sanitize demo bench install clean lint fuzz

all: $(PROGS) $(TOOLS)

# `make deps` installs what is missing (as root) or prints the apt-get line.
deps:
	@scripts/ds-deps install

# Before anything compiles: stop, naming the Debian package, if a library is missing.
build-deps:
	@CC="$(CC)" PKG_CONFIG="$(PKG_CONFIG)" scripts/ds-deps build

$(OBJ)/%.o: %.c | build-deps
	@mkdir -p $(@D)
	$(CC) $(DS_CFLAGS) $(PQ_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBDS): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BIN)/ds-fetch: $(call objs,$(FETCH_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(Z_LIBS) $(DEFLATE_LIBS) $(ZSTD_LIBS) -lpthread -lm

$(BIN)/ds-transform: $(call objs,$(TRANSFORM_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(JQ_LIBS) $(NETTLE_LIBS) $(ZSTD_LIBS) -lpthread -lm

# The migrations are compiled in: db/migrations.inc (the ds tables) and
# db/table_migrations.inc (each records table) are generated from the .sql files.
$(OBJ)/db/migrate.o: $(OBJ)/db/migrations.inc $(OBJ)/db/table_migrations.inc
$(OBJ)/db/migrate.o: DS_CFLAGS += -I$(OBJ)/db
$(OBJ)/db/migrations.inc: $(MIGRATIONS) scripts/ds-embed | build-deps
	@mkdir -p $(@D)
	scripts/ds-embed $(MIGRATIONS) > $@.tmp && mv $@.tmp $@
$(OBJ)/db/table_migrations.inc: $(TABLE_MIGRATIONS) scripts/ds-embed | build-deps
	@mkdir -p $(@D)
	scripts/ds-embed $(TABLE_MIGRATIONS) > $@.tmp && mv $@.tmp $@
$(OBJ)/db/modes.o: $(OBJ)/db/history_migrations.inc
$(OBJ)/db/modes.o: DS_CFLAGS += -I$(OBJ)/db
$(OBJ)/db/history_migrations.inc: $(HISTORY_MIGRATIONS) scripts/ds-embed | build-deps
	@mkdir -p $(@D)
	scripts/ds-embed $(HISTORY_MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BIN)/ds-load: $(call objs,$(LOAD_SRC) $(DB_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PQ_LIBS) $(ZSTD_LIBS) $(NETTLE_LIBS) -lm

$(BIN)/ds-checkpoint: $(call objs,$(CHECKPOINT_SRC) $(DB_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PQ_LIBS) $(ZSTD_LIBS) -lm

$(BIN)/ds-status: $(call objs,$(STATUS_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

$(BIN)/ds-arg: $(call objs,$(ARG_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

$(BIN)/ds-mockapi: $(call objs,$(MOCK_SRC)) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(Z_LIBS) $(ZSTD_LIBS) -lpthread -lm

# Unit tests link every stage's pure logic: each stage keeps main() in main.c.
UNIT_LINK = $(call objs,$(filter-out %/main.c,$(FETCH_SRC) $(TRANSFORM_SRC)) load/copy.c load/columns.c load/contract.c load/geom.c load/rows.c db/db.c db/migrate.c load/keyset.c)
$(BIN)/ds-unit: $(call objs,$(UNIT_SRC)) $(UNIT_LINK) $(LIBDS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(Z_LIBS) $(DEFLATE_LIBS) $(PQ_LIBS) $(JQ_LIBS) $(NETTLE_LIBS) $(ZSTD_LIBS) -lpthread -lm

# The README's test command: set-up included. Last line: "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all
	@DS_BIN=$(CURDIR)/$(BIN) tests/run

check-only:
	@DS_BIN=$(CURDIR)/$(BIN) tests/run

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize: deps
	$(MAKE) BIN=build/san/bin OBJ=build/san/obj CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		DS_BIN=$(CURDIR)/build/san/bin DS_SANITIZE=1 tests/run

# The unit tests alone under ASan+UBSan (CI runs this before make check).
sanitize-unit:
	$(MAKE) BIN=build/san/bin OBJ=build/san/obj CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" build/san/bin/ds-unit
	ASAN_OPTIONS=detect_leaks=1 build/san/bin/ds-unit

demo: deps
	@$(MAKE) --no-print-directory all
	@DS_BIN=$(CURDIR)/$(BIN) scripts/ds-demo

# Fuzzing: clang's libFuzzer over lib/ and the stages' pure logic.
# make fuzz FUZZ_SECONDS=600 runs each harness for that long, seeded from tests and corpora.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJ = build/fuzz/obj
FUZZ_STAGE_OBJ = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(filter-out %/main.c,$(FETCH_SRC) $(TRANSFORM_SRC)))
fuzz:
	$(MAKE) CC=clang OBJ=$(FUZZ_OBJ) CFLAGS="$(FUZZ_FLAGS)" \
		$(FUZZ_OBJ)/libds.a $(FUZZ_STAGE_OBJ)
	@mkdir -p build/fuzz/bin
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		clang $(DS_CFLAGS) -Wno-unused-command-line-argument -fsanitize=fuzzer,address,undefined -g -O1 \
			-o build/fuzz/bin/$$n $$f \
			$(FUZZ_STAGE_OBJ) \
			$(FUZZ_OBJ)/libds.a $(CURL_LIBS) $(Z_LIBS) $(DEFLATE_LIBS) $(JQ_LIBS) $(NETTLE_LIBS) $(ZSTD_LIBS) -lm || exit 1; \
	done
	@tests/fuzz/run $(FUZZ_SECONDS)

# The benchmark scripts and their results (bench/results.md) live in bench/.
bench: deps
	@$(MAKE) --no-print-directory all
	@DS_BIN=$(CURDIR)/$(BIN) bench/run

lint:
	shellcheck scripts/ds-* tests/run tests/*.bash bench/run bench/*.sh bench/lib.bash tests/fuzz/run .ci/run
	shellcheck -S warning tests/*.bats
	mandoc -Tlint -Wwarning man/*.[1-9]
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -Ilib lib db fetch transform load checkpoint status arg tests/mockapi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(SCRIPTS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 scripts/ds-lib.bash $(DESTDIR)$(PREFIX)/bin/
	for m in man/*.1; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man5/; done; true
	for m in man/*.7; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man7/; done; true
	install -d $(DESTDIR)$(CONNECTORS_DIR)
	install -m 0644 connectors/*.conf $(DESTDIR)$(CONNECTORS_DIR)/

clean:
	rm -rf bin build

-include $(wildcard $(OBJ)/*/*.d $(OBJ)/*/*/*.d)

# Shopfile: build, run, test, bench.
#
#   make            build everything into build/
#   make run        install what is missing, build, migrate, seed, serve
#   make test       install what is missing, build, run every test
#   make bench      wrk against lighttpd; ratios against a static file
#   make fuzz       run every fuzz target for longer (FUZZ_SECONDS)
#   make install    PREFIX (/usr/local) and DESTDIR honoured
#
# Sources are found by name: lib/*.c make libshop.a, each cgi-bin/NAME.c is
# one FastCGI program, each bin/NAME.c one command, each tests/unit/NAME.c
# one unit-test program, each tests/fuzz/NAME.c one fuzz target.

PREFIX	?= /usr/local
B	?= build
CC	?= cc
CFLAGS	?= -O2 -g
PORT	?= 8080
# V=1 shows whole commands.
V	?= 0
ifeq ($(V),0)
Q	 = @
say	 = @printf '  %-6s %s\n' $(1) $(2);
else
Q	 =
say	 =
endif

PKGS	 = sqlite3 libpcre2-8 libsodium libcurl libxml-2.0 fcgi
# Evaluated once, on first use, after the deps step has run.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
CHECK_FLAGS = $(eval CHECK_FLAGS := $$(shell pkg-config --cflags --libs check))$(CHECK_FLAGS)

WARN	 = -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
DEFS	 = -D_GNU_SOURCE -DSHOP_DEFAULT_TEMPLATES='"$(PREFIX)/share/shopfile/templates"'
ALL_CFLAGS = $(WARN) $(CFLAGS) $(DEFS) -iquote lib -iquote $(B)/gen $(PKG_CFLAGS)
LDLIBS	 = $(PKG_LIBS) -lpthread

LIB_SRC	 = $(sort $(wildcard lib/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/migrations.o
LIB	 = $(B)/lib/libshop.a
# A program is cgi-bin/NAME.c, or a directory cgi-bin/NAME/ of sources.
CGI_DIRS = $(patsubst cgi-bin/%/,%,$(wildcard cgi-bin/*/))
BIN_DIRS = $(patsubst bin/%/,%,$(wildcard bin/*/))
CGI	 = $(patsubst cgi-bin/%.c,$(B)/cgi-bin/%,$(sort $(wildcard cgi-bin/*.c))) \
	   $(CGI_DIRS:%=$(B)/cgi-bin/%)
BINS	 = $(patsubst bin/%.c,$(B)/bin/%,$(sort $(wildcard bin/*.c))) \
	   $(BIN_DIRS:%=$(B)/bin/%)
UNIT	 = $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(sort $(wildcard tests/unit/*.c)))
TOOLS	 = $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(sort $(wildcard tests/tools/*.c)))
GATEWAY	 = $(B)/tests/gateway/gateway
GATEWAY_SRC = $(sort $(wildcard tests/gateway/*.c))
FUZZ	 = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(sort $(wildcard tests/fuzz/*.c)))
SQL	 = $(sort $(wildcard sql/*/[0-9]*.sql))
CONF	 = $(patsubst httpd-conf/%.in,$(B)/conf/%,$(wildcard httpd-conf/*.in))

.PHONY: all deps build run test bench fuzz install clean asan fuzz-build

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@scripts/deps.sh build

build: $(LIB) $(CGI) $(BINS) $(UNIT) $(TOOLS) $(GATEWAY) $(CONF)

$(B)/gen/migrations.c: scripts/embed-sql.sh $(SQL)
	@mkdir -p $(@D)
	$(call say,GEN,$@)scripts/embed-sql.sh sql > $@.tmp && mv $@.tmp $@

$(B)/gen/migrations.o: $(B)/gen/migrations.c lib/migrate.h lib/db.h
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(B)/cgi-bin/%: cgi-bin/%.c $(LIB) lib/*.h
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/bin/%: bin/%.c $(LIB) lib/*.h
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

define program_dir
$$(B)/$(1)/$(2): $$(wildcard $(1)/$(2)/*.c) $$(wildcard $(1)/$(2)/*.h) $$(LIB) lib/*.h
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)$$(CC) $$(ALL_CFLAGS) -I$(1)/$(2) -o $$@ $$(sort $$(wildcard $(1)/$(2)/*.c)) $$(LIB) $$(LDLIBS)
endef
$(foreach d,$(CGI_DIRS),$(eval $(call program_dir,cgi-bin,$(d))))
$(foreach d,$(BIN_DIRS),$(eval $(call program_dir,bin,$(d))))

$(B)/tests/unit/%: tests/unit/%.c $(LIB) lib/*.h
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(CHECK_FLAGS)

$(B)/tests/tools/%: tests/tools/%.c $(LIB) lib/*.h
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The test payment gateway: one program of all its sources.
$(GATEWAY): $(GATEWAY_SRC) $(wildcard tests/gateway/*.h) $(LIB) lib/*.h
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -iquote tests/gateway -o $@ $(GATEWAY_SRC) $(LIB) $(LDLIBS)

# Web-server configurations and the worker's unit, with absolute paths.
CONF_SUBST = sed -e 's|@ROOT@|$(CURDIR)|g' -e 's|@BUILD@|$(abspath $(B))|g' \
	-e 's|@PORT@|$(PORT)|g' -e 's|@DATA@|$(abspath var)|g' \
	-e 's|@RUN@|$(abspath var/run)|g' -e 's|@PREFIX@|$(PREFIX)|g' \
	-e 's|@BASE_URL@|http://127.0.0.1:$(PORT)|g'

$(B)/conf/%: httpd-conf/%.in
	@mkdir -p $(@D)
	$(call say,GEN,$@)$(CONF_SUBST) $< > $@

# Sanitizer build of everything, for the tests.
asan:
	@$(MAKE) --no-print-directory build B=build/asan \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"

# libFuzzer targets: clang, the parser sources, ASan and UBSan.
FUZZ_CFLAGS = -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(DEFS) -iquote lib -iquote build/gen $(PKG_CFLAGS)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) lib/*.h build/gen/migrations.c
	@mkdir -p $(@D)
	$(call say,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) build/gen/migrations.c $(LDLIBS)

fuzz-build: $(FUZZ)

FUZZ_SECONDS ?= 300
fuzz: deps
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory fuzz-build
	tests/run-fuzz.sh $(FUZZ_SECONDS)

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	@PORT=$(PORT) scripts/run.sh

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-build
	@tests/run.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	@scripts/bench.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/shopfile/cgi-bin \
	    $(DESTDIR)$(PREFIX)/share/shopfile
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(CGI) $(DESTDIR)$(PREFIX)/lib/shopfile/cgi-bin
	cp -R templates static httpd-conf $(DESTDIR)$(PREFIX)/share/shopfile/

clean:
	rm -rf build

# portcullis: non-recursive build. `make V=1` shows the commands.
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PREFIX    ?= /usr/local
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
# The one place the version is written: VERSION (portcullis --version,
# the Debian package).
VERSION   := $(shell cat VERSION)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS        := libxdp libbpf libelf zlib json-c libmicrohttpd
PKG_CFLAGS   = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS     = $(shell pkg-config --libs $(PKGS))

CFLAGS    ?= -O2 -g
WARN      := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
BASE_CFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -Iinclude
# Each layer of user/ sees only itself and the layers below it
# (docs/HACKING.md), so that a dependency the wrong way fails the build.
# util and the rules language get no libbpf: a fuzzer or a linter can
# take them alone.
LAYER_util     = -Iuser/util
LAYER_rules    = -Iuser/rules $(LAYER_util)
LAYER_kernel   = -Iuser/kernel $(LAYER_rules) -I$(BUILD) $(PKG_CFLAGS)
LAYER_commands = -Iuser/commands $(LAYER_kernel)
# Tests and the link see everything.
ALL_CFLAGS = $(BASE_CFLAGS) $(LAYER_commands)
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Wextra -Werror -Wno-unused-parameter \
              -Iinclude -Ibpf -idirafter /usr/include/$(MULTIARCH)

# Debian packages the build, the tests and the demo need.
DEB_PKGS := clang llvm gcc make pkg-config libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev \
            libjson-c-dev libcmocka-dev iproute2 python3-aiosmtpd \
            swaks libio-socket-inet6-perl xdp-tools nftables iptables tcpdump ethtool util-linux \
            libmicrohttpd-dev prometheus curl python3-yaml
# And those only make bench needs (its plot), which make deps and CI leave out.
BENCH_DEB_PKGS := gnuplot-nox
# And those make deb needs: packaging/debian/control's Build-Depends (keep
# them in step), the tools, and systemd for tests/e2e/test_package.sh's
# systemd-analyze verify.
DEB_BUILD_PKGS := debhelper lintian dpkg-dev systemd bash-completion clang llvm gcc make \
                  pkg-config libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev libjson-c-dev libmicrohttpd-dev
# And those of make fuzz (clang's libFuzzer and sanitizer runtimes).
FUZZ_DEB_PKGS := libfuzzer-14-dev libclang-rt-14-dev

BPF_PROGS := portcullis
BPF_OBJS  := $(BPF_PROGS:%=$(BUILD)/%.bpf.o)
SKELS     := $(BPF_PROGS:%=$(BUILD)/%.skel.h)

# Library code: the rules language, the kernel side and the utilities;
# the commands link it into build/portcullis.
LIB_SRCS  := $(wildcard user/rules/*.c user/kernel/*.c user/util/*.c)
CMD_SRCS  := $(wildcard user/commands/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libportcullis.a

# Test helpers: the reference classifier and the packet builders.
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(TEST_LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_CFLAGS    = $(ALL_CFLAGS) -Itests/lib
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# One BPF_PROG_TEST_RUN binary per feature, as the kernel's
# selftests/bpf/prog_tests/ are laid out, in a folder of their own.
PROG_SRCS := $(wildcard tests/prog/test_*.c)
PROG_BINS := $(PROG_SRCS:tests/prog/%.c=$(BUILD)/tests/prog/%)

.PHONY: all deps bench-deps deb-deps fuzz-deps deb test test-bins test-unit test-prog test-e2e \
        test-sanitize fuzz fuzz-build demo bench soak clean install

all: $(BUILD)/portcullis

# Everything built needs the packages first (order only: no rebuilds).
$(BPF_OBJS) $(LIB_OBJS) $(CMD_OBJS): | deps

# install_missing PACKAGES: apt-get installs those not installed yet.
define install_missing
	$(Q)missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "make $@: run as root to install:" $$missing >&2; exit 1; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PKGS))

bench-deps:
	$(call install_missing,$(BENCH_DEB_PKGS))

deb-deps:
	$(call install_missing,$(DEB_BUILD_PKGS))

fuzz-deps:
	$(call install_missing,$(FUZZ_DEB_PKGS))

$(BUILD) $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/portcullis.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# Header dependencies come from -MMD; only the loader sees the skeleton.
$(BUILD)/user/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(LAYER_$(firstword $(subst /, ,$*))) -c $< -o $@

$(BUILD)/user/kernel/loader.o: $(SKELS)
$(BUILD)/user/commands/main.o: VERSION
$(BUILD)/user/commands/main.o: BASE_CFLAGS += -DPC_VERSION='"$(VERSION)"'

$(BUILD)/tests/lib/%.o: tests/lib/%.c | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/portcullis: $(CMD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIB_OBJS) $(LIB) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(UNIT_CMD_OBJS) $(TEST_LIB_OBJS) $(LIB) $(PKG_LIBS) -lcmocka -o $@

# A unit test of a command's own arithmetic links that one object too.
$(BUILD)/tests/test_stats_rates: UNIT_CMD_OBJS = $(BUILD)/user/commands/stats_rates.o
$(BUILD)/tests/test_stats_rates: $(BUILD)/user/commands/stats_rates.o

$(BUILD)/tests/prog/%: tests/prog/%.c $(TEST_LIB_OBJS) $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) $< $(TEST_LIB_OBJS) $(LIB) $(PKG_LIBS) -lcmocka -o $@

test-bins: $(UNIT_BINS) $(PROG_BINS)
	@:

# Every suite prints TAP; tests/run counts them and ends with "N passed, N failed".
test: all $(UNIT_BINS) $(PROG_BINS)
	$(Q)tests/run $(UNIT_BINS) $(PROG_BINS) $(sort $(wildcard tests/e2e/test_*.sh))

test-unit: all $(UNIT_BINS)
	$(Q)tests/run $(UNIT_BINS)

test-prog: all $(PROG_BINS)
	$(Q)tests/run $(PROG_BINS)

test-e2e: all
	$(Q)tests/run $(sort $(wildcard tests/e2e/test_*.sh))

demo: all
	$(Q)examples/demo.sh

# The unit and prog tests, and the e2e suite, again against a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (docs/HACKING.md), in a
# build directory of its own: BUILD with -san after it.
SAN_BUILD  ?= $(BUILD)-san
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# A leak, a bad free or undefined behaviour fails the run; the stack
# names the line.
SAN_ENV    := ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:strict_string_checks=1 \
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-sanitize:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CFLAGS="$(SAN_CFLAGS)" all test-bins
	$(Q)$(SAN_ENV) BUILD=$(SAN_BUILD) tests/run $(UNIT_BINS:$(BUILD)/%=$(SAN_BUILD)/%) \
		$(PROG_BINS:$(BUILD)/%=$(SAN_BUILD)/%) $(sort $(wildcard tests/e2e/test_*.sh))

# libFuzzer targets (tests/fuzz/fuzz_*.c, docs/HACKING.md), built with clang and
# its sanitizers: the rules language and the table-file reader, and the
# frame parsers. make fuzz builds them and runs each for FUZZ_TIME
# seconds on a copy of its seed corpus; a crash fails it, and the log
# names the reproducer and shows the stack.
FUZZ_TIME    ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   = -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                $(WARN) -MMD -MP -Iinclude $(LAYER_rules) -Itests/lib -Itests/fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
# The plain-C layers only: no libbpf, no kernel.
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(wildcard user/rules/*.c user/util/*.c) \
                 tests/lib/refclass.c tests/fuzz/policy_text.c)
FUZZ_LIB     := $(BUILD)/fuzz/libfuzzed.a

$(BUILD)/fuzz/obj/%.o: %.c | fuzz-deps
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# fuzz_frames builds bpf/parse.h for user space.
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_frames.o: FUZZ_CFLAGS += -Ibpf

$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(FUZZ_LIB)
	$(call msg,FUZZLD,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@

fuzz-build: $(FUZZ_BINS)

# One suite, as tests/run counts them, given the time it needs.
fuzz: fuzz-build
	$(Q)PC_SUITE_TIMEOUT=$$(( $(FUZZ_TIME) * $(words $(FUZZ_TARGETS)) + 600 )) \
		BUILD=$(BUILD) FUZZ_TIME=$(FUZZ_TIME) FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/run tests/fuzz/run

# The benchmark (tests/bench/run, issue 6): never part of `make test`.
# It writes docs/PERFORMANCE.md and docs/table-size.svg; BENCH_QUICK=1
# makes a quick try, and BENCH_SECTIONS="2 3" runs only those sections,
# written to $(BUILD)/PERFORMANCE.md and $(BUILD)/table-size.svg.
BENCH_OBJS := $(BUILD)/bench/empty.bpf.o

$(BUILD)/bench/%.bpf.o: tests/bench/%.bpf.c | deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

BENCH_COMMAND = sudo make bench$(if $(filter command line,$(origin BUILD)), BUILD=$(BUILD))$(if \
                $(BENCH_QUICK), BENCH_QUICK=$(BENCH_QUICK))
bench: deps bench-deps all $(BENCH_OBJS)
	$(Q)BUILD=$(BUILD) BENCH_COMMAND="$(BENCH_COMMAND)" tests/bench/run

# The long runs (tests/soak/run): not part of make test or CI.
soak: all $(BUILD)/tests/prog/test_differential
	$(Q)BUILD=$(BUILD) tests/soak/run

# make install (PREFIX=/usr/local) is for a machine without the package.
# The package (make deb) runs it with PREFIX=/usr and UNITDIR=/lib/systemd/system.
UNITDIR        ?= /etc/systemd/system
COMPLETIONSDIR ?= $(shell pkg-config --define-variable=datadir=$(PREFIX)/share \
                  --variable=completionsdir bash-completion 2>/dev/null || \
                  echo $(PREFIX)/share/bash-completion/completions)
PATHS_SED       = s|/usr/local/sbin/|$(PREFIX)/sbin/|g; s|/usr/local/libexec/|$(PREFIX)/libexec/|g
install: all
	install -D -m 0755 $(BUILD)/portcullis $(DESTDIR)$(PREFIX)/sbin/portcullis
	install -D -m 0755 packaging/wait-for-interfaces $(DESTDIR)$(PREFIX)/libexec/portcullis/wait-for-interfaces
	install -D -m 0644 docs/portcullis.8 $(DESTDIR)$(PREFIX)/share/man/man8/portcullis.8
	install -D -m 0644 packaging/portcullis.bash-completion $(DESTDIR)$(COMPLETIONSDIR)/portcullis
	install -d -m 0755 $(DESTDIR)/etc/portcullis
	sed '$(PATHS_SED)' packaging/portcullis.service > $(BUILD)/portcullis.service
	install -D -m 0644 $(BUILD)/portcullis.service $(DESTDIR)$(UNITDIR)/portcullis.service
	sed '$(PATHS_SED)' packaging/portcullis-log.service > $(BUILD)/portcullis-log.service
	install -D -m 0644 $(BUILD)/portcullis-log.service $(DESTDIR)$(UNITDIR)/portcullis-log.service
	test -e $(DESTDIR)/etc/default/portcullis || \
		install -D -m 0644 packaging/portcullis.default $(DESTDIR)/etc/default/portcullis
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/portcullis/examples examples/isp.rules examples/business.txt
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/portcullis/examples/prometheus \
		examples/prometheus/prometheus.yml examples/prometheus/portcullis-alerts.yml \
		examples/prometheus/grafana-dashboard.json
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/portcullis/examples/prometheus/targets \
		examples/prometheus/targets/portcullis.yml

# The Debian package, built from a copy of the tree with packaging/debian
# as its debian/ (packaging/build-deb): $(BUILD)/portcullis_$(VERSION)_ARCH.deb,
# checked by lintian.
deb: deb-deps
	$(Q)BUILD=$(BUILD) packaging/build-deb

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	$(call msg,CLEAN,$(BUILD) $(SAN_BUILD))
	$(Q)rm -rf $(BUILD) $(SAN_BUILD)

# kvik build. `make` builds bin/kvik-server; `make run` starts it with data in
# ./data; `make test` runs unit, integration and sanitizer tests; `make bench`
# compares with redis-server; `make fuzz` runs every fuzz target briefly.
#
# SANITIZE=address,undefined builds into build-asan/ and bin-asan/ without jemalloc.

CC       ?= gcc
SANITIZE ?=
OPT      ?= -O2
WERROR   ?= $(if $(CI),-Werror,)

ifeq ($(SANITIZE),)
  B    := build
  BIN  := bin
  MALLOC_LIBS := -ljemalloc
  SANFLAGS :=
else
  B    := build-asan
  BIN  := bin-asan
  MALLOC_LIBS :=
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -DKV_NO_JEMALLOC
endif

CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wno-unused-parameter \
           -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
           $(WERROR) -I. -pthread -MMD -MP $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(SANFLAGS)
LDLIBS  := $(MALLOC_LIBS) -lm

LAYERS   := core proto net db types persist server
LIB_SRCS := $(filter-out server/main.c,$(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

PYTEST := /usr/bin/python3 -m pytest

.PHONY: all deps run test unit integration asan bench fuzz clean format

all: $(BIN)/kvik-server

deps:
	@sh scripts/deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libkvik-internal.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/kvik-server: $(B)/server/main.o $(B)/libkvik-internal.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libkvik-internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libkvik-internal.a $(LDLIBS) -lcmocka

run: deps $(BIN)/kvik-server
	@mkdir -p data
	./$(BIN)/kvik-server --bind 127.0.0.1 --port 6379 --dir ./data

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t; done

integration: $(BIN)/kvik-server
	KVIK_BIN=$(CURDIR)/$(BIN)/kvik-server $(PYTEST) -q -p no:cacheprovider tests/integration

# The full suite: deps, unit + integration, then the same under ASan+UBSan.
test: deps
	$(MAKE) unit integration
	$(MAKE) SANITIZE=address,undefined unit integration

bench: deps all
	/usr/bin/python3 bench/run.py

fuzz: deps
	$(MAKE) -C fuzz run

format:
	clang-format -i $(wildcard */*.c */*.h tests/unit/*.c)

clean:
	rm -rf build build-asan bin bin-asan

-include $(LIB_OBJS:.o=.d) $(B)/server/main.d

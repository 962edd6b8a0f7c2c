# cli/cli.mk — kvik-cli and kvik-benchmark (included by the Makefile).
#
# Both are clients of libkvik ($(B)/lib/libkvik.a). The few internal pieces
# they share with the server (core/buf for output, proto/native's frame codec
# for the benchmark's raw native I/O) come from $(B)/libkvik-internal.a; the
# library's own copies of them are local to libkvik.a, so nothing clashes.

CLI_OBJS   := $(patsubst %.c,$(B)/%.o,$(wildcard cli/*.c))
BENCH_OBJS := $(B)/tools/kvik-benchmark.o
EDIT_CFLAGS := $(shell pkg-config --cflags libedit 2>/dev/null)
EDIT_LIBS   := $(or $(shell pkg-config --libs libedit 2>/dev/null),-ledit)
TOOLS_LIBS  := $(B)/lib/libkvik.a $(B)/libkvik-internal.a

.PHONY: tools
all: tools
tools: $(BIN)/kvik-cli $(BIN)/kvik-benchmark
integration: tools

$(CLI_OBJS): CFLAGS += $(EDIT_CFLAGS)

$(BIN)/kvik-cli: $(CLI_OBJS) $(TOOLS_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(TOOLS_LIBS) $(EDIT_LIBS) $(LIBKVIK_DEPLIBS) $(LDLIBS)

$(BIN)/kvik-benchmark: $(BENCH_OBJS) $(TOOLS_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(TOOLS_LIBS) $(LIBKVIK_DEPLIBS) $(LDLIBS)

-include $(CLI_OBJS:.o=.d) $(BENCH_OBJS:.o=.d)

# Unit tests of the cli's pure parts (formats, line splitting, hints); run by
# `make unit` with the others (the generic rule does not link cli/).
CLI_PART_OBJS := $(filter-out $(B)/cli/kvik-cli.o,$(CLI_OBJS))
$(B)/tests/test_cli: tests/unit/test_cli.c $(CLI_PART_OBJS) $(TOOLS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(CLI_PART_OBJS) $(TOOLS_LIBS) $(LIBKVIK_DEPLIBS) $(LDLIBS) -lcmocka

# fuzz_stream.mk — sources of the stream target (types/stream.c on top of core/).
SRCS_stream := $(DEFAULT_SRCS) types/stream.c

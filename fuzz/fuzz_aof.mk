# fuzz_aof.mk — the AOF loader runs commands, so the target links the whole
# server (SERVER_SRCS in the Makefile).
SRCS_aof := $(SERVER_SRCS)
$(B)/fuzz_aof: LDLIBS += $(SERVER_LIBS)

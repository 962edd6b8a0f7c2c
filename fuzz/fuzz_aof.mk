# fuzz_aof.mk — the AOF loader runs commands, so the target links the whole
# server (every layer but main.c).
SRCS_aof := $(filter-out server/main.c,$(patsubst ../%,%,$(wildcard ../core/*.c ../proto/*.c \
              ../net/*.c ../db/*.c ../types/*.c ../persist/*.c ../server/*.c)))
$(B)/fuzz_aof: LDLIBS += -llzf

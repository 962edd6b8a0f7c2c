# fuzz_acl.mk — the ACL rule parser needs the command table, which links every
# command handler: the whole server library except main.c.
SRCS_acl := $(filter-out server/main.c,$(patsubst ../%,%,$(wildcard ../core/*.c ../proto/*.c ../net/*.c ../db/*.c ../types/*.c ../persist/*.c ../server/*.c)))
$(B)/fuzz_acl: LDLIBS += -llzf -lcrypto

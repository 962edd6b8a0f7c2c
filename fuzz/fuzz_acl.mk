# fuzz_acl.mk — the ACL rule parser needs the command table, which links every
# command handler: the whole server (SERVER_SRCS in the Makefile).
SRCS_acl := $(SERVER_SRCS)
$(B)/fuzz_acl: LDLIBS += $(SERVER_LIBS)

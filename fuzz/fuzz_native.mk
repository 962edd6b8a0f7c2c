# fuzz_native.mk — the native protocol's frame and message readers, plus the
# protobuf-c code generated from proto/kvik.proto (see PB_GEN_C in Makefile).
SRCS_native := core/buf.c core/mem.c proto/native.c proto/native_msg.c $(PB_GEN_C)
$(B)/fuzz_native: LDLIBS += -lprotobuf-c

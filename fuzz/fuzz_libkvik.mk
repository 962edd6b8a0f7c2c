# fuzz_libkvik.mk — libkvik (lib/) with the pieces of core/ and proto/ it
# carries, and proto/kvik.proto's protobuf-c code (generated as the main build
# does, into ../build/proto/).
SRCS_libkvik := $(patsubst ../%,%,$(wildcard ../lib/*.c)) core/mem.c core/buf.c \
                core/util.c proto/resp.c proto/native.c build/proto/kvik.pb-c.c
$(B)/fuzz_libkvik: FUZZ_CFLAGS += -I../build
$(B)/fuzz_libkvik: LDLIBS += -lssl -lcrypto -lprotobuf-c
../build/proto/kvik.pb-c.c: ../proto/kvik.proto
	@mkdir -p ../build
	cd .. && protoc-c --c_out=build proto/kvik.proto

# lib/lib.mk — libkvik, the C client library (included by the Makefile).
#
#   make libkvik                 $(B)/lib/libkvik.a and $(B)/lib/libkvik.so{,.0,.VERSION}
#   make install [PREFIX=/usr/local] [DESTDIR=]   header, both libraries, libkvik.pc
#   make uninstall [PREFIX=...] [DESTDIR=]
#
# The library carries its own copies of the pieces of core/ and proto/ it
# uses, compiled position-independent, without jemalloc (an application keeps
# its own allocator) and with hidden visibility. Both libraries export only
# the kvik_* functions of lib/kvik.h: the shared one by visibility, the static
# one because its objects are linked into one (ld -r) whose hidden symbols are
# then made local, so mem_alloc, buf_* or resp_* cannot clash with a program's.

KVIK_LIB_VERSION := $(shell sed -n 's/^\#define KVIK_LIB_VERSION "\(.*\)"/\1/p' lib/kvik.h)
KVIK_SOMAJOR     := $(firstword $(subst ., ,$(KVIK_LIB_VERSION)))
PREFIX  ?= /usr/local
DESTDIR ?=

LIBKVIK_NATIVE := $(if $(wildcard proto/native.c),1,)
LIBKVIK_SRCS := $(wildcard lib/*.c) core/mem.c core/buf.c core/util.c proto/resp.c \
                $(if $(LIBKVIK_NATIVE),proto/native.c,)
LIBKVIK_OBJS := $(LIBKVIK_SRCS:%.c=$(B)/libobj/%.o) \
                $(if $(LIBKVIK_NATIVE),$(B)/libobj/proto/kvik.pb-c.o,)
LIBKVIK_DEPLIBS := -lssl -lcrypto -lm -pthread \
                   $(if $(LIBKVIK_NATIVE),-lprotobuf-c -llz4 -lzstd -lz,)
LIBKVIK_CFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden -DKV_NO_JEMALLOC -I$(B)/libobj \
                  $(if $(LIBKVIK_NATIVE),,-DKL_NO_NATIVE)

.PHONY: libkvik install uninstall install-libkvik uninstall-libkvik

all: libkvik
libkvik: $(B)/lib/libkvik.a $(B)/lib/libkvik.so

# The generated protobuf-c code of proto/kvik.proto, for the library's objects.
$(B)/libobj/proto/kvik.pb-c.c $(B)/libobj/proto/kvik.pb-c.h: proto/kvik.proto
	@mkdir -p $(B)/libobj
	protoc-c --c_out=$(B)/libobj $<

$(B)/libobj/proto/kvik.pb-c.o: $(B)/libobj/proto/kvik.pb-c.c
	$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(LIBKVIK_CFLAGS)) -c $< -o $@

$(B)/libobj/lib/native_client.o: $(if $(LIBKVIK_NATIVE),$(B)/libobj/proto/kvik.pb-c.h,)

$(B)/libobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIBKVIK_CFLAGS) -c $< -o $@

$(B)/lib/libkvik.o: $(LIBKVIK_OBJS)
	@mkdir -p $(dir $@)
	$(LD) -r -o $@ $^
	objcopy --localize-hidden $@

$(B)/lib/libkvik.a: $(B)/lib/libkvik.o
	@rm -f $@
	ar rcs $@ $<

$(B)/lib/libkvik.so: $(LIBKVIK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libkvik.so.$(KVIK_SOMAJOR) -Wl,--no-undefined $(LDFLAGS) \
	    -o $@.$(KVIK_LIB_VERSION) $^ $(LIBKVIK_DEPLIBS)
	ln -sf libkvik.so.$(KVIK_LIB_VERSION) $@.$(KVIK_SOMAJOR)
	ln -sf libkvik.so.$(KVIK_SOMAJOR) $@

# Tests of the library (run by tests/integration/test_libkvik.py against servers).
$(B)/tests/lib/test_libkvik: tests/lib/test_libkvik.c $(B)/lib/libkvik.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -o $@ $< $(B)/lib/libkvik.a $(LIBKVIK_DEPLIBS) -lcmocka
integration: $(B)/tests/lib/test_libkvik

LIBDIR_I := $(DESTDIR)$(PREFIX)/lib
install: install-libkvik
uninstall: uninstall-libkvik

install-libkvik: libkvik
	install -d $(DESTDIR)$(PREFIX)/include $(LIBDIR_I)/pkgconfig
	install -m 644 lib/kvik.h $(DESTDIR)$(PREFIX)/include/kvik.h
	install -m 644 $(B)/lib/libkvik.a $(LIBDIR_I)/libkvik.a
	install -m 755 $(B)/lib/libkvik.so.$(KVIK_LIB_VERSION) $(LIBDIR_I)/
	ln -sf libkvik.so.$(KVIK_LIB_VERSION) $(LIBDIR_I)/libkvik.so.$(KVIK_SOMAJOR)
	ln -sf libkvik.so.$(KVIK_SOMAJOR) $(LIBDIR_I)/libkvik.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(KVIK_LIB_VERSION)|g' \
	    -e 's|@LIBS_PRIVATE@|$(LIBKVIK_DEPLIBS)|g' lib/libkvik.pc.in \
	    > $(LIBDIR_I)/pkgconfig/libkvik.pc

uninstall-libkvik:
	rm -f $(DESTDIR)$(PREFIX)/include/kvik.h $(LIBDIR_I)/libkvik.a \
	    $(LIBDIR_I)/libkvik.so $(LIBDIR_I)/libkvik.so.$(KVIK_SOMAJOR) \
	    $(LIBDIR_I)/libkvik.so.$(KVIK_LIB_VERSION) $(LIBDIR_I)/pkgconfig/libkvik.pc

-include $(LIBKVIK_OBJS:.o=.d)

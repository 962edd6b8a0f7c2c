# fuzz_serial_stream.mk — sources of the stream RDB target (types/serial_stream.c
# and what it stands on; persist/rdb.c needs liblzf).
SRCS_serial_stream := $(DEFAULT_SRCS) types/stream.c types/serial_stream.c persist/rdb.c \
                      persist/packed.c persist/crc64.c
$(B)/fuzz_serial_stream: LDLIBS += -llzf

#!/bin/sh
# tools/gen-certs.sh — test certificates for kvik's TLS port.
#
#   tools/gen-certs.sh [DIR]        (default: ./tls)
#
# Makes, with the openssl command:
#   DIR/ca.key     DIR/ca.crt        a self-signed test CA
#   DIR/server.key DIR/server.crt    the server's certificate, signed by the CA,
#                                    for 127.0.0.1, ::1 and localhost
#   DIR/client.key DIR/client.crt    a client certificate (mutual TLS)
#   DIR/ca-dir/                      the CA again, under OpenSSL's hashed name
#                                    (for tls-ca-cert-dir)
#
# Idempotent: files that exist are kept, so running it again changes nothing;
# a certificate is only made when it is missing (delete one to remake it; a
# new key remakes its certificate, and a new CA remakes the others). Keys are RSA 2048, unencrypted, mode
# 0600. For tests and development only: a real deployment gets its
# certificates from a real CA.
set -eu

DIR=${1:-./tls}
DAYS=${DAYS:-3650}
umask 077
mkdir -p "$DIR"
cd "$DIR"

need() { [ ! -s "$1" ]; }

# newkey NAME: NAME.key if missing; a new key drops the old NAME.crt.
newkey() {
    need "$1.key" || return 0
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
    rm -f "$1.crt"
}

remade=0
newkey ca
if need ca.crt; then
    openssl req -x509 -new -key ca.key -sha256 -days "$DAYS" \
        -subj "/O=kvik test/CN=kvik test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out ca.crt
    remade=1
fi

# sign NAME CN EXTENSIONS: NAME.crt from NAME.key, signed by the CA.
sign() {
    if [ "$remade" = 0 ] && ! need "$1.crt"; then return 0; fi
    ext="$1.ext.tmp"
    printf '%s\n' "$3" > "$ext"
    openssl req -new -key "$1.key" -subj "/O=kvik test/CN=$2" -out "$1.csr.tmp"
    openssl x509 -req -in "$1.csr.tmp" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -days "$DAYS" -sha256 -extfile "$ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr.tmp" "$ext"
}

newkey server
sign server "localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"

newkey client
sign client "kvik test client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

mkdir -p ca-dir
if [ "$remade" = 1 ] || need ca-dir/ca.crt; then
    rm -f ca-dir/*
    cp ca.crt ca-dir/ca.crt
    chmod 644 ca-dir/ca.crt
    openssl rehash ca-dir 2>/dev/null || ln -sf ca.crt "ca-dir/$(openssl x509 -hash -noout -in ca.crt).0"
fi
chmod 644 ca.crt server.crt client.crt
echo "certificates in $(pwd)"

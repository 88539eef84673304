#!/bin/bash
# Benchmark: a TLS server's private-key operations in gatebox's mbedtls (tests/bench/tls_ops.c)
# against OpenSSL's (`openssl speed`, what stunnel4 runs), one process each, one after the
# other, on this CPU: RSA-2048 signatures (socketd's with IFMA where the CPU has it) and
# X25519 shared secrets. Prints a markdown table of operations per second and the ratio;
# asserts nothing. Bounded: COUNT operations on our side (2000 RSA, 5000 X25519), SECS (3)
# per OpenSSL run. Environment: TLS_OPS (the tls_ops program; default next to GATEBOX:
# BUILD/tests/bench/tls_ops, made with `make -s bench-progs` when missing), SECS.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${SECS:-3}
say() { echo "bench: $*" >&2; }
command -v openssl >/dev/null || { say "needs openssl (scripts/setup-deps)"; exit 1; }
if [ -z "${TLS_OPS:-}" ]; then
	build=$(dirname "${GATEBOX:-$TOP/build/gatebox}")
	TLS_OPS=$build/tests/bench/tls_ops
	[ -x "$TLS_OPS" ] || make -s -C "$TOP" O="$build" bench-progs >&2
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/gb-bench-ops.XXXXXX")
trap 'rm -rf "$W"' EXIT
openssl genrsa -out "$W/rsa.pem" 2048 2>/dev/null
ours() { "$TLS_OPS" "$@" | awk '/^ops\/s/ { printf "%.0f", $2 }'; }
# `openssl speed` prints its table last: "rsa 2048 bits ... sign/s verify/s" and
# "253 bits ecdh (X25519) ... op/s"
rsa_ours=$(ours rsa "$W/rsa.pem" 2000)
rsa_ossl=$(openssl speed -seconds "$SECS" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { printf "%.0f", $(NF-1) }')
x_ours=$(ours x25519 5000)
x_ossl=$(openssl speed -seconds "$SECS" ecdhx25519 2>/dev/null | awk '/X25519/ { printf "%.0f", $NF }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
say "against $(openssl version)"
echo "| operation, per second (one process) | gatebox (mbedtls) | OpenSSL | gatebox / OpenSSL |"
echo "|---|---:|---:|---:|"
echo "| RSA-2048 signature | $rsa_ours | $rsa_ossl | $(ratio "$rsa_ours" "$rsa_ossl") |"
echo "| X25519 shared secret | $x_ours | $x_ossl | $(ratio "$x_ours" "$x_ossl") |"

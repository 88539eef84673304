#!/bin/bash
# socketd's TLS termination end to end, in private mount and network namespaces, with real
# clients on loopback: openssl s_client for every version, suite and group compiled in, with
# ECDSA and RSA certificates; curl against a tiny HTTP service; mutual TLS (a good client
# certificate, none, a wrong CA, an expired one) and the TLS_* environment; half-close
# through socat; a stalled handshake cut at its timeout while others are served; garbage
# instead of a ClientHello; TCPWrap refusing before any TLS byte; bad units failing with
# file:line while the good ones run; svcctl status and the expiry warning. Every key and
# certificate is made here by openssl, in the test's own directory.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional SOCKETD TLS
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
for tool in openssl curl socat; do
	command -v "$tool" >/dev/null || { skip all "needs $tool"; exit 0; }
done
ns_enter ":" net
U="$T/units" P="$T/pki" H="$T/helpers"
export GATEBOX_RUN_DIR="$T/run"
mkdir -p "$U/sockets.target.wants" "$P" "$H" "$T/bad"
chmod 755 "$T" "$H"

# --- certificates: a CA, server certificates (ECDSA and RSA), client certificates (good,
# from another CA, expired)
ossl() { openssl "$@" >/dev/null 2>&1 || echo "openssl $1 failed" >&2; }
ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ec_key "$P/ca.key"
ossl req -x509 -new -key "$P/ca.key" -subj "/CN=gatebox test CA" -days 30 -out "$P/ca.crt"
ec_key "$P/ca2.key"
ossl req -x509 -new -key "$P/ca2.key" -subj "/CN=another CA" -days 30 -out "$P/ca2.crt"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$P/san.ext"
sign() { # sign NAME SUBJECT CA DAYS: NAME.crt from NAME.key, signed by CA
	ossl req -new -key "$P/$1.key" -subj "$2" -out "$P/$1.csr"
	ossl x509 -req -in "$P/$1.csr" -CA "$P/$3.crt" -CAkey "$P/$3.key" -CAcreateserial \
		-days "$4" -extfile "$P/san.ext" -out "$P/$1.crt"
}
ec_key "$P/srv-ec.key"
sign srv-ec "/O=gatebox/CN=localhost" ca 365
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/srv-rsa.key"
sign srv-rsa "/CN=rsa.localhost" ca 20 # within 30 days: socketd warns
ec_key "$P/alice.key"
sign alice "/O=gatebox/CN=alice" ca 30
ec_key "$P/mallory.key"
sign mallory "/CN=mallory" ca2 30
# expired: openssl ca takes explicit dates
ec_key "$P/old.key"
ossl req -new -key "$P/old.key" -subj "/CN=old" -out "$P/old.csr"
mkdir -p "$P/db" && : > "$P/db/index" && echo 01 > "$P/db/serial"
printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s/db/index\nserial=%s/db/serial\nnew_certs_dir=%s/db\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
	"$P" "$P" "$P" > "$P/ca.cnf"
ossl ca -batch -config "$P/ca.cnf" -cert "$P/ca.crt" -keyfile "$P/ca.key" -in "$P/old.csr" \
	-startdate 20200101000000Z -enddate 20200201000000Z -out "$P/old.crt"
chmod 600 "$P"/*.key # root only: socketd reads them before any service runs
for f in ca srv-ec srv-rsa alice mallory old; do
	[ -s "$P/$f.crt" ] || { fail "test certificates" "could not make $f.crt"; exit 0; }
done

# --- services: the TLS environment, an HTTP answer, a byte count (half-close), an echo
cat > "$H/tls_env.sh" <<'EOF'
#!/bin/sh
echo "uid=$(id -u) $TLS_VERSION $TLS_CIPHER REMOTE_ADDR=$REMOTE_ADDR"
[ -n "$TLS_PEER_CN" ] && echo "cn=$TLS_PEER_CN subject=$TLS_PEER_SUBJECT sha256=$TLS_PEER_SHA256"
exit 0
EOF
cat > "$H/http.sh" <<'EOF'
#!/bin/sh
while read -r line; do [ "$line" = "$(printf '\r')" ] && break; done
body="hello over $TLS_VERSION"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n%s' "${#body}" "$body"
EOF
printf '#!/bin/sh\nexec wc -c\n' > "$H/count.sh"
printf '#!/bin/sh\nexec yes\n' > "$H/yes.sh"
printf '#!/bin/sh\necho "$TLS_VERSION" >> %s/marks\n' "$T" > "$H/mark.sh"
printf '#!/bin/sh\necho held\nexec sleep 6\n' > "$H/hold.sh"
chmod 755 "$H"/*.sh

unit() { # unit NAME.socket PORT SERVICE-SCRIPT [MORE SOCKET LINES (printf %b)] [SERVICE LINES]
	local n=${1%.socket}
	printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\nTLSCertificate=%s\nTLSKey=%s\n%b' \
		"$2" "$P/srv-ec.crt" "$P/srv-ec.key" "${4:-}" > "$U/$1"
	printf '[Service]\nExecStart=%s\n%b' "$H/$3" "${5:-}" > "$U/$n@.service"
	ln -sf "../$1" "$U/sockets.target.wants/$1"
}
unit ec.socket 7443 tls_env.sh "" 'User=nobody\n'
unit rsa.socket 7444 tls_env.sh "TLSCertificate=$P/srv-rsa.crt\nTLSKey=$P/srv-rsa.key\n"
unit mtls.socket 7445 tls_env.sh "TLSClientCA=$P/ca.crt\n"
unit http.socket 7446 http.sh
unit slow.socket 7447 tls_env.sh "TLSHandshakeTimeoutSec=2\n"
unit wrap.socket 7448 tls_env.sh "TCPWrap=tlswrapped\n"
unit count.socket 7449 count.sh
unit v13.socket 7450 tls_env.sh "TLSMinVersion=1.3\n"
unit pick.socket 7451 tls_env.sh "TLSCiphers=TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305\nTLSGroups=P-256\n"
unit flood.socket 7453 yes.sh
unit noprog.socket 7454 no-such-program
unit mark.socket 7455 mark.sh
unit cap.socket 7456 hold.sh "MaxConnectionsPerSource=2\n"
# a unit whose key does not match its certificate: it fails, the others run
unit mismatch.socket 7452 tls_env.sh "TLSKey=$P/srv-rsa.key\n"

# --- check mode: each bad unit named with file and line
bad() { printf '%b' "$2" > "$T/bad/$1.socket"; printf '[Service]\nExecStart=/bin/true\n' > "$T/bad/$1@.service"; }
bad nokey "[Socket]\nListenStream=7500\nAccept=yes\nTLSCertificate=$P/srv-ec.crt\n"
bad missing "[Socket]\nListenStream=7501\nAccept=yes\nTLSCertificate=$P/nothere.crt\nTLSKey=$P/srv-ec.key\n"
bad mismatch "[Socket]\nListenStream=7502\nAccept=yes\nTLSCertificate=$P/srv-ec.crt\nTLSKey=$P/srv-rsa.key\n"
bad acceptno "[Socket]\nListenStream=7503\nTLSCertificate=$P/srv-ec.crt\nTLSKey=$P/srv-ec.key\n"
printf '[Service]\nExecStart=/bin/true\n' > "$T/bad/acceptno.service"
bad version "[Socket]\nListenStream=7504\nAccept=yes\nTLSCertificate=$P/srv-ec.crt\nTLSKey=$P/srv-ec.key\nTLSMinVersion=1.1\n"
bad ciphers "[Socket]\nListenStream=7505\nAccept=yes\nTLSCertificate=$P/srv-ec.crt\nTLSKey=$P/srv-ec.key\nTLSCiphers=ECDHE-RSA-AES128-GCM-SHA256:RC4-MD5\n"
bad relative "[Socket]\nListenStream=7506\nAccept=yes\nTLSCertificate=srv.crt\nTLSKey=$P/srv-ec.key\n"
bad garbage "[Socket]\nListenStream=7507\nAccept=yes\nTLSCertificate=$P/san.ext\nTLSKey=$P/srv-ec.key\n"
bad good "[Socket]\nListenStream=7508\nAccept=yes\nTLSCertificate=$P/srv-ec.crt\nTLSKey=$P/srv-ec.key\n"
testing "socketd -n: bad TLS keys fail their unit with file:line, the good one loads" \
	'"$GATEBOX" socketd -n -u '"$T/bad"' 2>&1 | grep -v "unit not loaded" | sed "s|'"$T"'/||g" | sort' \
	"$(printf '%s\n' \
		"1 socket unit loaded, 8 errors" \
		"socketd: bad/acceptno.socket:3: TLSCertificate= is supported with Accept=yes only. Refusing." \
		"socketd: bad/ciphers.socket:6: Failed to parse TLSCiphers= value 'ECDHE-RSA-AES128-GCM-SHA256:RC4-MD5': unknown RC4-MD5 (supported: the ECDHE AES-GCM and ChaCha20-Poly1305 suites)" \
		"socketd: bad/garbage.socket:4: TLSCertificate= pki/san.ext: not a PEM or DER certificate (mbedtls -0x2180)" \
		"socketd: bad/mismatch.socket:5: TLSKey= pki/srv-rsa.key does not match the certificate of TLSCertificate=" \
		"socketd: bad/missing.socket:4: TLSCertificate= pki/nothere.crt: No such file or directory" \
		"socketd: bad/nokey.socket:4: TLS needs both TLSCertificate= and TLSKey=. Refusing." \
		"socketd: bad/relative.socket:4: TLSCertificate= must be an absolute path: 'srv.crt'" \
		"socketd: bad/version.socket:6: Failed to parse TLSMinVersion= value '1.1' (1.2 or 1.3)" | sort)\n" "" ""

: > "$T/allow"
printf 'tlswrapped: ALL\n' > "$T/deny"
SD_PID=
rm -f "$T/ready" && mkfifo "$T/ready"
GATEBOX_HOSTS_ALLOW="$T/allow" GATEBOX_HOSTS_DENY="$T/deny" \
	"$GATEBOX" socketd -f -u "$U" -r 3 3>"$T/ready" 2>>"$T/log" &
SD_PID=$!
track_pid $SD_PID
timeout 20 head -n 1 "$T/ready" >/dev/null
logged() { wait_for 50 grep -qF -- "$1" "$T/log"; }
check "the unit with a mismatched key fails with file:line, the others listen" \
	sh -c "grep -F 'mismatch.socket:6: TLSKey= $P/srv-rsa.key does not match' '$T/log' && grep -F 'listening: 13 socket units' '$T/log'"
check "a certificate that expires within 30 days is warned about at load" \
	grep -E "rsa.socket: TLS certificate $P/srv-rsa.crt \(CN=rsa.localhost\) expires on .* in (19|20) days" "$T/log"

# sc PORT ARGS...: openssl s_client, verifying the server, printing only what the service says
sc() {
	local port=$1
	shift
	timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$P/ca.crt" -verify_return_error \
		-quiet "$@" </dev/null 2>/dev/null
}

# --- every version x suite x group with the certificate type that suite needs
for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	for g in X25519 P-256; do
		testing "TLS 1.3 $s, $g (ECDSA certificate)" "$(declare -f sc); P=$P; sc 7443 -tls1_3 -ciphersuites $s -groups $g" \
			"uid=65534 TLSv1.3 $s REMOTE_ADDR=127.0.0.1\n" "" ""
	done
	testing "TLS 1.3 $s (RSA certificate, RSA-PSS signature)" "$(declare -f sc); P=$P; sc 7444 -tls1_3 -ciphersuites $s" \
		"uid=0 TLSv1.3 $s REMOTE_ADDR=127.0.0.1\n" "" ""
done
for c in ECDHE-ECDSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:7443 \
	ECDHE-ECDSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:7443 \
	ECDHE-ECDSA-CHACHA20-POLY1305:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:7443 \
	ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:7444 \
	ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:7444 \
	ECDHE-RSA-CHACHA20-POLY1305:TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:7444; do
	IFS=: read -r ossl_name iana port <<<"$c"
	uid=0
	[ "$port" = 7443 ] && uid=65534
	for g in X25519 P-256; do
		# an ECDSA P-256 certificate needs P-256 among the client's groups (RFC 8422 5.1):
		# X25519 first then, for the key exchange
		groups=$g
		[ "$port/$g" = 7443/X25519 ] && groups=X25519:P-256
		testing "TLS 1.2 $ossl_name, $g" "$(declare -f sc); P=$P; sc $port -tls1_2 -cipher $ossl_name -groups $groups" \
			"uid=$uid TLSv1.2 $iana REMOTE_ADDR=127.0.0.1\n" "" ""
	done
done
# RSA blinding pairs come 32 at a time from socketd, one per connection: past a batch
testing "34 RSA handshakes in a row, each its own blinding pair (a batch of 32, then the next)" \
	"$(declare -f sc); P=$P; for i in \$(seq 34); do sc 7444 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 | cut -d' ' -f2; done | uniq -c | sed 's/^ *//'" \
	"34 TLSv1.2\n" "" ""
testing "TLS 1.2 ECDSA with X25519:P-256 exchanges keys on X25519" \
	"timeout 20 openssl s_client -connect 127.0.0.1:7443 -tls1_2 -groups X25519:P-256 </dev/null 2>&1 | grep -o 'Server Temp Key: X25519'" \
	"Server Temp Key: X25519\n" "" ""
testing "TLS 1.2 ECDSA with X25519 alone: refused (the certificate's curve is not the client's)" \
	"$(declare -f sc); P=$P; sc 7443 -tls1_2 -groups X25519; echo rc=\$?" "rc=1\n" "" ""
testing "a suite not compiled in is refused (TLS 1.2 AES-CBC)" \
	"$(declare -f sc); P=$P; sc 7443 -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256; echo rc=\$?" "rc=1\n" "" ""
testing "TLSMinVersion=1.3: a TLS 1.2 client is refused, 1.3 is served" \
	"$(declare -f sc); P=$P; sc 7450 -tls1_2; echo rc=\$?; sc 7450 -tls1_3 | cut -d' ' -f2" "rc=1\nTLSv1.3\n" "" ""
testing "TLSCiphers= and TLSGroups= restrict the choice (HelloRetryRequest to P-256)" \
	"$(declare -f sc); P=$P; sc 7451 -tls1_3 | cut -d' ' -f2,3; sc 7451 -tls1_2 | cut -d' ' -f2,3; sc 7451 -groups X25519; echo rc=\$?" \
	"TLSv1.3 TLS_CHACHA20_POLY1305_SHA256\nTLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\nrc=1\n" "" ""

# --- curl against an HTTP-ish service
testing "curl --cacert: HTTPS through the proxy" \
	"timeout 20 curl -sS --cacert $P/ca.crt --resolve localhost:7446:127.0.0.1 https://localhost:7446/" \
	"hello over TLSv1.3" "" ""
testing "curl --tlsv1.2 --tls-max 1.2" \
	"timeout 20 curl -sS --tlsv1.2 --tls-max 1.2 --cacert $P/ca.crt --resolve localhost:7446:127.0.0.1 https://localhost:7446/" \
	"hello over TLSv1.2" "" ""

# --- mutual TLS
fp=$(openssl x509 -in "$P/alice.crt" -outform DER | sha256sum | cut -d' ' -f1)
for v in 1_2 1_3; do
	testing "mTLS TLS ${v/_/.}: a good client certificate is accepted, the service sees who" \
		"$(declare -f sc); P=$P; sc 7445 -tls$v -cert $P/alice.crt -key $P/alice.key | tail -n 1" \
		"cn=alice subject=O=gatebox, CN=alice sha256=$fp\n" "" ""
	for who in none mallory old; do
		args=""
		[ "$who" != none ] && args="-cert $P/$who.crt -key $P/$who.key"
		testing "mTLS TLS ${v/_/.}: refused with client certificate '$who'" \
			"$(declare -f sc); P=$P; sc 7445 -tls$v $args; echo rc=\$?" "rc=1\n" "" ""
	done
done
check "mTLS refusals are logged with the reason" sh -c "grep -F 'mtls.socket: TLS handshake with 127.0.0.1:' '$T/log' | grep -F 'expired' &&
	grep -F 'mtls.socket: TLS handshake' '$T/log' | grep -F 'not issued by TLSClientCA=' &&
	grep -F 'mtls.socket: TLS handshake' '$T/log' | grep -Fi 'no client certificate'"

# --- half-close: the client's close_notify is the service's EOF, its answer still arrives
testing "half-close: client close_notify -> service EOF -> answer -> close_notify" \
	"printf 'twelve bytes' | timeout 20 socat -t 10 - OPENSSL:127.0.0.1:7449,cafile=$P/ca.crt,commonname=localhost" \
	"12\n" "" ""
testing "a 1 MiB upload and its count" \
	"head -c 1048576 /dev/zero | timeout 30 socat -t 10 - OPENSSL:127.0.0.1:7449,cafile=$P/ca.crt,commonname=localhost" \
	"1048576\n" "" ""

testing "a client that leaves in the middle of an endless download: the relay ends" \
	"timeout 20 socat -u OPENSSL:127.0.0.1:7453,verify=0 - 2>/dev/null | head -c 100000 | wc -c" "100000\n" "" ""

# --- a stalled handshake is cut at TLSHandshakeTimeoutSec=2 while others are served
# the uids of the processes holding the server's end of an established connection to
# 127.0.0.1:PORT, one "pid real effective saved fs" line each
conn_holders() {
	local inode f
	inode=$(awk -v p="$(printf '0100007F:%04X' "$1")" '$2 == p && $4 == "01" { print $10 }' /proc/net/tcp)
	[ -n "$inode" ] || return 0
	find /proc/[0-9]*/fd -lname "socket:\[$inode\]" 2>/dev/null | cut -d/ -f3 | sort -u |
		while read -r f; do
			awk -v pid="$f" '/^Uid:/ { print pid, $2, $3, $4, $5 }' "/proc/$f/status" 2>/dev/null
		done
}
# the client's bytes are read by nobody but nobody: every holder of the connection runs as
# 65534 (the service, no User=, would run as root), and there is one
only_nobody_holds() {
	local h
	h=$(conn_holders "$1")
	[ -n "$h" ] && ! printf '%s\n' "$h" | awk '$2 != 65534 || $3 != 65534 || $4 != 65534 { bad = 1 } END { exit !bad }'
}
start=$(date +%s%N)
timeout 20 socat -u TCP:127.0.0.1:7447 /dev/null &
stalled=$!
track_pid $stalled
check "a stalled handshake, for a service without User=: the process reading the client is nobody's, not root's" \
	wait_for 15 only_nobody_holds 7447
testing "while a handshake stalls, the same socket serves another client" \
	"$(declare -f sc); P=$P; sc 7447 | cut -d' ' -f2" "TLSv1.3\n" "" ""
testing "... and another socket too" "$(declare -f sc); P=$P; sc 7443 | cut -d' ' -f2" "TLSv1.3\n" "" ""
wait "$stalled"
ms=$((($(date +%s%N) - start) / 1000000))
check "the stalled client is cut after about 2 s (took ${ms} ms)" test "$ms" -ge 1800 -a "$ms" -lt 8000
check "the timeout is logged" logged "slow.socket: TLS handshake with 127.0.0.1:"

# --- clients that close right after the handshake: each connection's service still runs
# (socketd starts it on the handshake's result, which may come after the relay has ended)
# shellcheck disable=SC2016
timeout 60 python3 -c '
import socket, ssl, struct
for v in ["1.3", "1.2", "1.3", "1.2", "1.3", "1.3", "1.2", "1.3", "1.2", "1.3"]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, "TLSv" + v.replace(".", "_"))
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", 7455), timeout=20))
    # gone at once, with a reset: the relay ends before socketd may have read the result
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
' || fail "python3 TLS client" "it failed"
marks() { [ "$(sort "$T/marks" 2>/dev/null | uniq -c | tr -s ' ' | tr '\n' ,)" = "$1" ]; }
check "10 clients that reset the connection right after the handshake: 10 services ran, with their TLS versions" \
	wait_for 100 marks " 4 TLSv1.2, 6 TLSv1.3,"

# --- MaxConnectionsPerSource=2 counts TLS connections, not their processes (a handshake and
# relay, then the service)
held() { grep -qx held "$T/cap$1" 2>/dev/null; }
for k in 1 2; do # one after the other: the first has both its processes when the second comes
	sleep 4 | timeout 10 openssl s_client -connect 127.0.0.1:7456 -quiet 2>/dev/null > "$T/cap$k" &
	track_pid $!
	wait_for 100 held $k
done
check "MaxConnectionsPerSource=2: two TLS connections are served at once" held 2
testing "... a third from the same host is dropped before any TLS byte" \
	"timeout 20 socat -t 5 - TCP:127.0.0.1:7456 </dev/null | wc -c" "0\n" "" ""
check "... and logged" logged "cap.socket: Too many incoming connections (2) from source 127.0.0.1, dropping connection."

# --- garbage instead of a ClientHello
testing "garbage instead of a ClientHello: dropped, nothing is answered" \
	"printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 socat -t 5 - TCP:127.0.0.1:7443 | wc -c" "0\n" "" ""
check "the garbage is logged" logged "ec.socket: TLS handshake with 127.0.0.1:"
check "... as not TLS" sh -c "grep -F 'ec.socket: TLS handshake' '$T/log' | grep -F 'not a TLS ClientHello'"

# --- the service ends while the client keeps its side open: the relay ends too (its close
# reaches the client), it does not wait for the client
testing "the service ended, the client still open: the connection closes at once" \
	"sleep 6 | { timeout 4 socat - OPENSSL:127.0.0.1:7443,verify=0; echo rc=\$?; } | cut -d' ' -f1" \
	"uid=$(id -u nobody)\nrc=0\n" "" ""

# --- a service that cannot start: the handshake is done, then the connection closes
testing "a TLS unit whose program is missing: the connection closes, nothing is served" \
	"timeout 20 openssl s_client -connect 127.0.0.1:7454 </dev/null 2>/dev/null | grep -c '^CONNECTED'" "1\n" "" ""
case $FLAVOUR in
aarch64 | armhf) # qemu-user runs vfork as a fork: the child's note of its step is its own
	skip "the failure's step and cause logged" "vfork is a fork under qemu-user" ;;
*)
	check "... the failure is logged with its step and cause" \
		logged "Failed at step EXEC spawning $H/no-such-program: No such file or directory" ;;
esac
check "... and the instance's exit status is 203 (EXEC)" logged "noprog@.service: process"
check "... status=203" sh -c "grep -q 'noprog@.service: process [0-9]* exited, status=203' '$T/log'"

# --- TCPWrap refuses before any TLS byte
testing "TCPWrap deny: the client reads 0 bytes (no ServerHello)" \
	"timeout 20 openssl s_client -connect 127.0.0.1:7448 </dev/null 2>&1 | grep -o 'has read 0 bytes'" \
	"has read 0 bytes\n" "" ""
check "the refusal is logged by TCPWrap" logged "wrap.socket: refused connect from 127.0.0.1"

# after a socket's first connection, socketd keeps the next connection's process forked
# ahead (a spare: unprivileged, holding no connection); stopping the socket ends it
check "spares wait for the next connections, unprivileged (socketd's children as nobody)" \
	sh -c "[ \"\$(pgrep -c -P $SD_PID -u 65534)\" -ge 2 ]"

# --- daemon-reload and daemon-reexec: the spares of the old units end, connections go on
nspares() { pgrep -c -P "$SD_PID" -u 65534 || true; }
sc 7443 >/dev/null
before=$(nspares)
"$GATEBOX" svcctl daemon-reload
testing "after daemon-reload a TLS socket serves" "$(declare -f sc); P=$P; sc 7443 | cut -d' ' -f2" \
	"TLSv1.3\n" "" ""
check "... and the spares of the units before the reload ended ($before before)" \
	wait_for 50 sh -c "[ \"\$(pgrep -c -P $SD_PID -u 65534)\" -le 1 ]"
"$GATEBOX" svcctl daemon-reexec
testing "after daemon-reexec a TLS socket serves" "$(declare -f sc); P=$P; sc 7443 | cut -d' ' -f2" \
	"TLSv1.3\n" "" ""
check "... and the spares of the process before the re-exec ended" \
	wait_for 50 sh -c "[ \"\$(pgrep -c -P $SD_PID -u 65534)\" -le 1 ]"
# a handshake that starts before daemon-reexec and ends after it: its result comes to the
# new process, which starts its service
timeout 60 python3 -c '
import os, socket, ssl, sys, time
s = socket.create_connection(("127.0.0.1", 7443))
open(sys.argv[1], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s)
print(t.recv(4096).decode().split()[1])
' "$T/tls-connected" "$T/tls-reexeced" >"$T/tls-reexec.out" 2>&1 &
across=$!
wait_for 50 test -e "$T/tls-connected"
"$GATEBOX" svcctl daemon-reexec
touch "$T/tls-reexeced"
wait "$across"
testing "a handshake begun before daemon-reexec and ended after it gets its service" \
	"cat $T/tls-reexec.out" "TLSv1.3\n" "" ""

# --- status
testing "svcctl status shows the certificate's subject and expiry" \
	'"$GATEBOX" svcctl status rsa.socket | grep -E "TLS:|Subject:|Expires:" | sed -E "s/Expires: .* (\(within 30 days\))/Expires: DATE \1/; s|'"$P"'/||"' \
	"        TLS: srv-rsa.crt (TLS 1.2+)\n    Subject: CN=rsa.localhost\n    Expires: DATE (within 30 days)\n" "" ""
testing "svcctl status of mTLS socket says client certificates are required" \
	'"$GATEBOX" svcctl status mtls.socket | grep -c "client certificates required"' "1\n" "" ""
for u in "$U"/*.socket; do "$GATEBOX" svcctl stop "${u##*/}" >/dev/null 2>&1; done
check "the sockets stopped: no connection process nor spare is left behind" \
	wait_for 50 sh -c "[ \"\$(pgrep -P $SD_PID | wc -l)\" = 0 ]"
check "socketd still runs" kill -0 "$SD_PID"
check "no sanitizer report from socketd or a connection's process" sh -c "! grep -E 'Sanitizer|runtime error' '$T/log'"

#!/bin/sh
# Regenerate the public TLS test material in this folder (see README.md). OpenSSL 3 CLI.
set -eu
cd "$(dirname "$0")"
days=36500

# The private test CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem
openssl req -new -x509 -key ca-key.pem -out ca-cert.pem -days "$days" -sha256 \
  -subj "/CN=kona-conformance test CA (NOT FOR PRODUCTION)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

# A server certificate for localhost and 127.0.0.1, issued by that CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-key.pem
openssl req -new -key server-key.pem -out server.csr \
  -subj "/CN=localhost (kona-conformance test, NOT FOR PRODUCTION)"
cat > server.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial \
  -out server-cert.pem -days "$days" -sha256 -extfile server.ext
rm -f server.csr server.ext ca-cert.srl

# The same CA certificate in DER: a CA file that is not PEM, for the error test.
openssl x509 -in ca-cert.pem -outform DER -out ca-cert.der

#!/usr/bin/env python3
"""Make JWE test vectors with jwcrypto, a JOSE implementation independent of ours.

Encrypts each plaintext below to test-keys/client-public.pem with RSA-OAEP-256
and both A128GCM and A256GCM, and writes, next to this script:
  <name>.txt              the exact plaintext bytes (no trailing newline)
  <name>.<enc>.jwe        the compact JWE (one line, no trailing newline)
tests/crypto.rs decrypts them with test-keys/client-private.pem. The output is
random (fresh content key and IV), so re-running changes the .jwe files; commit
them together with the keys they were made for.

    pip install jwcrypto
    python3 tests/vectors/jwe/make_vectors.py

With --check DIR it instead decrypts every *.jwe in DIR (made by our Rust code)
with test-keys/client-private.pem and prints the plaintexts: the cross-check in
the other direction.
"""
import json
import pathlib
import sys

from jwcrypto import jwe, jwk

HERE = pathlib.Path(__file__).resolve().parent
KEYS = HERE.parents[2] / "test-keys"

PLAINTEXTS = {
    "ascii": '{"resultCode":"0000","resultMessage":"OK","data":{"amount":1500}}',
    "hangul": '{"userName":"홍길동","memo":"안녕하세요, 코나플레이트"}',
    # Bigger than any 64-bit integer: the bytes must come through untouched.
    "bignum": '{"userId":9999999999999999999}',
}
ENCS = ["A128GCM", "A256GCM"]


def make():
    public = jwk.JWK.from_pem((KEYS / "client-public.pem").read_bytes())
    for name, text in PLAINTEXTS.items():
        data = text.encode("utf-8")
        (HERE / f"{name}.txt").write_bytes(data)
        for enc in ENCS:
            header = {"alg": "RSA-OAEP-256", "enc": enc}
            if name == "ascii":
                header["kid"] = "test-client"
            token = jwe.JWE(data, protected=json.dumps(header))
            token.add_recipient(public)
            (HERE / f"{name}.{enc}.jwe").write_text(token.serialize(compact=True))
            print(f"wrote {name}.{enc}.jwe")


def check(directory):
    private = jwk.JWK.from_pem((KEYS / "client-private.pem").read_bytes())
    files = sorted(pathlib.Path(directory).glob("*.jwe"))
    if not files:
        sys.exit(f"no .jwe files in {directory}")
    for path in files:
        token = jwe.JWE()
        token.deserialize(path.read_text().strip(), key=private)
        print(f"{path.name}: header={token.jose_header} plaintext={token.payload.decode('utf-8')}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()

#!/usr/bin/env python3
"""An independent KONA PLATE client for the tests: written from the docs, not from the
harness's Rust code, so that what the harness judges was made by someone else.

It signs (X-KM-Tran-Token: HMAC-SHA256 over the exact body bytes), encrypts (JWE compact,
RSA-OAEP-256 + A128GCM) and decrypts answers, and records each exchange it makes as an
exchange-log line (NDJSON) and/or a HAR 1.2 entry. Each known integration mistake has a
switch (--mistake NAME), so every diagnosis of the harness has a client that makes it.

Only the standard library and `cryptography` (tools/kona-client/requirements.txt).

With --plan FILE it performs every task of a `certify-client --plan-out FILE` plan instead:
each request, then its follow-up (a value taken from the decrypted answer, or the corrected
request after a refusal), with the same --mistake switches.

    kona_client.py --base-url http://127.0.0.1:8080/open-api --endpoint card-info \
        --body '{"cardNo":"9410064130111814"}' --encrypt --record-ndjson out.ndjson

Credentials come from the environment (KONA_ASP_ID, KONA_ACCESS_KEY, KONA_SECRET_KEY,
KONA_CRYPTO_KEY_ID) and key files (KONA_SERVER_PUBLIC_KEY, KONA_CLIENT_PRIVATE_KEY).
"""

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import secrets
import sys
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PATHS = {
    "deduction-info": "/api/v1/user/deduction/info",
    "card-info": "/api/v1/user/card/info",
    "bank-account-valid": "/api/v1/bankaccounts/user/valid",
}

MISTAKES = {
    "hmac-reserialized": "sign the body re-serialized without spaces, send it with spaces",
    "hmac-pretty": "sign the body pretty-printed, send it compact",
    "hmac-base64": "sign the Base64 of the body instead of its bytes",
    "hex-mac": "write the MAC in hex instead of Base64",
    "token-66": "drop the '=' padding of the MAC (a 66-character token)",
    "token-time-14": "write the token's time without milliseconds (14 digits)",
    "tran-time-17": "write X-KM-Tran-Time with milliseconds (17 digits)",
    "utc-as-kst": "read the clock in UTC but say KST",
    "jwe-wrong-key": "encrypt for the client's own public key instead of the server's",
    "jwe-rsa-oaep-sha1": "wrap the content key with RSA-OAEP (SHA-1) and say so",
    "no-crypto-key-id": "send an encrypted body without X-KM-Crypto-Key-Id",
    "bad-correlation-id": "send a UUID as X-KM-Correlation-Id",
    "no-content-type": "send no Content-Type",
    "hmac-plaintext": "sign the plaintext of an encrypted body instead of the encData body sent",
    "resend-unchanged": "(--plan) after a documented rejection, resend the same request instead of the corrected one",
    "skip-follow-up": "(--plan) never send a task's follow-up request",
}

KST = dt.timezone(dt.timedelta(hours=9))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_public(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"CERTIFICATE" in data:
        from cryptography import x509

        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def load_private(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def jwe_encrypt(plaintext, public_key, sha1=False):
    alg = "RSA-OAEP" if sha1 else "RSA-OAEP-256"
    header = b64url(json.dumps({"alg": alg, "enc": "A128GCM"}, separators=(",", ":")).encode())
    cek = secrets.token_bytes(16)
    digest = hashes.SHA1() if sha1 else hashes.SHA256()
    wrapped = public_key.encrypt(
        cek, padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)
    )
    iv = secrets.token_bytes(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext, header.encode())
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([header, b64url(wrapped), b64url(iv), b64url(ciphertext), b64url(tag)])


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwe_decrypt(compact, private_key):
    header, wrapped, iv, ciphertext, tag = compact.split(".")
    cek = private_key.decrypt(
        b64url_decode(wrapped),
        padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    return AESGCM(cek).decrypt(b64url_decode(iv), b64url_decode(ciphertext) + b64url_decode(tag), header.encode())


def env(name, required=True):
    value = os.environ.get(name)
    if required and not value:
        sys.exit(f"kona_client: environment variable {name} is not set")
    return value


def build(args, now_utc, body_obj=None, encrypt=None):
    """The request's headers and exact body bytes, with the mistakes asked for."""
    mistakes = set(args.mistake or [])
    if body_obj is None:
        body_obj = json.loads(args.body)
    compact = json.dumps(body_obj, separators=(",", ":"), ensure_ascii=False).encode()
    spaced = json.dumps(body_obj, ensure_ascii=False).encode()
    plaintext = spaced if "hmac-reserialized" in mistakes else compact

    encrypted = args.encrypt if encrypt is None else encrypt
    if encrypted:
        key_path = env("KONA_SERVER_PUBLIC_KEY")
        if "jwe-wrong-key" in mistakes:
            key_path = args.client_public_key or sys.exit("kona_client: jwe-wrong-key needs --client-public-key")
        compact_jwe = jwe_encrypt(plaintext, load_public(key_path), sha1="jwe-rsa-oaep-sha1" in mistakes)
        sent = json.dumps({"encData": compact_jwe}, separators=(",", ":")).encode()
        if "hmac-reserialized" in mistakes:
            sent = json.dumps({"encData": compact_jwe}).encode()
            signed = json.dumps({"encData": compact_jwe}, separators=(",", ":")).encode()
        else:
            signed = sent
    else:
        sent = plaintext
        signed = compact if "hmac-reserialized" in mistakes else sent
    if "hmac-pretty" in mistakes:
        signed = json.dumps(json.loads(sent), indent=2, ensure_ascii=False).encode()
    if "hmac-base64" in mistakes:
        signed = base64.b64encode(sent)
    if "hmac-plaintext" in mistakes and encrypted:
        signed = plaintext

    zone = args.time_zone
    if "utc-as-kst" in mistakes:
        local = now_utc.replace(tzinfo=None)
        zone = "KST"
    else:
        local = now_utc.astimezone(KST if zone == "KST" else dt.timezone.utc).replace(tzinfo=None)
    tran_time = local.strftime("%Y%m%d%H%M%S")
    token_time = tran_time + f"{local.microsecond // 1000:03d}"
    if "token-time-14" in mistakes:
        token_time = tran_time
    if "tran-time-17" in mistakes:
        tran_time = token_time if len(token_time) == 17 else tran_time + "000"
    mac = hmac.new(env("KONA_SECRET_KEY").encode(), signed, hashlib.sha256).digest()
    mac_text = mac.hex() if "hex-mac" in mistakes else base64.b64encode(mac).decode()
    if "token-66" in mistakes:
        mac_text = mac_text.rstrip("=")
    token = f"KMV1:{token_time}:{mac_text}"

    correlation = local.strftime("%y%m%d%H%M%S") + "-" + secrets.token_hex(4)[:7]
    if "bad-correlation-id" in mistakes:
        correlation = "3f2b8c1e-9d4a-4e6b-8a7c-0d1e2f3a4b5c"
    headers = [
        ("X-KM-User-AspId", env("KONA_ASP_ID")),
        ("X-KM-Correlation-Id", correlation),
        ("X-KM-Access-Key", env("KONA_ACCESS_KEY")),
        ("X-KM-Tran-Token", token),
        ("X-KM-Tran-Time", tran_time),
        ("X-KM-Time-Zone", zone),
        ("Accept", "application/json"),
    ]
    if "no-content-type" not in mistakes:
        headers.append(("Content-Type", "application/json"))
    if encrypted and "no-crypto-key-id" not in mistakes:
        headers.append(("X-KM-Crypto-Key-Id", env("KONA_CRYPTO_KEY_ID")))
    return headers, sent


def body_record(data):
    try:
        return {"text": data.decode("utf-8"), "size": len(data)}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode(), "size": len(data)}


def record_ndjson(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def record_har(path, started, ms, method, url, headers, body, status, resp_headers, resp_body):
    try:
        with open(path, encoding="utf-8") as f:
            har = json.load(f)
    except FileNotFoundError:
        har = {"log": {"version": "1.2", "creator": {"name": "kona_client.py", "version": "1"}, "entries": []}}

    def text_of(data):
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            return {"text": base64.b64encode(data).decode(), "encoding": "base64"}

    entry = {
        "startedDateTime": started,
        "time": ms,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in headers],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(body),
            "postData": {"mimeType": "application/json", **text_of(body)},
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in resp_headers],
            "cookies": [],
            "content": {"size": len(resp_body), "mimeType": "application/json", **text_of(resp_body)},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(resp_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": ms, "receive": 0},
    }
    har["log"]["entries"].append(entry)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(har, f, ensure_ascii=False, indent=1)


def send(args, url, headers, body, now):
    """POST `body` to `url`, record the exchange as asked; the status and answer bytes."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
    started = time.perf_counter()
    conn.putrequest("POST", parts.path, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    resp_body = resp.read()
    elapsed = time.perf_counter() - started
    resp_headers = [(n, v) for n, v in resp.getheaders()]
    conn.close()
    started_at = now.isoformat(timespec="microseconds").replace("+00:00", "Z")

    if args.record_ndjson:
        record_ndjson(
            args.record_ndjson,
            {
                "format": "kona-conformance-exchange/1",
                "startedAt": started_at,
                "durationUs": int(elapsed * 1e6),
                "request": {
                    "method": "POST",
                    "url": url,
                    "headers": [{"name": n, "value": v} for n, v in headers],
                    "body": body_record(body),
                },
                "response": {
                    "status": resp.status,
                    "headers": [{"name": n, "value": v} for n, v in resp_headers],
                    "body": body_record(resp_body),
                },
            },
        )
    if args.record_har:
        record_har(args.record_har, started_at, elapsed * 1000, "POST", url, headers, body, resp.status, resp_headers, resp_body)
    return resp.status, resp_body


def read_answer(resp_body):
    """The answer's JSON, decrypted with the client's key when it is encrypted."""
    answer = json.loads(resp_body) if resp_body else None
    if isinstance(answer, dict) and "encData" in answer:
        answer = json.loads(jwe_decrypt(answer["encData"], load_private(env("KONA_CLIENT_PRIVATE_KEY"))))
    return answer


def answer_code(answer):
    result = answer.get("response") if isinstance(answer, dict) else None
    return result.get("code") if isinstance(result, dict) else None


def fill(body, answer):
    """A follow-up's body: each {"fromAnswer": F} replaced by field F of the answer."""
    out = {}
    for key, value in body.items():
        if isinstance(value, dict) and set(value) == {"fromAnswer"}:
            if not isinstance(answer, dict) or value["fromAnswer"] not in answer:
                raise KeyError(f"the answer has no {value['fromAnswer']}")
            out[key] = answer[value["fromAnswer"]]
        else:
            out[key] = value
    return out


def run_plan(args):
    """Every task of a certify-client plan, follow-ups included; one line per request."""
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)
    if plan.get("format") != "kona-conformance-client-plan/1":
        sys.exit("kona_client: not a kona-conformance-client-plan/1 file")
    base = (args.base_url or plan["baseUrl"]).rstrip("/")
    mistakes = set(args.mistake or [])
    origin = base[: len(base) - len(urllib.parse.urlsplit(base).path)] if urllib.parse.urlsplit(base).path else base
    failures = 0
    for task in plan["tasks"]:
        steps = [task["request"]] + ([task["followUp"]] if task.get("followUp") else [])
        answer = None
        for i, step in enumerate(steps):
            if i > 0 and "skip-follow-up" in mistakes:
                break
            if i > 0 and "resend-unchanged" in mistakes and task["id"] == "documented-error":
                step = steps[0]
            try:
                body = fill(step["body"], answer)
            except KeyError as e:
                print(f"{task['id']}: no follow-up: {e}")
                failures += 1
                break
            now = dt.datetime.now(dt.timezone.utc)
            headers, sent = build(args, now, body, step["encrypt"])
            status, resp_body = send(args, origin + step["path"], headers, sent, now)
            try:
                answer = read_answer(resp_body)
            except Exception as e:  # an answer this client cannot read is a finding, not a crash
                print(f"{task['id']}: cannot read the answer: {e}")
                answer = None
            code = answer_code(answer)
            expect = step.get("expect")
            ok = expect is None or code == expect.get("code")
            failures += 0 if ok else 1
            print(f"{task['id']}: HTTP {status} {code}{'' if ok else ' (unexpected)'}")
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url")
    p.add_argument("--endpoint", choices=sorted(PATHS))
    p.add_argument("--body", help="the request's JSON (plaintext)")
    p.add_argument("--plan", help="perform every task of a certify-client plan (JSON) instead")
    p.add_argument("--encrypt", action="store_true")
    p.add_argument("--time-zone", default="KST", choices=["KST", "UTC"])
    p.add_argument("--client-public-key", help="for --mistake jwe-wrong-key")
    p.add_argument("--mistake", action="append", choices=sorted(MISTAKES))
    p.add_argument("--record-ndjson")
    p.add_argument("--record-har")
    p.add_argument("--print-answer", action="store_true", help="print the (decrypted) answer's JSON")
    args = p.parse_args()
    if args.plan:
        return run_plan(args)
    if not (args.base_url and args.endpoint and args.body):
        p.error("--base-url, --endpoint and --body are required without --plan")

    url = args.base_url.rstrip("/") + PATHS[args.endpoint]
    now = dt.datetime.now(dt.timezone.utc)
    headers, body = build(args, now)
    status, resp_body = send(args, url, headers, body, now)
    if args.print_answer:
        print(json.dumps({"status": status, "body": read_answer(resp_body)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

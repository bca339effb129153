"""RFC 3161 trusted timestamps over the evidence JSON (rfc3161-client).

Requesting a token is the one network call evidencekit makes, and only when asked (--tsa).
"""

from __future__ import annotations

import hashlib
import http.client as http_client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import rfc3161_client
from cryptography import x509

from evidencekit.errors import EvidencekitError
from evidencekit.messages import Msg
from evidencekit.outputs import tsa_url_problem


class TimestampError(EvidencekitError):
    """The TSA could not be reached or answered with something unusable."""

    exit_code = 1


@dataclass(frozen=True)
class TokenCheck:
    """What verifying a token established."""

    ok: bool
    time: datetime | None
    detail: str


MAX_RESPONSE = 1 << 20  # a token with its chain is a few KB; more is not a TSA answer


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A TSA answers where it was asked; a redirect could lead anywhere.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _read_capped(resp: Any, url: str, cap: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := resp.read(min(65536, cap + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            msg = Msg("tsa.too_big", url=url, cap=cap)
            raise TimestampError(msg)
        if time.monotonic() > deadline:
            msg = Msg("tsa.timeout", url=url)
            raise TimestampError(msg)
    return b"".join(chunks)


def request_token(data: bytes, url: str, timeout: float = 30, cap: int = MAX_RESPONSE) -> bytes:
    """Ask the TSA at `url` for a token over SHA-256(data), with its certificate chain.
    The answer is read with a byte cap and an overall deadline."""
    if problem := tsa_url_problem(url):
        raise TimestampError(problem)
    req = (
        rfc3161_client.TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
    )
    request = req.build()
    http = urllib.request.Request(
        url,
        data=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + timeout
    try:
        with opener.open(http, timeout=timeout) as resp:
            body = _read_capped(resp, url, cap, deadline)
    except (urllib.error.URLError, OSError, http_client.HTTPException, ValueError) as e:
        msg = Msg("tsa.unreachable", url=url, why=str(e))
        raise TimestampError(msg) from e
    try:
        tsr = rfc3161_client.decode_timestamp_response(body)
    except ValueError as e:
        msg = Msg("tsa.not_rfc3161", url=url)
        raise TimestampError(msg) from e
    if tsr.status not in (0, 1):  # granted, grantedWithMods
        msg = Msg("tsa.refused", url=url, status=tsr.status)
        raise TimestampError(msg)
    imprint = tsr.tst_info.message_imprint.message
    if imprint != hashlib.sha256(data).digest():
        msg = Msg("tsa.wrong_imprint", url=url)
        raise TimestampError(msg)
    if request.nonce is not None and tsr.tst_info.nonce != request.nonce:
        msg = Msg("tsa.nonce", url=url)
        raise TimestampError(msg)
    return body


def check_token(tsr_bytes: bytes, data: bytes, ca_file: Path | None) -> TokenCheck:
    """Check that the token covers `data`; with a CA bundle, also its signature and chain.
    Anything malformed is a failed check with its reason, never an exception."""
    try:
        tsr = rfc3161_client.decode_timestamp_response(tsr_bytes)
        when = tsr.tst_info.gen_time
        imprint = tsr.tst_info.message_imprint.message
    except Exception as e:  # the decoder raises several types on hostile input
        return TokenCheck(False, None, f"not a readable RFC 3161 response ({e})")
    if imprint != hashlib.sha256(data).digest():
        return TokenCheck(False, when, "the token is over different data (message imprint)")
    if ca_file is None:
        return TokenCheck(True, when, "covers the file; signature not checked (no --tsa-ca)")
    try:
        roots = x509.load_pem_x509_certificates(ca_file.read_bytes())
    except (OSError, ValueError) as e:
        msg = Msg("tsa.bad_ca", file=str(ca_file), why=str(e))
        raise TimestampError(msg) from e
    try:
        certs = [x509.load_der_x509_certificate(c) for c in tsr.signed_data.certificates]
        builder = rfc3161_client.VerifierBuilder(roots=roots)
        leaf = next((c for c in certs if c not in roots and _is_tsa(c)), None)
        if leaf is not None:
            builder = builder.tsa_certificate(leaf)
        for cert in certs:
            if cert is not leaf and cert not in roots:
                builder = builder.add_intermediate_certificate(cert)
        builder.build().verify_message(tsr, data)
    except Exception as e:  # any failure here means "not verified"
        return TokenCheck(False, when, f"signature or chain invalid: {e}")
    return TokenCheck(True, when, "covers the file; signature and chain valid")


def _is_tsa(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in eku

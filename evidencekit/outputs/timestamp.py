"""RFC 3161 trusted timestamps over the evidence JSON (rfc3161-client).

Requesting a token is the one network call evidencekit makes, and only when asked (--tsa).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import rfc3161_client
from cryptography import x509

from evidencekit.errors import EvidencekitError


class TimestampError(EvidencekitError):
    """The TSA could not be reached or answered with something unusable."""

    exit_code = 1


@dataclass(frozen=True)
class TokenCheck:
    """What verifying a token established."""

    ok: bool
    time: datetime | None
    detail: str


def request_token(data: bytes, url: str, timeout: float = 30) -> bytes:
    """Ask the TSA at `url` for a token over SHA-256(data), with its certificate chain."""
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
    try:
        with urllib.request.urlopen(http, timeout=timeout) as resp:
            body = resp.read()
    except (urllib.error.URLError, OSError) as e:
        msg = f"the timestamp authority {url} could not be reached: {e}"
        raise TimestampError(msg) from e
    try:
        tsr = rfc3161_client.decode_timestamp_response(body)
    except ValueError as e:
        msg = f"the timestamp authority {url} did not answer with an RFC 3161 response"
        raise TimestampError(msg) from e
    if tsr.status not in (0, 1):  # granted, grantedWithMods
        msg = f"the timestamp authority {url} refused the request (status {tsr.status})"
        raise TimestampError(msg)
    imprint = tsr.tst_info.message_imprint.message
    if imprint != hashlib.sha256(data).digest():
        msg = f"the token from {url} is not over the evidence JSON (wrong message imprint)"
        raise TimestampError(msg)
    if request.nonce is not None and tsr.tst_info.nonce != request.nonce:
        msg = f"the token from {url} does not answer our request (nonce mismatch)"
        raise TimestampError(msg)
    return body


def check_token(tsr_bytes: bytes, data: bytes, ca_file: Path | None) -> TokenCheck:
    """Check that the token covers `data`; with a CA bundle, also its signature and chain."""
    try:
        tsr = rfc3161_client.decode_timestamp_response(tsr_bytes)
    except ValueError as e:
        return TokenCheck(False, None, f"not a readable RFC 3161 response ({e})")
    when = tsr.tst_info.gen_time
    if tsr.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        return TokenCheck(False, when, "the token is over different data (message imprint)")
    if ca_file is None:
        return TokenCheck(True, when, "covers the file; signature not checked (no --tsa-ca)")
    roots = x509.load_pem_x509_certificates(ca_file.read_bytes())
    certs = [x509.load_der_x509_certificate(c) for c in tsr.signed_data.certificates]
    builder = rfc3161_client.VerifierBuilder(roots=roots)
    leaf = next((c for c in certs if c not in roots and _is_tsa(c)), None)
    if leaf is not None:
        builder = builder.tsa_certificate(leaf)
    for cert in certs:
        if cert is not leaf and cert not in roots:
            builder = builder.add_intermediate_certificate(cert)
    try:
        builder.build().verify_message(tsr, data)
    except rfc3161_client.VerificationError as e:
        return TokenCheck(False, when, f"signature or chain invalid: {e}")
    return TokenCheck(True, when, "covers the file; signature and chain valid")


def _is_tsa(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in eku

"""Google's OAuth 2.0 token endpoint for service accounts, so google-auth's real code path runs offline.

google-auth's `service_account.Credentials.refresh` signs an RS256 JWT with the key file's private key and POSTs
`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>` to the key file's `token_uri`
(google/oauth2/_client.py, `jwt_grant`), then reads `access_token` and `expires_in`. This module issues the key
file (`service_account_info`), verifies the assertion as Google's endpoint does (signature, `iss`, `aud`,
`iat`/`exp` within the hour, `scope`) and hands out access tokens the Vertex paths then accept.

Refusals use the OAuth 2.0 error shape (RFC 6749 section 5.2), `{"error": ..., "error_description": ...}`,
with Google's descriptions: "Invalid JWT Signature." and the short-lived-token message are the ones
developers.google.com/identity/protocols/oauth2/service-account lists under "Error codes".

Key generation and signature checks import google-auth's crypto (`google.auth.crypt`) and `cryptography` or the
pure-Python `rsa` package lazily: the emulator itself imports only the standard library. One key pair per process,
made on first use (pure-Python RSA key generation takes seconds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from langchain_gemini.testing._http import HttpRequest, Reply

DEFAULT_TOKEN_LIFETIME = 3600  # seconds: Google's access tokens for service accounts live one hour
# google-auth signs `aud` = Google's endpoint whatever the key file's token_uri (google/oauth2/service_account.py,
# `_make_authorization_grant_assertion`); the token_uri itself is accepted too.
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_MAX_ASSERTION_LIFETIME = 3600  # "Token must be a short-lived token (60 minutes)"
_CLOCK_SKEW = 300  # seconds of clock difference tolerated on `iat`
_SHORT_LIVED = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
_MISSING_EXTRA = (
    "The Vertex AI flavour of the Gemini emulator needs google-auth and an RSA backend (cryptography or rsa): "
    "install the 'vertex' extra, pip install 'langchain-gemini-api[vertex]'."
)


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str
    key_id: str


_key_lock = threading.Lock()
_key_pair: KeyPair | None = None


def generate_key_pair(bits: int = 2048) -> KeyPair:
    """An RSA key in the formats google-auth reads, with whichever backend google-auth itself uses."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
    except ImportError:
        try:
            import rsa  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:
            raise ImportError(_MISSING_EXTRA) from exc
        public, private = rsa.newkeys(bits)
        private_pem = private.save_pkcs1().decode()  # google/auth/crypt/_python_rsa.py reads PKCS#1 and PKCS#8
        public_pem = public.save_pkcs1().decode()
    else:
        key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=bits)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()  # the PKCS#8 "BEGIN PRIVATE KEY" block of a real key file
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    key_id = hashlib.sha1(public_pem.encode(), usedforsecurity=False).hexdigest()
    return KeyPair(private_pem, public_pem, key_id)


def key_pair() -> KeyPair:
    """This process's signing key, generated once."""
    global _key_pair  # noqa: PLW0603 - one key per process: pure-Python RSA key generation is slow
    with _key_lock:
        if _key_pair is None:
            _key_pair = generate_key_pair()
        return _key_pair


def _verify_signature(message: bytes, signature: bytes, public_pem: str) -> bool:
    try:
        from google.auth import crypt
    except ImportError as exc:
        raise ImportError(_MISSING_EXTRA) from exc
    verifier = crypt.RSAVerifier.from_string(public_pem)  # type: ignore[no-untyped-call, unused-ignore]
    return bool(verifier.verify(message, signature))


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class OAuthError(Exception):
    """A refusal of the token endpoint: `error` code and Google's description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def reply(self) -> Reply:
        body = {"error": self.error, "error_description": self.description}
        return Reply(status=self.status, body=json.dumps(body, indent=2).encode())


@dataclass
class TokenAuthority:
    """Service accounts, the access tokens issued to them, and how long those live."""

    base_url: str = ""
    lifetime: float = DEFAULT_TOKEN_LIFETIME
    token_requests: int = 0
    clock: Any = time.time
    _accounts: dict[str, str] = field(default_factory=dict)  # client_email -> project
    _tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry (clock seconds)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    def service_account_info(self, project: str) -> dict[str, str]:
        """The JSON content of a key file for a service account of `project`, signed by this process's key."""
        keys = key_pair()
        email = f"emulator@{project}.iam.gserviceaccount.com"
        with self._lock:
            self._accounts[email] = project
        return {
            "type": "service_account",
            "project_id": project,
            "private_key_id": keys.key_id,
            "private_key": keys.private_pem,
            "client_email": email,
            "client_id": str(int(hashlib.sha256(email.encode()).hexdigest()[:16], 16)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email.replace('@', '%40')}",
            "universe_domain": "googleapis.com",
        }

    def exchange(self, request: HttpRequest) -> Reply:
        """Answer `POST /token` (counted in `token_requests` whatever the outcome)."""
        with self._lock:
            self.token_requests += 1
        try:
            token = self._issue(dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)))
        except OAuthError as exc:
            return exc.reply()
        return Reply(body=json.dumps(token, indent=2).encode())

    def _issue(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant != _JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant or ''}")
        claims = self._verified_claims(form.get("assertion", ""))
        if not claims.get("scope") and not claims.get("target_audience"):
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        access_token = "ya29.emulator-" + secrets.token_urlsafe(32)
        lifetime = self.lifetime
        with self._lock:
            self._tokens[access_token] = self.clock() + lifetime
        return {"access_token": access_token, "expires_in": max(1, math.ceil(lifetime)), "token_type": "Bearer"}

    def _verified_claims(self, assertion: str) -> dict[str, Any]:
        pieces = assertion.split(".")
        if len(pieces) != 3:
            raise OAuthError("invalid_request", "Invalid JWT: malformed assertion.")
        try:
            header = json.loads(_b64decode(pieces[0]))
            claims = json.loads(_b64decode(pieces[1]))
            signature = _b64decode(pieces[2])
        except (ValueError, binascii.Error):
            raise OAuthError("invalid_request", "Invalid JWT: malformed assertion.") from None
        if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        with self._lock:
            known = claims.get("iss") in self._accounts
        if not known:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        if claims.get("aud") not in (GOOGLE_TOKEN_ENDPOINT, self.token_uri):
            wrong = f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_ENDPOINT}"
            raise OAuthError("invalid_grant", wrong)
        message = f"{pieces[0]}.{pieces[1]}".encode()
        if not _verify_signature(message, signature, key_pair().public_pem):
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        iat, exp = claims.get("iat"), claims.get("exp")
        now = self.clock()
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or exp <= iat
            or exp - iat > _MAX_ASSERTION_LIFETIME
            or iat > now + _CLOCK_SKEW
            or exp < now - _CLOCK_SKEW
        ):
            raise OAuthError("invalid_grant", _SHORT_LIVED)
        return claims

    def check(self, token: str) -> str | None:
        """None when `token` is a live access token, else why not: "expired" or "invalid"."""
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return "invalid"
        return None if self.clock() < expiry else "expired"

    def expire_all(self) -> None:
        """Every token issued so far stops being accepted now."""
        now = self.clock()
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = min(self._tokens[token], now)

    def reset_counters(self) -> None:
        with self._lock:
            self.token_requests = 0

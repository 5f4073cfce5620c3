"""The emulator's Vertex AI flavour over raw HTTP and through google-auth's real service-account code path.

Bodies are compared whole: the OAuth endpoint's refusals, Vertex's 401 / 404 / 429 envelopes and the answers of
every Vertex method.
"""

from __future__ import annotations

import base64
import datetime
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google.auth import crypt

from langchain_gemini.testing import Fault, GeminiEmulator
from tests.google_auth_transport import HttpxRequest, service_account_credentials
from tests.integration.conftest import EMULATOR_SETTINGS

PROJECT = "vertex-project"
LOCATION = "us-central1"
MODELS = f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models"
FLASH = "gemini-2.5-flash"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
HELLO = {"contents": [{"role": "user", "parts": [{"text": "Hello Vertex"}]}]}
SIGN_IN = "See https://developers.google.com/identity/sign-in/web/devconsole-project."


@pytest.fixture
def vx(emu: GeminiEmulator) -> Iterator[GeminiEmulator]:
    """`emu` (whose next test gets `EMULATOR_SETTINGS` back, token_lifetime included), restored here too."""
    yield emu
    emu.configure(**EMULATOR_SETTINGS)


@pytest.fixture
def info(vx: GeminiEmulator) -> dict[str, str]:
    return vx.service_account_info(PROJECT)


def _token(emulator: GeminiEmulator, info: dict[str, str]) -> str:
    credentials = service_account_credentials(info)
    credentials.refresh(HttpxRequest())
    return str(credentials.token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(info: dict[str, str], private_key: str | None = None, **claims: Any) -> str:
    """An RS256 assertion as google-auth builds one, with `claims` overriding the defaults."""
    now = int(time.time())
    payload = {
        "iss": info["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    header = {"alg": "RS256", "typ": "JWT", "kid": info["private_key_id"]}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signer = crypt.RSASigner.from_string(private_key or info["private_key"])
    return f"{signing_input}.{_b64(signer.sign(signing_input.encode()))}"


def _exchange(emulator: GeminiEmulator, assertion: str, grant: str = JWT_BEARER) -> httpx.Response:
    form = {"grant_type": grant, "assertion": assertion}
    return httpx.post(f"{emulator.base_url}/token", data=form)


def _post(emulator: GeminiEmulator, path: str, body: Any, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(emulator.base_url + path, json=body, headers=headers, params={"prettyPrint": "false"})


def _unauthenticated(reason: str, message: str, method: str = "GenerateContent") -> dict[str, Any]:
    return {
        "error": {
            "code": 401,
            "message": message,
            "status": "UNAUTHENTICATED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": reason,
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "aiplatform.googleapis.com",
                        "method": f"google.cloud.aiplatform.v1beta1.PredictionService.{method}",
                    },
                }
            ],
        }
    }


# -- the token endpoint --------------------------------------------------------------------------------------------


def test_service_account_info_is_a_key_file_pointing_at_the_emulator(vx: GeminiEmulator) -> None:
    info = vx.service_account_info("other-project")
    assert info["type"] == "service_account"
    assert info["project_id"] == "other-project"
    assert info["client_email"] == "emulator@other-project.iam.gserviceaccount.com"
    assert info["token_uri"] == f"{vx.base_url}/token"
    assert info["private_key"].startswith("-----BEGIN ")
    assert info["private_key"].rstrip().endswith("PRIVATE KEY-----")
    assert vx.service_account_info("other-project") == info  # one key per process, the same file each time


def test_google_auth_refreshes_service_account_credentials_against_the_emulator(
    vx: GeminiEmulator, info: dict[str, str]
) -> None:
    credentials = service_account_credentials(info)
    before = time.time()
    credentials.refresh(HttpxRequest())
    assert credentials.token.startswith("ya29.")
    assert credentials.valid
    lifetime = (credentials.expiry - _utcnow(before)).total_seconds()  # expiry: naive UTC, now + expires_in
    assert 3600 <= lifetime < 3900
    assert vx.stats.token_requests == 1
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, credentials.token)
    assert reply.status_code == 200
    assert reply.json()["candidates"][0]["content"]["parts"][0]["text"].startswith('Emulated reply to "Hello Vertex"')
    assert vx.requests[-1].path == f"{MODELS}/{FLASH}:generateContent"
    assert vx.requests[-1].headers["authorization"] == f"Bearer {credentials.token}"
    assert vx.requests[-1].json == HELLO
    assert (vx.requests[-1].model, vx.requests[-1].action) == (FLASH, "generateContent")
    assert len(vx.requests) == 1  # the token exchange is not an API request


def _utcnow(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).replace(tzinfo=None)


def test_the_token_answer_is_what_google_auth_reads(vx: GeminiEmulator, info: dict[str, str]) -> None:
    reply = _exchange(vx, _jwt(info))
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    assert vx.stats.token_requests == 1


def test_a_jwt_signed_by_another_key_is_an_invalid_signature(vx: GeminiEmulator, info: dict[str, str]) -> None:
    from langchain_gemini.testing._oauth import generate_key_pair  # cryptography or rsa, whichever is installed

    other = generate_key_pair(bits=1024)  # small: pure-Python RSA (the lowest end of the matrix) is slow
    reply = _exchange(vx, _jwt(info, other.private_pem))
    assert reply.status_code == 400
    assert reply.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    assert vx.stats.token_requests == 1  # refusals are answered exchanges too


def test_a_tampered_jwt_is_an_invalid_signature(vx: GeminiEmulator, info: dict[str, str]) -> None:
    header, _, signature = _jwt(info).split(".")
    now = int(time.time())
    claims = {"iss": info["client_email"], "aud": "https://oauth2.googleapis.com/token", "scope": "x"}
    forged = _b64(json.dumps({**claims, "iat": now, "exp": now + 60}).encode())
    reply = _exchange(vx, f"{header}.{forged}.{signature}")
    assert (reply.status_code, reply.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )


def test_a_jwt_for_another_audience_is_refused(vx: GeminiEmulator, info: dict[str, str]) -> None:
    reply = _exchange(vx, _jwt(info, aud="https://example.com/token"))
    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT: Failed audience check. The right audience is "
        "https://oauth2.googleapis.com/token",
    }


def test_the_key_files_token_uri_is_an_accepted_audience(vx: GeminiEmulator, info: dict[str, str]) -> None:
    assert _exchange(vx, _jwt(info, aud=info["token_uri"])).status_code == 200


@pytest.mark.parametrize(
    "times",
    [
        pytest.param({"iat": 1_700_000_000, "exp": 1_700_003_600}, id="expired"),
        pytest.param({"iat": int(time.time()), "exp": int(time.time()) + 7200}, id="longer-than-an-hour"),
        pytest.param({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000}, id="issued-in-the-future"),
        pytest.param({"iat": int(time.time()), "exp": int(time.time()) - 10}, id="exp-before-iat"),
    ],
)
def test_a_jwt_outside_its_hour_is_refused(vx: GeminiEmulator, info: dict[str, str], times: dict[str, int]) -> None:
    reply = _exchange(vx, _jwt(info, **times))
    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
        "timeframe. Check your iat and exp values in the JWT claim.",
    }


def test_an_unknown_service_account_is_refused(vx: GeminiEmulator, info: dict[str, str]) -> None:
    reply = _exchange(vx, _jwt(info, iss="someone@else.iam.gserviceaccount.com"))
    assert reply.json() == {"error": "invalid_grant", "error_description": "Invalid grant: account not found"}
    assert reply.status_code == 400


def test_a_jwt_without_scope_is_refused(vx: GeminiEmulator, info: dict[str, str]) -> None:
    reply = _exchange(vx, _jwt(info, scope=""))
    assert (reply.status_code, reply.json()) == (
        400,
        {"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience provided."},
    )


def test_other_grant_types_and_garbage_are_refused(vx: GeminiEmulator, info: dict[str, str]) -> None:
    reply = _exchange(vx, _jwt(info), grant="client_credentials")
    assert (reply.status_code, reply.json()) == (
        400,
        {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: client_credentials"},
    )
    reply = _exchange(vx, "not-a-jwt")
    assert (reply.status_code, reply.json()) == (
        400,
        {"error": "invalid_request", "error_description": "Invalid JWT: malformed assertion."},
    )
    assert vx.stats.token_requests == 2


# -- token lifetime and expiry -------------------------------------------------------------------------------------


def test_token_lifetime_sets_expires_in_and_when_tokens_stop_working(vx: GeminiEmulator, info: dict[str, str]) -> None:
    vx.configure(token_lifetime=1)
    reply = _exchange(vx, _jwt(info))
    assert reply.json()["expires_in"] == 1
    token = reply.json()["access_token"]
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).status_code == 200
    time.sleep(1.05)  # past the one-second lifetime (no timing is asserted, only the outcome)
    expired = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token)
    assert expired.status_code == 401
    assert expired.json() == _unauthenticated(
        "ACCESS_TOKEN_EXPIRED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        f"valid authentication credential. {SIGN_IN}",
    )
    assert expired.headers["www-authenticate"] == 'Bearer realm="https://accounts.google.com/"'


def test_expire_tokens_invalidates_every_issued_token_and_new_ones_work(
    vx: GeminiEmulator, info: dict[str, str]
) -> None:
    first, second = _token(vx, info), _token(vx, info)
    vx.expire_tokens()
    for token in (first, second):
        assert _post(vx, f"{MODELS}/{FLASH}:countTokens", HELLO, token).json() == _unauthenticated(
            "ACCESS_TOKEN_EXPIRED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            f"valid authentication credential. {SIGN_IN}",
            "CountTokens",
        )
    assert _post(vx, f"{MODELS}/{FLASH}:countTokens", HELLO, _token(vx, info)).status_code == 200
    assert vx.stats.token_requests == 3


def test_google_auth_credentials_refresh_again_after_expiry(vx: GeminiEmulator, info: dict[str, str]) -> None:
    credentials = service_account_credentials(info)
    credentials.refresh(HttpxRequest())
    first = credentials.token
    vx.expire_tokens()
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, first).status_code == 401
    credentials.refresh(HttpxRequest())
    assert credentials.token != first
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, credentials.token).status_code == 200
    assert vx.stats.token_requests == 2


def test_reset_zeroes_the_token_count_but_keeps_tokens_valid(vx: GeminiEmulator, info: dict[str, str]) -> None:
    token = _token(vx, info)
    vx.reset()
    assert vx.stats.token_requests == 0
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).status_code == 200


# -- bearer checks ------------------------------------------------------------------------------------------------


def test_no_credentials_is_401_credentials_missing(vx: GeminiEmulator) -> None:
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO)
    assert reply.status_code == 401
    assert reply.json() == _unauthenticated(
        "CREDENTIALS_MISSING",
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
        f"other valid authentication credential. {SIGN_IN}",
    )


def test_a_token_the_emulator_never_issued_is_401(vx: GeminiEmulator) -> None:
    reply = _post(vx, f"{MODELS}/{FLASH}:streamGenerateContent", HELLO, "ya29.made-up")
    assert reply.status_code == 401
    [error] = reply.json()  # a JSON-array stream wraps its error in the array
    assert error == _unauthenticated(
        "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        f"valid authentication credential. {SIGN_IN}",
        "StreamGenerateContent",
    )


def test_an_api_key_on_a_project_path_is_401(vx: GeminiEmulator) -> None:
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, **{"x-goog-api-key": "a-key"})
    assert reply.status_code == 401
    assert reply.json() == _unauthenticated(
        "CREDENTIALS_MISSING",
        "API keys are not supported by this API. Expected OAuth2 access token or other authentication "
        "credentials that assert a principal. See https://cloud.google.com/docs/authentication",
    )


# -- express mode --------------------------------------------------------------------------------------------------


def test_express_mode_takes_an_api_key_on_the_publisher_paths(vx: GeminiEmulator) -> None:
    path = f"/v1beta1/publishers/google/models/{FLASH}:generateContent"
    reply = _post(vx, path, HELLO, **{"x-goog-api-key": "express-key"})
    assert reply.status_code == 200
    assert reply.json()["candidates"][0]["finishReason"] == "STOP"
    assert vx.requests[-1].path == path
    assert vx.requests[-1].headers["x-goog-api-key"] == "express-key"


def test_express_mode_checks_the_key_like_the_developer_api() -> None:
    with GeminiEmulator(api_key="the-key") as emulator:
        path = f"/v1beta1/publishers/google/models/{FLASH}:generateContent"
        assert _post(emulator, path, HELLO, **{"x-goog-api-key": "the-key"}).status_code == 200
        reply = _post(emulator, path, HELLO, **{"x-goog-api-key": "wrong"})
        assert reply.status_code == 400
        message = "API key not valid. Please pass a valid API key."
        assert reply.json() == {
            "error": {
                "code": 400,
                "message": message,
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {
                            "service": "aiplatform.googleapis.com",
                            "method": "google.cloud.aiplatform.v1beta1.PredictionService.GenerateContent",
                        },
                    },
                    {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
                ],
            }
        }


# -- the methods ---------------------------------------------------------------------------------------------------


@pytest.fixture
def token(vx: GeminiEmulator, info: dict[str, str]) -> str:
    return _token(vx, info)


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
@pytest.mark.parametrize("location", ["us-central1", "europe-west4", "global"])
def test_generate_on_every_version_and_location(vx: GeminiEmulator, token: str, version: str, location: str) -> None:
    path = f"/{version}/projects/{PROJECT}/locations/{location}/publishers/google/models/{FLASH}:generateContent"
    reply = _post(vx, path, HELLO, token)
    assert reply.status_code == 200
    assert reply.json()["usageMetadata"]["promptTokenCount"] == 3


def test_the_same_request_gets_the_same_answer_on_both_backends(vx: GeminiEmulator, token: str) -> None:
    before = datetime.datetime.now(datetime.UTC)
    vertex = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).json()
    developer = _post(vx, f"/v1beta/models/{FLASH}:generateContent", HELLO, **{"x-goog-api-key": "k"}).json()
    vertex.pop("responseId"), developer.pop("responseId")
    created = datetime.datetime.strptime(vertex.pop("createTime"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.UTC)
    assert before - datetime.timedelta(seconds=1) <= created <= datetime.datetime.now(datetime.UTC)
    assert vertex["usageMetadata"].pop("trafficType") == "ON_DEMAND"  # Vertex's additions; the rest is the same
    assert vertex == developer


def test_stream_as_server_sent_events(vx: GeminiEmulator, token: str) -> None:
    reply = httpx.post(
        f"{vx.base_url}{MODELS}/{FLASH}:streamGenerateContent",
        params={"alt": "sse"},
        json=HELLO,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/event-stream"
    events = [json.loads(line[6:]) for line in reply.text.splitlines() if line.startswith("data: ")]
    assert len(events) == 4
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    assert len({e["createTime"] for e in events}) == 1  # one request, one timestamp, on every event
    assert {e["usageMetadata"]["trafficType"] for e in events} == {"ON_DEMAND"}
    text = "".join(p["text"] for e in events for p in e["candidates"][0]["content"]["parts"])
    assert text.startswith('Emulated reply to "Hello Vertex"')


def test_count_tokens_takes_system_instruction_and_reports_billable_characters(vx: GeminiEmulator, token: str) -> None:
    body = {**HELLO, "systemInstruction": {"parts": [{"text": "Be brief."}]}}
    reply = _post(vx, f"{MODELS}/{FLASH}:countTokens", body, token)
    assert reply.status_code == 200
    assert reply.json() == {
        "totalTokens": 6,
        "totalBillableCharacters": len("HelloVertex") + len("Bebrief."),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 6}],
    }


def test_count_tokens_refuses_the_developer_apis_nested_request(vx: GeminiEmulator, token: str) -> None:
    reply = _post(vx, f"{MODELS}/{FLASH}:countTokens", {"generateContentRequest": HELLO}, token)
    assert reply.status_code == 400
    message = 'Invalid JSON payload received. Unknown name "generateContentRequest": Cannot find field.'
    assert reply.json()["error"]["message"] == message


EMBED = "gemini-embedding-001"


def test_embed_content_in_vertex_shape(vx: GeminiEmulator, token: str) -> None:
    body = {
        "content": {"role": "user", "parts": [{"text": "a cat sat"}]},
        "embedContentConfig": {"taskType": "RETRIEVAL_QUERY", "outputDimensionality": 128, "autoTruncate": True},
    }
    reply = _post(vx, f"{MODELS}/{EMBED}:embedContent", body, token)
    assert reply.status_code == 200
    answer = reply.json()
    assert set(answer) == {"embedding", "usageMetadata", "truncated"}
    assert len(answer["embedding"]["values"]) == 128
    assert answer["usageMetadata"] == {"promptTokenCount": 3, "totalTokenCount": 3}
    assert answer["truncated"] is False
    developer = _post(
        vx,
        f"/v1beta/models/{EMBED}:embedContent",
        {"content": body["content"], "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 128},
        **{"x-goog-api-key": "k"},
    ).json()
    assert developer["embedding"]["values"] == answer["embedding"]["values"]  # one engine behind both


def test_embed_content_refuses_the_developer_apis_flat_fields(vx: GeminiEmulator, token: str) -> None:
    body = {"content": {"parts": [{"text": "x"}]}, "taskType": "RETRIEVAL_QUERY"}
    reply = _post(vx, f"{MODELS}/{EMBED}:embedContent", body, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "taskType": Cannot find field.'
    )


def test_batch_embed_contents_in_vertex_shape(vx: GeminiEmulator, token: str) -> None:
    config = {"outputDimensionality": 256}
    body = {"requests": [{"content": {"parts": [{"text": t}]}, "embedContentConfig": config} for t in ("a", "b c")]}
    reply = _post(vx, f"{MODELS}/{EMBED}:batchEmbedContents", body, token)
    assert reply.status_code == 200
    answer = reply.json()
    assert [len(e["values"]) for e in answer["embeddings"]] == [256, 256]
    assert answer["usageMetadata"] == {"promptTokenCount": 2}


def test_predict_for_the_text_embeddings_api(vx: GeminiEmulator, token: str) -> None:
    body = {
        "instances": [{"content": "a cat sat", "task_type": "RETRIEVAL_DOCUMENT", "title": "Cats"}, {"content": "b"}],
        "parameters": {"outputDimensionality": 128},
    }
    reply = _post(vx, f"{MODELS}/{EMBED}:predict", body, token)
    assert reply.status_code == 200
    answer = reply.json()
    assert answer["metadata"] == {"billableCharacterCount": len("a cat sat") + 1}
    assert [p["embeddings"]["statistics"] for p in answer["predictions"]] == [
        {"truncated": False, "token_count": 3},
        {"truncated": False, "token_count": 1},
    ]
    assert [len(p["embeddings"]["values"]) for p in answer["predictions"]] == [128, 128]


def test_an_embedding_model_does_not_generate(vx: GeminiEmulator, token: str) -> None:
    reply = _post(vx, f"{MODELS}/{EMBED}:generateContent", HELLO, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        f"Model projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/{EMBED} does not support "
        "generateContent."
    )


def test_an_unknown_model_is_vertexs_404(vx: GeminiEmulator, token: str) -> None:
    reply = _post(vx, f"{MODELS}/gemini-0-nope:generateContent", HELLO, token)
    assert reply.status_code == 404
    assert reply.json() == {
        "error": {
            "code": 404,
            "message": f"Publisher Model `projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/"
            "gemini-0-nope` was not found or your project does not have access to it. Please ensure you are using "
            "a valid model version. For more information, see: "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
            "status": "NOT_FOUND",
        }
    }


def test_models_get_on_the_publisher_path(vx: GeminiEmulator, token: str) -> None:
    reply = httpx.get(
        f"{vx.base_url}/v1beta1/publishers/google/models/{FLASH}", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200
    assert reply.json() == {
        "name": f"publishers/google/models/{FLASH}",
        "versionId": "default",
        "openSourceCategory": "PROPRIETARY",
        "launchStage": "GA",
    }
    assert vx.requests[-1].action == "getModel"


def test_a_quota_fault_is_answered_in_vertexs_words(vx: GeminiEmulator, token: str) -> None:
    vx.inject(Fault(status=429))
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token)
    assert reply.status_code == 429
    assert reply.json() == {
        "error": {
            "code": 429,
            "message": "Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).status_code == 200


# -- what differs on Vertex ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/upload/v1beta1/files"),
        ("GET", "/v1beta1/files"),
        ("GET", f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}/files/abc"),
    ],
)
def test_there_is_no_files_api_on_vertex(vx: GeminiEmulator, token: str, method: str, path: str) -> None:
    reply = httpx.request(method, vx.base_url + path, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "text/html; charset=UTF-8"
    assert f"The requested URL <code>{path}</code> was not found on this server." in reply.text


def test_labels_within_vertexs_rules_are_accepted(vx: GeminiEmulator, token: str) -> None:
    labels = {"team": "research", "cost-center": "", "env_2": "prod-eu", "ünïcode": "wert"}
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", {**HELLO, "labels": labels}, token).status_code == 200


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            {"Team": "x"},
            "Label key 'Team' is invalid: keys are 1 to 63 lowercase letters, digits, underscores or dashes, "
            "starting with a letter.",
        ),
        (
            {"1team": "x"},
            "Label key '1team' is invalid: keys are 1 to 63 lowercase letters, digits, underscores or dashes, "
            "starting with a letter.",
        ),
        (
            {"k" * 64: "x"},
            f"Label key '{'k' * 64}' is invalid: keys are 1 to 63 lowercase letters, digits, underscores or dashes, "
            "starting with a letter.",
        ),
        (
            {"team": "Research"},
            "Label value 'Research' of key 'team' is invalid: values are at most 63 lowercase letters, digits, "
            "underscores or dashes.",
        ),
        (
            {"team": "a b"},
            "Label value 'a b' of key 'team' is invalid: values are at most 63 lowercase letters, digits, "
            "underscores or dashes.",
        ),
        ({f"k{i}": "v" for i in range(65)}, "At most 64 labels can be attached to a request, got 65."),
    ],
)
def test_labels_outside_vertexs_rules_are_400(
    vx: GeminiEmulator, token: str, labels: dict[str, str], message: str
) -> None:
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", {**HELLO, "labels": labels}, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == message
    assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_gs_uris_are_accepted_on_vertex(vx: GeminiEmulator, token: str) -> None:
    part = {"fileData": {"fileUri": "gs://bucket/cat.png", "mimeType": "image/png"}}
    body = {"contents": [{"role": "user", "parts": [part, {"text": "What is this?"}]}]}
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", body, token).status_code == 200


# Fields one backend's server rejects: google-genai refuses each before sending it to the other backend
# (google/genai/models.py: "audio_timestamp parameter is only supported in Gemini Enterprise Agent Platform mode",
# "store parameter is only supported in Gemini Developer API mode", and so on).
_VERTEX_ONLY = [
    pytest.param({"generationConfig": {"audioTimestamp": True}}, "audioTimestamp", "generation_config", id="audio"),
    pytest.param({"generationConfig": {"routingConfig": {}}}, "routingConfig", "generation_config", id="routing"),
    pytest.param({"modelArmorConfig": {}}, "modelArmorConfig", "", id="model-armor"),
    pytest.param({"tools": [{"retrieval": {}}]}, "retrieval", "tools[0]", id="retrieval"),
    pytest.param({"tools": [{"enterpriseWebSearch": {}}]}, "enterpriseWebSearch", "tools[0]", id="enterprise-search"),
    pytest.param(
        {"tools": [{"googleSearch": {"excludeDomains": ["a.com"]}}]},
        "excludeDomains",
        "tools[0].google_search",
        id="exclude-domains",
    ),
    pytest.param(
        {"safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE", "method": "SEVERITY"}]},
        "method",
        "safety_settings[0]",
        id="safety-method",
    ),
]
_DEVELOPER_ONLY = [
    pytest.param({"store": True}, "store", "", id="store"),
    pytest.param(
        {"tools": [{"fileSearch": {"fileSearchStoreNames": ["fileSearchStores/x"]}}]},
        "fileSearch",
        "tools[0]",
        id="file-search",
    ),
    pytest.param(
        {"toolConfig": {"includeServerSideToolInvocations": True}},
        "includeServerSideToolInvocations",
        "tool_config",
        id="server-side-invocations",
    ),
    pytest.param(
        {"generationConfig": {"enableEnhancedCivicAnswers": True}},
        "enableEnhancedCivicAnswers",
        "generation_config",
        id="civic-answers",
    ),
]


def _unknown(name: str, where: str) -> str:
    at = f" at '{where}'" if where else ""
    return f'Invalid JSON payload received. Unknown name "{name}"{at}: Cannot find field.'


@pytest.mark.parametrize(("extra", "name", "where"), _VERTEX_ONLY)
def test_vertex_only_fields_pass_on_vertex_and_are_unknown_on_the_developer_api(
    vx: GeminiEmulator, token: str, extra: dict[str, Any], name: str, where: str
) -> None:
    body = {**HELLO, **extra}
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", body, token).status_code == 200
    developer = _post(vx, f"/v1beta/models/{FLASH}:generateContent", body, **{"x-goog-api-key": "k"})
    assert developer.status_code == 400
    assert developer.json()["error"]["message"] == _unknown(name, where)


@pytest.mark.parametrize(("extra", "name", "where"), _DEVELOPER_ONLY)
def test_developer_only_fields_are_unknown_on_vertex(
    vx: GeminiEmulator, token: str, extra: dict[str, Any], name: str, where: str
) -> None:
    body = {**HELLO, **extra}
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", body, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == _unknown(name, where)
    developer = _post(vx, f"/v1beta/models/{FLASH}:generateContent", body, **{"x-goog-api-key": "k"})
    assert _unknown(name, where) not in developer.text  # a field the Developer API knows


# -- the control plane (a standalone emulator) ----------------------------------------------------------------------


def test_the_control_plane_hands_out_key_files_and_expires_tokens(vx: GeminiEmulator) -> None:
    with httpx.Client(base_url=vx.base_url) as control:
        info = control.post("/_emulator/service-account", json={"project": PROJECT}).json()
        assert info == vx.service_account_info(PROJECT)
        token = _token(vx, info)
        assert control.get("/_emulator/stats").json()["token_requests"] == 1
        assert control.post("/_emulator/config", json={"token_lifetime": 120}).json()["token_lifetime"] == 120
        assert _exchange(vx, _jwt(info)).json()["expires_in"] == 120
        assert control.post("/_emulator/tokens/expire").json() == {}
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).status_code == 401


def test_without_a_crypto_backend_the_error_names_the_vertex_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_gemini.testing._oauth import generate_key_pair

    for name in ("cryptography", "cryptography.hazmat.primitives", "rsa"):
        monkeypatch.setitem(sys.modules, name, None)  # an import of a None entry raises ImportError
    with pytest.raises(ImportError) as error:
        generate_key_pair()
    assert str(error.value) == (
        "The Vertex AI flavour of the Gemini emulator needs google-auth and an RSA backend (cryptography or rsa): "
        "install the 'vertex' extra, pip install 'langchain-gemini-api[vertex]'."
    )


def test_a_permission_fault_is_vertexs_iam_refusal(vx: GeminiEmulator, token: str) -> None:
    vx.inject(Fault(status=403))
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token)
    resource = f"projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/{FLASH}"
    assert reply.status_code == 403
    assert reply.json() == {
        "error": {
            "code": 403,
            "message": f"Permission 'aiplatform.endpoints.predict' denied on resource "
            f"'//aiplatform.googleapis.com/{resource}' (or it may not exist).",
            "status": "PERMISSION_DENIED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "IAM_PERMISSION_DENIED",
                    "domain": "aiplatform.googleapis.com",
                    "metadata": {"permission": "aiplatform.endpoints.predict", "resource": resource},
                }
            ],
        }
    }


def test_a_quota_fault_with_a_retry_delay_carries_retry_info(vx: GeminiEmulator, token: str) -> None:
    vx.inject(Fault(status=429, retry_delay="7s"))
    error = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).json()["error"]
    assert error["details"] == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]


def test_other_faults_and_own_messages_are_sent_as_given(vx: GeminiEmulator, token: str) -> None:
    vx.inject(Fault(status=429, message="custom"))
    vx.inject(Fault(status=503))
    assert _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).json()["error"]["message"] == "custom"
    error = _post(vx, f"{MODELS}/{FLASH}:generateContent", HELLO, token).json()["error"]
    assert (error["code"], error["status"]) == (503, "UNAVAILABLE")


def test_vertexs_text_embedding_models_answer_predict_only(vx: GeminiEmulator, token: str) -> None:
    body = {"instances": [{"content": "a cat sat"}]}
    answer = _post(vx, f"{MODELS}/text-embedding-005:predict", body, token).json()
    assert len(answer["predictions"][0]["embeddings"]["values"]) == 768
    embed = {"content": {"parts": [{"text": "a cat"}]}}
    reply = _post(vx, f"{MODELS}/text-embedding-005:embedContent", embed, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        f"Model projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/text-embedding-005 does not "
        "support embedContent."
    )


def test_vertexs_text_embedding_models_are_unknown_to_the_developer_api(vx: GeminiEmulator) -> None:
    key = {"x-goog-api-key": "k"}
    reply = _post(vx, "/v1beta/models/text-embedding-005:embedContent", {"content": {"parts": [{"text": "a"}]}}, **key)
    assert reply.status_code == 404
    names = [m["name"] for m in httpx.get(f"{vx.base_url}/v1beta/models", headers=key).json()["models"]]
    assert "models/gemini-embedding-001" in names
    assert "models/text-embedding-005" not in names


@pytest.mark.parametrize(
    "uri", ["files/abc123", "https://generativelanguage.googleapis.com/v1beta/files/abc123"], ids=["name", "url"]
)
def test_a_files_api_uri_is_unsupported_on_vertex(vx: GeminiEmulator, token: str, uri: str) -> None:
    part = {"fileData": {"fileUri": uri, "mimeType": "text/plain"}}
    body = {"contents": [{"role": "user", "parts": [part, {"text": "Summarise"}]}]}
    for method in ("generateContent", "countTokens"):
        reply = _post(vx, f"{MODELS}/{FLASH}:{method}", body, token)
        assert reply.status_code == 400
        assert reply.json() == {
            "error": {"code": 400, "message": f"Unsupported file uri: {uri}", "status": "INVALID_ARGUMENT"}
        }


def test_a_standalone_emulator_serves_the_vertex_flavour() -> None:
    import subprocess

    command = [sys.executable, "-m", "langchain_gemini.testing", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip().split("=", 1)[1]
            # The first key file makes the process's RSA key: seconds in pure Python (the lowest matrix end).
            info = httpx.post(f"{url}/_emulator/service-account", json={"project": PROJECT}, timeout=300).json()
            assert info["token_uri"] == f"{url}/token"
            credentials = service_account_credentials(info)
            credentials.refresh(HttpxRequest())
            reply = httpx.post(
                f"{url}{MODELS}/{FLASH}:generateContent",
                json=HELLO,
                headers={"Authorization": f"Bearer {credentials.token}"},
            )
            assert reply.status_code == 200
            assert httpx.get(f"{url}/_emulator/stats").json() == {
                "connections_opened": 1,
                "requests_served": 1,
                "token_requests": 1,
            }
        finally:
            process.terminate()


def test_invalid_values_name_vertexs_proto_package(vx: GeminiEmulator, token: str) -> None:
    body = {**HELLO, "generationConfig": {"responseModalities": ["SMELL"]}}
    reply = _post(vx, f"{MODELS}/{FLASH}:generateContent", body, token)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        "Invalid value at 'generation_config.response_modalities[0]' "
        '(type.googleapis.com/google.cloud.aiplatform.v1beta1.Modality), "SMELL"'
    )
    developer = _post(vx, f"/v1beta/models/{FLASH}:generateContent", body, **{"x-goog-api-key": "k"})
    assert "(type.googleapis.com/google.ai.generativelanguage.v1beta.Modality)" in developer.json()["error"]["message"]


def test_vertex_only_embedding_and_count_fields_are_unknown_on_the_developer_api(vx: GeminiEmulator) -> None:
    # google-genai refuses them for the Developer API: "auto_truncate parameter is only supported in Gemini
    # Enterprise Agent Platform mode" (_EmbedContentConfig_to_mldev), "system_instruction parameter is only
    # supported in ..." (_CountTokensConfig_to_mldev).
    key = {"x-goog-api-key": "k"}
    embed = {"content": {"parts": [{"text": "a"}]}, "autoTruncate": True}
    reply = _post(vx, f"/v1beta/models/{EMBED}:embedContent", embed, **key)
    assert reply.json()["error"]["message"] == _unknown("autoTruncate", "")
    count = {**HELLO, "systemInstruction": {"parts": [{"text": "Be brief."}]}}
    reply = _post(vx, f"/v1beta/models/{FLASH}:countTokens", count, **key)
    assert reply.json()["error"]["message"] == _unknown("systemInstruction", "")


# -- cachedContents on Vertex: a project's own, named with its number ------------------------------------------------

CACHES = f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}/cachedContents"
LONG_DOC = {"contents": [{"role": "user", "parts": [{"text": "The quick brown fox. " * 800}]}]}


def _full_model(project: str = PROJECT, location: str = LOCATION) -> str:
    return f"projects/{project}/locations/{location}/publishers/google/models/{FLASH}"


def test_vertex_caches_are_the_projects_own(vx: GeminiEmulator, info: dict[str, str]) -> None:
    from langchain_gemini.testing._vertex_caches import project_number

    bearer = {"authorization": f"Bearer {_token(vx, info)}"}
    number = project_number(PROJECT)
    with httpx.Client(base_url=vx.base_url, headers=bearer) as http:
        created = http.post(CACHES, json={"model": _full_model(), **LONG_DOC, "ttl": "120s"})
        assert created.status_code == 200, created.text
        cache = created.json()
        assert cache["name"].startswith(f"projects/{number}/locations/{LOCATION}/cachedContents/")
        assert cache["model"] == f"projects/{number}/locations/{LOCATION}/publishers/google/models/{FLASH}"
        # The project by number in the path: the same collection.
        by_number = http.get(f"/v1/projects/{number}/locations/{LOCATION}/cachedContents")
        assert [c["name"] for c in by_number.json()["cachedContents"]] == [cache["name"]]
        # Not another location's, nor the Developer API's.
        assert http.get(f"/v1beta1/projects/{PROJECT}/locations/europe-west4/cachedContents").json() == {}
        assert http.get("/v1beta/cachedContents", headers={"x-goog-api-key": "k"}).json() == {}
        cache_id = cache["name"].rsplit("/", 1)[1]
        developer = http.get(f"/v1beta/cachedContents/{cache_id}", headers={"x-goog-api-key": "k"})
        assert developer.status_code == 403

        generate = f"{MODELS}/{FLASH}:generateContent"
        used = http.post(generate, json={**HELLO, "cachedContent": cache["name"]})
        assert used.status_code == 200, used.text
        assert used.json()["usageMetadata"]["cachedContentTokenCount"] == cache["usageMetadata"]["totalTokenCount"]
        short = http.post(generate, json={**HELLO, "cachedContent": f"cachedContents/{cache_id}"})
        assert short.status_code == 400
        assert "full resource name" in short.json()["error"]["message"]
        other = cache["name"].replace(f"projects/{number}/", f"projects/{project_number('other-project')}/")
        elsewhere = http.post(generate, json={**HELLO, "cachedContent": other})
        assert (elsewhere.status_code, elsewhere.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
        assert http.delete(f"/v1beta1/{cache['name']}").json() == {}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"model": f"models/{FLASH}", **LONG_DOC}, 400, "the model's full name"),
        ({"model": _full_model("other-project"), **LONG_DOC}, 400, "the model's full name"),
        ({"model": _full_model(), **LONG_DOC, "ttl": "59s"}, 400, "at least 60 seconds"),
        ({"model": _full_model(), "contents": HELLO["contents"]}, 400, "min_total_token_count=2048"),
        (
            {"model": _full_model().replace(FLASH, "gemini-nonexistent"), **LONG_DOC},
            404,
            f"Publisher Model `{_full_model().replace(FLASH, 'gemini-nonexistent')}` was not found",
        ),
    ],
)
def test_vertex_cache_creation_rules(
    vx: GeminiEmulator, info: dict[str, str], body: dict[str, Any], status: int, words: str
) -> None:
    bearer = {"authorization": f"Bearer {_token(vx, info)}"}
    with httpx.Client(base_url=vx.base_url, headers=bearer) as http:
        answer = http.post(CACHES, json=body)
        assert answer.status_code == status
        assert words in answer.json()["error"]["message"]
        assert http.get(CACHES).json() == {}

"""The Vertex AI flavour: its paths, its authentication and the error bodies its front end sends.

Paths, as google-genai builds them (google/genai/_api_client.py, `_build_request`: `projects/{p}/locations/{l}/`
is prefixed unless the client is in express mode, and `publishers/...` GETs are left unprefixed; the default
Vertex API version is `v1beta1`)::

    /{v1|v1beta1}/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}
    /{v1|v1beta1}/publishers/google/models/{model}:{method}          express mode (an API key), and models.get

Methods served: generateContent, streamGenerateContent, countTokens, embedContent, batchEmbedContents (the
Gemini embedding models) and predict (every embedding model), as google-genai's `Models.embed_content` picks them
(models.py: `t_is_vertex_embed_content_model` sends models named `gemini*` to embedContent, one content, or
batchEmbedContents, several, and every other model to predict with `instances`).

Authentication (cloud.google.com/vertex-ai/docs/authentication): an OAuth access token in `Authorization: Bearer`
on every path; a Vertex API key (express mode, cloud.google.com/vertex-ai/generative-ai/docs/start/express-mode)
only on the project-less paths. An API key on a project path is refused as Vertex refuses it (401
CREDENTIALS_MISSING, "API keys are not supported by this API...", quoted in a2aproject/a2a-samples#43).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from langchain_gemini.testing._context import RequestContext
from langchain_gemini.testing._errors import ApiError, invalid_argument, retry_info
from langchain_gemini.testing._faults import Fault
from langchain_gemini.testing._media_rules import FILES_URI
from langchain_gemini.testing._models import ModelInfo
from langchain_gemini.testing._normalize import normalize
from langchain_gemini.testing._proto import VERTEX_MESSAGES
from langchain_gemini.testing._tokens import prompt_tally
from langchain_gemini.testing._validate import validate_count

SERVICE = "aiplatform.googleapis.com"
VERSIONS = ("v1", "v1beta1")
ROUTE = re.compile(
    r"/(v1|v1beta1)/(?:projects/([^/]+)/locations/([^/]+)/)?publishers/google/models/([^/:]+)(?::([A-Za-z]+))?/?"
)
POST_METHODS = {
    "generateContent": "generateContent",
    "streamGenerateContent": "generateContent",
    "countTokens": "countTokens",
    "embedContent": "embedContent",
    "batchEmbedContents": "embedContent",
    "predict": "embedContent",
}
# The PredictionService RPC each REST method maps to (google/cloud/aiplatform/v1beta1/prediction_service.proto),
# as Vertex names it in ErrorInfo.metadata.method.
_RPC = {
    "generateContent": "GenerateContent",
    "streamGenerateContent": "StreamGenerateContent",
    "countTokens": "CountTokens",
    "embedContent": "EmbedContent",
    "batchEmbedContents": "BatchEmbedContents",
    "predict": "Predict",
    "getModel": "GetPublisherModel",
}
_SIGN_IN = "See https://developers.google.com/identity/sign-in/web/devconsole-project."
_MISSING = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other "
    f"valid authentication credential. {_SIGN_IN}"
)
_INVALID = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
    f"authentication credential. {_SIGN_IN}"
)
_KEY_ON_PROJECT_PATH = (
    "API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials "
    "that assert a principal. See https://cloud.google.com/docs/authentication"
)
# Vertex's 429 text (cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 is the page it links).
RESOURCE_EXHAUSTED = (
    "Resource exhausted. Please try again later. Please refer to "
    "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
)


class VertexPath:
    """A parsed Vertex URL."""

    __slots__ = ("location", "model", "project", "verb", "version")

    def __init__(self, match: re.Match[str]) -> None:
        self.version: str = match.group(1)
        self.project: str | None = match.group(2)
        self.location: str | None = match.group(3)
        self.model: str = match.group(4)
        self.verb: str | None = match.group(5)

    @property
    def express(self) -> bool:
        """A project-less path: where API keys (express mode) are accepted."""
        return self.project is None

    def action(self, method: str) -> str | None:
        if method == "GET" and self.verb is None:
            return "getModel"
        if method == "POST" and self.verb in POST_METHODS:
            return self.verb
        return None

    def resource(self) -> str:
        """The model's full resource name, as Vertex spells it in its messages."""
        name = f"publishers/google/models/{self.model}"
        return name if self.express else f"projects/{self.project}/locations/{self.location}/{name}"

    def rpc(self, action: str) -> str:
        service = "ModelGardenService" if action == "getModel" else "PredictionService"
        return f"google.cloud.aiplatform.{self.version}.{service}.{_RPC.get(action, action)}"


def parse(path: str) -> VertexPath | None:
    match = ROUTE.fullmatch(path)
    return VertexPath(match) if match else None


def _error_info(reason: str, rpc: str, domain: str = "googleapis.com") -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": domain,
        "metadata": {"service": SERVICE, "method": rpc},
    }


def fault_error(fault: Fault, path: VertexPath) -> ApiError | None:
    """An injected status fault in Vertex's words, where they differ from the Developer API's (None: the same).

    429 is Vertex's "Resource exhausted" text, which links error-code-429 and carries no quota details; 403 is the
    IAM refusal Vertex sends for a principal without `aiplatform.endpoints.predict` on the project (quoted in
    rpurinton/gemini-php#2 and vishalmysore/a2a-examples#2).
    """
    if fault.message is not None or fault.body is not None or fault.status not in (403, 429):
        return None
    details = [retry_info(fault.retry_delay)] if fault.retry_delay is not None else []
    details.extend(fault.details)
    if fault.status == 429:
        return ApiError(429, RESOURCE_EXHAUSTED, details=details, headers=dict(fault.headers))
    resource = f"//{SERVICE}/{path.resource()}"
    denied: dict[str, Any] = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "IAM_PERMISSION_DENIED",
        "domain": "aiplatform.googleapis.com",
        "metadata": {"permission": "aiplatform.endpoints.predict", "resource": path.resource()},
    }
    message = f"Permission 'aiplatform.endpoints.predict' denied on resource '{resource}' (or it may not exist)."
    return ApiError(403, message, details=[denied, *details], headers=dict(fault.headers))


def unauthenticated(reason: str, rpc: str) -> ApiError:
    """401 UNAUTHENTICATED as Google's front end sends it for OAuth callers.

    `reason` is the ErrorInfo reason: CREDENTIALS_MISSING (no credential, or an API key where only OAuth is
    accepted), ACCESS_TOKEN_EXPIRED, or ACCESS_TOKEN_TYPE_UNSUPPORTED (a token this server never issued).
    """
    message = {"CREDENTIALS_MISSING": _MISSING}.get(reason, _INVALID)
    headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
    return ApiError(401, message, details=[_error_info(reason, rpc)], headers=headers)


def api_key_on_project_path(rpc: str) -> ApiError:
    return ApiError(401, _KEY_ON_PROJECT_PATH, details=[_error_info("CREDENTIALS_MISSING", rpc)])


def api_key_invalid(rpc: str) -> ApiError:
    """An express-mode key that is not valid: the Developer API's words, naming Vertex's service."""
    message = "API key not valid. Please pass a valid API key."
    details: list[dict[str, Any]] = [
        _error_info("API_KEY_INVALID", rpc),
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
    ]
    return ApiError(400, message, details=details)


def model_not_found(path: VertexPath) -> ApiError:
    """Vertex's 404 for an unknown model (quoted in googlecodelabs/feedback#1881 and earendil-works/pi#2463)."""
    return ApiError(
        404,
        f"Publisher Model `{path.resource()}` was not found or your project does not have access to it. Please "
        "ensure you are using a valid model version. For more information, see: "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
    )


def serves(model: ModelInfo, action: str) -> bool:
    """Whether `model` answers `action` on Vertex.

    embedContent and batchEmbedContents are the Gemini embedding models' (google-genai
    `t_is_vertex_embed_content_model`: a `gemini` model id); predict is every embedding model's.
    """
    needed = POST_METHODS[action]
    if action in ("embedContent", "batchEmbedContents") and "gemini" not in model.id:
        return False
    return needed in model.methods


def unsupported_method(path: VertexPath, action: str) -> ApiError:
    """A known model asked for a method it does not serve (an embedding model asked to generate, and so on)."""
    return invalid_argument(f"Model {path.resource()} does not support {action}.")


# Labels (cloud.google.com/vertex-ai/generative-ai/docs/multimodal/add-labels-to-api-calls; the proto comment of
# GenerateContentRequest.labels): keys and values at most 63 characters, lowercase letters, digits, underscores
# and dashes (international characters allowed), keys start with a letter, values may be empty; at most 64.
MAX_LABELS = 64
_LABEL_CHARS = re.compile(r"[\w-]*")


def _label_text_ok(text: str) -> bool:
    return len(text) <= 63 and _LABEL_CHARS.fullmatch(text) is not None and text == text.lower()


def validate_labels(labels: Any) -> None:
    """Vertex's rules for `labels`; a violation is 400 INVALID_ARGUMENT naming the label."""
    if labels is None:
        return
    if not isinstance(labels, dict):
        raise invalid_argument(
            'Invalid JSON payload received. Unknown name "labels": Proto field is not repeating, cannot start list.'
        )
    if len(labels) > MAX_LABELS:
        raise invalid_argument(f"At most {MAX_LABELS} labels can be attached to a request, got {len(labels)}.")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise invalid_argument(
                f"Invalid value at 'labels[{key}]' (TYPE_STRING), {_json_text(value)}",
                violations=[(f"labels[{key}]", f"Invalid value at 'labels[{key}]' (TYPE_STRING)")],
            )
        if not key or not key[0].isalpha() or not _label_text_ok(key):
            raise invalid_argument(
                f"Label key '{key}' is invalid: keys are 1 to 63 lowercase letters, digits, underscores or dashes, "
                "starting with a letter.",
                violations=[("labels", f"invalid label key '{key}'")],
            )
        if not _label_text_ok(value):
            raise invalid_argument(
                f"Label value '{value}' of key '{key}' is invalid: values are at most 63 lowercase letters, digits, "
                "underscores or dashes.",
                violations=[(f"labels[{key}]", f"invalid label value '{value}'")],
            )


def _json_text(value: Any) -> str:
    return json.dumps(value)


def refuse_files_api_uris(body: Any) -> None:
    """Refuse a `fileData` naming a Files API file: Vertex has no Files API.

    The answer is 400 "Unsupported file uri: <uri>", the words Vertex uses for a URI it cannot read (quoted in
    BerriAI/litellm#11529). `gs://` URIs are its way in
    (cloud.google.com/vertex-ai/generative-ai/docs/multimodal/send-request-multimodal-prompts).
    """
    if not isinstance(body, dict):
        return
    contents = body.get("contents")
    system = body.get("systemInstruction", body.get("system_instruction"))
    for content in [*(contents if isinstance(contents, list) else ()), system]:
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts if isinstance(parts, list) else ():
            data = part.get("fileData", part.get("file_data")) if isinstance(part, dict) else None
            uri = data.get("fileUri", data.get("file_uri")) if isinstance(data, dict) else None
            if isinstance(uri, str) and FILES_URI.fullmatch(uri):
                raise invalid_argument(f"Unsupported file uri: {uri}")


def stamp(answer: dict[str, Any]) -> None:
    """Add what Vertex's GenerateContentResponse has beyond the Developer API's.

    `createTime` ("Timestamp when the request is made to the server") and `usageMetadata.trafficType` (ON_DEMAND:
    pay-as-you-go, not Provisioned Throughput): GenerateContentResponse in
    google/cloud/aiplatform/v1/prediction_service.proto.
    """
    now = datetime.datetime.now(datetime.UTC)
    answer["createTime"] = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    usage = answer.get("usageMetadata")
    if isinstance(usage, dict):
        usage["trafficType"] = "ON_DEMAND"


def publisher_model(model: ModelInfo) -> dict[str, Any]:
    """models.get on `publishers/google/models/{m}`: a PublisherModel.

    Fields of google/cloud/aiplatform/v1beta1/publisher_model.proto; google-genai's `_Model_from_vertex` reads
    `name` and `versionId`.
    """
    preview = "preview" in model.id or "exp" in model.id
    return {
        "name": f"publishers/google/models/{model.id}",
        "versionId": "default",
        "openSourceCategory": "PROPRIETARY",
        "launchStage": "PUBLIC_PREVIEW" if preview else "GA",
    }


def count_tokens(body: Any, model: ModelInfo, context: RequestContext) -> dict[str, Any]:
    """Vertex's countTokens, answered with `totalTokens`, `totalBillableCharacters` and `promptTokensDetails`.

    Vertex sends contents beside systemInstruction, tools and generationConfig, with no nested
    generateContentRequest (google-genai models.py `_CountTokensParameters_to_vertex`; the answer is read by
    `_CountTokensResponse_from_vertex`).
    """
    request = normalize(body, "VertexCountTokensRequest", VERTEX_MESSAGES)
    validate_count(request, model, context, "CountTokensRequest")
    tally = prompt_tally(request)
    characters = 0
    for content in [*request.get("contents", ()), request.get("systemInstruction") or {}]:
        for part in content.get("parts", ()):
            characters += len("".join(str(part.get("text", "")).split()))  # billed characters exclude whitespace
    out: dict[str, Any] = {"totalTokens": tally.total, "totalBillableCharacters": characters}
    out["promptTokensDetails"] = tally.details()
    return out

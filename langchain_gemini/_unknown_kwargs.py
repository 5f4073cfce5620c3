"""Unknown constructor keywords of the clients that send no request fields (files, caches, batches, embeddings).

Those classes pass nothing through `model_kwargs`, so every name that is not a field is a mistake: a `TypeError`
names it with the field to use, or the closest field name, before anything is sent. `ChatGemini` has its own,
wider rule (`_init_kwargs`), which starts from the same connection hints.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import BaseModel, model_validator

# langchain-google-genai's connection arguments that are spelt differently here, or have no equivalent (the same
# table is in docs/migration.md).
CLIENT_MIGRATED_NAMES: Mapping[str, str] = {
    "request_timeout": "use timeout (seconds)",
    "retries": "use max_retries (it counts retries, not attempts)",
    "client_options": "use base_url",
    "additional_headers": "pass http_client=httpx.Client(headers=...)",
    "client_args": "pass your own http_client / http_async_client",
}


def refuse_unknown_kwargs(owner: str, values: Mapping[str, object], known: Collection[str]) -> None:
    """Raise for constructor keywords that are not fields (or aliases) of `owner`, listed in `known`.

    Raises:
        TypeError: Naming every refused keyword, with the name to use or the closest field name.
    """
    refused = [name for name in values if name not in known]
    if refused:
        problems = [f"{name!r}: {_hint(name, owner, known)}" for name in refused]
        plural = "s" if len(problems) > 1 else ""
        msg = f"{owner} got unknown argument{plural}: {'; '.join(problems)}"
        raise TypeError(msg)


def _hint(name: str, owner: str, known: Collection[str]) -> str:
    if name in CLIENT_MIGRATED_NAMES:
        return CLIENT_MIGRATED_NAMES[name]
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean {close[0]!r}?" if close else f"not a {owner} argument"


class RefusesUnknownKwargs(BaseModel):
    """Base of a client class: its constructor refuses keywords that are not its fields or their aliases."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_kwargs(cls, values: Any) -> Any:
        if isinstance(values, dict):
            refuse_unknown_kwargs(cls.__name__, values, get_pydantic_field_names(cls))
        return values

"""Pydantic models and TypedDicts shared by the schema tests (`test_schema.py`, `test_schema_openapi.py`).

`Everything` has one field per row of the anchor's section-5 table (langchain-google-genai's schema conversion cases);
the others cover recursion, pydantic v1 and TypedDict input. They live in their own module because both the
OpenAPI-form tests and the JSON-form tests convert them.
"""

from __future__ import annotations

import datetime
from enum import Enum, IntEnum
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1
from typing_extensions import TypedDict


class Pet(BaseModel):
    """A pet."""

    name: str = Field(description="The pet's name", min_length=1, max_length=20, pattern=r"^[A-Z]")
    age: int = Field(default=0, ge=0, le=40)


class Node(BaseModel):
    """A tree node."""

    value: int
    children: list[Node] = []


class Chain(BaseModel):
    value: int
    next: Chain | None  # required and nullable


class Color(str, Enum):
    RED = "red"
    BLUE = "blue"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Everything(BaseModel):
    """Every row of the anchor's table."""

    pet: Pet = Field(description="The main pet")
    pets: list[Pet]
    grid: list[list[int]] = Field(min_length=1, max_length=3)
    maybe: int | None = None
    either: int | str
    either_or_none: int | str | None = None
    color: Color
    level: Level
    mode: Literal["fast", "slow"]
    fixed: Literal["x"]
    small: Literal[1, 2, 3]
    counts: dict[str, int] = {}
    anything: Any = None
    ratio: float = Field(default=0.5, ge=0, le=1)
    positive: int = Field(gt=0)
    above_zero: float = Field(gt=0)
    when: datetime.datetime


class PetV1(pydantic_v1.BaseModel):
    name: str


class OwnerV1(pydantic_v1.BaseModel):
    """A pydantic v1 owner."""

    pet: PetV1 = pydantic_v1.Field(description="The pet")
    nickname: str | None = None


class Movie(TypedDict):
    """A movie."""

    title: str
    year: int

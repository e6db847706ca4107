"""Offset pagination with a total, the same shape for every list endpoint and page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Item = TypeVar("Item")
Output = TypeVar("Output")

MAX_PAGE_SIZE = 200


class PageRequest(BaseModel):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=25, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: list[Item]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def map(self, convert: Callable[[Item], Output]) -> Page[Output]:
        return Page([convert(item) for item in self.items], self.total, self.page, self.page_size)


class PageOut(BaseModel, Generic[Item]):
    """The JSON shape of a page in the API."""

    items: list[Item]
    total: int
    page: int
    page_size: int
    pages: int

    @classmethod
    def of(cls, page: Page[Item]) -> PageOut[Item]:
        return cls(items=page.items, total=page.total, page=page.page, page_size=page.page_size,
                   pages=page.pages)


def fetch_page(session: Session, statement: Select[Any], order: tuple[Any, ...],
               request: PageRequest) -> Page[Any]:
    """One page of ``statement`` in a stable order (end ``order`` with a unique column),
    and the total across all pages. Repositories of every domain page through this."""
    total = int(session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one())
    rows = session.execute(
        statement.order_by(*order).offset(request.offset).limit(request.page_size)).scalars()
    return Page(list(rows), total, request.page, request.page_size)

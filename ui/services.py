"""The composition root: every long-lived object the pages use, built once per server process.

``get_services()`` is the project's one ``st.cache_resource``. What it returns is shared by every user and
session, so it holds only read-only or thread-safe objects: settings, the validated bank, a database session
*factory* (never a session), and lazily built heavy parts (the embedding model, the search index) that load on
first use, not when the first page renders.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from interviews.db import create_schema, make_engine, session_factory
from question_bank.loader import load_bank
from question_bank.schema import Bank
from settings import Settings, get_settings

if TYPE_CHECKING:
    from question_bank.search import BankIndex


@dataclass
class Services:
    settings: Settings
    bank: Bank
    sessions: sessionmaker[Session]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _index: "BankIndex | None" = field(default=None, repr=False)

    @property
    def imported_dir(self):
        return self.settings.data_dir / "imported_questions"

    def encoder(self):
        """The bundled sentence-embedding model (loaded on first call, then shared)."""
        from scoring.embedder import get_encoder

        return get_encoder()

    def search_encoder(self):
        """The full embedding model used for semantic search (loaded on first search, then shared)."""
        from scoring.embedder import get_search_encoder

        return get_search_encoder()

    def search_index(self) -> "BankIndex":
        with self._lock:
            if self._index is None:
                from question_bank.search import BankIndex

                self._index = BankIndex(self.bank, self.search_encoder(),
                                        cache_dir=self.settings.cache_dir / "bank_index")
            return self._index


def build_services(settings: Settings) -> Services:
    """Build the services without streamlit's cache (tests call this directly with their own settings)."""
    imported = settings.data_dir / "imported_questions"
    bank = load_bank(settings.bank_dir, extra_question_dirs=[imported] if imported.is_dir() else [])
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Services(settings=settings, bank=bank, sessions=session_factory(engine))


@st.cache_resource(show_spinner=False)
def get_services() -> Services:
    return build_services(get_settings())


def reload_services() -> None:
    """Drop the cached services (after an import changed the bank)."""
    get_services.clear()

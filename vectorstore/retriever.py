"""The search as a LangChain retriever, so chains can use it."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from vectorstore.search import SearchFilters, Searcher


class PlanRetriever(BaseRetriever):
    """Hybrid, filtered, deduplicated search over past plans, returning LangChain Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    k: int = 5
    filters: SearchFilters = SearchFilters()
    mode: str = "hybrid"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any) -> list[Document]:
        results = self.searcher.search(query, k=self.k, filters=self.filters, mode=self.mode)
        return [
            Document(
                page_content=r.text,
                metadata={k: v for k, v in r.to_dict().items() if k != "text"},
            )
            for r in results
        ]

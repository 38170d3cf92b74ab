"""Head office's fact tables for the console's charts: accepted returns' lines and manager
overrides as flat rows (re-exported by `models`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.central.model_base import Base


class ReturnLineFact(Base):
    """One line of an accepted return, kept flat (with its product's category as head office
    knew it then) so the console's charts count lines by week, store, category and reason
    without reading message payloads. `position` is the line's place in the message."""

    __tablename__ = "return_lines"
    return_ref: Mapped[str] = mapped_column(ForeignKey("returns.ref"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    store: Mapped[str] = mapped_column(String(32), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    sku: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    refund_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    condition: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    disposition: Mapped[str] = mapped_column(String(200), nullable=False)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (Index("ix_return_lines_committed", "committed_at", "store"),)


class ReturnOverride(Base):
    """A manager override accepted with its return (one per override.granted message)."""

    __tablename__ = "return_overrides"
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    return_ref: Mapped[str] = mapped_column(ForeignKey("returns.ref"), nullable=False)
    store: Mapped[str] = mapped_column(String(32), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    manager: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (Index("ix_return_overrides_ref", "return_ref"),)

"""Errors a cashier or manager sees: each message says what happened and what to do next."""

from __future__ import annotations


class CounterError(Exception):
    """Base of every error meant for the person at the counter (str() is the message)."""


class BadInput(CounterError):
    pass


class OrderNotFound(CounterError):
    pass


class ItemNotOnOrder(CounterError):
    pass


class AlreadyReturned(CounterError):
    pass


class NotRefundable(CounterError):
    pass


class AmountChanged(NotRefundable):
    """Another counter returned units of a line since the cashier saw its refund, and the
    refund of these units moved by more than the rounding remainder: nothing was written."""


class OverrideRefused(CounterError):
    pass


class SignInFailed(CounterError):
    pass


class LockedOut(SignInFailed):
    pass


class AlreadyCommitted(CounterError):
    pass


class NotFound(CounterError):
    pass


class GiftCodeUsed(AlreadyReturned):
    """A gift receipt's code was already used for a return (nothing was written)."""


class AuthorizationRefused(CounterError):
    """A return code that cannot be used: unknown, used, cancelled or expired (one line in
    the cashier's words, with the date), or head office refused its claim at commit."""

"""Pushing one batch so that a message head office cannot take never blocks the others.

Head office refusing content (413/422) or failing (500) on a batch of several is answered by
halving it until the bad message is alone. A refused lone message is rejected at once; a lone
message that keeps getting 500 is only a suspect until another part of the batch is
answered, so a head office that fails on everything (or a proxy's 502/503, or no answer at
all) never turns good messages into exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from counter_app.adapters.central_client import CentralClient, CentralRefused, CentralUnavailable


class _BatchFailed(Exception):
    """Head office answered 500 for a batch of several: split it rather than retry it whole."""


def _push_once(client: CentralClient, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return client.push(messages)
    except CentralUnavailable as exc:
        if exc.status_code == 500 and len(messages) > 1:
            raise _BatchFailed(str(exc)) from exc
        raise


# A head office failing on everything would otherwise make every message a suspect.
MAX_SUSPECTS_UNANSWERED = 8


@dataclass
class _Isolation:
    """What a push learnt while halving: whether anything was answered, and the suspects."""

    answered: bool = False
    suspects: list[dict[str, Any]] = field(default_factory=list)


def push_isolating_bad(
    client: CentralClient,
    messages: list[dict[str, Any]],
    retry: Callable[[Callable[[], Any]], Any],
) -> list[dict[str, Any]]:
    """Push a batch; if head office cannot take it, find the bad message(s) by halving.

    One bad message must not hold back every return after it: it is answered "rejected"
    here, becomes a sync exception for a manager, and the rest go through. Refused content
    (413/422) is isolated at once. A 500 is isolated only with evidence it is the message,
    not head office: a lone message that still gets 500 after its retries is a suspect, and
    becomes an exception only if another part of the batch was answered. An outage
    (502/503, no answer) never marks anything: the messages stay pending.
    """
    state = _Isolation()
    results = _split_push(client, messages, retry, state)
    if state.suspects and not state.answered:
        raise CentralUnavailable("head office answered 500 for every message; try later", 500)
    if state.answered:
        for message in state.suspects:
            reason = (
                "head office failed on this message (HTTP 500) every time it was sent, "
                "while it accepted the others; it was set aside"
            )
            results.append({"id": message["id"], "status": "rejected", "reason": reason})
    return results


def _split_push(
    client: CentralClient,
    messages: list[dict[str, Any]],
    retry: Callable[[Callable[[], Any]], Any],
    state: _Isolation,
) -> list[dict[str, Any]]:
    single = len(messages) == 1
    # Only the first lone suspect is retried before anything is answered: if head office
    # fails on everything, finding that out must not cost a retry series per message.
    retried = state.answered or not state.suspects or not single
    action = functools.partial(_push_once, client, messages)
    try:
        results: list[dict[str, Any]] = retry(action) if retried else action()
        state.answered = True
        return results
    except CentralRefused as exc:
        if not exc.bad_content:
            raise
        if single:
            reason = f"head office could not accept this message: {exc}"[:2000]
            return [{"id": messages[0]["id"], "status": "rejected", "reason": reason}]
    except _BatchFailed:
        pass  # split below
    except CentralUnavailable as exc:
        if exc.status_code != 500 or not single:
            raise
        state.suspects.append(messages[0])
        if not state.answered and len(state.suspects) >= MAX_SUSPECTS_UNANSWERED:
            raise
        return []
    middle = len(messages) // 2
    return _split_push(client, messages[:middle], retry, state) + _split_push(
        client, messages[middle:], retry, state
    )

"""Terraform's warning for -target: a targeted plan (or apply) is not the whole picture."""

from __future__ import annotations


def targeting_warning(targets: list[str], *, applied: bool = False) -> tuple[str, str] | None:
    """(title, body), or None without targets."""
    if not targets:
        return None
    if applied:
        return "Applied changes may be incomplete", (
            "The plan was made with --target, so changes the topology asks for outside "
            f"{', '.join(targets)} were not applied. Run `vtopo plan` to see whether others are pending."
        )
    return "Resource targeting is in effect", (
        f"This plan covers only {', '.join(targets)}, so it may not show every change the topology "
        "asks for. --target is for exceptional situations such as recovering from an error, "
        "not for routine use."
    )

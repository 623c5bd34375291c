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


def unreachable_lines(
    unreachable: dict[str, tuple[str, str | None]], proceed: str | None, *, covered: str = "plan", suggest: bool = True
) -> list[str]:
    """Each unreachable database once (its error and hint), then what can proceed without them.

    unreachable: database -> (message, hint); covered: what the output above is ("plan",
    "graph"): it leaves them out."""
    names = ", ".join(unreachable)
    lines: list[str] = []
    for message, hint in unreachable.values():
        lines.append(f"error: {message}")
        if hint:
            lines.append(f"hint: {hint}")
    lines.append(f"The {covered} above covers only the reachable databases; what {names} holds is not known.")
    if not suggest:
        return lines
    if proceed:
        lines.append(f"To apply what does not need {names}: {proceed}")
    else:
        lines.append(f"Nothing can be applied without {names}.")
    return lines

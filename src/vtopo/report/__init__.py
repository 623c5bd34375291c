"""Reports: pure functions of a Plan or an apply result (text, json, markdown)."""

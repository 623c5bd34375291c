"""Reports: pure functions of results (a Plan, an apply outcome, a status, check results...):
text, rich renderables, JSON documents, markdown. Printing is the CLI's."""

"""People of a workspace: users, roles, teams, API tokens and web sessions."""
